"""The click roll-ups: whatever way clicks arrive (batches, replays, concurrent copies,
the redirect with Redis down, a rebuild running meanwhile), each roll-up holds exactly a
GROUP BY of the raw clicks, per day and per month; and the analytics read from them give
what the raw clicks give."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from app.jobs.schemas import NewsCreate
from app.referrals.analytics import GROUP_COLUMNS, ClickQuery, slices
from app.referrals.clicks import ClickFacts, agent_of, new_click_id
from app.referrals.models import Channel, Click, ClickClass, ContentType, Grain, TrackedLink
from app.referrals.rollup import ROLLUPS, Rollup, rebuild
from app.runtime import Runtime
from tests.helpers import make_open_job, make_sharer
from tests.referrals.test_clicks import CHROME
from tests.referrals.test_worker import redis_down, visit

FIRST_DAY = datetime(2026, 9, 20, 12, tzinfo=UTC)
DAYS = 70  # 20 September to 28 November: three months, two of them cut


async def company_links(runtime: Runtime) -> list[TrackedLink]:
    """Two sharers in two departments, a job on three channels and a news post."""
    ada = await make_sharer(runtime, department="Engineering")
    bob = await make_sharer(runtime, "bob@example.com", name="Bob", department="Sales")
    job = await make_open_job(runtime)
    news = await runtime.content.create_news(NewsCreate(title="We opened in Lyon"))
    await runtime.content.publish_news(news.id)
    channels = [Channel.LINKEDIN, Channel.WHATSAPP, Channel.X]
    for person in (ada, bob):
        await runtime.links.shares(person, ContentType.JOB, job.id, channels)
    await runtime.links.shares(bob, ContentType.NEWS, news.id, [Channel.LINKEDIN])
    return list(await TrackedLink.all().order_by("id"))


def clicks_on(links: list[TrackedLink], n: int, seed: int) -> list[ClickFacts]:
    """`n` clicks over the 70 days: returning visitors (repeats), bots, and a burst."""
    rng = random.Random(seed)
    facts = []
    for _ in range(n):
        at = FIRST_DAY + timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(600))
        agent = agent_of("TelegramBot (like TwitterBot)" if rng.random() < 0.1 else CHROME)
        visitor = f"v{rng.randrange(40)}"
        link = rng.choice(links)
        facts.append(ClickFacts(new_click_id(), link.id, at, visitor, agent, "", False, ""))
    return facts


async def stored_in_batches(runtime: Runtime, facts: list[ClickFacts], size: int = 50) -> None:
    for start in range(0, len(facts), size):
        await runtime.click_writer.store(facts[start : start + size])


async def rollup_rows(rollup: Rollup) -> Counter[tuple[Any, ...]]:
    """What the roll-up holds: (grain, day, dimensions..., raw or unique) → count."""
    held: Counter[tuple[Any, ...]] = Counter()
    names = ("grain", "day", *rollup.dimensions)
    for row in await rollup.model.all().values(*names, "raw_clicks", "unique_clicks"):
        key = tuple(getattr(row[n], "value", row[n]) for n in names)
        held[(*key, "raw")] += row["raw_clicks"]
        held[(*key, "unique")] += row["unique_clicks"]
    return +held  # rows of 0 unique clicks are no count


async def grouped_clicks(rollup: Rollup) -> Counter[tuple[Any, ...]]:
    """A GROUP BY of the raw clicks along the roll-up's dimensions, per day and month."""
    counted: Counter[tuple[Any, ...]] = Counter()
    names = ("day", "classification", *rollup.dimensions)
    for row in await Click.all().values(*names):
        dims = tuple(getattr(row[n], "value", row[n]) for n in rollup.dimensions)
        day: date = row["day"]
        for grain, when in ((Grain.DAY, day), (Grain.MONTH, day.replace(day=1))):
            counted[(grain.value, when, *dims, "raw")] += 1
            if row["classification"] == ClickClass.UNIQUE:
                counted[(grain.value, when, *dims, "unique")] += 1
    return counted


