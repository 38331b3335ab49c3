"""The click worker: every redirect served becomes exactly one Click row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from app.clock import FrozenClock
from app.events import ClickRecorded
from app.referrals.clicks import GROUP, STREAM, UNREADABLE
from app.referrals.models import Channel, Click, ClickClass, ContentType, TrackedLink
from app.referrals.redirects import ClickRecorder
from app.referrals.worker import ClickWorker
from app.runtime import Runtime
from app.settings import Settings
from tests.helpers import eventually, make_open_job, make_sharer
from tests.referrals.test_clicks import CHROME, IPHONE


async def stored_link(runtime: Runtime) -> TrackedLink:
    """A tracked link of a sharer for an open job (created once per test)."""
    existing = await TrackedLink.first()
    if existing is not None:
        return existing
    ada = await make_sharer(runtime, department="Engineering")
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    return await TrackedLink.get(code=share.code)


async def visit(client: TestClient, code: str, agent: str = CHROME, ip: str = "") -> int:
    headers = {"User-Agent": agent}
    if ip:
        headers["X-Forwarded-For"] = ip
    response = await client.get(f"/r/{code}", headers=headers, allow_redirects=False)
    return response.status


@asynccontextmanager
async def redis_down(runtime: Runtime) -> AsyncIterator[None]:
    """The redirect's Redis unreachable: clicks go straight to the database."""
    unreachable = Redis.from_url(
        "redis://127.0.0.1:1/0", socket_connect_timeout=0.2, socket_timeout=0.2
    )
    runtime.click_recorder = ClickRecorder(unreachable, runtime.click_writer)
    try:
        yield
    finally:
        await unreachable.aclose()


async def clicks_stored(count: int) -> bool:
    """Exactly `count` clicks are rows (the probe `eventually` polls)."""
    stored = await Click.all().count()
    assert stored == count, f"{stored} clicks stored, waiting for {count}"
    return True


def record_events(runtime: Runtime) -> list[ClickRecorded]:
    seen: list[ClickRecorded] = []

    async def handler(event: ClickRecorded) -> None:
        seen.append(event)

    runtime.events.subscribe(ClickRecorded, handler)
    return seen


async def test_each_redirect_becomes_one_classified_click(
    client: TestClient, runtime: Runtime
) -> None:
    link = await stored_link(runtime)
    events = record_events(runtime)
    statuses = [
        await visit(client, link.code),
        await visit(client, link.code),
        await visit(client, link.code, IPHONE),
        await visit(client, link.code, "TelegramBot (like TwitterBot)"),
    ]
    assert statuses == [302] * 4
    assert await Click.all().count() == 0  # nothing written on the request path
    assert await runtime.click_worker().drain() == 4
    clicks = await Click.all().order_by("occurred_at", "id")
    assert sorted(c.classification for c in clicks) == sorted(
        [ClickClass.UNIQUE, ClickClass.REPEAT, ClickClass.UNIQUE, ClickClass.BOT]
    )
    assert {c.department for c in clicks} == {"Engineering"}
    assert all(c.employee_id == link.employee_id for c in clicks)
    assert all(c.day.isoformat() == "2026-11-26" for c in clicks)
    assert len(events) == 4
    assert await runtime.redis.xlen(STREAM) == 0  # acknowledged and removed


async def test_concurrent_redirects_share_their_appends_and_each_click_lands(
    client: TestClient, runtime: Runtime
) -> None:
    link = await stored_link(runtime)
    statuses = await asyncio.gather(
        *(visit(client, link.code, ip=f"203.0.113.{n}") for n in range(20))
    )
    assert statuses == [302] * 20
    assert await runtime.redis.xlen(STREAM) == 20  # every 302 has its entry
    assert runtime.click_recorder.appends.flushes < 20  # not one Redis call per redirect
    assert await runtime.click_worker().drain() == 20
    assert await Click.all().count() == 20


async def test_a_replayed_stream_entry_never_makes_a_second_row(
    client: TestClient, runtime: Runtime
) -> None:
    link = await stored_link(runtime)
    events = record_events(runtime)
    await visit(client, link.code)
    [(_, fields)] = await runtime.redis.xrange(STREAM)
    await runtime.click_worker().drain()
    await runtime.redis.xadd(STREAM, fields)  # the same click, delivered again
    await runtime.click_worker().drain()
    assert await Click.all().count() == 1
    assert len(events) == 1


