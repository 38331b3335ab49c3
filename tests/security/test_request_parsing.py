"""Every JSON door reads its body the same way (`app/http/bodies.py`): not JSON is 400
`bad_json`, nested too deep is 422 `too_deep`, too large is 413 `body_too_large`, each
with a JSON error and nothing done; and a number from outside is ASCII digits only
(`app/parsing.py`): "²" passes `isdigit()` but is no number."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient

from app.parsing import JsonTooDeep, json_loads, whole_number
from app.people.models import Employee, Role
from app.referrals.ats import sign
from app.referrals.models import AtsDelivery
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.channel_fixtures import use_teams, use_telegram
from tests.fakes.teams_connector import APP_ID, FakeConnector
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import AppServer, bearer, make_employee, make_open_job
from tests.web.test_miniapp_api import signed_in
from tests.web.test_miniapp_auth import dashboard_cookie

TELEGRAM_SECRET = "telegram-webhook-secret-for-parsing"
ATS_SECRET = "ats-webhook-secret-for-parsing"


def test_a_number_from_outside_is_ascii_digits_within_32_bits() -> None:
    assert whole_number("42") == 42 and whole_number("007") == 7
    assert whole_number(str(2**31 - 1)) == 2**31 - 1
    for text in ("²", "٣", "4²", "", "-1", "+1", " 1", "1.0", str(2**31), "9" * 5000):
        assert whole_number(text) is None, text


def test_json_nested_past_the_limit_is_refused_without_a_recursion_error() -> None:
    assert json_loads(b"[" * 10 + b"]" * 10, max_depth=10) == [[[[[[[[[[]]]]]]]]]]
    for raw in (b"[" * 11 + b"]" * 11, b"[" * 100_000, b'{"a":' * 5000):
        with pytest.raises(JsonTooDeep):
            json_loads(raw, max_depth=10)
    with pytest.raises(ValueError):
        json_loads(b"{nope", max_depth=10)


@dataclass
class World:
    client: TestClient
    telegram: FakeTelegram
    teams: FakeConnector
    settings: Settings


@pytest.fixture
async def world(
    settings: Settings,
    runtime: Runtime,
    fake: FakeTelegram,
    connector: FakeConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[World]:
    use_telegram(settings, fake, webhook_secret=TELEGRAM_SECRET)
    use_teams(settings, connector, monkeypatch)
    settings.ats_webhook_secret = ATS_SECRET
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        yield World(client, fake, connector, settings)


Headers = Callable[[bytes], dict[str, str]]


async def doors(world: World, runtime: Runtime) -> dict[str, tuple[str, Headers]]:
    """Each JSON endpoint, with the headers that get a body past its other checks."""
    admin = await bearer(runtime, Role.ADMIN)
    mini = await signed_in(world.client, runtime, await make_employee(runtime))
    teams_token = world.teams.key.token(APP_ID, world.teams.url)
    return {
        "REST API": ("/api/v1/employees", lambda body: admin),
        "mini app API": ("/app/api/settings", lambda body: mini),
        "Telegram sign-in": ("/app/auth/telegram", lambda body: {}),
        "Telegram webhook": (
            "/telegram/webhook",
            lambda body: {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        ),
        "Teams activities": (
            "/api/messages",
            lambda body: {"Authorization": f"Bearer {teams_token}"},
        ),
        "ATS webhook": (
            "/api/v1/webhooks/ats",
            lambda body: {"X-Signature": sign(ATS_SECRET, body)},
        ),
    }


async def test_every_json_door_refuses_bad_deep_and_large_bodies_alike(
    world: World, runtime: Runtime
) -> None:
    limit = world.settings.max_body_bytes
    every_door = await doors(world, runtime)
    employees, telegram_calls = await Employee.all().count(), len(world.telegram.calls)
    bodies = {
        "a thousand [": (b"[" * 1000, 422, "too_deep"),
        "valid but 100 deep": (b"[" * 100 + b"]" * 100, 422, "too_deep"),
        "objects 100 deep": (b'{"a":' * 100 + b"1" + b"}" * 100, 422, "too_deep"),
        "not JSON": (b'{"init_data": ', 400, "bad_json"),
        "not UTF-8": (b'"\xff\xfe"', 400, "bad_json"),
        "1.1 MB": (json.dumps({"x": "y" * (limit + 100_000)}).encode(), 413, "body_too_large"),
    }
    for door, (path, headers) in every_door.items():
        for what, (body, status, code) in bodies.items():
            sent = headers(body) | {"Content-Type": "application/json"}
            async with world.client.post(path, data=body, headers=sent) as response:
                answer = await response.json()
                assert (response.status, answer["error"]["code"]) == (status, code), (door, what)
    assert await Employee.all().count() == employees
    assert await AtsDelivery.all().count() == 0
    assert len(world.telegram.calls) == telegram_calls and world.teams.sent == []


async def test_digits_that_are_not_ascii_find_nothing_and_break_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    for _ in range(3):
        await make_open_job(runtime)
    admin = await bearer(runtime, Role.ADMIN)
    for path in ("/apply/%C2%B2", "/apply/%D9%A3", "/jobs/%D9%A3", "/apply/99999999999"):
        response = await client.get(path)
        assert response.status == 404, path
        assert "does not exist" in await response.text() or path.startswith("/jobs")
    for path in ("/api/v1/jobs/%D9%A3", "/api/v1/employees/%C2%B2", f"/api/v1/jobs/{2**40}"):
        response = await client.get(path, headers=admin)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "not_found"
    recruiter = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    cookie = await dashboard_cookie(client, runtime, recruiter.id)
    for query in ("%C2%B2", "%D9%A3%D9%A0", "99999999999999999999"):
        response = await client.get(f"/dashboard?days={query}", headers=cookie)
        assert response.status == 200, query
        assert "Last 30 days</option>" in (await response.text()).split("selected")[1][:40]
