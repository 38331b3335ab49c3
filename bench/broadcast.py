"""Broadcast benchmark: the push engine against a local fake Telegram Bot API (issue #8).

    .venv/bin/python bench/broadcast.py                 # embedded: SQLite + fakeredis
    TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
    TEST_REDIS_URL=redis://127.0.0.1:6379/8 .venv/bin/python bench/broadcast.py

The fake is the one of the tests (`tests/fakes/telegram_api.py`), run in a process of its
own (`harness/telegram_fake.py`) so that it never shares an event loop with the engine.
`--recipients` employees (10,000) are seeded in bulk, each with a Telegram chat
(chat_id 100000 + n); each phase is an ANNOUNCEMENT broadcast to them, expanded by
`Broadcasts.expand`, then sent by the real `BroadcastSender` (`PushEngine`, batch 200,
32 sends at a time) through `TelegramSender` (sendMessage as JSON over aiohttp).

1. **limits lifted** (Telegram rates and the daily cap set very high): from the first
   claim to the last delivery settled, `msgs_per_s` (after `--budget` seconds the rest
   is cancelled and the rate is over what was sent: `lifted_stopped_early`). Baselines
   in the same run, against the same fake: python-telegram-bot's `send_message` with no
   engine, 32 at a time (`ptb_msgs_per_s`), and the fake's own ceiling, raw aiohttp
   POSTs 64 at a time (`fake_max_msgs_per_s`); `vs_ptb` and `vs_fake_max` are the
   ratios. `engine_cpu_ms_per_msg` against `ptb_cpu_ms_per_msg` (this process's CPU
   time per message) is the figure a busy machine disturbs least.
2. **Telegram limits on** (the settings of config/default.toml: 30 messages/s, 1/s per
   chat) and a fake that answers 429 to the 31st send within any second:
   `--limited-recipients` (1,800, one minute at 30/s). `limited_msgs_per_s` is the
   sustained rate over the steady state (the first `STEADY_AFTER_S` seconds left out),
   `limited_msgs_per_s_overall` the rate over the whole campaign, `limited_max_in_1s` the
   busiest second the fake saw; `http_429` the sends it refused. Baseline: the tokens
   per second one loop gets from the same pacing (the bot's schedule in Redis) with
   nothing else to do (`pacing_only_per_s`): 30/s spaced to leave `telegram_jitter_ms`
   of room is 29.3/s, less the slots given up by wake-ups later than half of it.
3. **SIGKILL halfway**: `portevoix worker` (`python -m app worker`) sends a campaign to
   every recipient with the limits lifted and a lease of `--lease` seconds; when the fake
   has accepted half of the messages and half a batch more (5,100 of 10,000: in the
   middle of a batch, with sends in flight, not in the pause between two batches) the
   worker gets SIGKILL, and a new one is started and waits out the dead one's lease.
   `duplicates`: messages a chat received more than once; `lost`: recipients who never
   got theirs. Must hold: `lost` = 0 and `duplicates` <= `concurrent_sends` (the sends
   a worker can have in flight). On the embedded backend each worker process has its
   own in-process Redis (only the rate-limit buckets live there; claims and leases are
   in the shared SQLite file).

One JSON line on stdout, progress on stderr. Targets (`targets_met`): `msgs_per_s` >=
1,000, `limited_msgs_per_s` >= 28.5 with `http_429` = 0, `lost` = 0, `duplicates` <=
`concurrent_sends`; only a lost or duplicated-beyond-bound message makes the exit code
non-zero. About 3 minutes where sending runs at 1,000/s; where it does not, phase 1 is
cut at `--budget` and phase 3 takes as long as 10,000 sends take (10 minutes at most
on a 2-CPU machine shared with other work).

On PostgreSQL it works in a new database `portevoix_bench_<random>`, dropped at the end
(also on failure), and in Redis database 8 of TEST_REDIS_URL's server (BENCH_REDIS_URL
overrides), flushed before and after. `--profile` prints the top functions of phase 1
(cProfile). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
from harness.processes import child_env, profiled, progress  # noqa: E402
from harness.scratch import Backend, close_backend, open_backend  # noqa: E402

from app import db  # noqa: E402
from app.bots.telegram.sender import TelegramSender  # noqa: E402
from app.broadcasts.campaigns import Limits  # noqa: E402
from app.broadcasts.models import BroadcastKind, Delivery, DeliveryStatus  # noqa: E402
from app.people.models import ChatIdentity, Employee, EmployeeStatus, Platform  # noqa: E402
from app.runtime import WORKER_PROCESS, Runtime, build_runtime  # noqa: E402
from app.settings import Settings, load_settings  # noqa: E402
from app.store import close_redis, open_redis  # noqa: E402
from app.worker.engine import PushEngine  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

TARGETS = {"msgs_per_s": 1000.0, "limited_msgs_per_s": 28.5, "http_429": 0, "lost": 0}
BENCH_REDIS_DB = 8
SECRET_KEY = "bench-secret-key-0123456789abcdef"
TOKEN = FakeTelegram.token
FIRST_CHAT = 100_000
LIFTED = 1_000_000.0  # messages per second: no limit in practice
STEADY_AFTER_S = 5.0  # phase 2: the start (the bucket's burst) is not the sustained rate
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


# -- storage -----------------------------------------------------------------------------


def bench_settings(backend: Backend, workdir: Path, base_url: str) -> Settings:
    return load_settings(
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        data_dir=workdir / "data",
        secret_key=SECRET_KEY,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base_url,
        broadcast_on_publish=False,
    )


@asynccontextmanager
async def opened_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    db_ctx = await db.open_db(settings.effective_database_url())
    redis = await open_redis(settings)  # the app's own client (pool size, timeouts)
    try:
        await redis.flushdb()
        await db.migrate(db_ctx)
        runtime = build_runtime(settings, WORKER_PROCESS, db_ctx, redis)
        try:
            yield runtime
        finally:
            await runtime.aclose()  # the process's senders (the push engine's)
    finally:
        try:
            await redis.flushdb()
        finally:
            await close_redis(redis)
            await db.close_db(db_ctx)


# -- the fake Bot API, in its own process ---------------------------------------------------


class FakeProcess:
    """harness/telegram_fake.py: the Bot API at `base_url`, its counters at `control`."""

    def __init__(self, logs: Path) -> None:
        self._log = (logs / "telegram_fake.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "harness" / "telegram_fake.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().split()
        if len(line) != 2:
            raise RuntimeError("the fake Bot API did not start: see telegram_fake.log")
        self.base_url, self.control = line
        for url in line:
            if urlsplit(url).hostname != "127.0.0.1":
                raise RuntimeError(f"refusing a non-loopback fake: {url}")

    async def reset(self, session: aiohttp.ClientSession, per_second_limit: int | None) -> None:
        async with session.post(
            f"{self.control}/_bench/reset", json={"per_second_limit": per_second_limit}
        ) as response:
            response.raise_for_status()

    async def stats(self, session: aiohttp.ClientSession, full: bool = False) -> dict[str, Any]:
        async with session.get(
            f"{self.control}/_bench/stats", params={"full": "1" if full else "0"}
        ) as response:
            response.raise_for_status()
            result: dict[str, Any] = await response.json()
            return result

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


# -- seeding (untimed) -------------------------------------------------------------------


async def seed_recipients(count: int) -> list[int]:
    """`count` active employees, each with a Telegram chat 100000 + n; their ids in order."""
    now = datetime.now(UTC)
    batch = 2000
    for start in range(0, count, batch):
        await Employee.bulk_create(
            [
                Employee(
                    email=f"recipient{n}@bench.example.com",
                    name=f"Recipient {n}",
                    department="Engineering",
                    language="fr" if n % 3 else "en",
                    status=EmployeeStatus.ACTIVE,
                    created_at=now,
                    updated_at=now,
                )
                for n in range(start, min(start + batch, count))
            ]
        )
    ids = [int(i) for i in await Employee.all().order_by("id").values_list("id", flat=True)][:count]
    for start in range(0, count, batch):
        await ChatIdentity.bulk_create(
            [
                ChatIdentity(
                    employee_id=employee_id,
                    platform=Platform.TELEGRAM,
                    platform_user_id=str(FIRST_CHAT + n),
                    chat_id=str(FIRST_CHAT + n),
                    active=True,
                    created_at=now,
                    last_seen_at=now,
                )
                for n, employee_id in enumerate(ids[start : start + batch], start)
            ]
        )
    return ids


async def announce(engine: PushEngine, text: str, employee_ids: list[int]) -> tuple[int, float]:
    """A campaign to these people, expanded; returns its id and the seconds expand took."""
    broadcast = await engine.broadcasts.create(
        BroadcastKind.ANNOUNCEMENT, text=text, employee_ids=employee_ids, created_by="bench"
    )
    started = time.perf_counter()
    await engine.broadcasts.expand(broadcast)
    return broadcast.id, time.perf_counter() - started


async def still_open(broadcast_id: int) -> int:
    return await Delivery.filter(broadcast_id=broadcast_id, status__in=OPEN).count()


async def send_all(engine: PushEngine, broadcast_id: int, budget_s: float) -> tuple[float, bool]:
    """Run the engine's sender until every delivery is settled, or the budget is spent
    (then the rest is cancelled, so that it does not spill into the next phase); returns
    the seconds and whether it stopped early."""
    started = time.perf_counter()
    while await still_open(broadcast_id):
        if time.perf_counter() - started > budget_s:
            progress(f"stopped after {budget_s:g}s; the rest of the campaign is cancelled")
            seconds = time.perf_counter() - started
            await engine.broadcasts.cancel(broadcast_id)
            return seconds, True
        if not await engine.sender.run_once():
            await asyncio.sleep(0.05)  # deferred (throttled): wait for not_before
    return time.perf_counter() - started, False


# -- baselines ---------------------------------------------------------------------------


async def run_concurrently(count: int, concurrency: int, send: Any) -> float:
    """`count` calls of `send(n)`, `concurrency` at a time; returns calls per second."""
    numbers = iter(range(count))

    async def worker() -> None:
        for n in numbers:
            await send(n)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def baseline_ptb(base_url: str, count: int, concurrency: int) -> tuple[float, float]:
    """python-telegram-bot's send_message with no engine, the client's own ceiling: sends
    per second, and this process's CPU milliseconds per send."""
    sender = TelegramSender(TOKEN, base_url)
    await sender.start()
    try:
        cpu = time.process_time()
        rate = await run_concurrently(
            count,
            concurrency,
            lambda n: sender.bot.send_message(900_000 + n, "Baseline announcement"),
        )
        return rate, (time.process_time() - cpu) / count * 1000
    finally:
        await sender.stop()


