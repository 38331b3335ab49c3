"""HTTP load for the benchmarks: fixed-rate (open loop) and max-throughput (closed loop).

    echo '{"mode": "fixed", "base_url": "http://127.0.0.1:8080", "rate": 1000,
           "duration": 10, "requests": [["/r/abc", "Mozilla/5.0 ...", "198.51.100.7"]]}' \
      | python bench/harness/loadgen.py

Reads one JSON job on stdin, prints one JSON result on stdout. Run it in its own process
so that the client never shares an event loop (or a core) with the server it measures.

Fixed rate sends request i at `start + i / rate` whatever the server is doing, and times
each one from that planned moment, not from when it was actually sent: a server that
stalls is charged for the requests that queued behind the stall (no coordinated
omission). Closed loop keeps `connections` requests in flight for `duration` seconds.

`run_wrk` does the closed loop with wrk instead, when it is installed: a C client that
needs much less CPU than this one, so on a small machine it measures the server, not
itself. Only 127.0.0.1 is ever a target.
"""

from __future__ import annotations

import asyncio
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

# The visitors of the redirect and worker benchmarks: six browsers' user agents and 256
# client addresses (documentation ranges; the app trusts X-Forwarded-For with PROXY_COUNT=1).
BROWSERS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
]
ADDRESSES = [f"198.51.100.{n}" for n in range(128)] + [f"203.0.113.{n}" for n in range(128)]


def browser(n: int) -> str:
    """The n-th visitor's user agent, taking the six browsers in turn."""
    return BROWSERS[n % len(BROWSERS)]


WRK_SCRIPT = Path(__file__).with_name("wrk_requests.lua")
REQUEST_TIMEOUT_S = 10.0
MAX_IN_FLIGHT = 1000  # open loop: beyond this, requests wait for a connection (and it shows)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def summary(self, elapsed: float) -> dict[str, Any]:
        done = sorted(self.latencies)
        return {
            "requests": len(done),
            "elapsed_s": round(elapsed, 3),
            "rps": round(len(done) / elapsed, 1) if elapsed else 0.0,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "p50_ms": percentile_ms(done, 0.50),
            "p90_ms": percentile_ms(done, 0.90),
            "p99_ms": percentile_ms(done, 0.99),
            "max_ms": round(done[-1] * 1000, 3) if done else None,
        }


def percentile_ms(ordered: list[float], q: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000, 3)


def _check_local(base_url: str) -> None:
    if urlsplit(base_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"loadgen: refusing non-loopback target {base_url}")


def _session(base_url: str, limit: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url,
        connector=aiohttp.TCPConnector(limit=limit),
        cookie_jar=aiohttp.DummyCookieJar(),  # each visit is a first visit, as for a real link
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
        auto_decompress=False,
    )


async def _one(
    session: aiohttp.ClientSession, request: list[str], started: float, tally: Tally
) -> None:
    path, user_agent, ip = request
    try:
        async with session.get(
            path,
            headers={"User-Agent": user_agent, "X-Forwarded-For": ip},
            allow_redirects=False,
        ) as response:
            await response.read()
            tally.statuses[response.status] += 1
    except (TimeoutError, aiohttp.ClientError) as exc:
        tally.errors[type(exc).__name__] += 1
        return
    tally.latencies.append(time.perf_counter() - started)


async def fixed_rate(
    base_url: str, requests: list[list[str]], rate: float, duration: float
) -> dict[str, Any]:
    tally = Tally()
    total = int(rate * duration)
    pending: set[asyncio.Task[None]] = set()
    async with _session(base_url, MAX_IN_FLIGHT) as session:
        start = time.perf_counter() + 0.05
        for i in range(total):
            planned = start + i / rate
            delay = planned - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(_one(session, requests[i % len(requests)], planned, tally))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending)
        elapsed = time.perf_counter() - start
    result = tally.summary(elapsed)
    result.update(mode="fixed", target_rps=rate, sent=total)
    return result


async def closed_loop(
    base_url: str, requests: list[list[str]], connections: int, duration: float
) -> dict[str, Any]:
    tally = Tally()
    async with _session(base_url, connections) as session:
        start = time.perf_counter()
        deadline = start + duration

        async def user(offset: int) -> None:
            i = offset
            while (now := time.perf_counter()) < deadline:
                await _one(session, requests[i % len(requests)], now, tally)
                i += connections

        await asyncio.gather(*(user(n) for n in range(connections)))
        elapsed = time.perf_counter() - start
    result = tally.summary(elapsed)
    result.update(mode="closed", connections=connections)
    return result


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    base_url: str, requests: list[list[str]], connections: int, duration: float
) -> dict[str, Any]:
    """Closed loop with wrk (one thread: the other core is the server's)."""
    _check_local(base_url)
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as listing:
        for path, user_agent, ip in requests:
            listing.write(f"{path}\t{user_agent}\t{ip}\n")
    try:
        done = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{max(1, round(duration))}s",
                f"--timeout={int(REQUEST_TIMEOUT_S)}s",
                "-s",
                str(WRK_SCRIPT),
                base_url,
                "--",
                listing.name,
            ],
            capture_output=True,
            text=True,
            timeout=duration + 30,
            check=True,
        )
    finally:
        Path(listing.name).unlink(missing_ok=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    elapsed = report["duration_us"] / 1e6
    return {
        "mode": "closed",
        "client": "wrk",
        "connections": connections,
        "requests": report["requests"],
        "elapsed_s": round(elapsed, 3),
        "rps": round(report["requests"] / elapsed, 1),
        "errors": {k: report[k] for k in ("connect", "read", "write", "timeout") if report[k]},
        "non_3xx": report["status"],
        "p50_ms": round(report["p50_us"] / 1000, 3),
        "p99_ms": round(report["p99_us"] / 1000, 3),
    }


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """Run one job in a fresh process and return its result."""
    done = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=float(job["duration"]) + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    job = json.load(sys.stdin)
    _check_local(job["base_url"])
    if job["mode"] == "fixed":
        coro = fixed_rate(job["base_url"], job["requests"], job["rate"], job["duration"])
    else:
        coro = closed_loop(job["base_url"], job["requests"], job["connections"], job["duration"])
    result = asyncio.run(coro)
    result["client"] = "aiohttp"
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