async def test_a_worker_killed_mid_batch_loses_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    link = await stored_link(runtime)
    for index in range(5):
        await visit(client, link.code, ip=f"198.51.100.{index}")
    dead = runtime.click_worker(consumer="dead")
    await dead.ensure_group()
    # The dead worker read the batch, then died before storing and acknowledging it.
    read = await runtime.redis.xreadgroup(GROUP, "dead", {STREAM: ">"}, count=3)
    assert len(read[0][1]) == 3
    survivor = runtime.click_worker(consumer="survivor")
    survivor.claim_idle_ms = 0  # the dead one's lease has run out
    assert await survivor.drain() == 5
    assert await Click.all().count() == 5
    pending = await runtime.redis.xpending(STREAM, GROUP)
    assert pending["pending"] == 0


async def test_a_batch_is_classified_in_order_as_if_one_click_at_a_time(
    runtime: Runtime,
) -> None:
    from datetime import timedelta

    from app.referrals.clicks import ClickFacts, agent_of, new_click_id

    link = await stored_link(runtime)
    start = runtime.clock.now()

    def click(n: int, visitor: str, agent: str = CHROME) -> ClickFacts:
        at = start + timedelta(milliseconds=n)
        return ClickFacts(new_click_id(), link.id, at, visitor, agent_of(agent), "", False, "")

    visitor_limit = runtime.settings.click_visitor_limit_per_minute
    batch = [
        click(0, "ann"),
        click(1, "bob"),
        click(2, "ann"),
        click(3, "bot", "Twitterbot/1.0"),
        *(click(10 + n, "eve") for n in range(visitor_limit + 1)),
    ]
    # The worker gets its batch in stream order, not necessarily in time order.
    rows = await runtime.click_writer.store(list(reversed(batch)))

    by_id = {row.click_id: row.classification for row in rows}
    assert [by_id[c.click_id] for c in batch[:4]] == [
        ClickClass.UNIQUE,
        ClickClass.UNIQUE,
        ClickClass.REPEAT,
        ClickClass.BOT,
    ]
    eve = [by_id[c.click_id] for c in batch[4:]]
    assert eve == [ClickClass.UNIQUE] + [ClickClass.REPEAT] * (visitor_limit - 1) + [
        ClickClass.RATE_LIMITED
    ]


async def test_an_entry_that_is_not_a_click_is_set_aside_not_retried_forever(
    runtime: Runtime,
) -> None:
    await runtime.click_worker().ensure_group()
    await runtime.redis.xadd(STREAM, {"garbage": "1"})
    await runtime.redis.xadd(STREAM, {"c": "not json"})
    await runtime.redis.xadd(STREAM, {"c": "[1, 2]"})
    await runtime.redis.xadd(STREAM, {"c": '["id", null, null, "", "", "", false, "", ""]'})
    assert await runtime.click_worker().drain() == 4
    assert await runtime.redis.xlen(STREAM) == 0
    assert await Click.all().count() == 0
    kept = [fields for _, fields in await runtime.redis.xrange(UNREADABLE)]
    assert kept[0] == {b"garbage": b"1"} and kept[1] == {b"c": b"not json"} and len(kept) == 4


async def test_a_click_in_the_previous_versions_layout_is_still_stored(
    runtime: Runtime,
) -> None:
    link = await stored_link(runtime)
    await runtime.click_worker().ensure_group()
    at_ms = int(runtime.clock.now().timestamp() * 1000)
    await runtime.redis.xadd(
        STREAM,
        {"id": "a" * 32, "link": str(link.id), "at": str(at_ms), "v": "visitor", "ua": CHROME},
    )
    assert await runtime.click_worker().drain() == 1
    [click] = await Click.all()
    assert (click.link_id, click.classification) == (link.id, ClickClass.UNIQUE)


async def test_redis_down_the_click_is_written_directly(
    client: TestClient, runtime: Runtime
) -> None:
    link = await stored_link(runtime)
    async with redis_down(runtime):
        assert await visit(client, link.code) == 302
        assert await visit(client, link.code) == 302
    clicks = await Click.all().order_by("id")
    assert [c.classification for c in clicks] == [ClickClass.UNIQUE, ClickClass.REPEAT]


