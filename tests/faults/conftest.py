"""Real processes for fault tests: `python -m app run` replicas and `python -m app worker`s
on the test PostgreSQL database and a Redis, started and killed like in production.

These tests need real servers (TEST_DATABASE_URL, TEST_REDIS_URL); they run in CI.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from app.runtime import Runtime
from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Processes:
    settings: Settings
    tmp: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
        env.update(
            DATABASE_URL=self.settings.effective_database_url(),
            REDIS_URL=self.settings.redis_url,
            SECRET_KEY=self.settings.secret_key,
            ADMIN_TOKEN=self.settings.admin_token,
            PUBLIC_BASE_URL=self.settings.public_base_url,
            DATA_DIR=str(self.tmp),
            LOG_LEVEL="WARNING",
            DEMO_ON_EMPTY="false",
            BROADCAST_LEASE_SECONDS="3",
        )
        env.update(extra)
        return env

    def start(self, command: str, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{command}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "app", command],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    async def web(self, **extra: str) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        process = self.start("run", PORT=str(port), HOST="127.0.0.1", **extra)
        base = f"http://127.0.0.1:{port}"
        await wait_ready(base, process)
        return process, base

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def wait_ready(base: str, process: subprocess.Popen[bytes], within: float = 30) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the process exited with {process.returncode}")
            try:
                async with session.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{base} never became ready")


@pytest.fixture
def servers_only(settings: Settings) -> None:
    if not settings.redis_url:
        pytest.skip("fault tests run on real PostgreSQL and Redis (the servers backend)")


@pytest.fixture
async def processes(
    servers_only: None, settings: Settings, runtime: Runtime, tmp_path: Path
) -> AsyncIterator[Processes]:
    await runtime.policy.publish_from_files()
    procs = Processes(settings, tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()


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
            time.sleep(0.05)
    raise AssertionError("redis-server did not start")
