"""The employees resource: create, read, update, deactivate, export, erase, invites."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.people.models import ChatIdentity, Employee
from app.runtime import Runtime
from tests.helpers import make_employee

ADA = {
    "email": "Ada@Example.com",
    "name": "Ada Lovelace",
    "department": "Engineering",
    "language": "fr",
    "timezone": "Europe/Paris",
}


async def test_an_admin_creates_an_employee(client: TestClient, admin_headers: dict) -> None:
    response = await client.post("/api/v1/employees", json=ADA, headers=admin_headers)
    assert response.status == 201
    body = await response.json()
    assert body["email"] == "ada@example.com"  # normalised
    assert body["status"] == "invited"
    assert body["role"] == "employee"
    fetched = await client.get(f"/api/v1/employees/{body['id']}", headers=admin_headers)
    assert (await fetched.json())["name"] == "Ada Lovelace"


async def test_the_same_email_twice_is_a_409(client: TestClient, admin_headers: dict) -> None:
    await client.post("/api/v1/employees", json=ADA, headers=admin_headers)
    again = await client.post(
        "/api/v1/employees", json={**ADA, "email": "ADA@example.com"}, headers=admin_headers
    )
    assert again.status == 409
    assert (await again.json())["error"]["code"] == "duplicate_employee"
    assert await Employee.all().count() == 1


async def test_bad_bodies_are_refused_and_nothing_is_written(
    client: TestClient, admin_headers: dict
) -> None:
    cases = [
        (b"{not json", 400, "bad_json"),
        (b'{"email": "not-an-email", "name": "X"}', 422, "invalid"),
        (b'{"email": "x@example.com"}', 422, "invalid"),
        (b'{"email": "x@example.com", "name": "X", "role": "god"}', 422, "invalid"),
        (b'{"email": "x@example.com", "name": "X", "timezone": "Mars/Base"}', 422, "invalid"),
        (b'{"email": "x@example.com", "name": "X", "is_admin": true}', 422, "invalid"),
        (b'["x@example.com"]', 422, "invalid"),
    ]
    for raw, status, code in cases:
        response = await client.post(
            "/api/v1/employees",
            data=raw,
            headers={**admin_headers, "Content-Type": "application/json"},
        )
        assert response.status == status, raw
        body = await response.json()
        assert body["error"]["code"] == code
        assert body["error"]["message"]
    assert await Employee.all().count() == 0


async def test_a_bad_query_is_a_422(client: TestClient, admin_headers: dict) -> None:
    response = await client.get("/api/v1/employees?limit=0", headers=admin_headers)
    assert response.status == 422
    assert (await response.json())["error"]["details"][0]["field"] == "limit"


async def test_listing_filters_and_paginates(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    for index in range(5):
        await make_employee(
            runtime,
            f"p{index}@example.com",
            f"Person {index}",
            department="Sales" if index % 2 else "Engineering",
        )
    page = await (
        await client.get("/api/v1/employees?department=Engineering&limit=2", headers=admin_headers)
    ).json()
    assert page["total"] == 3
    assert [e["name"] for e in page["items"]] == ["Person 0", "Person 2"]
    search = await (
        await client.get("/api/v1/employees?q=person%203", headers=admin_headers)
    ).json()
    assert [e["email"] for e in search["items"]] == ["p3@example.com"]


async def test_an_update_changes_only_given_fields(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime)
    response = await client.patch(
        f"/api/v1/employees/{ada.id}", json={"department": "Research"}, headers=admin_headers
    )
    assert response.status == 200
    body = await response.json()
    assert (body["department"], body["name"]) == ("Research", "Ada Lovelace")


async def test_an_update_to_a_taken_email_is_a_409_and_changes_nothing(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime)
    await make_employee(runtime, "bob@example.com", "Bob")
    response = await client.patch(
        f"/api/v1/employees/{ada.id}",
        json={"email": "bob@example.com", "name": "Ada L."},
        headers=admin_headers,
    )
    assert response.status == 409
    stored = await Employee.get(id=ada.id)
    assert (stored.email, stored.name) == ("ada@example.com", "Ada Lovelace")


async def test_an_unknown_employee_is_a_404(client: TestClient, admin_headers: dict) -> None:
    response = await client.get("/api/v1/employees/999", headers=admin_headers)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "employee_not_found"


async def test_deactivating_closes_chat_accounts(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime, telegram_id="1001")
    response = await client.post(f"/api/v1/employees/{ada.id}/deactivate", headers=admin_headers)
    assert (await response.json())["status"] == "left"
    assert not (await ChatIdentity.get(platform_user_id="1001")).active
    assert await runtime.people.employee_for_chat("telegram", "1001") is None  # type: ignore[arg-type]
    patch = await client.patch(
        f"/api/v1/employees/{ada.id}", json={"name": "Back"}, headers=admin_headers
    )
    assert patch.status == 403


async def test_export_holds_everything_about_the_employee(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime, telegram_id="1001")
    await runtime.policy.accept(ada, channel="telegram")
    data = await (
        await client.get(f"/api/v1/employees/{ada.id}/export", headers=admin_headers)
    ).json()
    assert data["employee"]["email"] == "ada@example.com"
    assert data["chat_identities"][0]["platform_user_id"] == "1001"
    assert data["policy_acceptances"][0]["version"] == "2026-11-01"


async def test_erase_removes_personal_data_and_keeps_the_anonymous_row(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime, telegram_id="1001")
    await runtime.policy.accept(ada, channel="telegram")
    response = await client.post(f"/api/v1/employees/{ada.id}/erase", headers=admin_headers)
    assert response.status == 200
    stored = await Employee.get(id=ada.id)
    assert "ada" not in stored.email.lower() and "Ada" not in stored.name
    assert stored.department == "Engineering"  # aggregates by department stay true
    assert await ChatIdentity.filter(employee_id=ada.id).count() == 0
    listing = await (await client.get("/api/v1/employees?q=ada", headers=admin_headers)).json()
    assert listing["total"] == 0


async def test_invites_are_created_and_listed(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime)
    first = await (
        await client.post(f"/api/v1/employees/{ada.id}/invites", headers=admin_headers)
    ).json()
    second = await client.post(f"/api/v1/employees/{ada.id}/invites", headers=admin_headers)
    assert second.status == 201
    second_body = await second.json()
    assert second_body["telegram_link"] is None  # no bot configured: no stranger's bot either
    pending = await (await client.get("/api/v1/invites", headers=admin_headers)).json()
    assert [i["code"] for i in pending] == [second_body["code"]]  # the first stopped working
    assert first["code"] != second_body["code"]
