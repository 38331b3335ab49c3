"""The jobs, news and feed resources: life cycle, validation, roles and targeting."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.jobs.models import JobOffer, NewsPost
from app.people.models import Role
from app.people.schemas import EmployeeUpdate
from app.runtime import Runtime
from tests.helpers import bearer, make_employee

JOB = {
    "title": "Backend Engineer",
    "department": "Engineering",
    "location": "Paris",
    "workplace": "hybrid",
    "language": "fr",
    "apply_url": "https://ats.example.com/j/1",
}


async def test_a_recruiter_creates_publishes_and_closes_a_job(
    client: TestClient, runtime: Runtime
) -> None:
    headers = await bearer(runtime, Role.RECRUITER)
    created = await client.post("/api/v1/jobs", json=JOB, headers=headers)
    assert created.status == 201
    job = await created.json()
    assert (job["status"], job["slug"], job["source"]) == ("draft", "backend-engineer", "manual")
    published = await (
        await client.post(f"/api/v1/jobs/{job['id']}/publish", headers=headers)
    ).json()
    assert published["status"] == "open" and published["published_at"]
    patched = await (
        await client.patch(
            f"/api/v1/jobs/{job['id']}", json={"title": "Senior Backend Engineer"}, headers=headers
        )
    ).json()
    assert patched["slug"] == "senior-backend-engineer"
    closed = await (await client.post(f"/api/v1/jobs/{job['id']}/close", headers=headers)).json()
    assert closed["status"] == "closed"
    listing = await (await client.get("/api/v1/jobs?status=closed", headers=headers)).json()
    assert [j["id"] for j in listing["items"]] == [job["id"]]


async def test_a_job_whose_closing_date_passed_cannot_be_opened(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    headers = await bearer(runtime, Role.RECRUITER)
    body = {**JOB, "closes_at": (clock.now() - timedelta(days=1)).isoformat()}
    job = await (await client.post("/api/v1/jobs", json=body, headers=headers)).json()
    response = await client.post(f"/api/v1/jobs/{job['id']}/publish", headers=headers)
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "invalid_transition"


async def test_bad_job_bodies_write_nothing(client: TestClient, runtime: Runtime) -> None:
    headers = await bearer(runtime, Role.RECRUITER)
    for body in (
        {"title": ""},
        {**JOB, "apply_url": "javascript:alert(1)"},
        {**JOB, "workplace": "moon"},
        {**JOB, "target_languages": ["de"]},
        {**JOB, "referral_points": -5},
    ):
        response = await client.post("/api/v1/jobs", json=body, headers=headers)
        assert response.status == 422, body
    assert await JobOffer.all().count() == 0


async def test_employees_cannot_manage_content(client: TestClient, runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    assert (await client.post("/api/v1/jobs", json=JOB, headers=headers)).status == 403
    assert (await client.get("/api/v1/jobs", headers=headers)).status == 403
    recruiter = await bearer(runtime, Role.RECRUITER)
    news = {"title": "Lyon office"}
    assert (await client.post("/api/v1/news", json=news, headers=recruiter)).status == 403


async def test_news_with_captions_is_published_now_or_later(
    client: TestClient, runtime: Runtime, clock: FrozenClock, admin_headers: dict[str, str]
) -> None:
    later = clock.now() + timedelta(hours=2)
    body = {
        "title": "We open in Lyon",
        "url": "https://blog.example.com/lyon",
        "publish_at": later.isoformat(),
        "captions": {"linkedin": {"en": "Big news", "fr": "Grande nouvelle"}},
    }
    post = await (await client.post("/api/v1/news", json=body, headers=admin_headers)).json()
    assert post["captions"]["linkedin"]["fr"] == "Grande nouvelle"
    await client.post(f"/api/v1/news/{post['id']}/publish", headers=admin_headers)
    ada = await make_employee(runtime)
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    feed = await (await client.get("/api/v1/feed", headers=headers)).json()
    assert feed["news"] == []  # scheduled for later
    clock.advance(timedelta(hours=2))
    feed = await (await client.get("/api/v1/feed", headers=headers)).json()
    assert [n["title"] for n in feed["news"]] == ["We open in Lyon"]


async def test_unknown_caption_networks_are_refused(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    body = {"title": "x", "captions": {"myspace": {"en": "hi"}}}
    response = await client.post("/api/v1/news", json=body, headers=admin_headers)
    assert response.status == 422
    assert "myspace" in (await response.json())["error"]["message"]
    assert await NewsPost.all().count() == 0


async def test_the_feed_shows_only_what_targets_me(client: TestClient, runtime: Runtime) -> None:
    recruiter = await bearer(runtime, Role.RECRUITER)
    targets = {
        "everyone": {},
        "engineers": {"target_departments": ["engineering"]},
        "lyon": {"target_locations": ["Lyon"]},
        "french": {"target_languages": ["fr"]},
        "paris engineers": {"target_departments": ["Engineering"], "target_locations": ["Paris"]},
    }
    for title, targeting in targets.items():
        job = await (
            await client.post("/api/v1/jobs", json={"title": title, **targeting}, headers=recruiter)
        ).json()
        await client.post(f"/api/v1/jobs/{job['id']}/publish", headers=recruiter)
    draft = {"title": "draft for everyone"}
    await client.post("/api/v1/jobs", json=draft, headers=recruiter)

    ada = await make_employee(runtime, department="Engineering", language="en")
    await runtime.people.update(ada.id, EmployeeUpdate(location="Paris"))
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    feed = await (await client.get("/api/v1/feed", headers=headers)).json()
    assert sorted(j["title"] for j in feed["jobs"]) == ["engineers", "everyone", "paris engineers"]

    # A recruiter may look at someone's feed; an employee may not look at another's.
    bob = await make_employee(runtime, "bob@example.com", "Bob", department="Sales", language="fr")
    bobs = await (await client.get(f"/api/v1/feed?employee_id={bob.id}", headers=recruiter)).json()
    assert sorted(j["title"] for j in bobs["jobs"]) == ["everyone", "french"]
    forbidden = await client.get(f"/api/v1/feed?employee_id={bob.id}", headers=headers)
    assert forbidden.status == 403


async def test_an_empty_address_in_a_patch_removes_it_and_null_leaves_it(
    client: TestClient, runtime: Runtime
) -> None:
    headers = await bearer(runtime, Role.RECRUITER)
    job = await (await client.post("/api/v1/jobs", json=JOB, headers=headers)).json()
    url = f"/api/v1/jobs/{job['id']}"
    kept = await (await client.patch(url, json={"apply_url": None}, headers=headers)).json()
    assert kept["apply_url"] == JOB["apply_url"]
    removed = await (await client.patch(url, json={"apply_url": ""}, headers=headers)).json()
    assert removed["apply_url"] == ""
    refused = await client.patch(url, json={"apply_url": "not a url"}, headers=headers)
    assert refused.status == 422
