"""Unique clicks day by day (`Figures.unique_clicks_per_day`, `..._per_channel_day`):
the dashboard's chart by channel and the mini app's chart of my clicks."""

from __future__ import annotations

from datetime import timedelta

from app.clock import FrozenClock
from app.referrals.models import Channel, ContentType
from app.runtime import Runtime
from tests.helpers import make_open_job, make_sharer, someone_opens


async def shared(runtime: Runtime, email: str, channels: list[Channel]) -> tuple[int, list[str]]:
    sharer = await make_sharer(runtime, email)
    job = await make_open_job(runtime)
    found = await runtime.links.shares(sharer, ContentType.JOB, job.id, channels)
    return sharer.id, [share.code for share in found]


async def test_each_channel_gets_its_days_the_busiest_first(
    runtime: Runtime, clock: FrozenClock
) -> None:
    _ada, (linkedin, whatsapp) = await shared(
        runtime, "ada@example.com", [Channel.LINKEDIN, Channel.WHATSAPP]
    )
    await someone_opens(runtime, whatsapp, "reader-1")
    clock.advance(timedelta(days=1))
    await someone_opens(runtime, linkedin, "reader-2")
    await someone_opens(runtime, linkedin, "reader-3")
    await someone_opens(runtime, linkedin, "reader-3")  # a repeat: not unique
    period = runtime.figures.last_days(3, clock.now())
    series = await runtime.figures.unique_clicks_per_channel_day(period)
    assert series == {"linkedin": [0, 0, 2], "whatsapp": [0, 1, 0]}
    assert list(series) == ["linkedin", "whatsapp"]


async def test_my_clicks_per_day_count_only_my_links(runtime: Runtime, clock: FrozenClock) -> None:
    ada, [mine] = await shared(runtime, "ada@example.com", [Channel.LINKEDIN])
    _bob, [theirs] = await shared(runtime, "bob@example.com", [Channel.LINKEDIN])
    await someone_opens(runtime, mine, "reader-1")
    await someone_opens(runtime, theirs, "reader-2")
    clock.advance(timedelta(days=1))
    await someone_opens(runtime, mine, "reader-3")
    period = runtime.figures.last_days(2, clock.now())
    assert await runtime.figures.unique_clicks_per_day(period, ada) == [1, 1]
    assert await runtime.figures.unique_clicks_per_day(period) == [2, 1]
