"""The bonuses API: a hire's bonus waits out its period, is due, then paid; the payroll
CSV; no bonus when the referrer left; HR (admins) only."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.people.models import Role
from app.referrals.models import BonusStatus, Referral, ReferralSource
from app.referrals.models import ReferralStatus as S
from app.referrals.pipeline import Actor
from app.runtime import Runtime
from tests.helpers import bearer
from tests.referrals.factories import consented, recruiter_headers, refer, team


async def hire(runtime: Runtime, referral: Referral) -> None:
    actor = Actor("employee:1", ReferralSource.API)
    for status in (S.SCREENING, S.INTERVIEW, S.OFFER, S.HIRED):
        await runtime.referrals.pipeline.move(referral.id, status, actor)


async def test_a_bonus_is_due_after_the_waiting_period_then_paid(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    ada, _, job = await team(runtime)
    referral = await consented(runtime, await refer(runtime, ada, job))
    await hire(runtime, referral)
    admin = await bearer(runtime, Role.ADMIN)
    clock.advance(timedelta(days=89, hours=23))
    bonuses = await (await client.get("/api/v1/referrals/bonuses", headers=admin)).json()
    assert [(b["referral_id"], b["bonus_status"]) for b in bonuses] == [(referral.id, "waiting")]
    early = await client.post(f"/api/v1/referrals/{referral.id}/bonus/paid", headers=admin)
    assert early.status == 409
    assert "due on 2027-02-24" in (await early.json())["error"]["message"]
    csv_text = await (await client.get("/api/v1/referrals/bonuses.csv", headers=admin)).text()
    assert csv_text.splitlines()[1:] == []

    clock.advance(timedelta(hours=1))
    due = await client.get("/api/v1/referrals/bonuses?status=due", headers=admin)
    assert [b["referral_id"] for b in await due.json()] == [referral.id]
    export = await client.get("/api/v1/referrals/bonuses.csv", headers=admin)
    assert export.content_type == "text/csv"
    lines = (await export.text()).splitlines()
    assert lines[0].startswith("referral_id,employee_id,employee_external_id,employee_name")
    assert lines[1].startswith(f"{referral.id},{ada.id},,Ada Lovelace,ada@example.com,Engineering")
    paid = await client.post(f"/api/v1/referrals/{referral.id}/bonus/paid", headers=admin)
    assert (await paid.json())["bonus_status"] == "paid"
    again = await client.post(f"/api/v1/referrals/{referral.id}/bonus/paid", headers=admin)
    assert again.status == 200  # paying twice records nothing new
    csv_after = await (await client.get("/api/v1/referrals/bonuses.csv", headers=admin)).text()
    assert csv_after.splitlines()[1:] == []
    recruiter = await client.get(
        "/api/v1/referrals/bonuses", headers=await recruiter_headers(runtime)
    )
    assert recruiter.status == 403  # HR (admins) only


async def test_no_bonus_when_the_referrer_left_before_the_end(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada, bob, job = await team(runtime)
    stays = await consented(runtime, await refer(runtime, ada, None))
    leaves = await consented(runtime, await refer(runtime, bob, job))
    await hire(runtime, stays)
    await hire(runtime, leaves)
    clock.advance(timedelta(days=30))
    await runtime.people.deactivate(bob.id)
    clock.advance(timedelta(days=60))
    bonuses = {r.id: r.bonus_status for r in await runtime.referrals.bonuses.listing()}
    assert bonuses == {stays.id: BonusStatus.DUE, leaves.id: BonusStatus.FORFEITED}
