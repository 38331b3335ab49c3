"""The mini app's JSON endpoints: each answers for the signed-in employee only."""

from __future__ import annotations

import asyncio

from aiohttp import FormData
from aiohttp.test_utils import TestClient

from app.gamification.ledger import Award
from app.gamification.models import Redemption, RedemptionStatus
from app.gamification.shop import RewardDraft
from app.people.models import Employee, Role
from app.people.sessions import COOKIE
from app.referrals.intake import CandidateDetails
from app.referrals.models import Referral, ReferralSource, ReferralStatus, TrackedLink
from app.referrals.pipeline import Actor
from app.runtime import Runtime
from tests.helpers import make_employee, make_open_job, make_sharer

REQUEST = "0b6f2c1e-8d7a-4f3b-9c2d-5e6f7a8b9c0d"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


async def signed_in(client: TestClient, runtime: Runtime, who: Employee) -> dict[str, str]:
    """Headers of a signed-in mini app page: the session cookie and its CSRF token."""
    url = await runtime.logins.create(who.id)
    first = await client.get(url.removeprefix("https://advocacy.test"), allow_redirects=False)
    cookie = {"Cookie": f"{COOKIE}={first.cookies[COOKIE].value}"}
    client.session.cookie_jar.clear()
    html = await (await client.get("/app", headers=cookie)).text()
    return {**cookie, "X-CSRF-Token": html.split('"csrf": "')[1].split('"')[0]}


async def test_sharing_needs_the_policy_and_gives_my_links(
    client: TestClient, runtime: Runtime
) -> None:
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    job = await make_open_job(runtime)
    headers = await signed_in(client, runtime, bob)
    feed = await (await client.get("/app/api/feed", headers=headers)).json()
    assert feed["policy_accepted"] is False and [j["id"] for j in feed["jobs"]] == [job.id]
    ask = {"content_type": "job", "content_id": job.id}
    refused = await client.post("/app/api/shares", json=ask, headers=headers)
    assert refused.status == 403
    assert (await refused.json())["error"]["code"] == "policy_not_accepted"
    assert await TrackedLink.all().count() == 0
    assert (await client.post("/app/api/policy/accept", json={}, headers=headers)).status == 200
    shares = await (await client.post("/app/api/shares", json=ask, headers=headers)).json()
    codes = {s["code"] for s in shares}
    assert codes == set(await TrackedLink.filter(employee_id=bob.id).values_list("code", flat=True))
    bad = await client.post(
        "/app/api/shares", json={"content_type": "job", "content_id": 0}, headers=headers
    )
    assert bad.status == 422


async def test_my_referrals_and_links_are_mine_only(client: TestClient, runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    bob = await make_sharer(runtime, "bob@example.com", name="Bob")
    job = await make_open_job(runtime)
    ada_headers = await signed_in(client, runtime, ada)
    made = await client.post(
        "/app/api/referrals",
        json={"job_id": job.id, "name": "Grace", "email": "grace@example.org"},
        headers=ada_headers,
    )
    assert made.status == 200 and (await made.json())["status"] == "pending_consent"
    [referral] = await Referral.all()
    assert (referral.referrer_id, referral.channel) == (ada.id, "chat")
    selfish = await client.post(
        "/app/api/referrals",
        json={"job_id": job.id, "name": "Me", "email": ada.email},
        headers=ada_headers,
    )
    assert selfish.status == 403
    bob_headers = await signed_in(client, runtime, bob)
    assert await (await client.get("/app/api/referrals", headers=bob_headers)).json() == []
    mine = await (await client.get("/app/api/referrals", headers=ada_headers)).json()
    assert [(r["candidate"], [h["status"] for h in r["history"]]) for r in mine] == [
        ("Grace", ["pending_consent"])
    ]
    links = await (await client.get("/app/api/links", headers=bob_headers)).json()
    assert links["links"] == [] and links["total_unique"] == 0
    assert '<svg class="chart"' in links["chart"]


async def test_the_referrer_reads_statuses_and_dates_never_the_recruiters_notes(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    job = await make_open_job(runtime)
    outcome = await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace", "grace@example.org", "+1 555 0100"), "Met at MIT"
    )
    assert outcome.referral.consent_token
    await runtime.referrals.consent.give(outcome.referral.consent_token)
    recruiter = Actor.employee(rita.id, ReferralSource.WEB)
    note = "Salary expectations too high; internal only"
    await runtime.referrals.pipeline.move(
        outcome.referral.id, ReferralStatus.SCREENING, recruiter, note
    )
    response = await client.get("/app/api/referrals", headers=await signed_in(client, runtime, ada))
    text = await response.text()
    [mine] = await response.json()
    assert [step["status"] for step in mine["history"]] == [
        "pending_consent",
        "submitted",
        "screening",
    ]
    for private in (note, "grace@example.org", "+1 555 0100", "Met at MIT", "employee:"):
        assert private not in text


async def test_redemptions_are_mine_to_make_and_cancel(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    for who in (ada, bob):
        await runtime.gamification.ledger.award(
            Award(who.id, 100, "adjustment", "t", f"seed{who.id}", runtime.clock.now(), note="t")
        )
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=60))
    ada_headers = await signed_in(client, runtime, ada)
    made = await client.post(
        "/app/api/redemptions",
        json={"reward_id": mug.id, "request_id": REQUEST},
        headers=ada_headers,
    )
    redemption = await made.json()
    assert made.status == 200 and redemption["status"] == "requested"
    broke = await client.post(
        "/app/api/redemptions",
        json={"reward_id": mug.id, "request_id": "another-request-0001"},
        headers=ada_headers,
    )
    assert broke.status == 409  # 40 points left
    bob_headers = await signed_in(client, runtime, bob)
    theirs = await client.post(
        f"/app/api/redemptions/{redemption['id']}/cancel", json={}, headers=bob_headers
    )
    assert theirs.status == 404
    cancelled = await client.post(
        f"/app/api/redemptions/{redemption['id']}/cancel", json={}, headers=ada_headers
    )
    assert (await cancelled.json())["status"] == "cancelled"
    assert (await Redemption.get(id=redemption["id"])).status == RedemptionStatus.CANCELLED
    shop = await (await client.get("/app/api/shop", headers=ada_headers)).json()
    assert shop["balance"] == 100  # the points came back


