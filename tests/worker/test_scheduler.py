"""The worker's scheduled jobs (app/worker/scheduler.py), run by a tick of the leader."""

from __future__ import annotations

from datetime import timedelta

from app.broadcasts.models import Broadcast, BroadcastKind
from app.clock import FrozenClock
from app.runtime import Runtime
from tests.helpers import make_sharer


async def test_the_month_close_congratulates_the_podium_in_its_order(
    runtime: Runtime, clock: FrozenClock
) -> None:
    # Three sharers, each 10 points for the policy; then the month's order is set
    # against their ids' order: Grace first, Alan second, Ada third.
    ada = await make_sharer(runtime, "ada@example.com", name="Ada Lovelace")
    alan = await make_sharer(runtime, "alan@example.com", name="Alan Turing")
    grace = await make_sharer(runtime, "grace@example.com", name="Grace Hopper")
    await runtime.gamification.adjust(grace.id, 30, "a great month", by="admin")
    await runtime.gamification.adjust(alan.id, 20, "a good month", by="admin")
    clock.advance(timedelta(days=10))  # into December: November closes

    lines = await runtime.push_engine.scheduler.tick()

    assert any("closed" in line for line in lines)
    [announcement] = await Broadcast.filter(kind=BroadcastKind.ANNOUNCEMENT)
    assert announcement.text == (
        "Congratulations to the top sharers of 2026-11: Grace Hopper, Alan Turing, Ada Lovelace!"
    )
    assert ada.id < alan.id < grace.id  # so the database's own order would differ
