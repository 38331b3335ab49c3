"""A candidate rejected as "not a real candidate" takes back what their referral earned,
whichever way the recruiter says it: the API, the dashboard's board or the ATS. The
points go back through one correction entry, never a deletion, and once."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient

from app.events import ReferralStatusChanged
from app.gamification.ledger import InsufficientPoints
from app.gamification.models import PointsEntry, Profile
from app.gamification.shop import RewardDraft
from app.people.models import Employee, Role
from app.referrals.models import Referral
from app.referrals.models import ReferralStatus as S
from app.runtime import Runtime
from tests.helpers import bearer, give, make_employee
from tests.referrals.factories import consented, recruiter_headers, refer, seen, team
from tests.web.test_ats_webhook import SECRET, created, deliver, sharer_code, stage
from tests.web.test_miniapp_auth import dashboard_cookie


async def balance(employee_id: int) -> int:
    return (await Employee.get(id=employee_id)).points_balance


async def screened_and_interviewed(
    client: TestClient, runtime: Runtime, headers: dict[str, str]
) -> tuple[Employee, Referral]:
    """Ada's referral, consented, screened and interviewed: 20 + 50 points."""
    ada, _, job = await team(runtime)
    referral = await consented(runtime, await refer(runtime, ada, job))
    for status in ("screening", "interview"):
        moved = await client.post(
            f"/api/v1/referrals/{referral.id}/status", json={"status": status}, headers=headers
        )
        assert moved.status == 200
    assert await balance(ada.id) == 70
    return ada, referral


async def test_not_a_real_candidate_takes_back_the_referrals_points_once(
    client: TestClient, runtime: Runtime
) -> None:
    recruiter = await recruiter_headers(runtime)
    ada, referral = await screened_and_interviewed(client, runtime, recruiter)
    told = seen(runtime, ReferralStatusChanged)
    rejected = await client.post(
        f"/api/v1/referrals/{referral.id}/status",
        json={"status": "rejected", "reason": "not_a_real_candidate", "note": "No such person"},
        headers=recruiter,
    )
    assert rejected.status == 200
    assert await balance(ada.id) == 0
    entries = await PointsEntry.filter(employee_id=ada.id).order_by("id")
    assert [(e.reason, e.points, e.idempotency_key) for e in entries] == [
        ("application", 20, f"application:{referral.id}"),  # kept: a correction, no deletion
        ("interview", 50, f"interview:{referral.id}"),
        ("revoked", -70, f"revoke:{referral.id}"),
    ]
    profile = await Profile.get(employee_id=ada.id)
    assert (profile.referrals, profile.interviews) == (0, 0)
    history = await runtime.referrals.pipeline.history(referral.id)
    assert history[-1].note == "not a real candidate: No such person"
    [event] = told
    notice = await runtime.referrals.notice_for(event)
    assert notice is not None and notice.text == (
        "Recruiters found that Marie Curie is not a real candidate for Data Engineer: the "
        "points this referral earned are taken back."
    )
    # Replaying the revocation (the event again) takes nothing more.
    await runtime.gamification.on_status_changed(event)
    assert await balance(ada.id) == 0
    assert await PointsEntry.filter(reason="revoked").count() == 1


async def test_a_plain_rejection_keeps_the_points_and_a_reason_needs_a_rejection(
    client: TestClient, runtime: Runtime
) -> None:
    recruiter = await recruiter_headers(runtime)
    ada, referral = await screened_and_interviewed(client, runtime, recruiter)
    url = f"/api/v1/referrals/{referral.id}/status"
    odd = await client.post(
        url, json={"status": "offer", "reason": "not_a_real_candidate"}, headers=recruiter
    )
    assert odd.status == 422
    assert (await Referral.get(id=referral.id)).status == S.INTERVIEW
    plain = await client.post(url, json={"status": "rejected"}, headers=recruiter)
    assert plain.status == 200
    assert await balance(ada.id) == 70
    assert not await PointsEntry.filter(reason="revoked").exists()


async def test_points_already_spent_leave_a_debt_the_shop_respects(
    client: TestClient, runtime: Runtime
) -> None:
    recruiter = await recruiter_headers(runtime)
    ada, referral = await screened_and_interviewed(client, runtime, recruiter)
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=60))
    await runtime.shop.redeem(ada.id, mug.id)
    assert await balance(ada.id) == 10
    await client.post(
        f"/api/v1/referrals/{referral.id}/status",
        json={"status": "rejected", "reason": "not_a_real_candidate"},
        headers=recruiter,
    )
    assert await balance(ada.id) == -60  # owed, and said so in the ledger
    points = await client.get(
        f"/api/v1/employees/{ada.id}/points", headers=await bearer(runtime, Role.EMPLOYEE, ada)
    )
    assert (await points.json())["balance"] == -60
    with pytest.raises(InsufficientPoints):
        await runtime.shop.redeem(ada.id, mug.id)
    assert await balance(ada.id) == -60
    await give(runtime, ada.id, 100, "adjustment:after-the-debt")  # later points pay it first
    assert await balance(ada.id) == 40


async def test_the_board_rejects_as_not_a_real_candidate(
    client: TestClient, runtime: Runtime
) -> None:
    recruiter = await recruiter_headers(runtime)
    ada, referral = await screened_and_interviewed(client, runtime, recruiter)
    rita = await make_employee(runtime, "rh@example.com", "Rhea", role=Role.RECRUITER)
    cookie = await dashboard_cookie(client, runtime, rita.id)
    board = await (await client.get("/dashboard/pipeline", headers=cookie)).text()
    assert 'value="rejected:not_a_real_candidate"' in board
    csrf = re.search(r'name="csrf" value="([^"]+)"', board)
    assert csrf
    moved = await client.post(
        f"/dashboard/referrals/{referral.id}/move",
        headers=cookie,
        data={"csrf": csrf.group(1), "status": "rejected:not_a_real_candidate"},
        allow_redirects=False,
    )
    assert moved.status == 303
    assert (await Referral.get(id=referral.id)).status == S.REJECTED
    assert await balance(ada.id) == 0
    forged = await client.post(
        f"/dashboard/referrals/{referral.id}/move",
        headers=cookie,
        data={"csrf": csrf.group(1), "status": "rejected:because"},
    )
    assert forged.status == 409 and "Choose a status." in await forged.text()


async def test_the_ats_rejects_as_not_a_real_candidate(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    ada_id, job_id, code = await sharer_code(runtime)
    after_policy = await balance(ada_id)
    await deliver(client, created("evt-1", job_id, code))
    assert await balance(ada_id) == after_policy  # an application earns nothing yet
    status, answer = await deliver(client, stage("evt-2", "Phone screen"))
    assert (status, answer["status"]) == (200, "screening")
    assert await balance(ada_id) == after_policy + 20
    status, answer = await deliver(client, stage("evt-3", "Spam"))
    assert (status, answer["status"]) == (200, "rejected")
    assert await balance(ada_id) == after_policy
    [revoked] = await PointsEntry.filter(reason="revoked")
    assert revoked.points == -20
