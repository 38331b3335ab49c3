"""The ledger's batch path (`award_many`, and clicks awarded a worker batch at a time):
a batch ends exactly where the same awards applied one at a time end."""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timedelta

import pytest

from app.clock import FrozenClock
from app.events import BadgeEarned, LevelReached, PointsAwarded
from app.gamification.ledger import Award, InsufficientPoints
from app.gamification.models import BadgeAward, PointsEntry, Profile
from app.people.models import Employee
from app.runtime import Runtime
from tests.gamification.test_leaderboards import snapshot
from tests.gamification.test_ledger import balance, click, collect, first_visit
from tests.helpers import make_employee


def award(employee: Employee, points: int, key: str, at: datetime, **kwargs: object) -> Award:
    return Award(employee.id, points, "adjustment", "test", key, at, note="test", **kwargs)  # type: ignore[arg-type]


def plan(employee: Employee, start: datetime, tag: str) -> list[Award]:
    """Shares over five weeks (a streak, share badges), referral stages and a hire: enough
    to cross several badge thresholds and two levels."""
    awards = []
    for n in range(12):
        at = start + timedelta(days=7 * (n // 3), hours=n)
        awards.append(
            Award(
                employee.id,
                5,
                "share",
                f"job:{n}",
                f"{tag}share:{n}",
                at,
                counters={"shares": 1},
                share_week=True,
            )
        )
    for n, (reason, points, counter) in enumerate(
        [("application", 20, "referrals"), ("interview", 50, "interviews"), ("hire", 500, "hires")]
    ):
        awards.append(
            Award(
                employee.id,
                points,
                reason,
                "referral:1",
                f"{tag}{reason}:{n}",
                start + timedelta(days=30, hours=n),
                counters={counter: 1},
            )
        )
    return awards


def outcome_of(events: list, employee_id: int) -> tuple[list, list, list]:
    mine = [event for event in events if event.employee_id == employee_id]
    return (
        [e.points for e in mine if isinstance(e, PointsAwarded)],
        [e.badge for e in mine if isinstance(e, BadgeEarned)],
        [e.level for e in mine if isinstance(e, LevelReached)],
    )


async def state_of(employee_id: int) -> tuple:
    profile = await Profile.get(employee_id=employee_id)
    badges = sorted(
        await BadgeAward.filter(employee_id=employee_id).values_list("badge", flat=True)
    )
    return (
        await balance(employee_id),
        (profile.shares, profile.referrals, profile.interviews, profile.hires),
        (profile.streak_weeks, profile.level),
        badges,
    )


async def test_a_batch_ends_where_the_same_awards_one_at_a_time_end(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    seen = [collect(runtime, kind) for kind in (PointsAwarded, BadgeEarned, LevelReached)]
    ledger = runtime.gamification.ledger
    results = await ledger.award_many(plan(ada, clock.now(), "a"))
    for one in plan(bob, clock.now(), "b"):
        await ledger.award(one)
    everything = [event for kind in seen for event in kind]
    assert all(result is not None for result in results)
    assert await state_of(ada.id) == await state_of(bob.id)
    assert outcome_of(everything, ada.id) == outcome_of(everything, bob.id)
    points, badges, levels = outcome_of(everything, ada.id)
    assert len(points) == 15 and levels == [1, 2]  # 100 then 500 lifetime points: once each
    assert sorted(badges) == sorted(set(badges))  # every badge earned once
    assert {"first_share", "shares_10", "first_hire"} <= set(badges)


async def test_a_batch_skips_keys_already_applied_and_repeated_within_it(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    ledger = runtime.gamification.ledger
    await ledger.award(award(ada, 10, "k1", clock.now()))
    batch = [award(ada, 10, key, clock.now()) for key in ("k1", "k2", "k2", "k3", "k1")]
    results = await ledger.award_many(batch)
    assert [result is not None for result in results] == [False, True, False, True, False]
    assert await balance(ada.id) == (30, 30)
    assert await PointsEntry.filter(employee_id=ada.id).count() == 3
    assert await ledger.award_many(batch) == [None] * 5  # the whole batch replayed
    assert await balance(ada.id) == (30, 30)


async def test_left_and_opted_out_employees_in_a_batch(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    cyd = await make_employee(runtime, "cyd@example.com", "Cyd")
    await runtime.people.deactivate(bob.id)
    await runtime.gamification.set_opt_out(cyd.id, True)
    batch = [award(who, 10, f"k{who.id}", clock.now()) for who in (ada, bob, cyd)]
    results = await runtime.gamification.ledger.award_many(batch)
    assert results[1] is None  # left: nothing written
    assert await PointsEntry.filter(employee_id=bob.id).count() == 0
    assert results[0] is not None and not results[0].hidden
    assert results[2] is not None and results[2].hidden
    board = await runtime.gamification.leaderboard("week", "company", "all", 10)
    assert [row.employee_id for row in board] == [ada.id]  # cyd ranks, hidden
    mine = await runtime.gamification.my_standing(cyd.id, "week", "company", "all")
    assert mine.me is not None and mine.me.points == 10


async def test_a_refused_correction_in_a_batch_changes_nothing_else(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    ledger = runtime.gamification.ledger
    with pytest.raises(InsufficientPoints):
        await ledger.award_many(
            [
                award(ada, 3, "plus3", clock.now()),
                award(ada, -10, "minus10", clock.now()),
                award(ada, 2, "plus2", clock.now()),
            ]
        )
    assert await balance(ada.id) == (5, 5)  # both gains applied, the correction not
    assert not await PointsEntry.filter(idempotency_key="minus10").exists()
    # Corrections come after the batch's gains: 5 + 4 - 7 leaves 2.
    results = await ledger.award_many(
        [award(ada, -7, "minus7", clock.now()), award(ada, 4, "plus4", clock.now())]
    )
    assert all(result is not None for result in results)
    assert await balance(ada.id) == (2, 2)


async def test_click_caps_hold_within_one_worker_batch(
    runtime: Runtime, clock: FrozenClock
) -> None:
    caps = runtime.gamification.rules.caps  # 20 per link per day, 100 per employee per day
    ada = await make_employee(runtime)
    for n in range(15):  # some of today's clicks came in earlier batches
        await runtime.events.publish(click(ada.id, n, clock.now(), link=1))
    batch = [click(ada.id, n, clock.now(), link=1) for n in range(10, 25)]  # 5 replays
    batch.append(batch[-1])  # and one click twice in the batch
    await runtime.events.publish_many(batch)
    assert await balance(ada.id) == (caps.click_points_per_link_per_day + first_visit(runtime),) * 2
    capped = await PointsEntry.filter(employee_id=ada.id, points=0)
    assert len(capped) == 5
    assert all(entry.note == "daily click points cap reached" for entry in capped)
    # Only the clicks that earned points count.
    assert (await Profile.get(employee_id=ada.id)).unique_clicks == 20


async def test_two_workers_awarding_one_persons_clicks_together_stay_within_the_cap(
    runtime: Runtime, clock: FrozenClock
) -> None:
    caps = runtime.gamification.rules.caps  # 20 points per link per day, 1 a click
    ada = await make_employee(runtime)
    # Each worker's batch fits under the cap alone; together they don't.
    first = [click(ada.id, n, clock.now(), link=1) for n in range(15)]
    second = [click(ada.id, n, clock.now(), link=1) for n in range(15, 30)]
    await asyncio.gather(
        runtime.gamification.on_clicks(first), runtime.gamification.on_clicks(second)
    )
    assert await balance(ada.id) == (caps.click_points_per_link_per_day + first_visit(runtime),) * 2
    clicks = PointsEntry.filter(employee_id=ada.id, reason="unique_click")
    assert await clicks.count() == 30  # every click entered


async def test_two_clicks_in_one_batch_for_an_employee_one_point_below_the_cap(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    for link in range(1, 6):  # 4 links x 20 + 19 = 99 click points today; the cap is 100
        clicks = 19 if link == 5 else 20
        await runtime.events.publish_many(
            [click(ada.id, n, clock.now(), link) for n in range(clicks)]
        )
    results = await runtime.gamification.on_clicks(
        [click(ada.id, 100, clock.now(), link=9), click(ada.id, 101, clock.now(), link=9)]
    )
    assert [r.entry.points for r in results if r is not None] == [1, 0]
    assert results[1] is not None and results[1].entry.note == "daily click points cap reached"
    assert await balance(ada.id) == (100 + first_visit(runtime),) * 2


async def test_a_click_batch_across_midnight_caps_each_day_apart(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    day = clock.now()
    batch = [click(ada.id, n, day, link=1) for n in range(20)]
    batch += [click(ada.id, 100 + n, day + timedelta(days=1), link=1) for n in range(5)]
    results = await runtime.gamification.on_clicks(batch)
    assert [r.entry.points for r in results if r is not None] == [1] * 25
    assert await balance(ada.id) == (25 + first_visit(runtime),) * 2


async def test_the_daily_cap_counts_what_clicks_earned_not_capped_entries_nor_debts(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """The cap reads only entries that earned points: the 0-point entries of capped
    clicks are not summed, and a correction (a debt) gives no room back."""
    caps = runtime.gamification.rules.caps  # 20 per link per day, 100 per employee per day
    ada = await make_employee(runtime)
    for batch in range(3):  # 60 clicks on one link in three batches: 40 capped at 0
        await runtime.gamification.on_clicks(
            [click(ada.id, batch * 20 + n, clock.now(), link=1) for n in range(20)]
        )
    await runtime.gamification.adjust(ada.id, -15, "a duplicate share", by="admin")
    late = await runtime.gamification.on_clicks([click(ada.id, 99, clock.now(), link=1)])
    other = await runtime.gamification.on_clicks(
        [click(ada.id, n, clock.now(), link=2) for n in range(25)]
    )
    assert [r.entry.points for r in late if r] == [0]
    assert [r.entry.points for r in other if r] == [1] * 20 + [0] * 5
    earned = 2 * caps.click_points_per_link_per_day + first_visit(runtime)
    assert await balance(ada.id) == (earned - 15,) * 2
    assert (
        await PointsEntry.filter(employee_id=ada.id, points=0, reason="unique_click").count() == 46
    )


async def test_concurrent_batches_on_the_same_people_neither_deadlock_nor_lose_points(
    runtime: Runtime, clock: FrozenClock
) -> None:
    people = [await make_employee(runtime, f"p{i}@example.com", f"P{i}") for i in range(6)]
    rng = random.Random(5)
    batches = []
    for b in range(8):
        batch = [
            Award(
                who.id,
                1 + n % 3,
                "interview",
                "r",
                f"b{b}-{n}-{who.id}",
                clock.now(),
                counters={"interviews": 1},
            )
            for n in range(5)
            for who in people
        ]
        rng.shuffle(batch)  # each batch meets the people in its own order
        batches.append(batch)
    await asyncio.gather(*(runtime.gamification.ledger.award_many(b) for b in batches))
    for who in people:
        assert await balance(who.id) == (8 * (1 + 2 + 3 + 1 + 2),) * 2
        assert (await Profile.get(employee_id=who.id)).interviews == 8 * 5
        assert await BadgeAward.filter(employee_id=who.id, badge="first_interview").count() == 1


async def test_boards_after_batches_equal_a_rebuild(runtime: Runtime, clock: FrozenClock) -> None:
    rng = random.Random(11)
    people = [
        await make_employee(
            runtime, f"p{i}@example.com", f"P{i}", department=rng.choice(["Sales", "Data", ""])
        )
        for i in range(10)
    ]
    await runtime.gamification.set_opt_out(people[0].id, True)
    for b in range(6):
        batch = [
            award(
                rng.choice(people),
                rng.choice([1, 2, 5, 0]),
                f"b{b}-{n}",
                clock.now() + timedelta(hours=rng.randrange(24 * 60)),
            )
            for n in range(40)
        ]
        await runtime.gamification.ledger.award_many(batch)
    before = await snapshot(runtime)
    await runtime.redis.flushdb()
    await runtime.gamification.boards.rebuild()
    assert await snapshot(runtime) == before
    assert any(key.startswith("lbh:") for key in before)
