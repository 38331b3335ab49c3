"""Real `portevoix` processes for the tests that cross process boundaries (tests/faults/,
tests/journeys/): `python -m app run` servers, `worker`s and one-shot CLI commands, on
the test's own database and Redis, started and stopped like in production.

`Processes.env` hands a process the test's settings: on the servers backend the test
PostgreSQL and Redis; on the embedded backend the test's SQLite file and data directory,
and so the data directory's own embedded Redis, which every process there shares.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from app.runtime import Runtime
from app.settings import Settings
from tests.helpers import eventually

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Processes:
    settings: Settings
    tmp: Path
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)
    common: dict[str, str] = field(default_factory=dict)  # every process's extra settings

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
        env.update(
            DATABASE_URL=self.settings.effective_database_url(),
            REDIS_URL=self.settings.redis_url,
            SECRET_KEY=self.settings.secret_key,
            ADMIN_TOKEN=self.settings.admin_token,
            PUBLIC_BASE_URL=self.settings.public_base_url,
            DATA_DIR=str(self.settings.data_dir),
            LOG_LEVEL="WARNING",
            DEMO_ON_EMPTY="false",
            BROADCAST_LEASE_SECONDS="3",
        )
        env.update(self.common)
        env.update(extra)
        return env

    def start(self, command: str, *args: str, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{command}-{len(self.started)}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "app", command, *args],
            cwd=ROOT,
            env=self.env(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(process)
        return process

    async def web(
        self, port: int | None = None, **extra: str
    ) -> tuple[subprocess.Popen[bytes], str]:
        port = port or free_port()
        process = self.start("run", PORT=str(port), HOST="127.0.0.1", **extra)
        base = f"http://127.0.0.1:{port}"
        await wait_ready(base, process)
        return process, base

    async def command(
        self, *args: str, stdin: str = "", **extra: str
    ) -> subprocess.CompletedProcess[str]:
        """Run one CLI command to its end (in a thread: the test's servers keep serving)."""
        return await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "app", *args],
            cwd=ROOT,
            env=self.env(**extra),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def log(self, process: subprocess.Popen[bytes]) -> str:
        index = self.started.index(process)
        [path] = self.tmp.glob(f"*-{index}.log")
        return path.read_text(errors="replace")

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@asynccontextmanager
async def running_processes(
    settings: Settings, runtime: Runtime, tmp: Path
) -> AsyncIterator[Processes]:
    """A test's processes: the policy published first (as an installation has it, so
    people can join), every process stopped at the end, whatever the test did."""
    await runtime.policy.publish_from_files()
    procs = Processes(settings, tmp)
    try:
        yield procs
    finally:
        procs.stop_all()


async def wait_ready(base: str, process: subprocess.Popen[bytes], within: float = 30) -> None:
    async with aiohttp.ClientSession() as session:

        async def ready() -> bool:
            if process.poll() is not None:  # not an AssertionError: no use waiting longer
                raise RuntimeError(f"the process exited with {process.returncode}")
            try:
                async with session.get(f"{base}/readyz") as response:
                    return response.status == 200
            except aiohttp.ClientError:
                return False

        await eventually(ready, within=within, every=0.1, what=f"{base}/readyz answering 200")
