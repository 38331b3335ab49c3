"""`POST /api/v1/links` and `GET /api/v1/analytics/clicks` on a known data set."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.people.models import Role
from app.referrals.models import TrackedLink
from app.runtime import Runtime
from tests.helpers import bearer, make_employee, make_open_job, make_sharer
from tests.referrals.test_clicks import CHROME, IPHONE


async def test_an_employee_gets_their_links_for_a_job(client: TestClient, runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    body = {"content_type": "job", "content_id": job.id, "channels": ["linkedin", "copy"]}
    response = await client.post("/api/v1/links", json=body, headers=headers)
    assert response.status == 200
    shares = await response.json()
    assert [s["channel"] for s in shares] == ["linkedin", "copy"]
    assert (
        shares[1]["share_url"] == shares[1]["url"] == f"https://advocacy.test/r/{shares[1]['code']}"
    )
    again = await (await client.post("/api/v1/links", json=body, headers=headers)).json()
    assert again == shares


async def test_link_errors_are_clear(client: TestClient, runtime: Runtime) -> None:
    newcomer = await make_employee(runtime)
    job = await make_open_job(runtime)
    headers = await bearer(runtime, Role.EMPLOYEE, newcomer)
    body = {"content_type": "job", "content_id": job.id}
    response = await client.post("/api/v1/links", json=body, headers=headers)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "policy_not_accepted"
    missing = await client.post(
        "/api/v1/links", json={"content_type": "job", "content_id": 999}, headers=headers
    )
    assert missing.status in (403, 404)
    bad = await client.post(
        "/api/v1/links", json={"content_type": "video", "content_id": 1}, headers=headers
    )
    assert bad.status == 422
    admin_without_employee = await client.post(
        "/api/v1/links", json=body, headers=await bearer(runtime, Role.ADMIN)
    )
    assert admin_without_employee.status == 422
    assert await TrackedLink.all().count() == 0


async def test_analytics_add_up_on_a_known_data_set(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    runtime.settings.proxy_count = 1  # the test client sets X-Forwarded-For
    ada = await make_sharer(runtime, department="Engineering")
    bob = await make_sharer(runtime, "bob@example.com", department="Sales")
    job = await make_open_job(runtime, "Data Engineer")
    headers_ada = await bearer(runtime, Role.EMPLOYEE, ada)
    codes = {}
    for who, headers in (("ada", headers_ada), ("bob", await bearer(runtime, Role.EMPLOYEE, bob))):
        shares = await (
            await client.post(
                "/api/v1/links",
                json={
                    "content_type": "job",
                    "content_id": job.id,
                    "channels": ["linkedin", "whatsapp"],
                },
                headers=headers,
            )
        ).json()
        codes[who] = {s["channel"]: s["code"] for s in shares}

    async def visit(code: str, ip: str, agent: str = CHROME) -> None:
        await client.get(
            f"/r/{code}",
            headers={"User-Agent": agent, "X-Forwarded-For": ip},
            allow_redirects=False,
        )

    # Day 1: ada/linkedin 3 visitors (+1 repeat), ada/whatsapp 1, bob/linkedin 1 + 1 bot.
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1"):
        await visit(codes["ada"]["linkedin"], ip)
    await visit(codes["ada"]["whatsapp"], "10.0.0.4", IPHONE)
    await visit(codes["bob"]["linkedin"], "10.0.0.5")
    await visit(codes["bob"]["linkedin"], "10.0.0.6", "TelegramBot (like TwitterBot)")
    clock.advance(timedelta(days=1))
    await visit(codes["bob"]["whatsapp"], "10.0.0.7")  # day 2
    await runtime.click_worker().drain()

    recruiter = await bearer(runtime, Role.RECRUITER)

    async def rows(query: str, headers: dict[str, str] = recruiter) -> list[dict]:
        response = await client.get(f"/api/v1/analytics/clicks?{query}", headers=headers)
        assert response.status == 200, await response.text()
        return await response.json()

    by_employee = await rows("by=employee&order=unique")
    assert [(r["key"]["employee_id"], r["raw"], r["unique"]) for r in by_employee] == [
        (ada.id, 5, 4),
        (bob.id, 3, 2),
    ]
    assert by_employee[0]["label"] == "Ada Lovelace"
    by_channel = {r["key"]["channel"]: (r["raw"], r["unique"]) for r in await rows("by=channel")}
    assert by_channel == {"linkedin": (6, 4), "whatsapp": (2, 2)}
    by_department = {r["key"]["department"]: r["unique"] for r in await rows("by=department")}
    assert by_department == {"Engineering": 4, "Sales": 2}
    by_day = [(r["key"]["day"], r["raw"]) for r in await rows("by=day")]
    assert by_day == [("2026-11-26", 7), ("2026-11-27", 1)]
    only_day_two = await rows("by=content&from=2026-11-27&to=2026-11-27")
    assert [(r["label"], r["raw"]) for r in only_day_two] == [("Data Engineer", 1)]
    # An employee sees only their own numbers, whatever they ask for.
    mine = await rows(f"by=employee&employee_id={bob.id}", headers_ada)
    assert [(r["key"]["employee_id"], r["unique"]) for r in mine] == [(ada.id, 4)]
    bad = await client.get("/api/v1/analytics/clicks?by=planet", headers=recruiter)
    assert bad.status == 422
