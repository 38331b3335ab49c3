"""The test suite's own promise: a run that skipped tests says which and how to run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_run_without_servers_ends_saying_what_was_skipped_and_how_to_run_it() -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    environment.pop("REQUIRE_SERVICES", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_store.py"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    last = result.stdout.strip().splitlines()[-1]
    skipped = int(last.split()[0])
    assert skipped > 0 and f"{skipped} skipped" in result.stdout
    assert last == (
        f"{skipped} tests skipped: {skipped} need PostgreSQL and Redis (set TEST_DATABASE_URL "
        "and TEST_REDIS_URL); .ci/run installs and starts them (README, Development)."
    )
