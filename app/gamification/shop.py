"""The rewards shop: rewards, and redemptions that spend points atomically.

A redemption takes the points and (if the reward has a stock) one unit in the same
transaction as it is recorded, each with a conditional UPDATE, so concurrent requests
can never overspend a balance or oversell a stock. Rejected or cancelled redemptions
give both back, once. An employee's first redemption always waits for approval, so a
farm of fake points cannot be cashed in unseen.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from tortoise.expressions import F

from app.clock import Clock
from app.db import given_changes, transaction
from app.errors import Conflict, DomainError, NotFound
from app.events import EventBus, RedemptionDecided
from app.gamification.ledger import Ledger
from app.gamification.models import LimitPeriod, Redemption, RedemptionStatus, Reward

OPEN = (RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED)
MOVES = {
    "approve": ({RedemptionStatus.REQUESTED}, RedemptionStatus.APPROVED),
    "fulfil": ({RedemptionStatus.APPROVED}, RedemptionStatus.FULFILLED),
    "reject": ({RedemptionStatus.REQUESTED, RedemptionStatus.APPROVED}, RedemptionStatus.REJECTED),
    "cancel": ({RedemptionStatus.REQUESTED}, RedemptionStatus.CANCELLED),
}


class RewardNotFound(NotFound):
    code = "reward_not_found"


class RedemptionNotFound(NotFound):
    code = "redemption_not_found"


class OutOfStock(Conflict):
    code = "out_of_stock"


class RedemptionLimitReached(Conflict):
    code = "redemption_limit_reached"


class InvalidRedemptionMove(Conflict):
    code = "invalid_redemption_move"


class RewardUnavailable(DomainError):
    code = "reward_unavailable"


class RewardDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name_en: str = Field(min_length=1, max_length=120)
    name_fr: str = Field(min_length=1, max_length=120)
    description_en: str = Field(default="", max_length=5000)
    description_fr: str = Field(default="", max_length=5000)
    image_url: str = Field(default="", max_length=1000, pattern=r"^(https?://\S+)?$")
    cost: int = Field(ge=1, le=1_000_000)
    stock: int | None = Field(default=None, ge=0)
    active: bool = True
    requires_approval: bool = False
    limit_per_employee: int | None = Field(default=None, ge=1)
    limit_period: LimitPeriod = LimitPeriod.EVER


class Shop:
    def __init__(self, clock: Clock, events: EventBus, ledger: Ledger, timezone: str) -> None:
        self.clock = clock
        self.events = events
        self.ledger = ledger
        self.timezone = timezone

    async def reward(self, reward_id: int) -> Reward:
        reward = await Reward.get_or_none(id=reward_id)
        if reward is None:
            raise RewardNotFound(f"No reward with id {reward_id}.")
        return reward

    async def create_reward(self, draft: RewardDraft) -> Reward:
        return await Reward.create(**draft.model_dump(), created_at=self.clock.now())

    async def update_reward(self, reward_id: int, changes: dict[str, object]) -> Reward:
        reward = await self.reward(reward_id)
        merged = RewardDraft.model_validate(
            {
                **RewardDraft.model_validate(reward, from_attributes=True).model_dump(),
                **given_changes(Reward, changes),
            }
        )
        reward.update_from_dict(merged.model_dump())
        await reward.save()
        return reward

    async def catalogue(self, include_inactive: bool = False) -> list[Reward]:
        query = Reward.all() if include_inactive else Reward.filter(active=True)
        return list(await query.order_by("cost", "id"))

    async def redeem(self, employee_id: int, reward_id: int) -> Redemption:
        async with transaction():
            reward = await self.reward(reward_id)
            if not reward.active:
                raise RewardUnavailable("This reward is not available any more.")
            await self._within_limit(employee_id, reward)
            first = not await Redemption.exists(employee_id=employee_id, status__in=OPEN)
            redemption = await Redemption.create(
                reward=reward,
                employee_id=employee_id,
                cost=reward.cost,
                status=RedemptionStatus.REQUESTED
                if first or reward.requires_approval
                else RedemptionStatus.APPROVED,
                created_at=self.clock.now(),
            )
            if reward.stock is not None:
                taken = await Reward.filter(id=reward.id, stock__gte=1).update(stock=F("stock") - 1)
                if not taken:
                    raise OutOfStock("Sorry, this reward is out of stock.")
            await self.ledger.spend(
                employee_id,
                reward.cost,
                reason="redemption",
                source=f"reward:{reward.id}",
                key=f"redeem:{redemption.id}",
            )
        return redemption

    async def _within_limit(self, employee_id: int, reward: Reward) -> None:
        if reward.limit_per_employee is None:
            return
        query = Redemption.filter(employee_id=employee_id, reward_id=reward.id, status__in=OPEN)
        since = self._period_start(reward.limit_period)
        if since is not None:
            query = query.filter(created_at__gte=since)
        if await query.count() >= reward.limit_per_employee:
            raise RedemptionLimitReached(
                f"You have already redeemed this reward {reward.limit_per_employee} time(s)"
                + ("" if since is None else f" this {reward.limit_period.value}")
                + "."
            )

    def _period_start(self, period: LimitPeriod) -> datetime | None:
        from zoneinfo import ZoneInfo

        local = self.clock.now().astimezone(ZoneInfo(self.timezone))
        start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if period == LimitPeriod.MONTH:
            return start
        if period == LimitPeriod.QUARTER:
            return start.replace(month=(local.month - 1) // 3 * 3 + 1)
        if period == LimitPeriod.YEAR:
            return start.replace(month=1)
        return None

    async def move(
        self,
        redemption_id: int,
        action: str,
        *,
        by: int | None,
        note: str = "",
        owner: int | None = None,
    ) -> Redemption:
        """approve / fulfil / reject / cancel. `owner` restricts to that employee's own
        redemption (cancel). Rejecting or cancelling refunds points and stock once."""
        allowed, target = MOVES[action]
        async with transaction():
            redemption = await Redemption.filter(id=redemption_id).select_for_update().first()
            if redemption is None or (owner is not None and redemption.employee_id != owner):
                raise RedemptionNotFound(f"No redemption with id {redemption_id}.")
            if redemption.status not in allowed:
                raise InvalidRedemptionMove(
                    f"A {redemption.status.value} redemption cannot be {target.value}."
                )
            redemption.status = target
            redemption.decided_at = self.clock.now()
            redemption.decided_by = by
            redemption.note = note[:500]
            await redemption.save()
            if target in (RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED):
                await self._give_back(redemption)
        await self.events.publish(
            RedemptionDecided(redemption.id, redemption.employee_id, target, note)
        )
        return redemption

    async def _give_back(self, redemption: Redemption) -> None:
        await self.ledger.refund(
            redemption.employee_id,
            redemption.cost,
            source=f"redemption:{redemption.id}",
            key=f"refund:{redemption.id}",
        )
        await Reward.filter(id=redemption.reward_id, stock__not_isnull=True).update(  # type: ignore[attr-defined]
            stock=F("stock") + 1
        )

    async def redemptions(
        self,
        employee_id: int | None = None,
        status: RedemptionStatus | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Redemption]:
        query = Redemption.all().prefetch_related("reward")
        if employee_id is not None:
            query = query.filter(employee_id=employee_id)
        if status is not None:
            query = query.filter(status=status)
        return list(await query.order_by("-created_at", "-id").offset(offset).limit(limit))

    async def redemption_of(self, employee_id: int, redemption_id: int) -> Redemption:
        """One of an employee's redemptions, with its reward."""
        redemption = await Redemption.get_or_none(id=redemption_id, employee_id=employee_id)
        if redemption is None:
            raise RedemptionNotFound(f"No redemption with id {redemption_id}.")
        return await self.with_reward(redemption)

    async def with_reward(self, redemption: Redemption) -> Redemption:
        """The redemption with its reward loaded (what `redeem` and `move` answer lacks)."""
        await redemption.fetch_related("reward")
        return redemption
