"""A leaderboard as people read it: ranks and points with each person's name and
department, and where the asking employee stands. The REST API, the mini app and the
chat all show this one assembly (the boards themselves are `leaderboards`, the names
come from the people service)."""

from __future__ import annotations

from dataclasses import dataclass

from app.gamification.leaderboards import Period, Scope, Standing
from app.gamification.service import GamificationService
from app.people.service import PeopleService


@dataclass(frozen=True)
class Placing:
    rank: int
    employee_id: int
    name: str  # "" for someone no longer in the directory
    department: str
    points: int


@dataclass(frozen=True)
class NamedBoard:
    period: Period
    period_id: str
    scope: Scope
    scope_id: str
    top: list[Placing]
    me: Placing | None  # None: not asked, or no points in this board yet
    neighbours: list[Placing]  # the people just above and below me (public board)


async def named_board(
    game: GamificationService,
    people: PeopleService,
    period: Period,
    scope: Scope,
    scope_id: str,
    count: int,
    employee_id: int | None = None,
) -> NamedBoard:
    """The top `count` of a board, and, for `employee_id`, their own place and
    neighbours; the names in one query."""
    top = await game.leaderboard(period, scope, scope_id, count)
    mine = await game.my_standing(employee_id, period, scope, scope_id) if employee_id else None
    neighbours = mine.neighbours if mine else []
    mine_me = mine.me if mine else None
    shown = [*top, *neighbours, *([mine_me] if mine_me else [])]
    who = await people.by_ids(s.employee_id for s in shown)

    def placing(standing: Standing) -> Placing:
        person = who.get(standing.employee_id)
        return Placing(
            rank=standing.rank,
            employee_id=standing.employee_id,
            name=person.name if person else "",
            department=person.department if person else "",
            points=standing.points,
        )

    return NamedBoard(
        period=period,
        period_id=game.period_id(period),
        scope=scope,
        scope_id=scope_id,
        top=[placing(s) for s in top],
        me=placing(mine_me) if mine_me else None,
        neighbours=[placing(s) for s in neighbours],
    )
