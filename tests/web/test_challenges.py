"""The challenges API: an admin sets a team challenge, its members see their progress."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.people.models import Role
from app.runtime import Runtime
from tests.helpers import bearer, make_employee


async def test_challenges_over_http(
    client: TestClient, runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    ada = await make_employee(runtime, department="Engineering")
    body = {
        "name": "November push",
        "department": "Engineering",
        "metric": "shares",
        "target": 5,
        "starts_on": "2026-11-01",
        "ends_on": "2026-11-30",
        "bonus_points": 10,
    }
    assert (await client.post("/api/v1/challenges", json=body, headers=admin_headers)).status == 201
    backwards = {**body, "ends_on": "2026-10-01"}
    assert (
        await client.post("/api/v1/challenges", json=backwards, headers=admin_headers)
    ).status == 422
    mine = await (
        await client.get("/api/v1/challenges", headers=await bearer(runtime, Role.EMPLOYEE, ada))
    ).json()
    assert [(c["name"], c["progress"], c["target"]) for c in mine] == [("November push", 0, 5)]