async def test_a_redemption_sent_twice_spends_once(client: TestClient, runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    await runtime.gamification.ledger.award(
        Award(ada.id, 100, "adjustment", "t", "seed", runtime.clock.now(), note="t")
    )
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=10))
    headers = await signed_in(client, runtime, ada)
    ask = {"reward_id": mug.id, "request_id": REQUEST}
    together = await asyncio.gather(
        *(client.post("/app/api/redemptions", json=ask, headers=headers) for _ in range(2))
    )
    again = await client.post("/app/api/redemptions", json=ask, headers=headers)
    served = [r for r in (*together, again) if r.status == 200]
    assert {r.status for r in together} <= {200, 409} and again.status == 200
    assert len({(await r.json())["id"] for r in served}) == 1  # the same redemption each time
    assert await Redemption.filter(employee_id=ada.id).count() == 1
    await ada.refresh_from_db()
    assert ada.points_balance == 90
    unsigned = await client.post(
        "/app/api/redemptions", json={"reward_id": mug.id}, headers=headers
    )
    assert unsigned.status == 422  # no request id: no spending
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    theirs = await client.post(
        "/app/api/redemptions", json=ask, headers=await signed_in(client, runtime, bob)
    )
    assert theirs.status == 409  # Bob's request is his own, and Bob has no points
    assert await Redemption.filter(employee_id=bob.id).count() == 0


async def test_leaderboard_scopes_and_opt_out(client: TestClient, runtime: Runtime) -> None:
    ada = await make_employee(runtime, department="Engineering")
    headers = await signed_in(client, runtime, ada)
    await runtime.gamification.ledger.award(
        Award(ada.id, 10, "adjustment", "t", "seed", runtime.clock.now(), note="t")
    )
    board = await (await client.get("/app/api/leaderboard?period=week", headers=headers)).json()
    assert [r["name"] for r in board["rows"]] == ["Ada Lovelace"] and board["rows"][0]["me"]
    site = await client.get("/app/api/leaderboard?scope=location", headers=headers)
    assert site.status == 422  # Ada has no site
    assert (await client.get("/app/api/leaderboard?period=year", headers=headers)).status == 422
    saved = await client.post(
        "/app/api/settings", json={"leaderboard_opt_out": True}, headers=headers
    )
    assert (await saved.json())["leaderboard_opt_out"] is True
    hidden = await (await client.get("/app/api/leaderboard?period=week", headers=headers)).json()
    assert hidden["rows"] == [] and hidden["me"]["rank"] == 1


def referral_form(fields: dict[str, str], cv: bytes | None, filename: str = "cv.pdf") -> FormData:
    form = FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    if cv is not None:
        form.add_field("cv", cv, filename=filename, content_type="application/pdf")
    return form


async def test_a_referral_with_phone_linkedin_and_cv(client: TestClient, runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    headers = await signed_in(client, runtime, ada)
    grace = {
        "job_id": str(job.id), "name": "Grace Hopper", "email": "grace@example.org",
        "phone": "+33 6 12 34 56 78", "linkedin_url": "https://www.linkedin.com/in/grace",
    }  # fmt: skip
    made = await client.post("/app/api/referrals", data=referral_form(grace, PDF), headers=headers)
    assert made.status == 200, await made.text()
    [referral] = await Referral.filter(referrer_id=ada.id).prefetch_related("candidate")
    assert referral.candidate.phone == "+33 6 12 34 56 78"
    assert referral.candidate.linkedin_url == "https://www.linkedin.com/in/grace"
    stored = runtime.referrals.cv_store.path(referral.cv_file)
    assert stored is not None and stored.read_bytes() == PDF


async def test_a_refused_referral_form_keeps_nothing(client: TestClient, runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    headers = await signed_in(client, runtime, ada)
    cvs = runtime.settings.data_dir / "cv"
    fine = {"name": "Grace", "email": "grace@example.org"}
    cases = [
        (referral_form(fine, b"MZ\x90\x00 not a CV", "cv.exe"), 422, "invalid_cv"),
        (referral_form({**fine, "linkedin_url": "linkedin.com/in/grace"}, PDF), 422, "invalid"),
        (referral_form({**fine, "email": ada.email}, PDF), 403, "self_referral"),
        (referral_form({**fine, "job_id": "999999"}, PDF), 422, "job_not_open"),
    ]
    for form, status, code in cases:
        response = await client.post("/app/api/referrals", data=form, headers=headers)
        error = (await response.json())["error"]
        assert response.status == status, error
        assert error["code"] == code, error
    no_csrf = {"Cookie": headers["Cookie"]}
    refused = await client.post(
        "/app/api/referrals", data=referral_form(fine, PDF), headers=no_csrf
    )
    assert refused.status == 403
    assert await Referral.all().count() == 0
    assert not cvs.exists() or list(cvs.iterdir()) == []  # no CV left behind
