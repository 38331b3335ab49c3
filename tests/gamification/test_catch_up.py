"""Points for clicks whose award was lost: found and awarded once, by the scheduler."""

from __future__ import annotations

import pytest

from app.events import ClickRecorded
from app.gamification.catch_up import MissedClickPoints
from app.gamification.models import PointsEntry
from app.people.models import Employee
from app.referrals.clicks import ClickFacts, agent_of, new_click_id
from app.referrals.models import Click, ClickClass, TrackedLink
from app.referrals.writer import StoredClicks
from app.runtime import Runtime
from tests.referrals.test_clicks import CHROME
from tests.referrals.test_worker import stored_link


async def stored_without_points(runtime: Runtime, link: TrackedLink, visitor: str) -> Click:
    """A click the worker stored before dying: its announcement never happened."""
    now = runtime.clock.now()
    return await Click.create(
        click_id=new_click_id(),
        link_id=link.id,
        occurred_at=now,
        day=now.date(),
        classification=ClickClass.UNIQUE,
        visitor_hash=visitor,
        employee_id=link.employee_id,
        content_type=link.content_type,
        content_id=link.content_id,
        channel=link.channel,
    )


async def stored_by_the_worker(runtime: Runtime, link: TrackedLink, visitor: str) -> None:
    facts = ClickFacts(
        new_click_id(), link.id, runtime.clock.now(), visitor, agent_of(CHROME), "", False, ""
    )
    assert len(await runtime.click_writer.store([facts])) == 1


async def balance(employee_id: int) -> int:
    return (await Employee.get(id=employee_id)).points_balance


async def test_a_click_stored_without_its_points_gets_them_once_a_tick_later(
    runtime: Runtime,
) -> None:
    link = await stored_link(runtime)
    check = MissedClickPoints(runtime.redis, runtime.gamification, StoredClicks())
    assert await check.check() == 0  # the first check starts from here
    await stored_by_the_worker(runtime, link, "ann")
    lost = await stored_without_points(runtime, link, "bob")
    paid = await balance(link.employee_id)

    assert await check.check() == 0  # stored since the last check: the worker may be on it
    assert await balance(link.employee_id) == paid
    assert await check.check() == 1  # only the click without points
    assert await PointsEntry.filter(idempotency_key=f"click:{lost.click_id}").count() == 1
    assert await balance(link.employee_id) == paid + runtime.gamification.rules.points.unique_click

    assert await check.check() == 0
    assert await check.check() == 0
    assert await PointsEntry.filter(reason="unique_click").count() == 2


class DatabaseDownOnce:
    """The gamification service, whose first award fails as if the database restarted."""

    def __init__(self, runtime: Runtime) -> None:
        self.real = runtime.gamification
        self.failed = False

    async def on_clicks(self, events: list[ClickRecorded]) -> list[object]:
        if not self.failed:
            self.failed = True
            raise ConnectionError("the database is restarting")
        return await self.real.on_clicks(events)  # type: ignore[return-value]


async def test_an_award_that_fails_again_is_retried_at_the_next_check(runtime: Runtime) -> None:
    link = await stored_link(runtime)
    game = DatabaseDownOnce(runtime)
    check = MissedClickPoints(runtime.redis, game, StoredClicks())  # type: ignore[arg-type]
    await check.check()
    lost = await stored_without_points(runtime, link, "bob")
    await check.check()

    with pytest.raises(ConnectionError):
        await check.check()
    assert await check.check() == 1
    assert await PointsEntry.filter(idempotency_key=f"click:{lost.click_id}").count() == 1


async def test_the_scheduler_runs_the_check_and_says_so(runtime: Runtime) -> None:
    link = await stored_link(runtime)
    engine = runtime.push_engine
    scheduler = engine.scheduler
    await scheduler.tick()
    await stored_without_points(runtime, link, "bob")
    await scheduler.tick()
    assert "points for 1 click(s) whose award was lost" in await scheduler.tick()
