"""Analytics benchmark: what every dashboard page and analytics endpoint costs at a year of
data for a 10,000-person company, beside the raw-table queries its figures would need.

    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/analytics.py
    ... bench/analytics.py --scale 0.1 --requests 10     # a tenth of the year, quicker
    ... bench/analytics.py --tree /tmp/main              # measure another source tree
    ... bench/analytics.py --only 'funnel' --skip-exports  # some endpoints; '^$': exports only

It needs PostgreSQL (the year is seeded with generate_series); without TEST_DATABASE_URL
it prints a `skipped` line and exits 0. It is for `make bench`, not CI.

1. A new database `portevoix_bench_<random>` (dropped at the end) is filled by
   `harness/year.py`: 10,000 employees, 200 jobs, 60,000 links, 1,000,000 clicks over the
   365 local days that end today, 20,000 referrals in every stage, 500,000 ledger rows
   (`--scale` multiplies them). If the tree has `portevoix rebuild-analytics`, it runs
   and is timed (`seed.rebuild_analytics_s`), so the roll-ups are filled.
2. A real `portevoix run` serves that database with a Redis database of the run's own
   (BENCH_REDIS_URL, flushed, or the highest-numbered empty one of TEST_REDIS_URL's
   server). The benchmark signs in as a recruiter twice, as a person would: an API token
   (`portevoix token --role recruiter --employee recruiter@example.com`) for /api/v1, and
   that token typed into `/dashboard/login` for the dashboard's session cookie.
3. Every page and endpoint (`ENDPOINTS`: the overview at 30 and 365 days, the tables at
   30 and 365, clicks by each grouping and the funnel by each grouping over the last 365
   days, the ROI, the funnel and referral CSVs) is asked once to warm up, then `--requests`
   times, one request at a time, interleaved round by round so that a busy neighbour hurts
   them all alike. An endpoint whose warm-up took longer than `--budget-s` / `--requests`
   is asked fewer times (never fewer than 3): on a tree that scans raw clicks the
   overview at 365 days takes seconds.
4. Beside each request, in the same round, the **raw-table baseline** of that endpoint:
   the GROUP BYs on `click` and `referral` that its figures need without a roll-up (what
   the app ran before issue 16), sent by asyncpg straight to PostgreSQL with custom plans
   (`plan_cache_mode = force_custom_plan`, so never the generic-plan trap of a statement
   cache). `ratio_p50` = the endpoint's p50 / its baseline's p50: under 1, the app answers
   faster than the raw tables alone could.
5. Exports at `--csv-rows` referrals (100,000 by default, whatever the scale): the
   referrals are copied in SQL until that many are visible, then both referral CSVs are
   downloaded `--csv-requests` times beside the baseline (the same rows, joined, fetched
   by asyncpg). `server_rss_growth_mb` is how far the server's resident memory rose
   (sampled every 20 ms) above what it held before the first export: a streamed export
   keeps it flat.

One JSON line goes to stdout, progress to stderr: `{"bench": "analytics", "endpoints":
{name: {p50_ms, p95_ms, n, baseline_p50_ms, baseline_p95_ms, ratio_p50, ...}}, "exports":
{...}, "seed": {...}, "targets_met": {...}, "machine": {...}}`. Targets: p95 <= 250 ms for
every page and endpoint, and each referral CSV of 100,000 rows in <= 1 s at p95. Only a
failed request (not 200, or a CSV without its rows) makes the exit code non-zero. About
5 minutes at full scale on a tree with roll-ups; more on one without (the slow pages).
`machine` gives the 1-minute load average before and after: above the core count, compare
ratios, not milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness.backends import (  # noqa: E402
    SECRET_KEY,
    close_backend,
    open_backend,
    redis_flushed_error,
    redis_is_ours,
)
from harness.processes import ServerProcess, child_env, free_port, progress  # noqa: E402
from harness.runs import load_1m, scratch_folder, skipped_without_services  # noqa: E402
from harness.scratch import admin_dsn  # noqa: E402
from harness.year import (  # noqa: E402
    RECRUITER_EMAIL,
    ZONE,
    portevoix,
    seed_year,
)

from app.settings import Settings  # noqa: E402

TARGETS = {"p95_ms": 250.0, "csv_p95_ms_per_100k_rows": 1000.0}
YEAR = 365

# -- the raw-table baselines ----------------------------------------------------------------
# Each is what a figure needs from the raw tables. `$1, $2` are the period: local dates
# for `click.day` ("days"), or the local midnights that bound it for referral times
# ("times").

UNIQUE = "SUM(CASE WHEN classification = 'unique' THEN 1 ELSE 0 END)"
APPLICATION = (
    "referrer_id IS NOT NULL AND submitted_at IS NOT NULL "
    "AND status NOT IN ('pending_consent', 'duplicate')"
)
STAGE_TIMES = ("submitted_at", "interview_at", "offer_at", "hired_at")
CLICK_GROUPS = {
    "link": "link_id",
    "employee": "employee_id",
    "content": "content_type, content_id",
    "channel": "channel",
    "department": "department",
    "day": "day",
}
FUNNEL_CLICK_KEY = {
    "job": "content_id",
    "employee": "employee_id",
    "department": "department",
    "channel": "channel",
    "month": "to_char(day, 'YYYY-MM')",
}
FUNNEL_REFERRAL_KEY = {
    "job": "job_id",
    "employee": "referrer_id",
    "department": "department",
    "channel": "channel",
    "month": "to_char({t} AT TIME ZONE '" + ZONE + "', 'YYYY-MM')",
}


@dataclass(frozen=True)
class Sql:
    text: str
    bounds: str  # "days", "times" or "none"


def click_groups(columns: str, order: str = "", limit: int = 100) -> Sql:
    return Sql(
        f"SELECT {columns}, COUNT(*) AS raw, {UNIQUE} AS u FROM click "
        f"WHERE day BETWEEN $1 AND $2 GROUP BY {columns} "
        f"ORDER BY {order or columns} LIMIT {limit}",
        "days",
    )


def funnel_sql(by: str) -> list[Sql]:
    """Job clicks, the four stages and the days to hire of the period, per key."""
    clicks = Sql(
        f"SELECT {FUNNEL_CLICK_KEY[by]}, COUNT(*) FROM click WHERE content_type = 'job' "
        "AND classification = 'unique' AND day BETWEEN $1 AND $2 GROUP BY 1",
        "days",
    )
    stages = [
        Sql(
            f"SELECT {FUNNEL_REFERRAL_KEY[by].format(t=t)}, COUNT(*) FROM referral "
            f"WHERE {APPLICATION} AND {t} >= $1 AND {t} < $2 GROUP BY 1",
            "times",
        )
        for t in STAGE_TIMES
    ]
    days_to_hire = Sql(
        f"SELECT {FUNNEL_REFERRAL_KEY[by].format(t='hired_at')}, "
        "AVG(EXTRACT(EPOCH FROM hired_at - submitted_at)) / 86400 FROM referral "
        f"WHERE {APPLICATION} AND hired_at >= $1 AND hired_at < $2 GROUP BY 1",
        "times",
    )
    return [clicks, *stages, days_to_hire]


def overview_sql(days: int) -> list[Sql]:
    """Reach and unique clicks, the funnel's totals, the unique clicks per channel and
    day, the top advocates and the top content."""
    totals = Sql(f"SELECT COUNT(*), {UNIQUE} FROM click WHERE day BETWEEN $1 AND $2", "days")
    return [
        totals,
        *funnel_sql("channel"),
        click_groups("channel, day", limit=days * 8),
        click_groups("employee_id", order="u DESC, raw DESC", limit=10),
        click_groups("content_type, content_id", order="u DESC, raw DESC", limit=10),
    ]


REFERRALS_CSV_SQL = Sql(
    """
    SELECT r.id, r.job_id, j.title, r.referrer_id, e.name, r.department, r.channel,
        r.source, r.status, r.prior_applicant, c.name, c.email, r.created_at,
        r.submitted_at, r.interview_at, r.offer_at, r.hired_at, r.bonus_status
    FROM referral r JOIN candidate c ON c.id = r.candidate_id
    LEFT JOIN employee e ON e.id = r.referrer_id LEFT JOIN job_offer j ON j.id = r.job_id
    WHERE r.status NOT IN ('pending_consent', 'duplicate')
    ORDER BY r.id
    """,
    "none",
)


# -- what is measured ---------------------------------------------------------------------


@dataclass
class Endpoint:
    name: str
    path: str  # {start} and {end}: the period's first and last local days
    days: int
    baseline: list[Sql]
    dashboard: bool = False  # the session cookie, not the API token
    csv: bool = False
    times_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    wanted: int = 0
    bytes: int = 0
    rows: int = 0
    errors: list[str] = field(default_factory=list)


def endpoints() -> list[Endpoint]:
    year = "from={start}&to={end}"
    found = [
        Endpoint("dashboard_30d", "/dashboard?days=30", 30, overview_sql(30), dashboard=True),
        Endpoint("dashboard_365d", "/dashboard?days=365", YEAR, overview_sql(YEAR), True),
        *(
            Endpoint(
                f"tables_{days}d",
                f"/dashboard/tables?days={days}",
                days,
                [*funnel_sql("job"), *funnel_sql("department"), *funnel_sql("channel")],
                dashboard=True,
            )
            for days in (30, YEAR)
        ),
        *(
            Endpoint(f"clicks_by_{by}", f"/api/v1/analytics/clicks?by={by}&{year}", YEAR,
                     [click_groups(columns)])
            for by, columns in CLICK_GROUPS.items()
        ),
        *(
            Endpoint(f"funnel_by_{by}", f"/api/v1/analytics/funnel?by={by}&{year}", YEAR,
                     funnel_sql(by))
            for by in FUNNEL_CLICK_KEY
        ),
        Endpoint(
            "roi",
            f"/api/v1/analytics/roi?{year}",
            YEAR,
            [Sql(f"SELECT COUNT(*) FROM referral WHERE {APPLICATION} "
                 "AND hired_at >= $1 AND hired_at < $2", "times")],
        ),
        Endpoint("funnel_csv_by_job", f"/api/v1/analytics/funnel.csv?by=job&{year}", YEAR,
                 funnel_sql("job"), csv=True),
        Endpoint("dashboard_funnel_csv_by_month",
                 "/dashboard/exports/funnel-by-month.csv?days=365", YEAR, funnel_sql("month"),
                 dashboard=True, csv=True),
    ]  # fmt: skip
    return found + export_endpoints()


def export_endpoints() -> list[Endpoint]:
    return [
        Endpoint("referrals_csv", "/api/v1/analytics/referrals.csv", 0, [REFERRALS_CSV_SQL],
                 csv=True),
        Endpoint("dashboard_referrals_csv", "/dashboard/exports/referrals.csv", 0,
                 [REFERRALS_CSV_SQL], dashboard=True, csv=True),
    ]  # fmt: skip


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: with 3 samples, p95 is the slowest."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)


# -- the period ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    zone: ZoneInfo

    @classmethod
    def last_days(cls, days: int) -> Period:
        zone = ZoneInfo(ZONE)
        today = datetime.now(zone).date()
        return cls(today - timedelta(days=days - 1), today, zone)

    def bounds(self, kind: str) -> tuple[Any, ...]:
        if kind == "days":
            return (self.start, self.end)
        if kind == "times":
            after = self.end + timedelta(days=1)
            return (
                datetime(self.start.year, self.start.month, self.start.day, tzinfo=self.zone),
                datetime(after.year, after.month, after.day, tzinfo=self.zone),
            )
        return ()  # a query of the whole table


# -- the run ------------------------------------------------------------------------------


class Clients:
    """The recruiter's two ways in: the API token, and the dashboard's session cookie."""

    def __init__(self, base_url: str, token: str) -> None:
        import aiohttp

        self.base_url = base_url
        self.api_headers = {"Authorization": f"Bearer {token}"}
        timeout = aiohttp.ClientTimeout(total=600)
        self.http = aiohttp.ClientSession(
            base_url, timeout=timeout, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )

    async def sign_in(self, token: str) -> None:
        """Type the token into /dashboard/login, as a recruiter would."""
        async with self.http.get("/dashboard/login") as form:
            html = await form.text()
        match = re.search(r'name="csrf" value="([^"]+)"', html)
        if match is None:
            raise RuntimeError(f"no CSRF field on /dashboard/login:\n{html[:500]}")
        async with self.http.post(
            "/dashboard/login", data={"csrf": match.group(1), "token": token},
            allow_redirects=False,
        ) as signed:  # fmt: skip
            if signed.status != 302 or signed.headers.get("Location") != "/dashboard":
                raise RuntimeError(f"dashboard sign-in failed: {signed.status}")

    async def fetch(self, endpoint: Endpoint, path: str) -> tuple[float, int, bytes]:
        headers = {} if endpoint.dashboard else self.api_headers
        began = time.perf_counter()
        async with self.http.get(path, headers=headers, allow_redirects=False) as response:
            body = await response.read()
        return (time.perf_counter() - began) * 1000, response.status, body

    async def close(self) -> None:
        await self.http.close()


async def time_baseline(conn: Any, endpoint: Endpoint, period: Period) -> float:
    began = time.perf_counter()
    for sql in endpoint.baseline:
        await conn.fetch(sql.text, *period.bounds(sql.bounds))
    return (time.perf_counter() - began) * 1000


async def measure_once(
    clients: Clients, conn: Any, endpoint: Endpoint, record: bool = True
) -> float:
    """One request and, right after it, its baseline; returns the request's time."""
    period = Period.last_days(endpoint.days or 1)
    path = endpoint.path.format(start=period.start, end=period.end)
    elapsed, status, body = await clients.fetch(endpoint, path)
    if status != 200:
        endpoint.errors.append(f"{status}: {body[:200].decode(errors='replace')}")
    baseline = await time_baseline(conn, endpoint, period)
    if record:
        endpoint.times_ms.append(elapsed)
        endpoint.baseline_ms.append(baseline)
        endpoint.bytes = len(body)
        endpoint.rows = body.count(b"\n") - 1 if endpoint.csv else 0
    return elapsed


