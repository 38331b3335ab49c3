"""The shop API: an admin adds a reward, an employee redeems it, an admin approves."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.people.models import Role
from app.runtime import Runtime
from tests.helpers import bearer, give, make_employee


async def test_shop_over_http(
    client: TestClient, runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    ada = await make_employee(runtime)
    await give(runtime, ada.id, 120, "seed")
    created = await client.post(
        "/api/v1/rewards",
        headers=admin_headers,
        json={"name_en": "Day off", "name_fr": "Jour de congé", "cost": 100, "stock": 2},
    )
    assert created.status == 201
    reward = await created.json()
    headers = await bearer(runtime, Role.EMPLOYEE, ada)
    assert [
        r["name_fr"] for r in await (await client.get("/api/v1/rewards", headers=headers)).json()
    ] == ["Jour de congé"]
    redeemed = await client.post(
        "/api/v1/redemptions", json={"reward_id": reward["id"]}, headers=headers
    )
    assert redeemed.status == 201
    redemption = await redeemed.json()
    assert redemption["status"] == "requested"
    broke = await client.post(
        "/api/v1/redemptions", json={"reward_id": reward["id"]}, headers=headers
    )
    assert broke.status == 409
    assert (await broke.json())["error"]["code"] == "insufficient_points"
    forbidden = await client.post(
        f"/api/v1/redemptions/{redemption['id']}/approve", headers=headers
    )
    assert forbidden.status == 403
    queue = await (
        await client.get("/api/v1/redemptions?status=requested", headers=admin_headers)
    ).json()
    assert [q["id"] for q in queue] == [redemption["id"]]
    approved = await client.post(
        f"/api/v1/redemptions/{redemption['id']}/approve", headers=admin_headers
    )
    assert (await approved.json())["status"] == "approved"
