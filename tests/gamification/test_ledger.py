"""The points ledger: each event awards once, caps hold, counters, badges and levels."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from app.clock import FrozenClock
from app.events import BadgeEarned, ClickRecorded, LevelReached, ShareRecorded
from app.gamification.ledger import Award, InsufficientPoints
from app.gamification.models import BadgeAward, PointsEntry, Profile
from app.gamification.service import InvalidAdjustment
from app.people.models import Employee
from app.runtime import Runtime
from tests.helpers import make_employee

RULES_POINTS = {"unique_click": 1, "share": 5, "weekly_streak": 10}


def click(employee_id: int, n: int, at: datetime, link: int = 1, content: int = 1) -> ClickRecorded:
    return ClickRecorded(
        click_id=f"c{link}-{n}",
        link_id=link,
        employee_id=employee_id,
        content_type="job",
        content_id=content,
        channel="linkedin",
        classification="unique",
        occurred_at=at,
    )


def collect(runtime: Runtime, kind: type) -> list:
    seen: list = []

    async def handler(event: object) -> None:
        seen.append(event)

    runtime.events.subscribe(kind, handler)
    return seen


def first_visit(runtime: Runtime) -> int:
    """What a content's first rewarded click brings besides its own point: the share's
    points and, first in its week, the weekly streak's."""
    points = runtime.gamification.rules.points
    return points.share + points.weekly_streak


async def balance(employee_id: int) -> tuple[int, int]:
    employee = await Employee.get(id=employee_id)
    return employee.points_balance, employee.lifetime_points


