"""REST resources of the rewards shop: the catalogue, admins' rewards, redeeming points,
and a redemption's way through approval, hand-over, rejection or cancellation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.gamification.models import LimitPeriod, Redemption, RedemptionStatus
from app.gamification.shop import RewardDraft
from app.people.models import Role
from app.web.api import Api, Call


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
        "/rewards",
        summary="The rewards shop",
        tag="Shop",
        role=Role.EMPLOYEE,
        query=RewardQuery,
        response=list[RewardOut],
    )
    async def list_rewards(call: Call) -> list[RewardOut]:
        everything = call.query.include_inactive and call.principal.has_role(Role.ADMIN)  # type: ignore[union-attr]
        rewards = await call.services.shop.catalogue(include_inactive=everything)
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
        return RewardOut.model_validate(await call.services.shop.create_reward(call.body))

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
        reward = await call.services.shop.update_reward(call.path["reward_id"], changes)
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
        shop = call.services.shop
        return redemption_out(
            await shop.with_reward(await shop.redeem(employee.id, call.body.reward_id))
        )

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
        rows = await call.services.shop.redemptions(employee_id, q.status, q.limit, q.offset)
        return [redemption_out(r) for r in rows]

    for action, summary, role in (
        ("approve", "Approve a redemption", Role.ADMIN),
        ("fulfil", "Mark a redemption as handed over", Role.ADMIN),
        ("reject", "Reject a redemption (points and stock are given back)", Role.ADMIN),
        ("cancel", "Cancel my pending redemption (points come back)", Role.EMPLOYEE),
    ):
        _register_move(api, action, summary, role)


def _register_move(api: Api, action: str, summary: str, role: Role) -> None:
    async def move(call: Call) -> RedemptionOut:
        assert call.principal is not None
        owner = None if call.principal.has_role(Role.ADMIN) else call.principal.employee_id or -1
        redemption = await call.services.shop.move(
            call.path["redemption_id"],
            action,
            by=call.principal.employee_id,
            note=call.body.note if call.body else "",
            owner=owner,
        )
        return redemption_out(await call.services.shop.with_reward(redemption))

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
