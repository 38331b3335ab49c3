"""Redirect benchmark: what `GET /r/{code}` costs, and whether every click it serves lands.

    .venv/bin/python bench/redirect.py                  # embedded: SQLite + in-process Redis
    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/redirect.py

Three servers, each in its own process, loaded by the same clients:

- **app**: the real `portevoix run` on a freshly seeded database (one employee who
  accepted the policy, one open job, its eight tracked links), at its default
  LOG_LEVEL=INFO (an access line per request; `--log-level`), on the event loop of
  `--loop` (EVENT_LOOP). On PostgreSQL + Redis a `portevoix worker` process drains the
  click stream on the same cores, as in production: running during the fixed-rate
  phase, paused (SIGSTOP) during the full-speed rounds unless `--worker-at-full-speed
  run` (the stream holds the burst; the worker catches up after, `worker_catch_up_s`).
  In embedded mode `run` drains it in-process, as it does for a newcomer. The abuse
  ceilings are set far above the load (on, so their counting is measured; never 429).
- **baseline**: a bare aiohttp app whose handler only answers 302 (`harness/servers.py`),
  on the same event loop as the app. `ratio` = app rps / baseline rps: what Porte-voix
  adds on top of aiohttp itself; `ratio_rounds`, each interleaved round's.
- **sync_insert**: the usual link-shortener design, one INSERT per click before the 302
  (PostgreSQL through asyncpg when TEST_DATABASE_URL is set, else SQLite: see `backend`).

Phases, each run on every server in turn: a 2 s warm-up; 1,000 req/s for 10 s (open
loop: `p50_ms`/`p99_ms` are timed from each request's planned send time, so a stall is
charged to every request queued behind it; `harness/loadgen.py`); then two 5 s rounds at
full speed with 64 connections, interleaved so that a noisy neighbour hurts all servers
alike, the best kept as `rps` (wrk when installed, else the aiohttp client, which on two
cores measures itself more than the server: see `client`). After each phase on the app,
the benchmark waits for the worker to catch up (`worker_catch_up_*_s`), so no backlog
spills into the next one. Requests cycle through the eight links, six browser user
agents and 256 visitor addresses sent as X-Forwarded-For (the app runs with
PROXY_COUNT=1), so clicks are classified as real visits; one visitor clicking this fast
is mostly `rate_limited`, as it should be (`click_classes`). `cpu_us_per_request` is the
server process's CPU time over the full-speed rounds divided by the requests answered:
on a shared machine it moves much less than `rps` (embedded, it includes the in-process
worker; on servers the worker's own cost is `worker_cpu_us_per_click`). `machine` gives
the load average before and after: above the core count, trust no latency.

At the end the 302s the app says it served (its own /metrics) are compared with the
`click` rows: `clicks_lost` must be 0. `clicks_stored_directly` counts the redirects that
fell back to classifying and storing the click on the request path because the XADD
failed (the app logs each one). Two JSON lines go to stdout, progress to stderr:
`{"bench": "redirect", ...}` and `{"bench": "redirect_sync_insert", ...}` in the same
shape. Targets: `ratio` >= 0.75, `p99_ms` <= 10 (worker running), `clicks_lost` == 0
(`targets_met`); only a lost click makes the exit code non-zero. `fixed_rate_load_1m` and
`rounds_load_1m` give the machine's load at each phase; `worker_cpu_us_per_click_fixed_rate`
the worker's CPU per click of the fixed-rate phase. About 3 to 4 minutes.

Options: `--set NAME=VALUE` passes a setting to the app (e.g. REDIS_MAX_CONNECTIONS=1000),
`--keep` keeps the servers' logs, `--client aiohttp` forces the Python client; see
`--help`. Storage: `harness/backends.py` (a new PostgreSQL database and a Redis database
of the run's own, or temporary SQLite files; all removed at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import loadgen  # noqa: E402
from harness.backends import (  # noqa: E402
    Backend,
    app_env,
    close_backend,
    open_backend,
    redis_flushed_error,
    redis_is_ours,
    seed,
    stored_clicks,
    stored_sync_inserts,
    stream_backlog,
)
from harness.processes import ServerProcess, free_port, progress  # noqa: E402
from harness.runs import load_1m, scratch_folder  # noqa: E402

SERVED_302 = re.compile(
    r'^portevoix_http_requests_total\{method="GET",route="/r/\{code\}",status="302"\} (\S+)$',
    re.MULTILINE,
)
# The redirect's fallback when XADD fails: the click is classified and stored on the
# request path (app/referrals/redirects.py, ClickRecorder.record).
DIRECT_STORE = re.compile(r"^.*storing click \w+ directly$", re.MULTILINE)
PROBLEM = re.compile(r"^.*(?:ERROR|CRITICAL|Traceback|batch failed).*$", re.MULTILINE)
TARGETS = {"ratio": 0.75, "p99_ms": 10.0, "clicks_lost": 0}


def visits(codes: list[str]) -> list[list[str]]:
    """(path, user agent, client address) for each link and each of 256 visitors."""
    rows = [
        [f"/r/{code}", loadgen.browser(n), address]
        for code in codes
        for n, address in enumerate(loadgen.ADDRESSES)
    ]
    random.Random(7).shuffle(rows)
    return rows


# -- what the app recorded ----------------------------------------------------------------


def served_302(base_url: str) -> int:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    match = SERVED_302.search(text)
    return int(float(match.group(1))) if match else 0


async def wait_drained(backend: Backend, base_url: str, stall_s: float = 20.0) -> float:
    """Wait until every 302 served has its click row; give up after `stall_s` without
    progress. Returns the seconds waited."""
    started = last_progress = time.monotonic()
    last = -1
    while True:
        served = served_302(base_url)
        stored = sum((await stored_clicks(backend)).values())
        if stored >= served and await stream_backlog(backend) == 0:
            return time.monotonic() - started
        if stored != last:
            last, last_progress = stored, time.monotonic()
        elif time.monotonic() - last_progress > stall_s:
            if not await redis_is_ours(backend):
                raise redis_flushed_error(backend)
            progress(f"worker stalled: {stored} clicks stored for {served} redirects served")
            return time.monotonic() - started
        await asyncio.sleep(0.25)


# -- load -----------------------------------------------------------------------------------


def closed_loop(
    base_url: str, rows: list[list[str]], args: argparse.Namespace, seconds: float
) -> dict[str, Any]:
    if args.client == "wrk":
        return loadgen.run_wrk(base_url, rows, args.connections, seconds)
    job = {"mode": "closed", "base_url": base_url, "requests": rows}
    return loadgen.run_job(job | {"connections": args.connections, "duration": seconds})


def fixed_rate(base_url: str, rows: list[list[str]], args: argparse.Namespace) -> dict[str, Any]:
    job = {"mode": "fixed", "base_url": base_url, "requests": rows, "rate": args.rate}
    return loadgen.run_job(job | {"duration": args.rate_seconds})


def nothing() -> None:
    return None


@dataclass
class Target:
    """A server under load: where it answers, what to wait for after each phase (the app's
    worker catching up), its CPU time so far, and what to do around a full-speed round
    (the app's worker paused, unless --worker-at-full-speed run)."""

    url: str
    settle: Callable[[], float]
    cpu: Callable[[], float | None]
    pause: Callable[[], None] = nothing
    resume: Callable[[], None] = nothing
    worker_cpu: Callable[[], float | None] = lambda: None


def full_speed(target: Target, rows: list[list[str]], args: argparse.Namespace) -> dict[str, Any]:
    target.pause()
    before = target.cpu()
    try:
        result = closed_loop(target.url, rows, args, args.seconds)
    finally:
        after = target.cpu()
        target.resume()
    if before is not None and after is not None:
        result["cpu_s"] = after - before
    return result


def measure(
    targets: dict[str, Target], rows: list[list[str]], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Each phase for every server in turn: warm-up, fixed rate, then the full-speed rounds
    interleaved, so that a noisy neighbour hurts all of them alike; `settle` runs after
    each phase, so no backlog spills into the next one. Blocking: it waits on the load
    generator processes."""
    results: dict[str, dict[str, Any]] = {name: {"rounds": []} for name in targets}
    for name, target in targets.items():
        progress(f"{name}: warm-up")
        results[name]["warm_up"] = closed_loop(target.url, rows, args, 2)
        target.settle()
    for name, target in targets.items():
        progress(f"{name}: {args.rate:g} req/s for {args.rate_seconds:g}s")
        worker_before = target.worker_cpu()
        results[name]["fixed"] = fixed = fixed_rate(target.url, rows, args)
        fixed["load_1m"] = round(os.getloadavg()[0], 2)
        results[name]["fixed_drain_s"] = round(target.settle(), 2)
        worker_after = target.worker_cpu()
        if worker_before is not None and worker_after is not None:
            fixed["worker_cpu_s"] = worker_after - worker_before
        progress(f"{name}: p50 {fixed['p50_ms']} ms, p99 {fixed['p99_ms']} ms")
    for n in range(1, args.rounds + 1):
        for name, target in targets.items():
            progress(f"{name}: full speed {n}/{args.rounds}, {args.seconds:g}s ({args.client})")
            result = full_speed(target, rows, args)
            result["load_1m"] = round(os.getloadavg()[0], 2)
            results[name]["rounds"].append(result)
            results[name]["drain_s"] = round(target.settle(), 2)
            progress(f"{name}: {result['rps']:.0f} req/s")
    for result in results.values():
        result["closed"] = max(result["rounds"], key=lambda r: float(r["rps"]))
        rounds = result["rounds"]
        if all("cpu_s" in r for r in rounds):
            cpu = sum(r["cpu_s"] for r in rounds) / sum(r["requests"] for r in rounds)
            result["cpu_us_per_request"] = round(cpu * 1e6, 1)
    return results


def answered_302(result: dict[str, Any]) -> int:
    """302s the client saw (wrk cannot tell 302 from other 3xx: none here)."""
    if result["client"] == "wrk":
        return int(result["requests"]) - int(result["non_3xx"])
    return int(result["statuses"].get("302", 0))


# -- the run ----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="each full-speed round")
    parser.add_argument("--rounds", type=int, default=2, help="full-speed rounds (best kept)")
    parser.add_argument("--rate", type=float, default=1000.0, help="fixed-rate phase, req/s")
    parser.add_argument("--rate-seconds", type=float, default=10.0, help="fixed-rate length")
    parser.add_argument("--connections", type=int, default=64, help="full-speed connections")
    parser.add_argument("--client", choices=["auto", "wrk", "aiohttp"], default="auto")
    parser.add_argument("--keep", action="store_true", help="keep the servers' logs and files")
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default="INFO",
        help="the app's LOG_LEVEL (INFO, its default, writes an access line per request)",
    )
    parser.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="asyncio",
        help="the event loop of the app (EVENT_LOOP) and of the bare baseline alike",
    )
    parser.add_argument(
        "--worker-at-full-speed",
        choices=["pause", "run"],
        default="pause",
        help="the click worker during the full-speed rounds: paused (SIGSTOP; the stream "
        "holds the burst, it catches up after) or running on the same cores",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an app setting for this run, e.g. --set REDIS_MAX_CONNECTIONS=200",
    )
    args = parser.parse_args()
    if args.client == "auto":
        args.client = "wrk" if loadgen.wrk_available() else "aiohttp"
    if args.client == "aiohttp":
        progress("wrk not found (apt-get install wrk): full speed uses the aiohttp client")
    if any("=" not in item for item in args.set):
        parser.error("--set takes NAME=VALUE")
    args.app_settings = dict(item.split("=", 1) for item in args.set)
    return args


def start_servers(
    args: argparse.Namespace, backend: Backend, workdir: Path, app_port: int
) -> dict[str, ServerProcess]:
    """app (+ worker on servers), baseline and sync_insert, each healthy or an error."""
    logs = workdir / "logs"
    logs.mkdir()
    env = app_env(backend, app_port, workdir, args.log_level, args.loop, args.app_settings)
    python = sys.executable
    harness = str(ROOT / "bench" / "harness" / "servers.py")
    base_port, sync_port = free_port(), free_port()
    sync_db = backend.sync_insert_url
    commands = {
        "app": ([python, "-m", "app", "run"], f"http://127.0.0.1:{app_port}/readyz"),
        "worker": ([python, "-m", "app", "worker"], None),
        "baseline": (
            [python, harness, "baseline", "--port", str(base_port), "--loop", args.loop],
            f"http://127.0.0.1:{base_port}/healthz",
        ),
        "sync_insert": (
            [python, harness, "sync-insert", "--port", str(sync_port), "--db", sync_db],
            f"http://127.0.0.1:{sync_port}/healthz",
        ),
    }
    if backend.embedded:
        del commands["worker"]  # `portevoix run` drains the in-process stream itself
    servers: dict[str, ServerProcess] = {}
    try:
        for name, (argv, health) in commands.items():
            servers[name] = ServerProcess(name, argv, env, ROOT, logs)
            if health:
                servers[name].wait_healthy(health)
                servers[name].url = health.rsplit("/", 1)[0]
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def stop_servers(servers: dict[str, ServerProcess]) -> None:
    for server in reversed(servers.values()):
        code = server.stop()
        if code not in (0, None, -15):
            progress(f"{server.name} exited with {code}:\n{server.log_tail()}")


def still_running(servers: dict[str, ServerProcess]) -> None:
    for server in servers.values():
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} died during the run:\n{server.log_tail()}")


def log_lines(server: ServerProcess | None, pattern: re.Pattern[str]) -> list[str]:
    if server is None:
        return []
    return pattern.findall(server.log_path.read_text(errors="replace"))


def app_target(
    servers: dict[str, ServerProcess], args: argparse.Namespace, drained: Callable[[], float]
) -> Target:
    """The app, its worker (if it has its own process) paused around each full-speed
    round unless --worker-at-full-speed run."""
    app = Target(servers["app"].url, drained, servers["app"].cpu_seconds)
    worker = servers.get("worker")
    if worker is None:
        return app
    app.worker_cpu = worker.cpu_seconds
    if args.worker_at_full_speed == "pause":
        app.pause = lambda: os.kill(worker.pid, signal.SIGSTOP)
        app.resume = lambda: os.kill(worker.pid, signal.SIGCONT)
    return app


async def run(args: argparse.Namespace, workdir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    backend = await open_backend(workdir)
    try:
        progress(f"backend: {backend.label}; seeding")
        app_port = free_port()
        app_url = f"http://127.0.0.1:{app_port}"
        rows = visits(await seed(backend, workdir, app_url))
        servers = start_servers(args, backend, workdir, app_port)
        try:

            def drained() -> float:
                still_running(servers)
                return asyncio.run(wait_drained(backend, app_url))

            def alive() -> float:
                still_running(servers)
                return 0.0

            targets = {
                "baseline": Target(servers["baseline"].url, alive, servers["baseline"].cpu_seconds),
                "app": app_target(servers, args, drained),
                "sync_insert": Target(
                    servers["sync_insert"].url, alive, servers["sync_insert"].cpu_seconds
                ),
            }
            # In a thread: it blocks, and drained() runs an event loop of its own.
            results = await asyncio.to_thread(measure, targets, rows, args)
            worker_cpu = servers["worker"].cpu_seconds() if "worker" in servers else None
            if not await redis_is_ours(backend):
                raise redis_flushed_error(backend)
            served = served_302(app_url)
            classes = await stored_clicks(backend)
            sync_rows = await stored_sync_inserts(backend)
        finally:
            stop_servers(servers)
        direct = len(log_lines(servers["app"], DIRECT_STORE))
        if served != sum(classes.values()):
            for name in ("app", "worker"):
                for line in log_lines(servers.get(name), PROBLEM)[-20:]:
                    progress(f"{name}: {line}")
        if served < seen_302(results["app"]):
            raise RuntimeError(f"{app_url}/metrics no longer counts the 302s of /r/{{code}}")
        main, sync = report(args, backend, results, served, classes, sync_rows)
        main["clicks_stored_directly"] = direct
        fixed = results["app"]["fixed"]
        if "worker_cpu_s" in fixed and answered_302(fixed):
            per_click = fixed["worker_cpu_s"] / answered_302(fixed)
            main["worker_cpu_us_per_click_fixed_rate"] = round(per_click * 1e6, 1)
        if worker_cpu is not None and main["clicks_recorded"]:
            main["worker_cpu_us_per_click"] = round(worker_cpu / main["clicks_recorded"] * 1e6, 1)
        return main, sync
    finally:
        await close_backend(backend)


def seen_302(result: dict[str, Any]) -> int:
    return sum(answered_302(r) for r in [result["warm_up"], result["fixed"], *result["rounds"]])


def failed(result: dict[str, Any]) -> dict[str, int]:
    """Client-side errors (timeouts, resets...) over all the phases of one server."""
    counts: dict[str, int] = {}
    for phase in [result["warm_up"], result["fixed"], *result["rounds"]]:
        for kind, n in phase["errors"].items():
            counts[kind] = counts.get(kind, 0) + n
        if phase.get("non_3xx"):
            counts["non_3xx"] = counts.get("non_3xx", 0) + phase["non_3xx"]
        for status, n in phase.get("statuses", {}).items():
            if status != "302":
                counts[f"status_{status}"] = counts.get(f"status_{status}", 0) + n
    return counts


def cpu_ratio(app: dict[str, Any], baseline: dict[str, Any]) -> float | None:
    if not app.get("cpu_us_per_request") or not baseline.get("cpu_us_per_request"):
        return None
    return round(baseline["cpu_us_per_request"] / app["cpu_us_per_request"], 3)


def report(
    args: argparse.Namespace,
    backend: Backend,
    results: dict[str, dict[str, Any]],
    served: int,
    classes: dict[str, int],
    sync_rows: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    baseline, app, sync = results["baseline"], results["app"], results["sync_insert"]
    base_rps = baseline["closed"]["rps"]
    recorded = sum(classes.values())
    main = {
        "bench": "redirect",
        "backend": backend.label,
        "rps": app["closed"]["rps"],
        "baseline_rps": base_rps,
        "ratio": round(app["closed"]["rps"] / base_rps, 3),
        # Each round's app against the baseline round just before it: the spread says
        # how much a busy neighbour moved the ratio.
        "ratio_rounds": [
            round(a["rps"] / b["rps"], 3)
            for a, b in zip(app["rounds"], baseline["rounds"], strict=True)
        ],
        "log_level": args.log_level,
        "event_loop": args.loop,
        "worker_during_fixed_rate": "none (in-process)" if backend.embedded else "running",
        "worker_during_full_speed": (
            "in-process" if backend.embedded else args.worker_at_full_speed + "d"
        ),
        "p50_ms": app["fixed"]["p50_ms"],
        "p99_ms": app["fixed"]["p99_ms"],
        "requests": served,
        "requests_seen_by_clients": seen_302(app),
        "clicks_recorded": recorded,
        "clicks_lost": served - recorded,
        "click_classes": classes,
        "fixed_rate_rps": args.rate,
        "fixed_rate_answered_rps": app["fixed"]["rps"],
        "fixed_rate_s": args.rate_seconds,
        "fixed_rate_max_ms": app["fixed"]["max_ms"],
        "baseline_p50_ms": baseline["fixed"]["p50_ms"],
        "baseline_p99_ms": baseline["fixed"]["p99_ms"],
        "duration_s": args.seconds,
        "rounds": args.rounds,
        "rps_rounds": [r["rps"] for r in app["rounds"]],
        "baseline_rps_rounds": [r["rps"] for r in baseline["rounds"]],
        "connections": args.connections,
        "client": args.client,
        "app_settings": args.app_settings,
        "full_speed_p99_ms": app["closed"]["p99_ms"],
        "fixed_rate_load_1m": app["fixed"]["load_1m"],
        "rounds_load_1m": [r["load_1m"] for r in app["rounds"]],
        "worker_catch_up_after_fixed_rate_s": app["fixed_drain_s"],
        "worker_catch_up_s": app["drain_s"],
        "errors": {name: errors for name, result in results.items() if (errors := failed(result))},
        "cpu_us_per_request": app.get("cpu_us_per_request"),
        "baseline_cpu_us_per_request": baseline.get("cpu_us_per_request"),
        # The bare app's CPU per request over the app's: what `ratio` would read if each
        # server had a core of its own (a busy machine moves it much less than `ratio`).
        "cpu_ratio": cpu_ratio(app, baseline),
        "sync_insert_backend": "postgresql" if not backend.embedded else "sqlite",
        "sync_insert_rps": sync["closed"]["rps"],
        "sync_insert_ratio": round(sync["closed"]["rps"] / base_rps, 3),
        "sync_insert_p50_ms": sync["fixed"]["p50_ms"],
        "sync_insert_p99_ms": sync["fixed"]["p99_ms"],
        "sync_insert_cpu_us_per_request": sync.get("cpu_us_per_request"),
    }
    main["targets_met"] = {
        "ratio": main["ratio"] >= TARGETS["ratio"],
        "p99_ms": main["p99_ms"] is not None and main["p99_ms"] <= TARGETS["p99_ms"],
        "clicks_lost": main["clicks_lost"] == TARGETS["clicks_lost"],
    }
    # The INSERT comes before the 302, so rows >= 302s seen: a missing row is a lost click.
    sync_seen = seen_302(sync)
    sync_line = {
        "bench": "redirect_sync_insert",
        "backend": main["sync_insert_backend"],
        "rps": sync["closed"]["rps"],
        "baseline_rps": base_rps,
        "ratio": main["sync_insert_ratio"],
        "p50_ms": sync["fixed"]["p50_ms"],
        "p99_ms": sync["fixed"]["p99_ms"],
        "requests": sync_seen,
        "clicks_recorded": sync_rows,
        "clicks_lost": max(0, sync_seen - sync_rows),
        "fixed_rate_rps": args.rate,
        "fixed_rate_answered_rps": sync["fixed"]["rps"],
        "fixed_rate_max_ms": sync["fixed"]["max_ms"],
        "duration_s": args.seconds,
        "rounds": args.rounds,
        "rps_rounds": [r["rps"] for r in sync["rounds"]],
        "cpu_us_per_request": sync.get("cpu_us_per_request"),
        "baseline_cpu_us_per_request": baseline.get("cpu_us_per_request"),
        "client": args.client,
    }
    return main, sync_line


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    load_before = load_1m()
    with scratch_folder("redirect", args.keep) as workdir:
        main_line, sync_line = asyncio.run(run(args, workdir))
    progress(f"done in {time.monotonic() - started:.0f}s")
    # A shared machine: how busy it was says how far to trust the numbers.
    machine = {"cpus": os.cpu_count(), "load_1m": [load_before, load_1m()]}
    main_line["machine"] = sync_line["machine"] = machine
    print(json.dumps(main_line), flush=True)
    print(json.dumps(sync_line), flush=True)
    return 0 if main_line["clicks_lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
