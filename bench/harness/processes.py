"""Server processes for the benchmarks: start on a free port, wait until healthy, stop.

Each server's output goes to a log file (shown on failure), never to the benchmark's
stdout, which carries only the JSON result.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class ServerProcess:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], cwd: Path, logs: Path):
        self.name = name
        self.url = ""  # set once it answers
        self.log_path = logs / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the process has used so far (Linux; None elsewhere).
        On a shared machine this is a steadier cost than throughput: a busy neighbour
        slows a server down far more than it makes each request cost more CPU."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat.rsplit(")", 1)[1].split()  # fields from the 3rd (state) on
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def wait_healthy(self, url: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not healthy after {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (a clean shutdown), then SIGKILL if it hangs; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                progress(f"{self.name} ignored SIGTERM for {timeout}s: killing it")
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


def child_env(drop: set[str], values: dict[str, str]) -> dict[str, str]:
    """This process's environment less the `drop` variables (settings that must not leak
    into a server from the shell), plus `values`."""
    env = {k: v for k, v in os.environ.items() if k.upper() not in drop}
    env.update(values)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@asynccontextmanager
async def profiled(enabled: bool, label: str) -> AsyncIterator[None]:
    """With `--profile`: cProfile the block and print its top functions to stderr."""
    if not enabled:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        progress(f"profile of {label}:\n{out.getvalue()}")