async def test_the_same_click_twice_awards_once(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    event = click(ada.id, 1, clock.now())
    await runtime.events.publish(event)
    await runtime.events.publish(event)
    assert await balance(ada.id) == (1 + first_visit(runtime),) * 2
    assert await PointsEntry.filter(employee_id=ada.id, reason="unique_click").count() == 1
    assert (await Profile.get(employee_id=ada.id)).unique_clicks == 1


async def test_concurrent_copies_of_one_event_award_once(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    award = Award(
        employee_id=ada.id,
        points=50,
        reason="interview",
        source="referral:7",
        key="interview:7",
        occurred_at=clock.now(),
        counters={"interviews": 1},
    )
    results = await asyncio.gather(*(runtime.gamification.ledger.award(award) for _ in range(20)))
    assert sum(result is not None for result in results) == 1
    assert await balance(ada.id) == (50, 50)
    assert (await Profile.get(employee_id=ada.id)).interviews == 1


async def test_non_unique_clicks_earn_nothing(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    for n, kind in enumerate(("repeat", "bot", "self", "rate_limited")):
        event = click(ada.id, n, clock.now())
        await runtime.events.publish(ClickRecorded(**{**event.__dict__, "classification": kind}))
    assert await balance(ada.id) == (0, 0)
    assert await PointsEntry.all().count() == 0


async def test_click_points_stop_at_the_daily_caps_and_say_so(
    runtime: Runtime, clock: FrozenClock
) -> None:
    caps = runtime.gamification.rules.caps  # 20 per link per day, 100 per employee per day
    ada = await make_employee(runtime)
    for n in range(25):
        await runtime.events.publish(click(ada.id, n, clock.now(), link=1))
    assert await balance(ada.id) == (caps.click_points_per_link_per_day + first_visit(runtime),) * 2
    capped = await PointsEntry.filter(employee_id=ada.id, points=0)
    assert len(capped) == 5
    assert all(entry.note == "daily click points cap reached" for entry in capped)
    # Recorded, but only what earned points counts for badges (finding 13 of issue 15).
    assert (await Profile.get(employee_id=ada.id)).unique_clicks == 20
    for link in range(2, 8):
        for n in range(20):
            await runtime.events.publish(click(ada.id, n, clock.now(), link=link))
    shared = first_visit(runtime)  # every click was on content 1: one share
    assert (await balance(ada.id))[0] == caps.click_points_per_employee_per_day + shared
    clock.advance(timedelta(days=1))
    await runtime.events.publish(click(ada.id, 99, clock.now(), link=1))
    assert (await balance(ada.id))[0] == caps.click_points_per_employee_per_day + shared + 1


async def test_a_capped_click_earns_no_badge(runtime: Runtime, clock: FrozenClock) -> None:
    """The 100-click badge needs 100 clicks that earned points: a day of clicks past the
    caps brings it no closer."""
    ada = await make_employee(runtime)
    earned = collect(runtime, BadgeEarned)
    for link in range(1, 7):  # 120 unique clicks in a day: the employee's cap is 100
        await runtime.events.publish_many([click(ada.id, n, clock.now(), link) for n in range(20)])
    profile = await Profile.get(employee_id=ada.id)
    assert profile.unique_clicks == 100 and "clicks_100" in [e.badge for e in earned]
    for n in range(30):  # the same day, all capped: counted for nothing
        await runtime.events.publish(click(ada.id, 100 + n, clock.now(), link=9))
    assert (await Profile.get(employee_id=ada.id)).unique_clicks == 100
    assert await PointsEntry.filter(employee_id=ada.id, points=0).count() == 50


async def test_a_share_earns_its_points_with_its_links_first_rewarded_visit(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """Asking for a network's link records the share with 0 points: nothing proves that
    anyone saw a post (the probe's 16 contents earned 90 points). The first unique click
    that earns its point brings the share's points and the week's streak, once per
    content whatever the network (finding 14 of issue 15)."""
    ada = await make_employee(runtime)
    for content in range(1, 17):
        await runtime.events.publish(ShareRecorded(ada.id, "job", content, "linkedin", clock.now()))
    assert await balance(ada.id) == (0, 0)
    recorded = await PointsEntry.filter(employee_id=ada.id, reason="share").values_list("points")
    assert recorded == [(0,)] * 16  # in her history, earning nothing yet
    profile = await Profile.get(employee_id=ada.id)
    assert (profile.shares, profile.streak_weeks) == (0, 0)
    assert not await BadgeAward.filter(employee_id=ada.id).exists()

    await runtime.events.publish(click(ada.id, 1, clock.now(), link=1, content=1))
    await runtime.events.publish(click(ada.id, 2, clock.now(), link=2, content=1))  # via X
    assert await balance(ada.id) == (2 + 5 + 10,) * 2  # two clicks, one share, one streak
    profile = await Profile.get(employee_id=ada.id)
    assert (profile.shares, profile.streak_weeks) == (1, 1)
    assert await BadgeAward.filter(employee_id=ada.id, badge="first_share").exists()


async def test_a_visit_that_earns_nothing_brings_no_share_points(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    await runtime.events.publish(ShareRecorded(ada.id, "job", 7, "linkedin", clock.now()))
    repeat = ClickRecorded(
        **{**click(ada.id, 1, clock.now(), content=7).__dict__, "classification": "repeat"}
    )
    await runtime.events.publish(repeat)
    for link in range(1, 6):  # the employee's daily click cap (100) reached on content 1
        await runtime.events.publish_many([click(ada.id, n, clock.now(), link) for n in range(20)])
    before = await balance(ada.id)
    await runtime.events.publish(click(ada.id, 99, clock.now(), link=9, content=7))  # capped
    assert await balance(ada.id) == before
    assert not await PointsEntry.filter(employee_id=ada.id, source="job:7", points__gt=0).exists()
    clock.advance(timedelta(days=1))  # the next day it earns, and so does the share
    await runtime.events.publish(click(ada.id, 100, clock.now(), link=9, content=7))
    assert await PointsEntry.filter(employee_id=ada.id, source="job:7", points=5).exists()


async def test_weekly_streaks_count_rewarded_shares_only(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    for week in range(4):  # a share a week that someone opened
        await runtime.events.publish(click(ada.id, week, clock.now(), link=week, content=week))
        clock.advance(timedelta(days=7))
    profile = await Profile.get(employee_id=ada.id)
    assert (profile.shares, profile.streak_weeks) == (4, 4)
    assert await BadgeAward.filter(employee_id=ada.id, badge="streak_4_weeks").exists()
    # A week of shares nobody opened keeps no streak alive.
    await runtime.events.publish(ShareRecorded(ada.id, "job", 50, "linkedin", clock.now()))
    clock.advance(timedelta(days=7))
    await runtime.events.publish(click(ada.id, 60, clock.now(), link=60, content=60))
    assert (await Profile.get(employee_id=ada.id)).streak_weeks == 1


async def test_counters_earn_their_badges_once(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    earned = collect(runtime, BadgeEarned)
    await runtime.events.publish(click(ada.id, 1, clock.now()))  # a share someone opened
    for status in ("screening", "interview", "offer", "hired"):
        await runtime.gamification.on_referral_status(ada.id, 1, status, clock.now())
        await runtime.gamification.on_referral_status(ada.id, 1, status, clock.now())  # replay
    badges = [event.badge for event in earned]
    assert badges == ["first_share", "first_referral", "first_interview", "first_hire"]
    assert await balance(ada.id) == (1 + 5 + 10 + 20 + 50 + 100 + 500,) * 2


async def test_a_jobs_own_referral_points_win_for_a_hire(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    await runtime.gamification.on_referral_status(ada.id, 3, "hired", clock.now(), job_points=900)
    assert await balance(ada.id) == (900, 900)


async def test_levels_rise_with_lifetime_points(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    reached = collect(runtime, LevelReached)
    ledger = runtime.gamification.ledger
    for n, points in enumerate((60, 60, 500)):
        await ledger.award(
            Award(ada.id, points, "adjustment", "test", f"k{n}", clock.now(), note="test")
        )
    assert [event.level for event in reached] == [1, 2]  # 120 -> Messenger, 620 -> Ambassador
    summary = await runtime.gamification.summary(ada)
    assert summary.level_name == {"en": "Ambassador", "fr": "Ambassadeur"}
    assert summary.next_level_points == 2000


async def test_an_admin_adjustment_needs_a_reason_the_employee_sees(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    with pytest.raises(InvalidAdjustment):
        await runtime.gamification.adjust(ada.id, 10, "  ", by="admin")
    await runtime.gamification.adjust(ada.id, 5, "Welcome bonus", by="admin")
    await runtime.gamification.adjust(ada.id, -3, "Clicks from a test campaign", by="admin")
    entries = await runtime.gamification.ledger_of(ada.id, 10, 0)
    assert [(e.points, e.note) for e in entries] == [
        (-3, "Clicks from a test campaign"),
        (5, "Welcome bonus"),
    ]
    with pytest.raises(InsufficientPoints):  # a balance never goes below zero
        await runtime.gamification.adjust(ada.id, -10, "Too much", by="admin")
    assert await balance(ada.id) == (2, 2)
    assert await PointsEntry.filter(employee_id=ada.id).count() == 2


async def test_a_left_employee_earns_nothing(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    await runtime.people.deactivate(ada.id)
    await runtime.events.publish(click(ada.id, 1, clock.now()))
    assert await PointsEntry.all().count() == 0


async def test_accepting_the_policy_earns_its_points_once(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    await runtime.policy.accept(ada, "telegram")
    await runtime.policy.accept(ada, "teams")
    assert await balance(ada.id) == (10, 10)