async def measure(
    clients: Clients, conn: Any, found: list[Endpoint], requests: int, budget_s: float
) -> None:
    """A warm-up each, then rounds over every endpoint until each has its count."""
    for endpoint in found:
        warm = await measure_once(clients, conn, endpoint, record=False)
        fits = int(budget_s * 1000 / max(warm, 1.0))
        endpoint.wanted = max(3, min(requests, fits))
        progress(f"warm-up {endpoint.name}: {warm:.0f} ms, {endpoint.wanted} requests")
    for n in range(max((e.wanted for e in found), default=0)):
        for endpoint in found:
            if len(endpoint.times_ms) < endpoint.wanted:
                await measure_once(clients, conn, endpoint)
        progress(f"round {n + 1} done")


def summary(endpoint: Endpoint) -> dict[str, Any]:
    p50 = percentile(endpoint.times_ms, 0.5)
    base50 = percentile(endpoint.baseline_ms, 0.5)
    line: dict[str, Any] = {
        "path": endpoint.path,
        "n": len(endpoint.times_ms),
        "p50_ms": p50,
        "p95_ms": percentile(endpoint.times_ms, 0.95),
        "baseline_p50_ms": base50,
        "baseline_p95_ms": percentile(endpoint.baseline_ms, 0.95),
        "baseline_queries": len(endpoint.baseline),
        "ratio_p50": round(p50 / base50, 3) if p50 and base50 else None,
        "bytes": endpoint.bytes,
    }
    if endpoint.csv:
        line["rows"] = endpoint.rows
    if endpoint.errors:
        line["errors"] = endpoint.errors[:3]
    return line


