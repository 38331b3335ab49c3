"""What every benchmark's `main()` does around its measures: the skipped line when the
services it needs are not set, a scratch folder for the run, and the machine's load.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.processes import progress


def skipped_without_services(bench: str, why: str) -> bool:
    """True, after printing the `skipped` line that `make bench` shows, when
    TEST_DATABASE_URL or TEST_REDIS_URL is not set: the benchmark then exits 0."""
    if os.environ.get("TEST_DATABASE_URL") and os.environ.get("TEST_REDIS_URL"):
        return False
    skipped = f"needs PostgreSQL and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL ({why})"
    print(json.dumps({"bench": bench, "skipped": skipped}), flush=True)
    return True


@contextmanager
def scratch_folder(bench: str, keep: bool) -> Iterator[Path]:
    """A temporary folder for the run's logs and files, removed at the end unless `keep`
    (`--keep`: then its path is said on stderr)."""
    workdir = Path(tempfile.mkdtemp(prefix=f"portevoix-bench-{bench}-"))
    try:
        yield workdir
    finally:
        if keep:
            progress(f"logs and files kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def load_1m() -> float:
    """The machine's load average over the last minute: on a shared machine, how far to
    trust the figures taken beside it."""
    return round(os.getloadavg()[0], 2)
