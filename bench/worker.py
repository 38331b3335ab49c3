"""Worker benchmark: what the click worker costs beside the web process, and its queries
late in a busy day.

    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/worker.py

PostgreSQL and Redis only: the production topology, a `portevoix run` web process and a
`portevoix worker` process on the same machine. It makes a database
`portevoix_bench_<random>` (dropped at the end) and uses BENCH_REDIS_URL, or an empty
database of TEST_REDIS_URL's server (flushed at the end if still the run's:
`harness/backends.py`). Three measures, each with its baseline in the same run:

1. **worker**: `--employees` sharers with a tracked link per network, visited from 256
   addresses and six browsers (`harness/loadgen.py`'s visitors). A worker process runs with
   CLICK_WORKER_WAIT_MS=`--wait-ms` (`new`) or 0 (`baseline`: a batch is whatever the
   stream holds when the worker reads, as before), in alternating order over `--rounds`
   rounds, a fresh process each time, and is measured twice:
   - fed straight into the stream at `--rate` clicks/s for `--seconds` (the entries the
     redirects would write), after 3 s fed untimed to warm it up: `cpu_us_per_click` =
     the worker's CPU time until the stream is empty / the clicks stored. Neither the
     web process nor the load generator competes for the cores: the figure to compare;
   - beside the web process loaded at `--rate` redirects/s (open loop,
     `harness/loadgen.py`): `web_p50_ms` / `web_p99_ms` (does the worker starve the web
     on two cores?), `web_answered_rps`, `web_cpu_us_per_request` (per answered
     request: high when the web falls behind) and `beside_web_cpu_us_per_click`.
2. **daily_cap**: the ledger of a busy day (`--day-rows` unique-click entries today for
   `--day-employees` people, most of them past their caps, as in the issue: `BusyDay`),
   on top of `--year-rows` entries over the past year. The worker's cap query
   (`caps._earned`, for a batch of 200 clicks of the people who get them) is timed at a
   quarter, half and all of the day's rows: `new` (the entries that earned points,
   through the partial index of migration 0010) against `baseline` (every entry of the
   day, the query before it), interleaved call by call.
3. **generic_plan**: `--year-clicks` clicks over a year; one prepared statement, unique
   clicks per day over 365 days, run 10 times on a connection with PostgreSQL's default
   plan cache (`baseline`: a generic plan from the sixth run on) and on one with the
   app's `plan_cache_mode=force_custom_plan` (`new`); runs 6 to 10 are timed.

One JSON line on stdout (`{"bench": "worker", ...}`), progress on stderr; `machine` gives
the load average before and after: on a shared machine compare ratios, not absolutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from harness import loadgen  # noqa: E402
from harness.backends import (  # noqa: E402
    SECRET_KEY,
    app_env,
    close_backend,
    open_backend,
    redis_flushed_error,
    redis_is_ours,
)
from harness.processes import ServerProcess, free_port, progress  # noqa: E402
from harness.runs import load_1m, scratch_folder, skipped_without_services  # noqa: E402
from harness.scratch import admin_dsn  # noqa: E402
from redis.asyncio import Redis  # noqa: E402

from app.settings import Settings  # noqa: E402

TARGETS = {"cpu_us_per_click": 150.0, "daily_cap_ms": 5.0}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000.0, help="redirects per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="each loaded phase")
    parser.add_argument("--rounds", type=int, default=2, help="new/baseline pairs")
    parser.add_argument("--wait-ms", type=int, default=200, help="CLICK_WORKER_WAIT_MS (new)")
    parser.add_argument("--employees", type=int, default=40, help="sharers (8 links each)")
    parser.add_argument("--day-employees", type=int, default=200, help="who gets today's clicks")
    parser.add_argument("--day-rows", type=int, default=100_000)
    parser.add_argument("--year-rows", type=int, default=400_000)
    parser.add_argument("--year-clicks", type=int, default=300_000)
    parser.add_argument("--keep", action="store_true", help="keep the processes' logs")
    args = parser.parse_args()
    if args.rounds < 1 or args.seconds <= 0 or args.rate <= 0 or args.employees < 1:
        parser.error("--rounds, --seconds, --rate and --employees must be above 0")
    return args


# -- storage ------------------------------------------------------------------------------


async def seed_sharers(settings: Settings, employees: int) -> list[str]:
    """Migrate, then make sharers and their links through the real services."""
    from app.jobs.schemas import JobCreate
    from app.people.schemas import EmployeeCreate
    from app.referrals.models import ContentType
    from app.runtime import CLI_PROCESS, open_runtime

    async with open_runtime(settings, CLI_PROCESS, migrate=True) as runtime:
        await runtime.policy.publish_from_files()
        job = await runtime.content.create_job(
            JobCreate(title="Backend Engineer", apply_url="https://careers.example.com/b")
        )
        await runtime.content.publish_job(job.id)
        codes = []
        for n in range(employees):
            sharer = await runtime.people.create(
                EmployeeCreate(
                    email=f"sharer{n}@example.com", name=f"Sharer {n}", department=f"D{n % 8}"
                )
            )
            await runtime.policy.accept(sharer, "telegram")
            codes += [s.code for s in await runtime.links.shares(sharer, ContentType.JOB, job.id)]
    return codes


def visits(codes: list[str]) -> list[list[str]]:
    """(path, user agent, client address): every link, 256 addresses, six browsers."""
    rng = random.Random(7)
    addresses = loadgen.ADDRESSES
    return [
        [f"/r/{rng.choice(codes)}", loadgen.browser(n), addresses[n % len(addresses)]]
        for n in range(20_000)
    ]


# -- 1. the worker beside the web process ---------------------------------------------------


class Processes:
    """The web process for the whole run; one worker process per phase."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.web = ServerProcess("web", [sys.executable, "-m", "app", "run"], env, ROOT, logs)
        self.web.wait_healthy(f"{env['PUBLIC_BASE_URL']}/readyz")

    def worker(self, name: str, wait_ms: int) -> ServerProcess:
        env = self.env | {"CLICK_WORKER_WAIT_MS": str(wait_ms)}
        return ServerProcess(name, [sys.executable, "-m", "app", "worker"], env, ROOT, self.logs)