async def assert_rollups_are_the_raw_clicks_grouped() -> None:
    for rollup in ROLLUPS:
        assert await rollup_rows(rollup) == await grouped_clicks(rollup), rollup.table


# -- keeping them -----------------------------------------------------------------------------


async def test_each_stored_click_counts_once_in_every_rollup_even_when_replayed(
    runtime: Runtime,
) -> None:
    links = await company_links(runtime)
    facts = clicks_on(links, 300, seed=1)
    await stored_in_batches(runtime, facts)
    await stored_in_batches(runtime, facts[:120], size=40)  # the worker replays entries
    assert await Click.all().count() == 300
    await assert_rollups_are_the_raw_clicks_grouped()
    classes = Counter(c for c in await Click.all().values_list("classification", flat=True))
    assert 0 < classes[ClickClass.UNIQUE] < 300 and classes[ClickClass.BOT] > 0


async def test_two_workers_storing_the_same_batch_count_it_once(runtime: Runtime) -> None:
    links = await company_links(runtime)
    facts = clicks_on(links, 80, seed=2)
    stored = await asyncio.gather(*(runtime.click_writer.store(facts) for _ in range(3)))
    # Only the rows a copy actually inserted are announced and counted.
    assert sum(len(rows) for rows in stored) == 80
    assert await Click.all().count() == 80
    await assert_rollups_are_the_raw_clicks_grouped()


async def test_a_click_written_directly_when_redis_is_down_is_counted(
    client: TestClient, runtime: Runtime
) -> None:
    links = await company_links(runtime)
    async with redis_down(runtime):
        assert await visit(client, links[0].code) == 302
        assert await visit(client, links[0].code) == 302
    assert await Click.all().count() == 2
    await assert_rollups_are_the_raw_clicks_grouped()
    [today] = await ROLLUPS[0].model.filter(grain=Grain.DAY).values("raw_clicks", "unique_clicks")
    assert today == {"raw_clicks": 2, "unique_clicks": 1}  # a unique click and its repeat


# -- rebuilding them --------------------------------------------------------------------------


async def test_a_rebuild_counts_the_rollups_again_from_the_clicks(runtime: Runtime) -> None:
    links = await company_links(runtime)
    await stored_in_batches(runtime, clicks_on(links, 200, seed=3))
    for rollup in ROLLUPS:  # lost and wrong counts, and a month with no click at all
        await rollup.model.filter(grain=Grain.MONTH).delete()
        await rollup.model.filter(grain=Grain.DAY).limit(5).update(raw_clicks=999)
    await ROLLUPS[0].model.create(
        grain=Grain.DAY,
        day=date(2026, 6, 1),
        channel=Channel.X,
        content_type=ContentType.NEWS,
        raw_clicks=7,
        unique_clicks=7,
    )
    seen: list[tuple[int, int]] = []
    assert await rebuild(progress=lambda done, total: seen.append((done, total))) == 6
    assert seen[-1] == (6, 6)  # June to November
    await assert_rollups_are_the_raw_clicks_grouped()


async def test_a_rebuild_while_clicks_arrive_loses_and_doubles_nothing(
    runtime: Runtime,
) -> None:
    links = await company_links(runtime)
    await stored_in_batches(runtime, clicks_on(links, 150, seed=4))
    arriving = clicks_on(links, 240, seed=5)

    async def worker() -> None:
        for start in range(0, len(arriving), 20):
            await runtime.click_writer.store(arriving[start : start + 20])
            await asyncio.sleep(0)  # no wait: lets the rebuilds run between two batches

    await asyncio.gather(worker(), rebuild(), worker(), rebuild())
    assert await Click.all().count() == 390
    await assert_rollups_are_the_raw_clicks_grouped()


# -- reading them -----------------------------------------------------------------------------