async def baseline_fake(base_url: str, count: int, concurrency: int) -> float:
    """Raw POSTs, no client library: how fast the fake itself answers."""
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        url = f"{base_url}{TOKEN}/sendMessage"

        async def send(n: int) -> None:
            payload = {"chat_id": 900_000 + n, "text": "Baseline announcement"}
            async with session.post(url, json=payload) as response:
                await response.read()

        return await run_concurrently(count, concurrency, send)


async def baseline_pacing(runtime: Runtime, limits: Limits, seconds: float) -> float:
    """Turns per second one loop gets from the engine's pacing (the bot's schedule in
    Redis, at the engine's rate and jitter) with nothing else to do: the ceiling of the
    limited phase on this machine."""
    from app.pacing import Limit, Pacer

    bot = Limit(limits.telegram_per_second, 1.0)
    pacer = Pacer(runtime.redis, "bench:pacing", bot, jitter=limits.telegram_jitter)
    any_chat = Limit(LIFTED, 1.0)
    taken = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        taken += await pacer.wait_turn(f"chat:{taken}", any_chat, max_wait=seconds)
    return taken / (time.perf_counter() - started)


# -- phases ------------------------------------------------------------------------------


def lift_limits(settings: Settings) -> None:
    settings.telegram_messages_per_second = LIFTED
    settings.telegram_chat_messages_per_second = LIFTED
    settings.push_daily_cap = 1_000_000


