"""REST resources of the points economy: leaderboards, points, badges, rewards,
redemptions and team challenges."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.gamification.challenges import ChallengeDraft
from app.gamification.leaderboards import Standing
from app.gamification.models import LimitPeriod, Redemption, RedemptionStatus
from app.gamification.shop import RewardDraft
from app.people.models import Employee, Role
from app.web.api import Api, ApiError, Call

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


class RewardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name_en: str
    name_fr: str
    description_en: str
    description_fr: str
    image_url: str
    cost: int
    stock: int | None
    active: bool
    requires_approval: bool
    limit_per_employee: int | None
    limit_period: LimitPeriod


class RewardChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_en: str | None = Field(default=None, min_length=1, max_length=120)
    name_fr: str | None = Field(default=None, min_length=1, max_length=120)
    description_en: str | None = Field(default=None, max_length=5000)
    description_fr: str | None = Field(default=None, max_length=5000)
    cost: int | None = Field(default=None, ge=1, le=1_000_000)
    stock: int | None = Field(default=None, ge=0)
    active: bool | None = None
    requires_approval: bool | None = None


class RewardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_inactive: bool = False


class RedeemRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reward_id: int = Field(ge=1)


class RedemptionOut(BaseModel):
    id: int
    reward_id: int
    reward_name: dict[str, str]
    employee_id: int
    cost: int
    status: RedemptionStatus
    note: str
    created_at: datetime
    decided_at: datetime | None


class RedemptionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: RedemptionStatus | None = None
    employee_id: int | None = None
    limit: int = Field(default=100, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=500)


class ChallengeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    department: str
    metric: str
    target: int
    progress: int
    starts_on: date
    ends_on: date
    bonus_points: int
    reached_at: datetime | None


def redemption_out(r: Redemption) -> RedemptionOut:
    reward = r.reward
    return RedemptionOut(
        id=r.id,
        reward_id=reward.id,
        reward_name={"en": reward.name_en, "fr": reward.name_fr},
        employee_id=r.employee_id,
        cost=r.cost,
        status=r.status,
        note=r.note,
        created_at=r.created_at,
        decided_at=r.decided_at,
    )


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
        me = await call.runtime.people.get(me_id) if me_id else None
        scope_id = q.scope_id or _my_scope(me, q.scope)
        game = call.runtime.gamification
        top = await game.leaderboard(q.period, q.scope, scope_id, q.limit)
        mine = await game.my_standing(me_id, q.period, q.scope, scope_id) if me_id else None
        people = {
            e.id: e
            for e in await Employee.filter(
                id__in=[s.employee_id for s in top]
                + ([s.employee_id for s in mine.neighbours] if mine else [])
                + ([me_id] if me_id else [])
            )
        }

        def row(standing: Standing) -> Row:
            who = people.get(standing.employee_id)
            return Row(
                rank=standing.rank,
                employee_id=standing.employee_id,
                name=who.name if who else "",
                department=who.department if who else "",
                points=standing.points,
                me=standing.employee_id == me_id,
            )

        return Leaderboard(
            period=q.period,
            period_id=game.period_id(q.period),
            scope=q.scope,
            scope_id=scope_id,
            rows=[row(s) for s in top],
            me=row(mine.me) if mine and mine.me else None,
            neighbours=[row(s) for s in mine.neighbours] if mine else [],
        )

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
        employee = await call.runtime.people.get(employee_id)
        game = call.runtime.gamification
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
        description="Send an Idempotency-Key header to make retries safe. A "
        "balance never goes below zero (409).",
    )
    async def adjust_points(call: Call) -> EntryOut:
        body: Adjustment = call.body
        employee = await call.runtime.people.get(call.path["employee_id"])
        assert call.principal is not None
        result = await call.runtime.gamification.adjust(
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
        await call.runtime.people.get(employee_id)
        await call.runtime.gamification.set_opt_out(employee_id, call.body.opt_out)
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
        game = call.runtime.gamification
        mine: set[str] = set()
        if call.principal and call.principal.employee_id:
            me = await call.runtime.people.get(call.principal.employee_id)
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

    @api.operation(
        "GET",
        "/rewards",
        summary="The rewards shop",
        tag="Shop",
        role=Role.EMPLOYEE,
        query=RewardQuery,
        response=list[RewardOut],
    )
    async def list_rewards(call: Call) -> list[RewardOut]:
        everything = call.query.include_inactive and call.principal.has_role(Role.ADMIN)  # type: ignore[union-attr]
        rewards = await call.runtime.shop.catalogue(include_inactive=everything)
        return [RewardOut.model_validate(r) for r in rewards]

    @api.operation(
        "POST",
        "/rewards",
        summary="Add a reward",
        tag="Shop",
        role=Role.ADMIN,
        body=RewardDraft,
        response=RewardOut,
        status=201,
    )
    async def create_reward(call: Call) -> RewardOut:
        return RewardOut.model_validate(await call.runtime.shop.create_reward(call.body))

    @api.operation(
        "PATCH",
        r"/rewards/{reward_id:\d+}",
        summary="Change a reward",
        tag="Shop",
        role=Role.ADMIN,
        body=RewardChanges,
        response=RewardOut,
    )
    async def update_reward(call: Call) -> RewardOut:
        changes = call.body.model_dump(exclude_unset=True)
        reward = await call.runtime.shop.update_reward(call.path["reward_id"], changes)
        return RewardOut.model_validate(reward)

    @api.operation(
        "POST",
        "/redemptions",
        summary="Redeem a reward with my points",
        tag="Shop",
        role=Role.EMPLOYEE,
        body=RedeemRequest,
        response=RedemptionOut,
        status=201,
        errors=(404, 409),
        description="Points (and stock) are taken at once; a first redemption "
        "waits for an admin's approval.",
    )
    async def redeem(call: Call) -> RedemptionOut:
        employee = await call.acting_employee(None)
        redemption = await call.runtime.shop.redeem(employee.id, call.body.reward_id)
        await redemption.fetch_related("reward")
        return redemption_out(redemption)

    @api.operation(
        "GET",
        "/redemptions",
        summary="Redemptions (mine; admins: everyone's)",
        tag="Shop",
        role=Role.EMPLOYEE,
        query=RedemptionQuery,
        response=list[RedemptionOut],
    )
    async def list_redemptions(call: Call) -> list[RedemptionOut]:
        q: RedemptionQuery = call.query
        assert call.principal is not None
        employee_id = q.employee_id
        if not call.principal.has_role(Role.ADMIN):
            employee_id = call.principal.employee_id or -1
        rows = await call.runtime.shop.redemptions(employee_id, q.status, q.limit, q.offset)
        return [redemption_out(r) for r in rows]

    for action, summary, role in (
        ("approve", "Approve a redemption", Role.ADMIN),
        ("fulfil", "Mark a redemption as handed over", Role.ADMIN),
        ("reject", "Reject a redemption (points and stock are given back)", Role.ADMIN),
        ("cancel", "Cancel my pending redemption (points come back)", Role.EMPLOYEE),
    ):
        _register_move(api, action, summary, role)

    @api.operation(
        "GET",
        "/challenges",
        summary="Team challenges (mine; admins: all)",
        tag="Challenges",
        role=Role.EMPLOYEE,
        response=list[ChallengeOut],
    )
    async def list_challenges(call: Call) -> list[ChallengeOut]:
        assert call.principal is not None
        if call.principal.has_role(Role.ADMIN) and call.principal.employee_id is None:
            rows = await call.runtime.challenges.all()
        else:
            me = await call.acting_employee(None)
            rows = await call.runtime.challenges.for_department(me.department)
        return [ChallengeOut.model_validate(c) for c in rows]

    @api.operation(
        "POST",
        "/challenges",
        summary="Set a team challenge",
        tag="Challenges",
        role=Role.ADMIN,
        body=ChallengeDraft,
        response=ChallengeOut,
        status=201,
    )
    async def create_challenge(call: Call) -> ChallengeOut:
        challenge = await call.runtime.challenges.create(call.body)
        return ChallengeOut.model_validate(await call.runtime.challenges.refresh(challenge))


def _register_move(api: Api, action: str, summary: str, role: Role) -> None:
    async def move(call: Call) -> RedemptionOut:
        assert call.principal is not None
        owner = None if call.principal.has_role(Role.ADMIN) else call.principal.employee_id or -1
        redemption = await call.runtime.shop.move(
            call.path["redemption_id"],
            action,
            by=call.principal.employee_id,
            note=call.body.note if call.body else "",
            owner=owner,
        )
        await redemption.fetch_related("reward")
        return redemption_out(redemption)

    move.__name__ = f"{action}_redemption"
    api.operation(
        "POST",
        rf"/redemptions/{{redemption_id:\d+}}/{action}",
        summary=summary,
        tag="Shop",
        role=role,
        body=Decision,
        response=RedemptionOut,
        errors=(409,),
    )(move)


def _my_scope(me: Employee | None, scope: Scope) -> str:
    if scope == "company":
        return "all"
    value = (me.department if scope == "department" else me.location) if me else ""
    if not value:
        raise ApiError(422, "scope_required", f"Name the {scope}: scope_id=<name>.")
    return value