async def grow_referrals(conn: Any, rows: int) -> int:
    """Copy the visible referrals (new ids, no consent token) until `rows` are visible;
    returns how many are. The copies change nothing the pages measured before showed."""
    visible = "status NOT IN ('pending_consent', 'duplicate')"
    have = int(await conn.fetchval(f"SELECT COUNT(*) FROM referral WHERE {visible}"))
    copies = max(0, math.ceil(rows / max(have, 1)) - 1)
    columns = ", ".join(
        name
        for (name,) in await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'referral' "
            "AND column_name NOT IN ('id', 'consent_token', 'ats_application_id') "
            "ORDER BY ordinal_position"
        )
    )
    if copies:
        await conn.execute(
            f"INSERT INTO referral ({columns}) SELECT {columns} FROM referral, "
            f"generate_series(1, {copies}) WHERE {visible} ORDER BY id"
        )
        await conn.execute("VACUUM ANALYZE referral")
    return int(await conn.fetchval(f"SELECT COUNT(*) FROM referral WHERE {visible}"))


def rss_mb(server: ServerProcess) -> float | None:
    """The server's resident memory now (Linux; None elsewhere)."""
    try:
        status = Path(f"/proc/{server.pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return round(int(match.group(1)) / 1024, 1) if match else None


@asynccontextmanager
async def rss_samples(server: ServerProcess) -> AsyncIterator[list[float]]:
    """The server's resident memory every 20 ms while the block runs. (Its peak since
    start, VmHWM, would say nothing here: the pages before may have set it.)"""
    samples: list[float] = []

    async def sample() -> None:
        while True:
            if (mb := rss_mb(server)) is not None:
                samples.append(mb)
            await asyncio.sleep(0.02)

    task = asyncio.create_task(sample())
    try:
        yield samples
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def measure_exports(
    clients: Clients, conn: Any, server: ServerProcess, args: argparse.Namespace
) -> tuple[dict[str, Any], list[Endpoint]]:
    """The referral CSVs once `args.csv_rows` referrals are visible, and how far the
    server's memory rose above what it held before the first of them."""
    progress(f"exports: copying referrals until {args.csv_rows:,} are visible ...")
    visible = await grow_referrals(conn, args.csv_rows)
    found = export_endpoints()
    before = rss_mb(server)
    async with rss_samples(server) as samples:
        for endpoint in found:
            await measure_once(clients, conn, endpoint, record=False)  # warm-up
        for _ in range(args.csv_requests):
            for endpoint in found:
                await measure_once(clients, conn, endpoint)
    peak = max(samples, default=None)
    measured = {
        "visible_referrals": visible,
        "server_rss_mb_before": before,
        "server_rss_mb_peak": peak,
        "server_rss_growth_mb": round(peak - before, 1) if peak and before else None,
        **{e.name: summary(e) for e in found},
    }
    return measured, found


def recruiter_token(tree: Path, database_url: str) -> str:
    """An API token of the seeded recruiter, issued by the CLI as an operator would."""
    issued = portevoix(
        database_url, "token", "--role", "recruiter", "--name", "bench",
        "--employee", RECRUITER_EMAIL, tree=tree,
    )  # fmt: skip
    if issued.returncode != 0:
        raise RuntimeError(f"portevoix token failed:\n{issued.stdout}{issued.stderr}")
    return issued.stdout.strip().splitlines()[-1]


def start_server(
    tree: Path, database_url: str, redis_url: str, workdir: Path, settings: list[str]
) -> ServerProcess:
    port = free_port()
    values = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": SECRET_KEY,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DATA_DIR": str(workdir / "data"),
        "PYTHONPATH": str(tree),
        **dict(setting.split("=", 1) for setting in settings),
    }
    env = child_env({name.upper() for name in Settings.model_fields}, values)
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    server = ServerProcess("app", [sys.executable, "-m", "app", "run"], env, tree, logs)
    server.wait_healthy(f"http://127.0.0.1:{port}/healthz", timeout=120)
    server.url = f"http://127.0.0.1:{port}"
    return server


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    import asyncpg

    backend = await open_backend(workdir)
    database_url, name = backend.database_url, backend.database_name
    server: ServerProcess | None = None
    try:
        progress(f"seeding {name} at scale {args.scale} (tree {args.tree}) ...")
        seeded = await seed_year(database_url, args.scale, args.tree)
        token = recruiter_token(args.tree, database_url)
        server = start_server(args.tree, database_url, backend.redis_url, workdir, args.set)
        clients = Clients(server.url, token)
        conn = await asyncpg.connect(admin_dsn(database_url), timeout=10)
        try:
            await conn.execute("SET plan_cache_mode = force_custom_plan")
            await clients.sign_in(token)
            found = [e for e in endpoints() if re.search(args.only, e.name)]
            await measure(clients, conn, found, args.requests, args.budget_s)
            exports = None
            if not args.skip_exports:
                exports = await measure_exports(clients, conn, server, args)
        finally:
            await conn.close()
            await clients.close()
        if not await redis_is_ours(backend):
            raise redis_flushed_error(backend)
        return result(args, seeded.as_json(), found, exports)
    finally:
        if server is not None:
            code = server.stop()
            if code not in (0, None, -15):
                progress(f"the server exited with {code}:\n{server.log_tail()}")
        await close_backend(backend)