async def stored(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT COUNT(*) FROM click"))


async def drained(redis: Redis, worker: ServerProcess, stall_s: float = 30.0) -> None:
    """Until the stream is empty (the worker deletes what it stored); an error if it
    stops shrinking for `stall_s`."""
    from app.referrals.clicks import STREAM

    left, last_progress = None, time.monotonic()
    while waiting := await redis.xlen(STREAM):
        if left is None or waiting < left:
            left, last_progress = waiting, time.monotonic()
        if worker.proc.poll() is not None or time.monotonic() - last_progress > stall_s:
            raise RuntimeError(f"the worker stopped draining the stream:\n{worker.log_tail()}")
        await asyncio.sleep(0.1)


class Feeder:
    """Puts clicks into the stream at a fixed rate, as the redirects of `rows` would (the
    same entry, visitor and address hashes): the worker's cost without the web process
    or the load generator competing for the cores."""

    def __init__(self, redis: Redis, link_ids: dict[str, int], rows: list[list[str]]) -> None:
        from app.referrals.clicks import address_hash, agent_of, visitor_hash

        now = datetime.now(UTC)
        self.redis = redis
        self.entries = [
            (
                link_ids[path.rsplit("/", 1)[1]],
                visitor_hash(SECRET_KEY, ip, agent, now),
                address_hash(SECRET_KEY, ip, now),
                agent_of(agent),
            )
            for path, agent, ip in rows
        ]

    async def feed(self, rate: float, seconds: float, tick: float = 0.02) -> None:
        from app.referrals.clicks import FIELD, STREAM, ClickFacts, new_click_id

        sent, started = 0, time.monotonic()
        while (elapsed := time.monotonic() - started) < seconds:
            due = int(elapsed * rate) - sent
            if due > 0:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for n in range(sent, sent + due):
                        link_id, visitor, address, agent = self.entries[n % len(self.entries)]
                        facts = ClickFacts(
                            new_click_id(), link_id, datetime.now(UTC), visitor, agent,
                            "", False, "", "", address,
                        )  # fmt: skip
                        pipe.xadd(STREAM, {FIELD: facts.to_json()})
                    await pipe.execute()
                sent += due
            await asyncio.sleep(tick)


async def worker_phase(
    processes: Processes,
    conn: asyncpg.Connection,
    feeder: Feeder,
    rows: list[list[str]],
    args: argparse.Namespace,
    wait_ms: int,
) -> dict[str, Any]:
    """One worker process: first fed straight into the stream, then beside the loaded
    web process."""
    worker = processes.worker(f"worker-{wait_ms}ms", wait_ms)
    try:
        # Imports, connections, prepared statements: not the cost of a click.
        await asyncio.sleep(3)
        await feeder.feed(args.rate, 3)
        await drained(feeder.redis, worker)
        cpu, before = worker.cpu_seconds() or 0, await stored(conn)
        await feeder.feed(args.rate, args.seconds)
        await drained(feeder.redis, worker)
        fed_cpu, fed_clicks = (worker.cpu_seconds() or 0) - cpu, await stored(conn) - before
        job = {"mode": "fixed", "base_url": processes.env["PUBLIC_BASE_URL"], "requests": rows}
        job |= {"rate": args.rate, "duration": args.seconds}
        cpu, web_cpu, before = worker.cpu_seconds() or 0, processes.web.cpu_seconds() or 0, 0
        before = await stored(conn)
        load = await asyncio.to_thread(loadgen.run_job, job)
        web_cpu = (processes.web.cpu_seconds() or 0) - web_cpu
        await drained(feeder.redis, worker)
        cpu, clicks = (worker.cpu_seconds() or 0) - cpu, await stored(conn) - before
    finally:
        worker.stop()
    return {
        "wait_ms": wait_ms,
        "cpu_us_per_click": round(fed_cpu / max(fed_clicks, 1) * 1e6, 1),
        "clicks": fed_clicks,
        "beside_web_cpu_us_per_click": round(cpu / max(clicks, 1) * 1e6, 1),
        "web_p50_ms": load["p50_ms"],
        "web_p99_ms": load["p99_ms"],
        "web_answered_rps": load["rps"],
        "web_cpu_us_per_request": round(web_cpu / max(load["requests"], 1) * 1e6, 1),
    }


async def measure_worker(
    settings: Settings, env: dict[str, str], workdir: Path, args: argparse.Namespace
) -> dict[str, Any]:
    codes = await seed_sharers(settings, args.employees)
    rows = visits(codes)
    conn = await asyncpg.connect(admin_dsn(settings.database_url))
    redis = Redis.from_url(settings.redis_url)
    link_ids = {
        str(r["code"]): int(r["id"]) for r in await conn.fetch("SELECT code, id FROM tracked_link")
    }
    feeder = Feeder(redis, link_ids, rows)
    processes = Processes(env, workdir / "logs")
    phases: dict[str, list[dict[str, Any]]] = {"new": [], "baseline": []}
    try:
        for n in range(args.rounds):
            order = [("new", args.wait_ms), ("baseline", 0)]
            for name, wait_ms in order if n % 2 == 0 else order[::-1]:
                progress(f"worker, round {n + 1}: {name} (CLICK_WORKER_WAIT_MS={wait_ms})")
                result = await worker_phase(processes, conn, feeder, rows, args, wait_ms)
                progress(f"  {result}")
                phases[name].append(result)
    finally:
        processes.web.stop()
        await conn.close()
        await redis.aclose()
    summary: dict[str, Any] = {name: median(results) for name, results in phases.items()}
    summary["ratio_cpu_per_click"] = round(
        summary["new"]["cpu_us_per_click"] / summary["baseline"]["cpu_us_per_click"], 3
    )
    summary["rounds"] = phases
    return summary


def median(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The median of each figure over the rounds."""
    return {
        key: round(statistics.median(r[key] for r in results), 3)
        for key in results[0]
        if isinstance(results[0][key], int | float)
    }


# -- 2. the daily cap late in a busy day ----------------------------------------------------


async def fill_ledger(conn: asyncpg.Connection, day: datetime, args: argparse.Namespace) -> None:
    """`--year-rows` entries of other kinds spread over the year before `day`."""
    await conn.execute(
        """
        INSERT INTO points_entry (employee_id, points, reason, source, idempotency_key, note,
            occurred_at, created_at, week, month, quarter, department, location,
            counts_for_boards)
        SELECT 1 + n % $2, 1 + n % 5, 'share', 'job:' || n % 200, 'year:' || n, '',
            $1::timestamptz - (n % 365 + 1) * interval '1 day', $1,
            '2026-W01', '2026-01', '2026-Q1', 'D' || n % 8, '', true
        FROM generate_series(1, $3) AS n
        """,
        day,
        args.day_employees,
        args.year_rows,
    )


class BusyDay:
    """Today's unique clicks in the ledger, as the caps made them: a few people get most
    clicks (who clicks follows u**3), each click earns a point until its link made 20
    today or its sharer 100, and the rest are entries of 0 points."""

    def __init__(self, day: datetime, employees: int) -> None:
        self.day = day
        self.employees = employees
        self.rng = random.Random(11)
        self.by_link: dict[int, int] = {}
        self.by_employee: dict[int, int] = {}
        self.written = 0

    def someone(self) -> int:
        return 1 + int(self.employees * self.rng.random() ** 3)

    def rows(self, count: int) -> list[tuple[Any, ...]]:
        rows = []
        for n in range(self.written, self.written + count):
            employee = self.someone()
            link = employee * 4 + n % 4
            earned = self.by_link.get(link, 0) < 20 and self.by_employee.get(employee, 0) < 100
            if earned:
                self.by_link[link] = self.by_link.get(link, 0) + 1
                self.by_employee[employee] = self.by_employee.get(employee, 0) + 1
            at = self.day + timedelta(seconds=n * 80_000 // max(count, 1) % 80_000)
            source, key, department = f"link:{link}", f"day:{n}", f"D{employee % 8}"
            week, month, quarter = "2026-W50", "2026-12", "2026-Q4"
            rows.append(
                (employee, int(earned), "unique_click", source, key, "", at, at)  # noqa: RUF005
                + (week, month, quarter, department, "", True)
            )
        self.written += count
        return rows

    async def add(self, conn: asyncpg.Connection, count: int) -> None:
        columns = [
            "employee_id", "points", "reason", "source", "idempotency_key", "note",
            "occurred_at", "created_at", "week", "month", "quarter", "department",
            "location", "counts_for_boards",
        ]  # fmt: skip
        await conn.copy_records_to_table("points_entry", records=self.rows(count), columns=columns)
        await conn.execute("ANALYZE points_entry")


async def earned_before(awards: list[Any]) -> None:
    """The cap query as it was: every entry of the day, capped ones included."""
    from tortoise.functions import Sum

    from app.gamification.models import PointsEntry

    cap = awards[0].cap
    await (
        PointsEntry.filter(
            employee_id__in={a.employee_id for a in awards},
            reason="unique_click",
            occurred_at__gte=cap.day_start,
            occurred_at__lt=cap.day_start + timedelta(days=1),
        )
        .annotate(total=Sum("points"))
        .group_by("employee_id", "source")
        .values("employee_id", "source", "total")
    )


async def timed(calls: dict[str, Callable[[], Awaitable[object]]], n: int) -> dict[str, Any]:
    """Each call n times, interleaved; p50 and p95 in ms."""
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(n):
        for name, call in calls.items():
            started = time.perf_counter()
            await call()
            times[name].append((time.perf_counter() - started) * 1000)
    return {
        name: {
            "p50_ms": round(statistics.median(values), 3),
            "p95_ms": round(statistics.quantiles(values, n=20)[-1], 3),
        }
        for name, values in times.items()
    }


async def measure_daily_cap(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from app.gamification.caps import DailyCap, _earned
    from app.gamification.ledger import Award
    from app.runtime import WORKER_PROCESS, open_runtime

    day = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    conn = await asyncpg.connect(admin_dsn(settings.database_url))
    results: dict[str, Any] = {}
    try:
        await conn.execute("TRUNCATE points_entry")
        await fill_ledger(conn, day, args)
        async with open_runtime(settings, WORKER_PROCESS):
            cap = DailyCap(day_start=day, per_source=20, per_employee=100)
            busy = BusyDay(day, args.day_employees)
            # A worker batch: 200 clicks of the people who get clicks now.
            awards = [
                Award(busy.someone(), 1, "unique_click", f"link:{n}", f"k{n}", day, cap=cap)
                for n in range(200)
            ]
            for share in (4, 2, 1):
                await busy.add(conn, args.day_rows // share - busy.written)
                progress(f"daily cap: {busy.written} entries today")
                results[f"day_rows_{busy.written}"] = await timed(
                    {"new": lambda: _earned(awards), "baseline": lambda: earned_before(awards)},
                    30,
                )
    finally:
        await conn.close()
    late = results[f"day_rows_{args.day_rows}"]
    results["ratio_p95_late"] = round(late["new"]["p95_ms"] / late["baseline"]["p95_ms"], 3)
    return results


# -- 3. generic plans ---------------------------------------------------------------------

PER_DAY = (
    "SELECT day, COUNT(*) FROM click WHERE day >= $1 AND day < $2 AND classification = $3 "
    "GROUP BY day"
)


async def fill_clicks(conn: asyncpg.Connection, today: datetime, count: int) -> None:
    await conn.execute(
        """
        INSERT INTO click (click_id, link_id, occurred_at, day, classification, visitor_hash,
            ua_family, referrer_host, country, employee_id, department, content_type,
            content_id, channel)
        SELECT md5(n::text), l.id, t, t::date,
            (ARRAY['unique','repeat','bot','rate_limited'])[1 + n % 4], md5((n % 5000)::text),
            'Chrome', '', '', l.employee_id, 'D1', l.content_type, l.content_id, l.channel
        FROM generate_series(1, $2) AS n
        CROSS JOIN LATERAL (SELECT $1::timestamptz - (n % 365) * interval '1 day' AS t) AS at
        JOIN LATERAL (SELECT * FROM tracked_link ORDER BY id OFFSET n % 8 LIMIT 1) AS l ON true
        """,
        today,
        count,
    )
    await conn.execute("ANALYZE click")


async def measure_generic_plan(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from app.db import POSTGRES_SESSION

    today = datetime.now(UTC)
    setup = await asyncpg.connect(admin_dsn(settings.database_url))
    try:
        await fill_clicks(setup, today, args.year_clicks)
    finally:
        await setup.close()
    first, last = (today - timedelta(days=365)).date(), (today + timedelta(days=1)).date()
    connections = {
        "new": await asyncpg.connect(
            admin_dsn(settings.database_url), server_settings=POSTGRES_SESSION
        ),
        "baseline": await asyncpg.connect(admin_dsn(settings.database_url)),
    }
    times: dict[str, list[float]] = {name: [] for name in connections}
    try:
        statements = {name: await c.prepare(PER_DAY) for name, c in connections.items()}
        for run in range(10):
            for name, statement in statements.items():
                started = time.perf_counter()
                await statement.fetch(first, last, "unique")
                if run >= 5:
                    times[name].append((time.perf_counter() - started) * 1000)
    finally:
        for c in connections.values():
            await c.close()
    result: dict[str, Any] = {
        name: {"p50_ms": round(statistics.median(v), 2), "max_ms": round(max(v), 2)}
        for name, v in times.items()
    }
    result["ratio_p50"] = round(result["new"]["p50_ms"] / result["baseline"]["p50_ms"], 3)
    return result


# -- the run ----------------------------------------------------------------------------------


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from app.settings import load_settings

    backend = await open_backend(workdir)
    (workdir / "logs").mkdir()
    try:
        port = free_port()
        settings = load_settings(
            database_url=backend.database_url,
            redis_url=backend.redis_url,
            secret_key=SECRET_KEY,
            data_dir=workdir / "data",
            public_base_url=f"http://127.0.0.1:{port}",
        )
        # The load generator's 256 addresses are far above the per-visitor and per-address
        # ceilings of /r/{code}: off, as they would answer 429 (bench/redirect.py's note).
        unlimited = {"REDIRECT_LIMIT_PER_MINUTE": "0", "REDIRECT_ADDRESS_LIMIT_PER_MINUTE": "0"}
        env = app_env(backend, port, workdir, settings=unlimited)
        results = {
            "worker": await measure_worker(settings, env, workdir, args),
            "daily_cap": await measure_daily_cap(settings, args),
            "generic_plan": await measure_generic_plan(settings, args),
        }
        if not await redis_is_ours(backend):
            raise redis_flushed_error(backend)
        return results
    finally:
        await close_backend(backend)


def main() -> int:
    args = parse_args()
    # `make bench` on a laptop: the embedded mode has no separate worker to measure.
    if skipped_without_services("worker", "the embedded mode has no separate worker"):
        return 0
    load_before = load_1m()
    with scratch_folder("worker", args.keep) as workdir:
        results = asyncio.run(run(args, workdir))
    late = results["daily_cap"][f"day_rows_{args.day_rows}"]["new"]
    line = {
        "bench": "worker",
        **results,
        "targets_met": {
            "cpu_us_per_click": results["worker"]["new"]["cpu_us_per_click"]
            <= TARGETS["cpu_us_per_click"],
            "daily_cap_ms": late["p95_ms"] <= TARGETS["daily_cap_ms"],
        },
        "machine": {"cpus": os.cpu_count(), "load_1m": [load_before, load_1m()]},
    }
    print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