async def test_the_sharers_own_click_is_flagged_self(client: TestClient, runtime: Runtime) -> None:
    link = await stored_link(runtime)
    session = await runtime.sessions.open(link.employee_id)
    response = await client.get(
        f"/r/{link.code}",
        headers={"User-Agent": CHROME, "Cookie": f"pv_session={session}"},
        allow_redirects=False,
    )
    assert response.status == 302
    await runtime.click_worker().drain()
    [click] = await Click.all()
    assert click.classification == ClickClass.SELF


async def test_a_link_that_goes_viral_is_looked_up_once(runtime: Runtime) -> None:

    link = await stored_link(runtime)
    resolver = runtime.link_resolver
    loads = 0
    real_load = resolver._load

    async def counted(code: str) -> object:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.05)  # a slow database: the 50 lookups overlap it (not a wait)
        return await real_load(code)

    resolver._load = counted  # type: ignore[method-assign,assignment]
    answers = await asyncio.gather(*(resolver.resolve(link.code) for _ in range(50)))
    assert loads == 1
    assert {a.link_id for a in answers if a} == {link.id}


async def test_the_worker_recovers_when_its_stream_and_group_vanish(
    client: TestClient, runtime: Runtime
) -> None:

    link = await stored_link(runtime)
    worker = runtime.click_worker()
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop, block_ms=50))
    await visit(client, link.code)
    await eventually(lambda: clicks_stored(1))
    await runtime.redis.flushdb()  # Redis replaced: no stream, no group
    await visit(client, link.code, IPHONE)
    await eventually(lambda: clicks_stored(2))
    stop.set()
    await asyncio.wait_for(task, 5)
    assert await Click.all().count() == 2


async def test_a_busy_connection_pool_waits_instead_of_failing(
    runtime: Runtime, settings: Settings
) -> None:

    from app.store import close_redis, open_redis

    if not settings.redis_url:
        pytest.skip("the embedded Redis has no connection pool to exhaust")
    small = await open_redis(settings.model_copy(update={"redis_max_connections": 2}))
    try:
        ids = await asyncio.gather(*(small.xadd("busy", {"n": n}) for n in range(40)))
    finally:
        await close_redis(small)
    assert len(ids) == 40


async def test_the_stream_never_holds_the_raw_user_agent(
    client: TestClient, runtime: Runtime
) -> None:
    """The web process keeps of the agent what classification and analytics need (a bot
    verdict, a browser family): the agent string is not in Redis, nor in its AOF."""
    link = await stored_link(runtime)
    preview = "TelegramBot (like TwitterBot) fingerprint-4471"
    assert await visit(client, link.code, CHROME + " fingerprint-4470") == 302
    assert await visit(client, link.code, preview) == 302
    entries = await runtime.redis.xrange(STREAM)
    assert len(entries) == 2
    raw = b" ".join(k + b"=" + v for _, fields in entries for k, v in fields.items())
    assert b"fingerprint" not in raw and b"Mozilla" not in raw and b"TelegramBot" not in raw
    await runtime.click_worker().drain()
    clicks = await Click.all().order_by("id")
    assert [(c.classification, c.ua_family) for c in clicks] == [
        (ClickClass.UNIQUE, "chrome"),
        (ClickClass.BOT, "other"),
    ]


async def test_a_click_in_the_0_2_layout_with_its_raw_agent_is_still_classified(
    runtime: Runtime,
) -> None:
    """Entries appended by the previous version (field `c`, the agent in clear) may be in
    the stream at the upgrade: the worker reads them and judges their agent itself."""
    import json

    link = await stored_link(runtime)
    await runtime.click_worker().ensure_group()
    at_ms = int(runtime.clock.now().timestamp() * 1000)
    for n, agent in enumerate((CHROME, "Twitterbot/1.0")):
        old = [f"{n}" * 32, link.id, at_ms, f"visitor-{n}", agent, "", False, "", ""]
        await runtime.redis.xadd(STREAM, {"c": json.dumps(old)})
    assert await runtime.click_worker().drain() == 2
    clicks = await Click.all().order_by("click_id")
    assert [(c.classification, c.ua_family) for c in clicks] == [
        (ClickClass.UNIQUE, "chrome"),
        (ClickClass.BOT, "other"),
    ]