def result(
    args: argparse.Namespace,
    seed: dict[str, Any],
    found: list[Endpoint],
    exports: tuple[dict[str, Any], list[Endpoint]] | None,
) -> dict[str, Any]:
    """The JSON line: each endpoint's figures, the exports', and which targets are met.
    The referral CSVs measured in the rounds are at the year's referrals; their target
    is checked at `--csv-rows` (the exports phase)."""
    lines = {e.name: summary(e) for e in found}
    met = {
        e.name: lines[e.name]["p95_ms"] is not None and lines[e.name]["p95_ms"] <= TARGETS["p95_ms"]
        for e in found
        if e.days  # a referral CSV: its target is per 100k rows, below
    }
    failed = [e for e in found if e.errors or (e.csv and e.rows < 1)]
    exported: dict[str, Any] | None = None
    if exports is not None:
        exported, measured = exports
        rows = exported["visible_referrals"]
        allowed = TARGETS["csv_p95_ms_per_100k_rows"] * max(rows, 100_000) / 100_000
        for endpoint in measured:
            p95 = exported[endpoint.name]["p95_ms"]
            met[f"{endpoint.name}_at_{rows}_rows"] = p95 is not None and p95 <= allowed
            if endpoint.errors or endpoint.rows != rows:
                failed.append(endpoint)
    return {
        "bench": "analytics",
        "tree": str(args.tree),
        "scale": args.scale,
        "requests": args.requests,
        "endpoints": lines,
        "exports": exported,
        "seed": seed,
        "targets": TARGETS,
        "targets_met": met,
        "all_targets_met": all(met.values()),
        "failed": sorted({e.name for e in failed}),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = the issue's year")
    parser.add_argument("--requests", type=int, default=20, help="requests per endpoint")
    parser.add_argument(
        "--budget-s", type=float, default=30.0,
        help="seconds of requests per endpoint: a slow one is asked fewer times (at least 3)",
    )  # fmt: skip
    parser.add_argument("--csv-rows", type=int, default=100_000, help="referrals to export")
    parser.add_argument("--csv-requests", type=int, default=5, help="downloads of each CSV")
    parser.add_argument("--skip-exports", action="store_true", help="no 100k-row export phase")
    parser.add_argument(
        "--only", default="", metavar="REGEX", help="measure only the endpoints named so"
    )
    parser.add_argument(
        "--tree", type=Path, default=ROOT, help="the source tree to serve (default: this one)"
    )
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="a setting for the server (repeatable)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the server's log")
    args = parser.parse_args()
    if not 0 < args.scale <= 10:
        parser.error("--scale must be above 0 and at most 10")
    if args.requests < 1 or args.csv_requests < 1:
        parser.error("--requests and --csv-requests must be at least 1")
    if any("=" not in setting for setting in args.set):
        parser.error("--set takes NAME=VALUE")
    try:
        re.compile(args.only)
    except re.error as exc:
        parser.error(f"--only: {exc}")
    args.tree = args.tree.resolve()
    return args


def main() -> int:
    args = parse_args()
    if skipped_without_services("analytics", "the dashboard's figures at a year of data"):
        return 0
    started = time.monotonic()
    load_before = load_1m()
    with scratch_folder("analytics", args.keep) as workdir:
        line = asyncio.run(run(args, workdir))
    progress(f"done in {time.monotonic() - started:.0f}s")
    line["machine"] = {"cpus": os.cpu_count(), "load_1m": [load_before, load_1m()]}
    line["duration_s"] = round(time.monotonic() - started)
    print(json.dumps(line), flush=True)
    return 1 if line["failed"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
