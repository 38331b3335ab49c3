"""The referrals API: refer, consent gating in listings, the status endpoint, the
retention purge."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.people.models import Role
from app.referrals.models import Candidate, Referral
from app.referrals.models import ReferralStatus as S
from app.runtime import Runtime
from tests.helpers import bearer
from tests.referrals.factories import consented, emailed_link, recruiter_headers, refer, team

MARIE = {"name": "Marie Curie", "email": "marie.curie@example.org", "note": "Ex-colleague"}


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
    # The link to agree went to the candidate's mailbox; the referrer never holds it.
    link = emailed_link(runtime, "marie.curie@example.org")
    assert "consent_url" not in created and link not in await response.text()
    assert "/consent/" not in await response.text()
    assert created["consent_emailed"] is True
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

    await runtime.referrals.consent.give(link.rsplit("/", 1)[1])
    listing = await (await client.get("/api/v1/referrals", headers=recruiter)).json()
    assert [(r["id"], r["candidate_name"], r["job_title"]) for r in listing["items"]] == [
        (referral["id"], "Marie Curie", "Data Engineer")
    ]


CANDIDATE_PRIVATE = ("marie.curie@example.org", "+33 1 23 45 67 89", "Radium Ltd", "linkedin")


async def test_the_referrer_sees_name_job_status_and_dates_and_nothing_private(
    client: TestClient, runtime: Runtime
) -> None:
    ada, _, job = await team(runtime)
    referral = await consented(runtime, await refer(runtime, ada, job))
    await Candidate.filter(id=referral.candidate_id).update(  # type: ignore[attr-defined]
        linkedin_url="https://www.linkedin.com/in/marie"
    )
    recruiter = await recruiter_headers(runtime)
    note = "Asked for 90k; internal only"
    await client.post(
        f"/api/v1/referrals/{referral.id}/status",
        json={"status": "screening", "note": note},
        headers=recruiter,
    )
    ada_headers = await bearer(runtime, Role.EMPLOYEE, ada)
    paths = (
        "/api/v1/referrals",
        f"/api/v1/referrals/{referral.id}",
        f"/api/v1/referrals/{referral.id}/history",
    )
    for path in paths:
        response = await client.get(path, headers=ada_headers)
        assert response.status == 200, path
        text = await response.text()
        for private in (*CANDIDATE_PRIVATE, note, "employee:", "actor"):
            assert private not in text, (path, private)
    mine = await (await client.get(paths[1], headers=ada_headers)).json()
    assert mine["view"] == "referrer"
    assert (mine["candidate_name"], mine["job_title"], mine["status"]) == (
        "Marie Curie",
        "Data Engineer",
        "screening",
    )
    history = await (await client.get(paths[2], headers=ada_headers)).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "pending_consent"),
        ("pending_consent", "submitted"),
        ("submitted", "screening"),
    ]

    full = await (await client.get(paths[1], headers=recruiter)).json()  # recruiters: all
    assert full["view"] == "recruiter"
    assert (full["candidate_email"], full["candidate_phone"]) == CANDIDATE_PRIVATE[:2]
    steps = await (await client.get(paths[2], headers=recruiter)).json()
    assert steps[-1]["note"] == note and steps[-1]["actor"].startswith("employee:")


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
    assert body["consent_emailed"] is False  # a duplicate asks nobody
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
