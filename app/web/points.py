"""REST resources of points: leaderboards with my rank, an employee's points, level,
badges and ledger, admins' adjustments, and hiding from public leaderboards.

The rewards shop and team challenges live in `shop` and `challenges`."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.gamification.standings import NamedBoard, Placing, named_board
from app.people.models import Employee, Role
from app.web.api import Api, ApiError, Call, HeaderParam

IDEMPOTENCY_KEY_MAX = 128  # stored as "adjust:<key>" in a 160-character column

Period = Literal["week", "month", "quarter", "all"]
Scope = Literal["company", "department", "location"]


class LeaderboardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: Period = "month"
    scope: Scope = "company"
    scope_id: str | None = Field(
        default=None, max_length=100, description="Department or location; default: mine"
    )
    limit: int = Field(default=10, ge=1, le=100)


class Row(BaseModel):
    rank: int
    employee_id: int
    name: str
    department: str
    points: int
    me: bool


class Leaderboard(BaseModel):
    period: Period
    period_id: str
    scope: Scope
    scope_id: str
    rows: list[Row]
    me: Row | None
    neighbours: list[Row]


def leaderboard_out(board: NamedBoard, me_id: int | None) -> Leaderboard:
    """A board as the API and the mini app answer it (`me` marks the asker's rows)."""

    def row(placing: Placing) -> Row:
        return Row(**asdict(placing), me=placing.employee_id == me_id)

    return Leaderboard(
        period=board.period,
        period_id=board.period_id,
        scope=board.scope,
        scope_id=board.scope_id,
        rows=[row(p) for p in board.top],
        me=row(board.me) if board.me else None,
        neighbours=[row(p) for p in board.neighbours],
    )


class Page(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class EntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    points: int
    reason: str
    source: str
    note: str
    occurred_at: datetime


class PointsOut(BaseModel):
    balance: int
    lifetime: int
    level: int
    level_name: dict[str, str]
    next_level_points: int | None
    badges: list[str]
    streak_weeks: int
    counters: dict[str, int]
    leaderboard_opt_out: bool
    entries: list[EntryOut]


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=-100_000, le=100_000)
    note: str = Field(min_length=1, max_length=500, description="Shown to the employee")


class OptOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opt_out: bool


class BadgeOut(BaseModel):
    code: str
    en: str
    fr: str
    counter: str
    at_least: int
    earned: bool


def register(api: Api) -> None:
    @api.operation(
        "GET",
        "/leaderboard",
        summary="A leaderboard, with my rank",
        tag="Points",
        role=Role.EMPLOYEE,
        query=LeaderboardQuery,
        response=Leaderboard,
        description="Opted-out people are never listed; they still get their own "
        "rank in `me`. Ties go to whoever reached the score first.",
    )
    async def leaderboard(call: Call) -> Leaderboard:
        q: LeaderboardQuery = call.query
        me_id = call.principal.employee_id if call.principal else None
        me = await call.services.people.get(me_id) if me_id else None
        scope_id = q.scope_id or _my_scope(me, q.scope)
        board = await named_board(
            call.services.gamification,
            call.services.people,
            q.period,
            q.scope,
            scope_id,
            q.limit,
            me_id,
        )
        return leaderboard_out(board, me_id)

    @api.operation(
        "GET",
        r"/employees/{employee_id:\d+}/points",
        summary="Points, level, badges and ledger of an employee",
        tag="Points",
        role=Role.EMPLOYEE,
        query=Page,
        response=PointsOut,
        description="Employees see their own; recruiters and admins anyone's.",
    )
    async def employee_points(call: Call) -> PointsOut:
        employee_id = call.path["employee_id"]
        call.require_self_or(Role.RECRUITER, employee_id)
        employee = await call.services.people.get(employee_id)
        game = call.services.gamification
        summary = await game.summary(employee)
        entries = await game.ledger_of(employee.id, call.query.limit, call.query.offset)
        return PointsOut(**summary.__dict__, entries=[EntryOut.model_validate(e) for e in entries])

    @api.operation(
        "POST",
        r"/employees/{employee_id:\d+}/points/adjust",
        summary="Adjust points (admin), with a reason the employee sees",
        tag="Points",
        role=Role.ADMIN,
        body=Adjustment,
        response=EntryOut,
        status=201,
        errors=(409,),
        headers=(
            HeaderParam(
                "Idempotency-Key",
                "Any string of yours: the same key applies the adjustment once (409 after).",
                max_length=IDEMPOTENCY_KEY_MAX,
            ),
        ),
        description="Send an Idempotency-Key header to make retries safe. A "
        "balance never goes below zero (409).",
    )
    async def adjust_points(call: Call) -> EntryOut:
        body: Adjustment = call.body
        employee = await call.services.people.get(call.path["employee_id"])
        assert call.principal is not None
        result = await call.services.gamification.adjust(
            employee.id,
            body.points,
            body.note,
            by=call.principal.token_name,
            key=call.request.headers.get("Idempotency-Key"),
        )
        if result is None:
            raise ApiError(409, "already_applied", "This adjustment was already applied.")
        return EntryOut.model_validate(result.entry)

    @api.operation(
        "PUT",
        r"/employees/{employee_id:\d+}/leaderboard-opt-out",
        summary="Hide from (or show on) public leaderboards",
        tag="Points",
        role=Role.EMPLOYEE,
        body=OptOut,
        response=OptOut,
    )
    async def leaderboard_opt_out(call: Call) -> OptOut:
        employee_id = call.path["employee_id"]
        call.require_self_or(Role.ADMIN, employee_id)
        await call.services.people.get(employee_id)
        await call.services.gamification.set_opt_out(employee_id, call.body.opt_out)
        return call.body  # type: ignore[no-any-return]

    @api.operation(
        "GET",
        "/badges",
        summary="Every badge, and which ones I have",
        tag="Points",
        role=Role.EMPLOYEE,
        response=list[BadgeOut],
    )
    async def badges(call: Call) -> list[BadgeOut]:
        game = call.services.gamification
        mine: set[str] = set()
        if call.principal and call.principal.employee_id:
            me = await call.services.people.get(call.principal.employee_id)
            summary = await game.summary(me)
            mine = set(summary.badges)
        return [
            BadgeOut(
                code=b.code,
                en=b.en,
                fr=b.fr,
                counter=b.counter,
                at_least=b.at_least,
                earned=b.code in mine,
            )
            for b in game.rules.badges
        ]


def _my_scope(me: Employee | None, scope: Scope) -> str:
    if scope == "company":
        return "all"
    value = (me.department if scope == "department" else me.location) if me else ""
    if not value:
        raise ApiError(422, "scope_required", f"Name the {scope}: scope_id=<name>.")
    return value
