"""Leaderboards: periods in the company's time zone, ties, scopes, opt-out, rebuild."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.clock import FrozenClock
from app.gamification.ledger import Award, InsufficientPoints
from app.gamification.periods import Periods
from app.people.models import Employee
from app.runtime import Runtime
from tests.helpers import make_employee

PARIS = ZoneInfo("Europe/Paris")


async def give(runtime: Runtime, who: Employee, points: int, at: datetime, key: str) -> None:
    await runtime.gamification.ledger.award(
        Award(who.id, points, "adjustment", "test", key, at, note="test")
    )


async def board(
    runtime: Runtime, period: str = "week", scope: str = "company", scope_id: str = "all"
) -> list[tuple[int, int, int]]:
    rows = await runtime.gamification.leaderboard(period, scope, scope_id, 10)  # type: ignore[arg-type]
    return [(row.rank, row.employee_id, row.points) for row in rows]


def test_periods_follow_the_company_time_zone() -> None:
    # Sunday 30 Nov 2026, 23:30 UTC is already Monday 1 Dec, 00:30 in Paris.
    late = Periods.of(datetime(2026, 11, 30, 23, 30, tzinfo=UTC), PARIS)
    assert (late.week, late.month, late.quarter) == ("2026-W49", "2026-12", "2026-Q4")
    earlier = Periods.of(datetime(2026, 11, 30, 22, 30, tzinfo=UTC), PARIS)
    assert (earlier.week, earlier.month) == ("2026-W49", "2026-11")
    sunday = Periods.of(datetime(2026, 11, 29, 22, 59, tzinfo=UTC), PARIS)
    assert sunday.week == "2026-W48"
    new_year = Periods.of(datetime(2026, 12, 31, 23, 30, tzinfo=UTC), PARIS)
    assert (new_year.week, new_year.month, new_year.quarter) == ("2026-W53", "2027-01", "2027-Q1")


async def test_a_new_week_starts_an_empty_weekly_board(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    await give(runtime, ada, 30, clock.now(), "a")
    assert await board(runtime, "week") == [(1, ada.id, 30)]
    clock.advance(timedelta(days=4))  # Thursday 26 -> Monday 30 November
    assert await board(runtime, "week") == []
    assert await board(runtime, "month") == [(1, ada.id, 30)]
    assert await board(runtime, "all") == [(1, ada.id, 30)]


async def test_ties_go_to_who_got_there_first(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    await give(runtime, bob, 10, clock.now(), "b1")
    await give(runtime, ada, 10, clock.now() + timedelta(minutes=1), "a1")
    assert await board(runtime) == [(1, bob.id, 10), (2, ada.id, 10)]
    await give(runtime, bob, 5, clock.now() + timedelta(minutes=2), "b2")
    await give(runtime, ada, 5, clock.now() + timedelta(minutes=3), "a2")
    assert await board(runtime) == [(1, bob.id, 15), (2, ada.id, 15)]
    await give(runtime, ada, 1, clock.now() + timedelta(minutes=4), "a3")
    assert await board(runtime) == [(1, ada.id, 16), (2, bob.id, 15)]


async def test_department_and_location_boards(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime, department="Engineering")
    bob = await make_employee(runtime, "bob@example.com", "Bob", department="Sales")
    await give(runtime, ada, 10, clock.now(), "a")
    await give(runtime, bob, 20, clock.now(), "b")
    assert await board(runtime, "month", "department", "Engineering") == [(1, ada.id, 10)]
    assert await board(runtime, "month", "company", "all") == [(1, bob.id, 20), (2, ada.id, 10)]


async def test_my_rank_and_my_neighbours(runtime: Runtime, clock: FrozenClock) -> None:
    people = [await make_employee(runtime, f"p{i}@example.com", f"P{i}") for i in range(7)]
    for i, person in enumerate(people):
        await give(runtime, person, 100 - i * 10, clock.now(), f"k{i}")
    mine = await runtime.gamification.my_standing(people[3].id, "week", "company", "all")
    assert mine.me is not None and (mine.me.rank, mine.me.points) == (4, 70)
    assert [(s.rank, s.points) for s in mine.neighbours] == [(2, 90), (3, 80), (5, 60), (6, 50)]
    nobody = await make_employee(runtime, "new@example.com", "New")
    assert (await runtime.gamification.my_standing(nobody.id, "week", "company", "all")).me is None


async def test_an_opted_out_employee_is_hidden_but_sees_their_rank(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    cyd = await make_employee(runtime, "cyd@example.com", "Cyd")
    await give(runtime, ada, 30, clock.now(), "a")
    await give(runtime, bob, 20, clock.now(), "b")
    await give(runtime, cyd, 10, clock.now(), "c")
    await runtime.gamification.set_opt_out(bob.id, True)
    assert await board(runtime) == [(1, ada.id, 30), (2, cyd.id, 10)]
    hidden = await runtime.gamification.my_standing(bob.id, "week", "company", "all")
    assert hidden.me is not None and (hidden.me.rank, hidden.me.points) == (2, 20)
    await give(runtime, bob, 15, clock.now(), "b2")  # still earning, still hidden
    assert [row[1] for row in await board(runtime)] == [ada.id, cyd.id]
    assert (await runtime.gamification.my_standing(bob.id, "week", "company", "all")).me.rank == 1  # type: ignore[union-attr]
    await runtime.gamification.set_opt_out(bob.id, False)
    assert await board(runtime) == [(1, bob.id, 35), (2, ada.id, 30), (3, cyd.id, 10)]


async def test_a_rebuild_gives_the_same_boards_as_the_incremental_path(
    runtime: Runtime, clock: FrozenClock
) -> None:
    import random

    rng = random.Random(3)
    people = [
        await make_employee(
            runtime,
            f"p{i}@example.com",
            f"P{i}",
            department=rng.choice(["Sales", "Engineering", ""]),
        )
        for i in range(12)
    ]
    for n in range(300):
        at = clock.now() + timedelta(hours=rng.randrange(0, 24 * 100))
        # A correction larger than the balance is refused; the boards must agree on it.
        with contextlib.suppress(InsufficientPoints):
            await give(runtime, rng.choice(people), rng.choice([1, 1, 5, 10, -1, 2]), at, f"e{n}")
    await runtime.gamification.set_opt_out(people[0].id, True)
    before = await snapshot(runtime)
    await runtime.redis.flushdb()
    groups = await runtime.gamification.boards.rebuild()
    assert groups > 0
    assert await snapshot(runtime) == before
    assert any(key.startswith("lbh:") for key in before)


async def snapshot(runtime: Runtime) -> dict[str, list[tuple[bytes, float]]]:
    keys = sorted([k.decode() async for k in runtime.redis.scan_iter(match="lb*:*")])
    return {key: await runtime.redis.zrange(key, 0, -1, withscores=True) for key in keys}


async def test_points_earned_during_a_rebuild_are_not_lost(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    await give(runtime, ada, 10, clock.now(), "a1")
    boards = runtime.gamification.boards
    write_staged = boards._replace_all

    async def award_meanwhile(*args: object) -> None:
        # Bob earns points after the ledger was read, before the boards are swapped.
        await give(runtime, bob, 7, clock.now(), "b1")
        await write_staged(*args)  # type: ignore[arg-type]

    boards._replace_all = award_meanwhile  # type: ignore[method-assign]
    await boards.rebuild()
    assert await board(runtime, "all") == [(1, ada.id, 10), (2, bob.id, 7)]