@asynccontextmanager
async def push_engine(runtime: Runtime) -> AsyncIterator[PushEngine]:
    # A phase's own engine, with the limits of its settings (the root's is built once).
    engine = PushEngine(runtime, runtime.broadcasts, runtime.senders)
    await engine.start()
    yield engine


async def phase_lifted(
    args: argparse.Namespace,
    runtime: Runtime,
    fake: FakeProcess,
    session: aiohttp.ClientSession,
    ids: list[int],
) -> dict[str, Any]:
    await fake.reset(session, None)
    saved = runtime.settings.model_copy()
    lift_limits(runtime.settings)
    try:
        async with push_engine(runtime) as engine:
            engine.sender.concurrency = args.concurrency
            broadcast_id, expand_s = await announce(engine, "Town hall at 5 pm", ids)
            progress(f"phase 1: {len(ids):,} deliveries expanded in {expand_s:.2f}s; sending")
            cpu = time.process_time()
            async with profiled(args.profile, "phase 1 (limits lifted)"):
                seconds, stopped = await send_all(engine, broadcast_id, args.budget)
            cpu = time.process_time() - cpu
            counts = await engine.broadcasts.counts(broadcast_id)
            concurrency = engine.sender.concurrency
    finally:
        for name in ("telegram_messages_per_second", "telegram_chat_messages_per_second"):
            setattr(runtime.settings, name, getattr(saved, name))
        runtime.settings.push_daily_cap = saved.push_daily_cap
    stats = await fake.stats(session, full=True)
    received = stats["per_chat"]
    rate = counts["sent"] / seconds
    progress(f"phase 1: {counts['sent']:,} sent in {seconds:.2f}s, {rate:,.0f}/s")
    return {
        "msgs_per_s": round(rate, 1),
        "lifted_s": round(seconds, 2),
        "lifted_stopped_early": stopped,
        "lifted_sent": counts["sent"],
        "lifted_fake_received": stats["sent"],
        "lifted_duplicates": sum(n - 1 for n in received.values() if n > 1),
        "engine_cpu_ms_per_msg": round(cpu / max(counts["sent"], 1) * 1000, 3),
        "expand_s": round(expand_s, 2),
        "concurrency": concurrency,
    }


