"""Pieces shared by the benchmarks: comparison servers and load generators.

They live in a sub-package so that `make bench`, which runs every `bench/*.py`, does not
mistake them for benchmarks.
"""
