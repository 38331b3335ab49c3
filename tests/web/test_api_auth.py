"""Who may call the API: bearer tokens, roles, the employee's own record, left employees."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.jobs.models import JobOffer
from app.people.models import Role
from app.people.schemas import EmployeeUpdate
from app.runtime import Runtime
from tests.helpers import bearer, make_employee


async def test_no_token_is_401(client: TestClient) -> None:
    response = await client.get("/api/v1/employees")
    assert response.status == 401
    assert (await response.json())["error"]["code"] == "unauthorized"


async def test_an_unknown_token_is_401(client: TestClient) -> None:
    response = await client.get(
        "/api/v1/employees", headers={"Authorization": "Bearer pv_not-a-real-token"}
    )
    assert response.status == 401


async def test_a_non_bearer_scheme_is_401(client: TestClient) -> None:
    response = await client.get("/api/v1/employees", headers={"Authorization": "Basic YTpi"})
    assert response.status == 401


async def test_admin_token_from_the_environment_is_an_admin(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/employees", headers=admin_headers)
    assert response.status == 200


async def test_an_employee_token_cannot_list_everyone(client: TestClient, runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    response = await client.get(
        "/api/v1/employees", headers=await bearer(runtime, Role.EMPLOYEE, ada)
    )
    assert response.status == 403
    assert "recruiter" in (await response.json())["error"]["message"]


async def test_a_recruiter_can_list_but_not_create(client: TestClient, runtime: Runtime) -> None:
    headers = await bearer(runtime, Role.RECRUITER)
    assert (await client.get("/api/v1/employees", headers=headers)).status == 200
    response = await client.post(
        "/api/v1/employees", json={"email": "x@example.com", "name": "X"}, headers=headers
    )
    assert response.status == 403


async def test_an_employee_reads_only_their_own_record(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime)
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    assert (await client.get(f"/api/v1/employees/{ada.id}", headers=headers)).status == 200
    assert (await client.get(f"/api/v1/employees/{bob.id}", headers=headers)).status == 403
    assert (await client.get(f"/api/v1/employees/{ada.id}/export", headers=headers)).status == 200
    assert (await client.get(f"/api/v1/employees/{bob.id}/export", headers=headers)).status == 403


async def test_a_left_employee_can_do_nothing(client: TestClient, runtime: Runtime) -> None:
    ada = await make_employee(runtime, role=Role.ADMIN)
    headers = await bearer(runtime, Role.ADMIN, ada)
    assert (await client.get("/api/v1/employees", headers=headers)).status == 200
    await runtime.people.deactivate(ada.id)
    response = await client.get("/api/v1/employees", headers=headers)
    assert response.status == 401  # their tokens were revoked when they left


async def test_a_token_of_an_employee_marked_left_elsewhere_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    from app.people.models import Employee, EmployeeStatus

    ada = await make_employee(runtime)
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    await Employee.filter(id=ada.id).update(status=EmployeeStatus.LEFT)  # e.g. a direct DB fix
    response = await client.get(f"/api/v1/employees/{ada.id}", headers=headers)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "employee_left"


async def test_a_demoted_recruiters_token_acts_with_their_new_role(
    client: TestClient, runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    headers = await bearer(runtime, Role.RECRUITER, rita)
    assert (await client.get("/api/v1/employees", headers=headers)).status == 200
    demoted = await client.patch(
        f"/api/v1/employees/{rita.id}", json={"role": "employee"}, headers=admin_headers
    )
    assert demoted.status == 200
    refused = [
        await client.get("/api/v1/employees", headers=headers),
        await client.get("/api/v1/analytics/referrals.csv", headers=headers),
        await client.post("/api/v1/jobs", json={"title": "Spy"}, headers=headers),
    ]
    assert [(r.status, (await r.json())["error"]["code"]) for r in refused] == [
        (403, "forbidden")
    ] * 3
    assert not await JobOffer.filter(title="Spy").exists()
    # What every employee may do, she still may: her own record.
    assert (await client.get(f"/api/v1/employees/{rita.id}", headers=headers)).status == 200


async def test_a_token_never_acts_above_its_employees_role(
    client: TestClient, runtime: Runtime
) -> None:
    """An admin token of someone who is now a recruiter is a recruiter's token."""
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.ADMIN)
    headers = await bearer(runtime, Role.ADMIN, rita)
    await runtime.people.update(rita.id, EmployeeUpdate(role=Role.RECRUITER))
    assert (await client.get("/api/v1/employees", headers=headers)).status == 200
    response = await client.post(
        "/api/v1/employees", json={"email": "x@example.com", "name": "X"}, headers=headers
    )
    assert (response.status, (await response.json())["error"]["code"]) == (403, "forbidden")
    assert await runtime.people.find_by_email("x@example.com") is None