def sustained(times: list[float]) -> dict[str, Any]:
    """Rates from the fake's arrival times: overall, steady state, busiest second."""
    if len(times) < 2:
        return {"overall": 0.0, "steady": 0.0, "max_in_1s": len(times)}
    times = sorted(times)
    first, last = times[0], times[-1]
    steady = [t for t in times if t >= first + STEADY_AFTER_S]
    busiest, low = 0, 0
    for high, t in enumerate(times):
        while t - times[low] >= 1.0:
            low += 1
        busiest = max(busiest, high - low + 1)
    return {
        "overall": len(times) / (last - first) if last > first else 0.0,
        "steady": (len(steady) - 1) / (last - steady[0]) if len(steady) > 1 else 0.0,
        "steady_window_s": round(last - steady[0], 1) if steady else 0.0,
        "max_in_1s": busiest,
    }


async def phase_limited(
    args: argparse.Namespace,
    runtime: Runtime,
    fake: FakeProcess,
    session: aiohttp.ClientSession,
    ids: list[int],
) -> dict[str, Any]:
    await runtime.redis.flushdb()  # fresh buckets, as after a quiet hour
    await fake.reset(session, args.fake_limit)
    async with push_engine(runtime) as engine:
        engine.sender.concurrency = args.concurrency
        limits = engine.limits
        pacing = await baseline_pacing(runtime, limits, 10)
        progress(f"phase 2: the bucket alone gives {pacing:.2f} tokens/s")
        broadcast_id, _ = await announce(engine, "Monthly winners", ids)
        progress(
            f"phase 2: {len(ids):,} deliveries at {limits.telegram_per_second:g}/s "
            f"(fake refuses above {args.fake_limit}/s); about {len(ids) / 30:.0f}s"
        )
        cpu = time.process_time()
        seconds, stopped = await send_all(engine, broadcast_id, args.budget)
        cpu = time.process_time() - cpu
        counts = await engine.broadcasts.counts(broadcast_id)
    stats = await fake.stats(session, full=True)
    rates = sustained(stats["times"])
    progress(
        f"phase 2: sustained {rates['steady']:.2f}/s, overall {rates['overall']:.2f}/s, "
        f"busiest second {rates['max_in_1s']}, {stats['http_429']} x 429"
    )
    received = stats["per_chat"]
    return {
        "limited_recipients": len(ids),
        "limited_msgs_per_s": round(rates["steady"], 2),
        "limited_msgs_per_s_overall": round(rates["overall"], 2),
        "limited_steady_window_s": rates.get("steady_window_s", 0.0),
        "limited_max_in_1s": rates["max_in_1s"],
        "limited_s": round(seconds, 1),
        "limited_stopped_early": stopped,
        "limited_engine_cpu_share": round(cpu / seconds, 3),  # of one core
        "limited_sent": counts["sent"],
        # No message, and not cancelled by the time budget.
        "limited_lost": sum(1 for n in range(len(ids)) if str(FIRST_CHAT + n) not in received)
        - counts["skipped"],
        "http_429": stats["http_429"],
        "limit_per_second": limits.telegram_per_second,
        "pacing_only_per_s": round(pacing, 2),
        "limited_vs_pacing_only": round(rates["steady"] / pacing, 3),
        "fake_per_second_limit": args.fake_limit,
    }


