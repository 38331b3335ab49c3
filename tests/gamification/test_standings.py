"""A leaderboard with names (`app/gamification/standings.py`): the one assembly that the
REST API, the mini app and the chat show."""

from __future__ import annotations

from app.gamification.standings import Placing, named_board
from app.runtime import Runtime
from tests.helpers import give, make_employee


async def test_the_top_carries_each_persons_name_and_department(runtime: Runtime) -> None:
    ada = await make_employee(runtime, "ada@example.com", "Ada", department="Engineering")
    bob = await make_employee(runtime, "bob@example.com", "Bob", department="Sales")
    await give(runtime, ada.id, 50, "a")
    await give(runtime, bob.id, 80, "b")
    board = await named_board(runtime.gamification, runtime.people, "month", "company", "all", 10)
    assert board.top == [
        Placing(1, bob.id, "Bob", "Sales", 80),
        Placing(2, ada.id, "Ada", "Engineering", 50),
    ]
    assert board.me is None and board.neighbours == []  # nobody asked
    assert board.period_id == runtime.gamification.period_id("month")


async def test_someone_below_the_top_sees_their_own_place_and_neighbours(
    runtime: Runtime,
) -> None:
    people = [await make_employee(runtime, f"p{n}@example.com", f"Person {n}") for n in range(4)]
    for n, person in enumerate(people):
        await give(runtime, person.id, 100 - 10 * n, f"k{n}")
    last = people[-1]
    board = await named_board(
        runtime.gamification, runtime.people, "month", "company", "all", 2, last.id
    )
    assert [p.name for p in board.top] == ["Person 0", "Person 1"]
    assert board.me == Placing(4, last.id, "Person 3", "Engineering", 70)
    assert "Person 2" in [p.name for p in board.neighbours]


async def test_an_employee_with_no_points_has_no_place(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    board = await named_board(
        runtime.gamification, runtime.people, "week", "company", "all", 10, ada.id
    )
    assert (board.top, board.me) == ([], None)
