"""A redemption as the mini app shows it (`Shop.redemption_of`, `with_reward`): one's
own only, with its reward."""

from __future__ import annotations

import pytest

from app.gamification.shop import RedemptionNotFound, RewardDraft
from app.runtime import Runtime
from tests.helpers import give, make_employee


async def test_my_redemption_comes_with_its_reward_and_nobody_elses(runtime: Runtime) -> None:
    ada = await make_employee(runtime, "ada@example.com")
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    await give(runtime, ada.id, 100, "seed")
    hoodie = await runtime.shop.create_reward(
        RewardDraft(name_en="Hoodie", name_fr="Sweat", cost=60)
    )
    redemption = await runtime.shop.redeem(ada.id, hoodie.id)
    mine = await runtime.shop.redemption_of(ada.id, redemption.id)
    assert (mine.id, mine.reward.name_en) == (redemption.id, "Hoodie")
    with pytest.raises(RedemptionNotFound):
        await runtime.shop.redemption_of(bob.id, redemption.id)
    assert (await runtime.shop.with_reward(redemption)).reward.cost == 60
