"""The referrals API: refer, consent gating in listings, the status endpoint, bonuses
with their waiting period, candidate erasure and export, the retention purge."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.people.models import Role
from app.referrals.funnel import FunnelQuery
from app.referrals.models import BonusStatus, Candidate, Referral, ReferralChange, ReferralSource
from app.referrals.models import ReferralStatus as S
from app.referrals.pipeline import Actor
from app.runtime import Runtime
from tests.helpers import bearer, make_employee
from tests.referrals.factories import consented, refer, team

MARIE = {"name": "Marie Curie", "email": "marie.curie@example.org", "note": "Ex-colleague"}


async def recruiter_headers(runtime: Runtime) -> dict[str, str]:
    rita = await make_employee(runtime, "rita@example.com", "Rita Recruiter", role=Role.RECRUITER)
    return await bearer(runtime, Role.RECRUITER, rita)


async def test_an_employee_refers_and_recruiters_see_it_only_after_consent(
    client: TestClient, runtime: Runtime
) -> None:
    ada, _, job = await team(runtime)
    ada_headers = await bearer(runtime, Role.EMPLOYEE, ada)
    recruiter = await recruiter_headers(runtime)
    response = await client.post(
        "/api/v1/referrals", json={**MARIE, "job_id": job.id}, headers=ada_headers
    )
    assert response.status == 201
    created = await response.json()
    referral = created["referral"]
    assert referral["status"] == "pending_consent"
    assert created["consent_url"].startswith("https://advocacy.test/consent/")
    assert created["consent_url"] in created["message"]
    listing = await (await client.get("/api/v1/referrals", headers=recruiter)).json()
    assert listing == {"items": [], "total": 0, "limit": 50, "offset": 0}
    hidden = await client.get(f"/api/v1/referrals/{referral['id']}", headers=recruiter)
    assert hidden.status == 404
    move = await client.post(
        f"/api/v1/referrals/{referral['id']}/status",
        json={"status": "screening"},
        headers=recruiter,
    )
    assert move.status == 404
    own = await (await client.get("/api/v1/referrals", headers=ada_headers)).json()
    assert [r["id"] for r in own["items"]] == [referral["id"]]

    await runtime.referrals.intake.give_consent(created["consent_url"].rsplit("/", 1)[1])
    listing = await (await client.get("/api/v1/referrals", headers=recruiter)).json()
    assert [(r["id"], r["candidate_name"], r["job_title"]) for r in listing["items"]] == [
        (referral["id"], "Marie Curie", "Data Engineer")
    ]


async def test_employees_only_see_their_own_referrals(client: TestClient, runtime: Runtime) -> None:
    ada, bob, job = await team(runtime)
    made = await consented(runtime, await refer(runtime, ada, job))
    bob_headers = await bearer(runtime, Role.EMPLOYEE, bob)
    listing = await (await client.get("/api/v1/referrals", headers=bob_headers)).json()
    assert listing["total"] == 0
    other = await client.get(f"/api/v1/referrals/{made.id}", headers=bob_headers)
    assert other.status == 404
    history = await client.get(f"/api/v1/referrals/{made.id}/history", headers=bob_headers)
    assert history.status == 404


async def test_self_and_duplicate_referrals_through_the_api(
    client: TestClient, runtime: Runtime
) -> None:
    ada, bob, job = await team(runtime)
    ada_headers = await bearer(runtime, Role.EMPLOYEE, ada)
    myself = await client.post(
        "/api/v1/referrals",
        json={"name": "Ada", "email": "ada@example.com", "job_id": job.id},
        headers=ada_headers,
    )
    assert myself.status == 403
    error = (await myself.json())["error"]
    assert error["code"] == "self_referral"
    assert error["message"].startswith("You cannot refer yourself.")
    assert await Referral.all().count() == 0

    await client.post("/api/v1/referrals", json={**MARIE, "job_id": job.id}, headers=ada_headers)
    twice = await client.post(
        "/api/v1/referrals", json={**MARIE, "job_id": job.id}, headers=ada_headers
    )
    assert twice.status == 409
    assert (await twice.json())["error"]["code"] == "already_referred"
    second = await client.post(
        "/api/v1/referrals",
        json={**MARIE, "job_id": job.id},
        headers=await bearer(runtime, Role.EMPLOYEE, bob),
    )
    assert second.status == 201
    body = await second.json()
    assert body["referral"]["status"] == "duplicate"
    assert body["consent_url"] is None
    assert "a déjà été recommandé·e pour Data Engineer" in body["message"]
    assert await Referral.all().count() == 2


async def test_bad_referral_input_is_422_and_writes_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    ada, _, _ = await team(runtime)
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    for body in (
        {"name": "", "email": "marie@example.org"},
        {"name": "Marie", "email": "not-an-email"},
        {"name": "Marie", "email": "m@example.org", "linkedin_url": "linkedin"},
        {"name": "Marie", "email": "m@example.org", "surprise": 1},
    ):
        response = await client.post("/api/v1/referrals", json=body, headers=headers)
        assert response.status == 422, body
    closed = await client.post("/api/v1/referrals", json={**MARIE, "job_id": 999}, headers=headers)
    assert closed.status == 422
    assert (await closed.json())["error"]["code"] == "job_not_open"
    assert await Candidate.all().count() == 0


async def test_recruiters_move_referrals_and_invalid_moves_are_409(
    client: TestClient, runtime: Runtime
) -> None:
    ada, _, job = await team(runtime)
    referral = await consented(runtime, await refer(runtime, ada, job))
    recruiter = await recruiter_headers(runtime)
    url = f"/api/v1/referrals/{referral.id}/status"
    moved = await client.post(
        url, json={"status": "screening", "note": "Call Monday"}, headers=recruiter
    )
    assert moved.status == 200
    assert (await moved.json())["status"] == "screening"
    skip = await client.post(url, json={"status": "hired"}, headers=recruiter)
    assert skip.status == 409
    error = (await skip.json())["error"]
    assert error["code"] == "invalid_transition"
    assert "interview, rejected, withdrawn" in error["message"]
    unknown = await client.post(url, json={"status": "pending_consent"}, headers=recruiter)
    assert unknown.status == 422
    by_employee = await client.post(
        url, json={"status": "interview"}, headers=await bearer(runtime, Role.EMPLOYEE, ada)
    )
    assert by_employee.status == 403
    history = await (
        await client.get(f"/api/v1/referrals/{referral.id}/history", headers=recruiter)
    ).json()
    assert [(h["from_status"], h["to_status"], h["source"]) for h in history] == [
        ("", "pending_consent", "bot"),
        ("pending_consent", "submitted", "web"),
        ("submitted", "screening", "api"),
    ]
    assert history[-1]["note"] == "Call Monday"
    assert (await Referral.get(id=referral.id)).status == S.SCREENING


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


async def test_erasing_a_candidate_removes_their_data_and_keeps_the_funnel(
    client: TestClient, runtime: Runtime
) -> None:
    ada, _, job = await team(runtime)
    referral = await consented(runtime, await refer(runtime, ada, job))
    cv_dir = runtime.settings.data_dir / "cv"
    cv_dir.mkdir(parents=True, exist_ok=True)
    (cv_dir / ("a" * 32 + ".pdf")).write_bytes(b"%PDF-1.4")
    await Referral.filter(id=referral.id).update(cv_file="a" * 32 + ".pdf")
    admin = await bearer(runtime, Role.ADMIN)
    exported = await client.post(
        "/api/v1/candidates/export", json={"email": "MARIE.CURIE@example.org"}, headers=admin
    )
    data = await exported.json()
    assert data["candidate"]["name"] == "Marie Curie"
    assert [a["status"] for a in data["applications"]] == ["submitted"]
    funnel_before = await runtime.referrals.funnel.rows(FunnelQuery("job"))
    before = await client.get(f"/api/v1/referrals/{referral.id}/cv", headers=admin)
    assert (before.status, await before.read()) == (200, b"%PDF-1.4")
    erased = await client.post(
        "/api/v1/candidates/erase", json={"email": "marie.curie@example.org"}, headers=admin
    )
    assert (await erased.json()) == {"erased": True}
    candidate = await Candidate.get()
    assert (candidate.email, candidate.name, candidate.phone) == (None, "", "")
    assert candidate.erased_at is not None
    stored = await Referral.get(id=referral.id)
    assert (stored.note, stored.cv_file, stored.status) == ("", "", S.SUBMITTED)
    assert not any(cv_dir.iterdir())
    cv = await client.get(f"/api/v1/referrals/{referral.id}/cv", headers=admin)
    assert cv.status == 404
    assert all(c.note == "" for c in await ReferralChange.filter(referral_id=referral.id))
    assert await runtime.referrals.funnel.rows(FunnelQuery("job")) == funnel_before
    again = await client.post(
        "/api/v1/candidates/erase", json={"email": "marie.curie@example.org"}, headers=admin
    )
    assert again.status == 404
    # the referrer's own GDPR export lists the referral without the candidate
    export = await runtime.privacy.export(ada.id)
    assert [r["id"] for r in export["referrals"]] == [referral.id]
    assert "Marie" not in str(export["referrals"])


async def test_the_purge_deletes_only_expired_unconsented_referrals(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    ada, bob, job = await team(runtime)
    await refer(runtime, ada, job)
    clock.advance(timedelta(days=31))
    await refer(runtime, bob, None)
    admin = await bearer(runtime, Role.ADMIN)
    purged = await client.post("/api/v1/referrals/purge", headers=admin)
    assert (await purged.json()) == {"deleted": 1}
    assert [r.referrer_id for r in await Referral.all()] == [bob.id]
