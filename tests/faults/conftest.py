"""Real processes for fault tests: `python -m app run` replicas and `python -m app worker`s
on the test PostgreSQL database and a Redis, started and killed like in production.

These tests need real servers (TEST_DATABASE_URL, TEST_REDIS_URL); they run in CI.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from app.runtime import Runtime
from app.settings import Settings
from tests.processes import Processes, free_port, running_processes

__all__ = ["Processes", "start_redis"]


@pytest.fixture
def servers_only(settings: Settings) -> None:
    if not settings.redis_url:
        pytest.skip("fault tests run on real PostgreSQL and Redis (the servers backend)")


@pytest.fixture
async def processes(
    servers_only: None, settings: Settings, runtime: Runtime, tmp_path: Path
) -> AsyncIterator[Processes]:
    async with running_processes(settings, runtime, tmp_path) as procs:
        yield procs


@pytest.fixture
def redis_on_its_own_port(tmp_path: Path) -> Iterator[tuple[int, list[subprocess.Popen[bytes]]]]:
    """A Redis of this test only, that the test can stop and start again."""
    port = free_port()
    running: list[subprocess.Popen[bytes]] = []
    yield port, running
    for process in running:
        if process.poll() is None:
            process.kill()
            process.wait()


def start_redis(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    """Configured as production should be for the click stream: every write in the
    append-only file, so a Redis that dies comes back with what it had accepted."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)  # a synchronous fixture polling for redis-server to listen
    raise AssertionError("redis-server did not start")
