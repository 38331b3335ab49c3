"""The points API: leaderboard with my rank, hiding from it, my points, adjustments."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.people.models import Role
from app.runtime import Runtime
from tests.helpers import bearer, give, make_employee


async def test_the_leaderboard_shows_names_and_my_rank(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime, department="Engineering")
    bob = await make_employee(runtime, "bob@example.com", "Bob", department="Sales")
    cyd = await make_employee(runtime, "cyd@example.com", "Cyd", department="Sales")
    for who, points in ((ada, 10), (bob, 30), (cyd, 20)):
        await give(runtime, who.id, points, f"k{who.id}")
    headers = await bearer(runtime, Role.EMPLOYEE, cyd)
    board = await (await client.get("/api/v1/leaderboard?period=week", headers=headers)).json()
    assert [(r["rank"], r["name"], r["points"]) for r in board["rows"]] == [
        (1, "Bob", 30),
        (2, "Cyd", 20),
        (3, "Ada Lovelace", 10),
    ]
    assert board["me"]["rank"] == 2 and board["me"]["me"] is True
    sales = await (await client.get("/api/v1/leaderboard?scope=department", headers=headers)).json()
    assert (sales["scope_id"], [r["name"] for r in sales["rows"]]) == ("Sales", ["Bob", "Cyd"])
    await client.put(
        f"/api/v1/employees/{cyd.id}/leaderboard-opt-out", json={"opt_out": True}, headers=headers
    )
    hidden = await (await client.get("/api/v1/leaderboard?period=week", headers=headers)).json()
    assert [r["name"] for r in hidden["rows"]] == ["Bob", "Ada Lovelace"]
    assert hidden["me"]["rank"] == 2


async def test_points_adjustments_and_their_rules(
    client: TestClient, runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    ada = await make_employee(runtime)
    url = f"/api/v1/employees/{ada.id}/points"
    body = {"points": 40, "note": "Thanks for the job fair"}
    retry = {**admin_headers, "Idempotency-Key": "fair-2026"}
    assert (await client.post(f"{url}/adjust", json=body, headers=retry)).status == 201
    assert (await client.post(f"{url}/adjust", json=body, headers=retry)).status == 409
    long_key = {**admin_headers, "Idempotency-Key": "k" * 129}
    assert (await client.post(f"{url}/adjust", json=body, headers=long_key)).status == 422
    too_much = await client.post(
        f"{url}/adjust", json={"points": -100, "note": "x"}, headers=admin_headers
    )
    assert too_much.status == 409
    no_reason = await client.post(
        f"{url}/adjust", json={"points": 5, "note": ""}, headers=admin_headers
    )
    assert no_reason.status == 422
    mine = await (await client.get(url, headers=await bearer(runtime, Role.EMPLOYEE, ada))).json()
    assert mine["balance"] == 40
    assert [(e["points"], e["note"]) for e in mine["entries"]] == [(40, "Thanks for the job fair")]
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    other = await client.get(url, headers=await bearer(runtime, Role.EMPLOYEE, bob))
    assert other.status == 403