async def test_one_machine_rotating_its_agent_earns_the_sharer_only_the_address_quota(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """The probe's attack: 30 clicks from one address, a new agent each, no session
    cookie. Before, every one was a unique visitor (20 points, the link's cap)."""
    from app.gamification.models import PointsEntry

    link = await stored_link(runtime)
    runtime.settings.proxy_count = 1
    quota = runtime.settings.click_address_unique_per_sharer_per_day
    for n in range(30):
        agent = f"{CHROME} build/{n}"
        assert await visit(client, link.code, agent, ip="203.0.113.7") == 302
        clock.advance(timedelta(seconds=5))  # slower than the per-minute limits
    await runtime.click_worker().drain()
    classes = [c.classification for c in await Click.all().order_by("occurred_at")]
    assert classes == [ClickClass.UNIQUE] * quota + [ClickClass.REPEAT] * (30 - quota)
    earned = await PointsEntry.filter(reason="unique_click").values_list("points", flat=True)
    assert sum(earned) == quota * runtime.gamification.rules.points.unique_click
    # A real visitor elsewhere still counts.
    assert await visit(client, link.code, IPHONE, ip="198.51.100.9") == 302
    await runtime.click_worker().drain()
    assert (await Click.all().order_by("-id").first()).classification == ClickClass.UNIQUE  # type: ignore[union-attr]


async def add_clicks(runtime: Runtime, link: TrackedLink, count: int) -> None:
    """`count` clicks of new visitors on `link`, in the stream as the redirect puts them."""
    from app.referrals.clicks import FIELD, ClickFacts, agent_of, new_click_id

    for _ in range(count):
        visitor = new_click_id()
        facts = ClickFacts(
            new_click_id(), link.id, runtime.clock.now(), visitor, agent_of(CHROME), "", False, ""
        )
        await runtime.redis.xadd(STREAM, {FIELD: facts.to_json()})


def waiting_worker(runtime: Runtime, batch_wait_ms: int, batch_size: int = 500) -> ClickWorker:
    return ClickWorker(
        runtime.redis, runtime.click_writer, batch_size=batch_size, batch_wait_ms=batch_wait_ms
    )


async def test_a_batch_that_is_not_full_waits_for_the_clicks_that_follow(
    runtime: Runtime,
) -> None:
    """At a trickle of clicks the worker lets its batch fill (a batch has a cost of its
    own whatever its size), so a click arriving during the wait joins the batch."""
    link = await stored_link(runtime)
    worker = waiting_worker(runtime, batch_wait_ms=1000)
    await worker.ensure_group()
    await add_clicks(runtime, link, 1)
    batch = asyncio.create_task(worker.run_once(fill=True))

    async def first_click_read() -> bool:
        return bool((await runtime.redis.xpending(STREAM, GROUP))["pending"])

    await eventually(first_click_read)
    assert not batch.done()  # the first click read, and waiting for more
    await add_clicks(runtime, link, 2)
    assert await asyncio.wait_for(batch, 5) == 3
    assert await Click.all().count() == 3


async def test_a_full_batch_does_not_wait(runtime: Runtime) -> None:
    link = await stored_link(runtime)
    worker = waiting_worker(runtime, batch_wait_ms=600_000, batch_size=5)
    await worker.ensure_group()
    await add_clicks(runtime, link, 7)
    assert await asyncio.wait_for(worker.run_once(fill=True), 5) == 5  # not ten minutes
    assert await worker.drain() == 2  # draining never waits either
    assert await Click.all().count() == 7


async def test_a_lone_click_is_stored_once_the_wait_is_over(runtime: Runtime) -> None:
    link = await stored_link(runtime)
    worker = waiting_worker(runtime, batch_wait_ms=100)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop, block_ms=50))
    try:
        await add_clicks(runtime, link, 1)
        await eventually(lambda: clicks_stored(1))
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


def test_the_wait_is_counted_from_the_oldest_clicks_arrival_and_never_longer() -> None:
    """The wait ends when the oldest click read is `batch_wait_ms` old by the time in its
    stream id (Redis's clock): a backlog does not wait, and a clock that disagrees with
    Redis's never makes a click wait longer than `batch_wait_ms`."""
    from app.referrals.worker import fill_delay

    now = 1_800_000_000.0
    arrived = int(now * 1000)
    assert fill_delay(f"{arrived}-0".encode(), 200, now) == 0.2
    assert fill_delay(f"{arrived - 150}-3".encode(), 200, now) == pytest.approx(0.05)
    assert fill_delay(f"{arrived - 5_000}-0".encode(), 200, now) == 0
    assert fill_delay(f"{arrived + 60_000}-0".encode(), 200, now) == 0.2  # our clock is late
    assert fill_delay(f"{arrived}-0".encode(), 0, now) == 0
