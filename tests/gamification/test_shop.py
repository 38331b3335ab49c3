"""The rewards shop: atomic spending, stock, limits, approval, refunds."""

from __future__ import annotations

import asyncio

import pytest

from app.clock import FrozenClock
from app.gamification.ledger import Award, InsufficientPoints
from app.gamification.models import (
    LimitPeriod,
    PointsEntry,
    Redemption,
    RedemptionStatus,
    Reward,
)
from app.gamification.shop import (
    InvalidRedemptionMove,
    OutOfStock,
    RedemptionLimitReached,
    RewardDraft,
)
from app.people.models import Employee
from app.runtime import Runtime
from tests.helpers import make_employee


async def rich(runtime: Runtime, points: int, email: str = "ada@example.com") -> Employee:
    employee = await make_employee(runtime, email, email.split("@")[0].title())
    await runtime.gamification.ledger.award(
        Award(
            employee.id,
            points,
            "adjustment",
            "test",
            f"seed:{email}",
            runtime.clock.now(),
            note="test",
        )
    )
    return employee


async def reward(runtime: Runtime, cost: int = 100, **fields: object) -> Reward:
    draft = RewardDraft(name_en="Hoodie", name_fr="Sweat", cost=cost, **fields)  # type: ignore[arg-type]
    return await runtime.shop.create_reward(draft)


async def balance(employee: Employee) -> int:
    await employee.refresh_from_db()
    return employee.points_balance


async def test_100_concurrent_redemptions_on_a_balance_for_one(runtime: Runtime) -> None:
    ada = await rich(runtime, 100)
    hoodie = await reward(runtime, 100)
    results = await asyncio.gather(
        *(runtime.shop.redeem(ada.id, hoodie.id) for _ in range(100)), return_exceptions=True
    )
    successes = [r for r in results if isinstance(r, Redemption)]
    failures = [r for r in results if not isinstance(r, Redemption)]
    assert len(successes) == 1
    assert all(isinstance(f, InsufficientPoints) for f in failures)
    assert await balance(ada) == 0
    assert await Redemption.all().count() == 1
    assert await PointsEntry.filter(reason="redemption").count() == 1


async def test_stock_never_goes_negative(runtime: Runtime) -> None:
    people = [await rich(runtime, 1000, f"p{i}@example.com") for i in range(6)]
    mug = await reward(runtime, 10, stock=3)
    results = await asyncio.gather(
        *(runtime.shop.redeem(p.id, mug.id) for p in people), return_exceptions=True
    )
    assert sum(isinstance(r, Redemption) for r in results) == 3
    assert sum(isinstance(r, OutOfStock) for r in results) == 3
    await mug.refresh_from_db()
    assert mug.stock == 0
    assert sorted([await balance(p) for p in people]) == [990] * 3 + [1000] * 3


async def test_a_first_redemption_waits_for_approval_the_next_do_not(runtime: Runtime) -> None:
    ada = await rich(runtime, 1000)
    mug = await reward(runtime, 10)
    first = await runtime.shop.redeem(ada.id, mug.id)
    assert first.status == RedemptionStatus.REQUESTED
    await runtime.shop.move(first.id, "approve", by=None)
    second = await runtime.shop.redeem(ada.id, mug.id)
    assert second.status == RedemptionStatus.APPROVED
    gated = await reward(runtime, 10, requires_approval=True)
    assert (await runtime.shop.redeem(ada.id, gated.id)).status == RedemptionStatus.REQUESTED


async def test_rejecting_refunds_points_and_stock_once(runtime: Runtime) -> None:
    ada = await rich(runtime, 100)
    mug = await reward(runtime, 60, stock=1)
    redemption = await runtime.shop.redeem(ada.id, mug.id)
    assert await balance(ada) == 40
    await runtime.shop.move(redemption.id, "reject", by=None, note="Out of sizes")
    assert await balance(ada) == 100
    await mug.refresh_from_db()
    assert mug.stock == 1
    with pytest.raises(InvalidRedemptionMove):
        await runtime.shop.move(redemption.id, "reject", by=None)
    assert await balance(ada) == 100  # not refunded twice
    await ada.refresh_from_db()
    assert ada.lifetime_points == 100  # spending and refunds do not touch lifetime points


async def test_an_employee_cancels_only_their_own_pending_redemption(runtime: Runtime) -> None:
    from app.gamification.shop import RedemptionNotFound

    ada = await rich(runtime, 100)
    bob = await rich(runtime, 100, "bob@example.com")
    mug = await reward(runtime, 30)
    redemption = await runtime.shop.redeem(ada.id, mug.id)
    with pytest.raises(RedemptionNotFound):
        await runtime.shop.move(redemption.id, "cancel", by=bob.id, owner=bob.id)
    await runtime.shop.move(redemption.id, "cancel", by=ada.id, owner=ada.id)
    assert await balance(ada) == 100
    fulfilled = await runtime.shop.redeem(ada.id, mug.id)
    await runtime.shop.move(fulfilled.id, "approve", by=None)
    await runtime.shop.move(fulfilled.id, "fulfil", by=None)
    with pytest.raises(InvalidRedemptionMove):
        await runtime.shop.move(fulfilled.id, "cancel", by=ada.id, owner=ada.id)


async def test_limits_per_employee_and_period(runtime: Runtime, clock: FrozenClock) -> None:
    from datetime import timedelta

    ada = await rich(runtime, 1000)
    day_off = await reward(runtime, 50, limit_per_employee=1, limit_period=LimitPeriod.MONTH)
    await runtime.shop.redeem(ada.id, day_off.id)
    with pytest.raises(RedemptionLimitReached, match="this month"):
        await runtime.shop.redeem(ada.id, day_off.id)
    assert await balance(ada) == 950
    clock.advance(timedelta(days=10))  # 6 December: a new month
    await runtime.shop.redeem(ada.id, day_off.id)
    assert await balance(ada) == 900
