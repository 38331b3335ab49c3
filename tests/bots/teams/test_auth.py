"""Who may talk to the Teams bot: a missing, forged, expired or misdirected token is a 401 with
nothing done, a malformed activity a 4xx and never a 5xx, and without an app id the endpoint
exists only for the Bot Framework Emulator (`app/bots/teams/auth.py`).
"""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from app.clock import FrozenClock
from app.people.models import ChatIdentity
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.bots.teams_support import ADA, TeamsWorld, joined
from tests.fakes.jwt_keys import SigningKey
from tests.fakes.teams_connector import APP_ID, FakeConnector
from tests.helpers import AppServer, make_employee


async def test_missing_forged_or_expired_tokens_are_refused_and_nothing_is_sent(
    teams: TeamsWorld,
) -> None:
    runtime, fake = teams.runtime, teams.fake
    await make_employee(runtime)
    fake.members[ADA.id] = fake.member(ADA)
    activity = teams.message(ADA, "help")
    forger = SigningKey(key_id=fake.key.key_id)  # same key id, another key
    refused = [
        None,
        "not-a-jwt",
        forger.token(APP_ID, fake.url),
        SigningKey().token(APP_ID, fake.url),  # a key the metadata does not publish
        fake.key.token(APP_ID, fake.url, lifetime=60, issued_ago=3600),  # expired
        fake.key.token("another-bot", fake.url),  # not for us
        fake.key.token(APP_ID, "https://evil.example/"),  # for another service URL
        fake.key.token(APP_ID, fake.url, issuer="https://evil.example"),
    ]
    for token in refused:
        assert await teams.post(activity, token=token) == 401, token
        assert json.loads(teams.last_body)["error"]["code"] == "unauthorized"
    assert fake.sent == [] and fake.token_requests == []
    assert await ChatIdentity.all().count() == 0


async def test_malformed_activities_get_a_4xx_never_a_5xx(teams: TeamsWorld) -> None:
    await joined(teams)
    client = teams.client
    token = teams.fake.key.token(APP_ID, teams.fake.url)
    headers = {"Authorization": f"Bearer {token}"}
    bodies: list[tuple[str, str]] = [
        ("not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("{}", "application/json"),
        ('{"type": "message"}', "application/json"),
        ("hello", "text/plain"),
    ]
    for body, content_type in bodies:
        response = await client.post(
            "/api/messages", data=body, headers=headers | {"Content-Type": content_type}
        )
        assert 400 <= response.status < 500, body
        assert "error" in await response.json()
    odd = [
        teams.message(ADA, value="just a string"),
        teams.message(ADA, value={"action": 42}),
        teams.click(ADA, "refer:form", name=["x"], email={"a": 1}),
        teams.click(ADA, "no-such-button"),
        teams.fake.activity("message", **{"from": ADA.account()}, conversation=ADA.conversation())
        | {"attachments": [{"contentType": "image/png", "content": 12}]},
        teams.fake.activity("compose_extension_query", **{"from": ADA.account()}) | {"value": 3},
        teams.fake.activity("compose_extension_query", **{"from": ADA.account()})
        | {"name": "composeExtension/unknown"},
        teams.fake.activity("compose_extension_select_item", **{"from": ADA.account()})
        | {"value": "x"},
        teams.install(ADA) | {"membersAdded": "nope"},
    ]
    for activity in odd:
        status = await teams.post(activity)
        assert status < 500, (activity, teams.last_body)


async def test_without_an_app_id_the_endpoint_exists_only_in_emulator_mode(
    settings: Settings, runtime: Runtime, connector: FakeConnector
) -> None:
    connector.require_token = False
    app = create_app(settings, runtime)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/messages", json={"type": "message"})
        assert response.status == 404
    settings.teams_emulator = True
    app = create_app(settings, runtime)
    async with TestClient(TestServer(app)) as client:
        world = TeamsWorld(connector, client, runtime)
        assert await world.post(world.message(ADA, "help"), token=None) == 200
        [hello] = world.sent_to(ADA)
        assert "invitation" in hello


async def test_unreachable_signing_keys_are_not_fetched_again_for_every_token(
    settings: Settings, runtime: Runtime, clock: FrozenClock, connector: FakeConnector
) -> None:
    """Microsoft's key endpoint answering 503: the first token fetches, is refused, and
    the next ones are refused at once, until TEAMS_KEYS_RETRY_SECONDS have passed."""
    fetches: list[str] = []

    async def unavailable(request: web.Request) -> web.Response:
        fetches.append(request.path)
        return web.Response(status=503)

    keys_app = web.Application()
    keys_app.router.add_get("/v1/.well-known/openidconfiguration", unavailable)
    async with TestServer(keys_app, host="127.0.0.1") as keys_server:
        settings.teams_app_id, settings.teams_app_password = APP_ID, "secret"
        settings.teams_openid_metadata_url = str(
            keys_server.make_url("/v1/.well-known/openidconfiguration")
        )
        settings.teams_keys_retry_seconds = 30
        async with TestClient(AppServer(create_app(settings, runtime))) as client:
            world = TeamsWorld(connector, client, runtime)
            for _ in range(20):
                assert await world.post(world.message(ADA, "help")) == 401
            assert len(fetches) == 1
            clock.advance(timedelta(seconds=31))
            assert await world.post(world.message(ADA, "help")) == 401
            assert len(fetches) == 2
    assert connector.sent == []


async def test_keys_already_fetched_still_serve_when_the_daily_refresh_fails(
    teams: TeamsWorld, clock: FrozenClock
) -> None:
    """A day later the key endpoint is down: the keys fetched before still verify tokens
    (they rotate over weeks), instead of every Teams message being refused."""
    assert await teams.post(teams.message(ADA, "help")) == 200
    teams.fake.keys_down = True
    clock.advance(timedelta(days=1, seconds=1))
    assert await teams.post(teams.message(ADA, "help")) == 200
    assert teams.fake.key_fetches == 2  # the refresh was tried, and failed
