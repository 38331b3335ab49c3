"""What the fuzzers found, one regression test each: every one of these answered 500."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from app.gamification.shop import RewardDraft
from app.people.logins import InvalidInitData, verify_init_data
from app.people.models import Role
from app.runtime import Runtime
from app.web.session_auth import csrf_for, open_session
from tests.helpers import make_employee, make_open_job
from tests.security.test_webhook_fuzz import BOT_TOKEN, signed_init_data

HUGE = 2**70


async def test_an_id_beyond_32_bits_is_not_found(client: TestClient, admin_headers: dict) -> None:
    for method, path in [
        ("PATCH", f"/api/v1/employees/{HUGE}"),
        ("PATCH", f"/api/v1/jobs/{2**31}"),
        ("POST", f"/api/v1/redemptions/{HUGE}/approve"),
    ]:
        async with client.request(method, path, json={}, headers=admin_headers) as response:
            assert response.status == 404, path
            assert (await response.json())["error"]["code"] == "not_found"


async def test_a_number_beyond_32_bits_in_a_query_or_body_is_invalid(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    reward = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=10))
    cases = [
        ("GET", f"/api/v1/jobs?offset={HUGE}", None, "offset"),
        ("GET", f"/api/v1/referrals?employee_id={HUGE}", None, "employee_id"),
        ("PATCH", f"/api/v1/rewards/{reward.id}", {"stock": 2**32}, "stock"),
    ]
    for method, path, body, field in cases:
        async with client.request(method, path, json=body, headers=admin_headers) as response:
            assert response.status == 422, path
            error = (await response.json())["error"]
            assert error["details"][0]["field"] == field


async def test_an_unknown_channel_in_the_funnel_is_invalid(
    client: TestClient, admin_headers: dict
) -> None:
    url = "/api/v1/analytics/funnel?by=job&channel=in+office"
    async with client.get(url, headers=admin_headers) as response:
        assert response.status == 422
    async with client.get(
        "/api/v1/analytics/funnel?by=job&channel=linkedin", headers=admin_headers
    ) as r:
        assert r.status == 200


async def test_an_unknown_content_status_is_invalid_and_the_synonyms_work(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    await make_open_job(runtime)
    async with client.get("/api/v1/jobs?status=whatever", headers=admin_headers) as response:
        assert response.status == 422
    async with client.get("/api/v1/jobs?status=published", headers=admin_headers) as response:
        assert (await response.json())["total"] == 1
    async with client.get("/api/v1/news?status=open", headers=admin_headers) as response:
        assert response.status == 200


async def test_a_null_in_a_patch_leaves_a_required_field_as_it_is(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime)
    job = await make_open_job(runtime)
    reward = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=10))
    for path, body, field, value in [
        (f"/api/v1/employees/{ada.id}", {"name": None, "location": None}, "name", ada.name),
        (f"/api/v1/jobs/{job.id}", {"title": None, "target_departments": None}, "title", job.title),
        (f"/api/v1/rewards/{reward.id}", {"name_en": None, "stock": None}, "name_en", "Mug"),
    ]:
        async with client.patch(path, json=body, headers=admin_headers) as response:
            assert response.status == 200, (path, await response.text())
            assert (await response.json())[field] == value


async def test_a_challenge_dated_year_one_is_invalid(
    client: TestClient, admin_headers: dict
) -> None:
    body = {"name": "Q", "department": "Sales", "metric": "points", "target": 3,
            "starts_on": "0001-01-01", "ends_on": "2000-01-01"}  # fmt: skip
    async with client.post("/api/v1/challenges", json=body, headers=admin_headers) as response:
        assert response.status == 422


async def test_non_ascii_credentials_are_refused_not_crashed(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = "ats-secret"
    async with client.post(
        "/api/v1/webhooks/ats", data=b"{}", headers={"X-Signature": "sha256=é"}
    ) as response:
        assert response.status == 401
    async with client.get("/api/v1/employees", headers={"Authorization": "Bearer é"}) as response:
        assert response.status == 401
    ada = await make_employee(runtime)
    session_id = await open_session(runtime, ada.id, Role.EMPLOYEE)
    cookie = {"Cookie": f"pv_session={session_id}"}
    async with client.post(
        "/app/api/settings", json={}, headers=cookie | {"X-CSRF-Token": "é"}
    ) as response:
        assert response.status == 403
    async with client.post("/dashboard/login", data={"token": "x", "csrf": "é"}) as response:
        assert response.status == 403


def test_signed_init_data_with_a_date_out_of_range_is_refused() -> None:
    init_data = signed_init_data({"user": '{"id": 1}', "auth_date": str(10**20)})
    now = datetime(2026, 11, 26, tzinfo=UTC)
    try:
        verify_init_data(init_data, BOT_TOKEN, now, 86400)
    except InvalidInitData:
        return
    raise AssertionError("accepted")


async def test_the_mini_app_accepts_the_policy_and_cancels_with_an_empty_body(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime)
    session_id = await open_session(runtime, ada.id, Role.EMPLOYEE)
    headers = {
        "Cookie": f"pv_session={session_id}",
        "X-CSRF-Token": csrf_for(runtime.settings.secret_key, session_id),
    }
    async with client.post("/app/api/policy/accept", json={}, headers=headers) as response:
        assert response.status == 200
        assert (await response.json())["policy_accepted"] is True
    async with client.post("/app/api/redemptions/1/cancel", json={}, headers=headers) as r:
        assert r.status == 404


async def test_page_ids_beyond_32_bits_are_not_found_and_mini_app_numbers_invalid(
    client: TestClient, runtime: Runtime
) -> None:
    admin = await make_employee(runtime, role=Role.ADMIN)
    session_id = await open_session(runtime, admin.id, Role.ADMIN)
    csrf = csrf_for(runtime.settings.secret_key, session_id)
    headers = {"Cookie": f"pv_session={session_id}", "X-CSRF-Token": csrf}
    for method, path in [
        ("GET", f"/jobs/{HUGE}"),
        ("GET", f"/news/{HUGE}"),
        ("POST", f"/dashboard/referrals/{HUGE}/move"),
        ("POST", f"/dashboard/redemptions/{HUGE}/approve"),
        ("POST", f"/app/api/redemptions/{HUGE}/cancel"),
    ]:
        async with client.request(method, path, headers=headers, data={"csrf": csrf}) as r:
            assert r.status == 404, path
    for path, body in [
        ("/app/api/redemptions", {"reward_id": HUGE}),
        ("/app/api/referrals", {"job_id": HUGE, "name": "Marie", "email": "marie@example.org"}),
    ]:
        async with client.post(path, json=body, headers=headers) as response:
            assert response.status == 422, path


async def test_a_nul_character_is_refused_before_postgresql_sees_it(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    for body in (
        {"title": "Data\x00Engineer"},
        {"title": "Data Engineer", "target_locations": ["Pa\x00ris"]},
    ):
        async with client.post("/api/v1/jobs", json=body, headers=admin_headers) as response:
            assert response.status == 422
            assert "NUL" in (await response.json())["error"]["message"]
    async with client.get("/api/v1/jobs?q=a%00b", headers=admin_headers) as response:
        assert response.status == 422


async def test_a_nul_character_in_the_apply_form_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    from aiohttp import FormData

    job = await make_open_job(runtime)
    async with client.get(f"/apply/{job.id}") as page:
        csrf = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    form = FormData()
    for name, value in {"csrf": csrf, "name": "Ma\x00rie", "email": "marie@example.org",
                        "consent": "on"}.items():  # fmt: skip
        form.add_field(name, value)
    async with client.post(f"/apply/{job.id}", data=form) as response:
        assert 400 <= response.status < 500
    from app.referrals.models import Referral

    assert await Referral.all().count() == 0