def worker_env(backend: Backend, workdir: Path, base_url: str, lease: int) -> dict[str, str]:
    values = {
        "DATABASE_URL": backend.database_url,
        "REDIS_URL": backend.redis_url,
        "SECRET_KEY": SECRET_KEY,
        "DATA_DIR": str(workdir / "data"),
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": base_url,
        "BROADCAST_LEASE_SECONDS": str(lease),
        "BROADCAST_ON_PUBLISH": "false",
        "TELEGRAM_MESSAGES_PER_SECOND": str(LIFTED),
        "TELEGRAM_CHAT_MESSAGES_PER_SECOND": str(LIFTED),
        "PUSH_DAILY_CAP": "1000000",
    }
    return child_env({name.upper() for name in Settings.model_fields}, values)


def start_worker(env: dict[str, str], logs: Path, name: str) -> subprocess.Popen[bytes]:
    with (logs / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "app", "worker"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def phase_killed(
    args: argparse.Namespace,
    runtime: Runtime,
    backend: Backend,
    workdir: Path,
    fake: FakeProcess,
    session: aiohttp.ClientSession,
    ids: list[int],
) -> dict[str, Any]:
    await fake.reset(session, None)
    logs = workdir / "logs"
    env = worker_env(backend, workdir, fake.base_url, args.lease)
    async with push_engine(runtime) as engine:  # only to create and expand the campaign
        broadcast_id, _ = await announce(engine, "Open day on Saturday", ids)
        concurrency = engine.sender.concurrency
        batch = engine.sender.batch  # a worker's: the same default
        half = len(ids) // 2 // batch * batch + batch // 2  # mid-batch, about halfway
    progress(f"phase 3: worker 1 sends {len(ids):,}; SIGKILL at {half:,} accepted")
    first = start_worker(env, logs, "worker1")
    started = time.perf_counter()
    try:
        while (sent := (await fake.stats(session))["sent"]) < half:
            if first.poll() is not None:
                raise RuntimeError(f"worker 1 exited early:\n{log_tail(logs / 'worker1.log')}")
            if time.perf_counter() - started > args.kill_budget:
                raise RuntimeError(f"worker 1 sent only {sent} in {args.kill_budget:g}s")
            await asyncio.sleep(0.02)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    killed_at = time.perf_counter()
    sent_at_kill = (await fake.stats(session))["sent"]
    leased = await Delivery.filter(broadcast_id=broadcast_id, status=DeliveryStatus.SENDING).count()
    progress(
        f"phase 3: killed at {sent_at_kill:,} accepted, {leased} deliveries left leased; "
        "worker 2 takes over"
    )
    second = start_worker(env, logs, "worker2")
    try:
        while await still_open(broadcast_id):
            if second.poll() is not None:
                raise RuntimeError(f"worker 2 exited:\n{log_tail(logs / 'worker2.log')}")
            if time.perf_counter() - killed_at > args.kill_budget:
                progress(f"phase 3: still open after {args.kill_budget:g}s; giving up")
                break
            await asyncio.sleep(0.1)
        finished = time.perf_counter()
        await asyncio.sleep(0.5)  # anything still in flight lands before the count
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            second.kill()
            second.wait()
    stats = await fake.stats(session, full=True)
    received: dict[str, int] = stats["per_chat"]
    expected = {str(FIRST_CHAT + n) for n in range(len(ids))}
    duplicates = sum(n - 1 for chat, n in received.items() if n > 1 and chat in expected)
    lost = sum(1 for chat in expected if chat not in received)
    counts = await campaign_counts(runtime, broadcast_id)
    progress(
        f"phase 3: done {finished - killed_at:.1f}s after the kill; "
        f"{duplicates} duplicates, {lost} lost"
    )
    return {
        "duplicates": duplicates,
        "lost": lost,
        "killed_after_sent": sent_at_kill,
        "leased_at_kill": leased,
        "recovery_s": round(finished - killed_at, 1),
        "lease_s": args.lease,
        "killed_run_sent": counts["sent"],
        "killed_run_open": counts["pending"] + counts["sending"],
        "concurrent_sends": concurrency,
        "unexpected_chats": len(set(received) - expected),
    }


async def campaign_counts(runtime: Runtime, broadcast_id: int) -> dict[str, int]:
    return await runtime.broadcasts.counts(broadcast_id)


def log_tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


# -- the run -------------------------------------------------------------------------------


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    backend = await open_backend(workdir, BENCH_REDIS_DB)
    logs = workdir / "logs"
    logs.mkdir()
    fake = FakeProcess(logs)
    result: dict[str, Any] = {"bench": "broadcast", "backend": backend.label}
    try:
        settings = bench_settings(backend, workdir, fake.base_url)
        async with opened_runtime(settings) as runtime, aiohttp.ClientSession() as session:
            progress(f"backend: {backend.label}; fake Bot API at {fake.base_url}")
            started = time.perf_counter()
            ids = await seed_recipients(max(args.recipients, args.limited_recipients))
            progress(f"seeded {len(ids):,} recipients in {time.perf_counter() - started:.1f}s")
            result["recipients"] = args.recipients

            progress(f"baselines: {args.baseline_sends:,} sends each")
            await fake.reset(session, None)
            fake_max = await baseline_fake(fake.base_url, args.baseline_sends, 64)
            ptb, ptb_cpu_ms = await baseline_ptb(
                fake.base_url, args.baseline_sends, args.concurrency
            )
            progress(f"baselines: fake {fake_max:,.0f}/s, python-telegram-bot {ptb:,.0f}/s")

            lifted = await phase_lifted(args, runtime, fake, session, ids[: args.recipients])
            result.update(lifted)
            result["ptb_msgs_per_s"] = round(ptb, 1)
            result["fake_max_msgs_per_s"] = round(fake_max, 1)
            result["ptb_cpu_ms_per_msg"] = round(ptb_cpu_ms, 3)
            result["vs_ptb"] = round(lifted["msgs_per_s"] / ptb, 3)
            result["vs_fake_max"] = round(lifted["msgs_per_s"] / fake_max, 3)

            if args.limited_recipients:
                limited_ids = ids[: args.limited_recipients]
                result.update(await phase_limited(args, runtime, fake, session, limited_ids))
            if args.kill:
                await runtime.redis.flushdb()
                killed = await phase_killed(
                    args, runtime, backend, workdir, fake, session, ids[: args.recipients]
                )
                result.update(killed)
    finally:
        fake.stop()
        if args.keep:
            progress(f"logs kept in {logs}")
        await close_backend(backend)
    return result


def verdict(result: dict[str, Any]) -> dict[str, bool]:
    met = {"msgs_per_s": result["msgs_per_s"] >= TARGETS["msgs_per_s"]}
    if "limited_msgs_per_s" in result:
        met["limited_msgs_per_s"] = result["limited_msgs_per_s"] >= TARGETS["limited_msgs_per_s"]
        met["http_429"] = result["http_429"] == TARGETS["http_429"]
    if "lost" in result:
        met["lost"] = result["lost"] == TARGETS["lost"]
        met["duplicates"] = result["duplicates"] <= result["concurrent_sends"]
    if "limited_lost" in result:
        met["limited_lost"] = result["limited_lost"] == 0
    return met


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument(
        "--limited-recipients", type=int, default=1_800, help="phase 2 (0: skip it)"
    )
    parser.add_argument("--fake-limit", type=int, default=30, help="phase 2: fake's sends/s")
    parser.add_argument("--baseline-sends", type=int, default=2_000)
    parser.add_argument(
        "--concurrency", type=int, default=32, help="phases 1-2: sends in flight (engine: 32)"
    )
    parser.add_argument("--lease", type=int, default=5, help="phase 3: lease seconds")
    parser.add_argument("--no-kill", dest="kill", action="store_false", help="skip phase 3")
    parser.add_argument(
        "--budget", type=float, default=150.0, help="phases 1-2: stop sending after (s)"
    )
    parser.add_argument(
        "--kill-budget", type=float, default=400.0, help="phase 3: each worker's time, max (s)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile phase 1")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="portevoix-bench-"))
    try:
        result = asyncio.run(run(args, workdir))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    result["targets_met"] = verdict(result)
    result["duration_s"] = round(time.monotonic() - started, 1)
    # A shared machine: how busy it was says how far to trust the numbers.
    result["machine"] = {"cpus": os.cpu_count(), "load_1m": [load_before, os.getloadavg()[0]]}
    progress(f"done in {result['duration_s']:.0f}s")
    print(json.dumps(result), flush=True)
    met = result["targets_met"]
    return 0 if met.get("lost", True) and met.get("duplicates", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