def test_a_period_is_its_whole_months_and_its_edge_days() -> None:
    assert slices(date(2025, 11, 27), date(2026, 11, 26)) == [
        (Grain.MONTH, date(2025, 12, 1), date(2026, 10, 31)),
        (Grain.DAY, date(2025, 11, 27), date(2025, 11, 30)),
        (Grain.DAY, date(2026, 11, 1), date(2026, 11, 26)),
    ]
    assert slices(date(2026, 2, 1), date(2026, 2, 28)) == [
        (Grain.MONTH, date(2026, 2, 1), date(2026, 2, 28))
    ]
    assert slices(date(2026, 10, 28), date(2026, 11, 26)) == [
        (Grain.DAY, date(2026, 10, 28), date(2026, 11, 26))
    ]
    assert slices(None, date(2026, 11, 26)) == [
        (Grain.MONTH, None, date(2026, 10, 31)),
        (Grain.DAY, date(2026, 11, 1), date(2026, 11, 26)),
    ]
    assert slices(None, None) == [(Grain.MONTH, None, None)]
    # Grouped by day, only the days will do.
    assert slices(date(2026, 9, 1), date(2026, 10, 31), daily=True) == [
        (Grain.DAY, date(2026, 9, 1), date(2026, 10, 31))
    ]


def raw_answer(clicks: list[dict[str, Any]], q: ClickQuery) -> dict[tuple[Any, ...], tuple]:
    """The question `q` answered from the raw clicks, in Python."""
    answer: dict[tuple[Any, ...], list[int]] = {}
    for click in clicks:
        if (q.start and click["day"] < q.start) or (q.end and click["day"] > q.end):
            continue
        filters = ("employee_id", "content_type", "channel", "department", "content_id")
        if any(getattr(q, f) is not None and click[f] != getattr(q, f) for f in filters):
            continue
        key = tuple(click[c] for c in GROUP_COLUMNS[q.by])
        counts = answer.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += click["classification"] == ClickClass.UNIQUE.value
    return {key: tuple(counts) for key, counts in answer.items()}


async def test_every_question_gets_from_the_rollups_what_the_raw_clicks_say(
    runtime: Runtime,
) -> None:
    links = await company_links(runtime)
    await stored_in_batches(runtime, clicks_on(links, 400, seed=6))
    columns = ("day", "classification", "employee_id", "department", "link_id")
    clicks = [
        {
            **{c: getattr(row[c], "value", row[c]) for c in columns},
            **{c: getattr(row[c], "value", row[c]) for c in ("content_type", "channel")},
            "content_id": row["content_id"],
        }
        for row in await Click.all().values(*columns, "content_type", "channel", "content_id")
    ]
    for c in clicks:
        c["day"] = c["day"].isoformat()
    ada = links[0].employee_id
    periods = [
        (date(2026, 9, 25), date(2026, 11, 3)),  # edges and a whole month (October)
        (date(2026, 10, 1), date(2026, 11, 30)),  # whole months only
        (date(2026, 10, 28), date(2026, 11, 26)),  # days only
        (None, date(2026, 11, 10)),  # all time until a day
        (None, None),
    ]
    filters: list[dict[str, Any]] = [
        {},
        {"employee_id": ada},
        {"department": "Sales"},
        {"channel": "x", "content_type": "job"},
        {"department": "Engineering", "content_id": links[0].content_id},  # raw clicks
    ]
    for start, end in periods:
        for where in filters:
            for by in ("link", "employee", "content", "channel", "department", "day"):
                q = ClickQuery(by=by, start=start, end=end, limit=1000, **where)  # type: ignore[arg-type]
                shown = {
                    tuple(row["key"].values()): (row["raw"], row["unique"])
                    for row in await runtime.analytics.clicks(q)
                }
                expected = raw_answer(
                    clicks,
                    ClickQuery(
                        by=q.by,
                        start=start.isoformat() if start else None,  # type: ignore[arg-type]
                        end=end.isoformat() if end else None,  # type: ignore[arg-type]
                        **where,
                    ),
                )
                assert shown == expected, (by, start, end, where)
