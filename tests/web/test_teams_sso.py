"""The Teams tab's single sign-on: `POST /app/auth/teams` with the token TeamsJS's
`authentication.getAuthToken()` gives, signed here by a local key that the fake OpenID
provider publishes as the JWKS (TEAMS_SSO_JWKS_URL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from app.people.models import Platform, Role
from app.people.sessions import COOKIE
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.fakes.oidc_provider import FakeOpenIdProvider, start
from tests.helpers import AppServer, make_employee

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
OTHER_TENANT = "99999999-8888-7777-6666-555555555555"
AUDIENCE = f"api://advocacy.test/{APP_ID}"  # PUBLIC_BASE_URL is https://advocacy.test


@dataclass
class Tab:
    client: TestClient
    keys: FakeOpenIdProvider
    runtime: Runtime

    def token(self, **claims: object) -> str:
        return self.keys.teams_token(TENANT, AUDIENCE, **claims)

    async def sign_in(self, token: str) -> tuple[int, dict[str, Any], str]:
        self.client.session.cookie_jar.clear()
        answer = await self.client.post("/app/auth/teams", json={"token": token})
        cookie = answer.cookies.get(COOKIE)
        return answer.status, await answer.json(), cookie.value if cookie else ""


@pytest.fixture
async def tab(settings: Settings, runtime: Runtime) -> AsyncIterator[Tab]:
    keys = FakeOpenIdProvider(now=lambda: runtime.clock.now().timestamp())
    runner = await start(keys)
    settings.teams_app_id = APP_ID
    settings.teams_tenant_id = TENANT
    settings.teams_sso_jwks_url = f"{keys.url}/keys"
    try:
        async with TestClient(AppServer(create_app(settings, runtime))) as client:
            yield Tab(client, keys, runtime)
    finally:
        await runner.cleanup()


async def test_a_teams_token_of_our_tenant_opens_the_mini_app(tab: Tab) -> None:
    ada = await make_employee(tab.runtime, "ada@example.com")
    status, body, session = await tab.sign_in(tab.token(preferred_username="Ada@Example.com"))
    assert status == 200
    assert body["employee_id"] == ada.id and len(str(body["csrf"])) == 64
    assert await tab.runtime.sessions.employee_ids([session]) == {session: ada.id}
    home = await tab.client.get("/app/api/home", headers={"Cookie": f"{COOKIE}={session}"})
    assert home.status == 200


async def test_the_session_cookie_works_inside_the_teams_frame(tab: Tab) -> None:
    await make_employee(tab.runtime, "ada@example.com")
    tab.client.session.cookie_jar.clear()
    answer = await tab.client.post("/app/auth/teams", json={"token": tab.token()})
    cookie = answer.cookies[COOKIE]
    assert cookie["samesite"] == "None" and cookie["secure"] and cookie["httponly"]


async def test_the_teams_account_the_bot_linked_wins_over_the_username(tab: Tab) -> None:
    await make_employee(tab.runtime, "ada@example.com")
    grace = await make_employee(tab.runtime, "grace@example.com", "Grace Hopper")
    oid = "0b9d4c1e-0000-4000-8000-000000000001"
    await tab.runtime.people.link_by_directory_email(
        "grace@example.com", Platform.TEAMS, f"{TENANT}:{oid}", {"conversation": {"id": "a:1"}}
    )
    status, body, _ = await tab.sign_in(tab.token(oid=oid, preferred_username="ada@example.com"))
    assert status == 200 and body["employee_id"] == grace.id


async def test_v1_tokens_and_the_bare_app_id_audience_are_accepted(tab: Tab) -> None:
    ada = await make_employee(tab.runtime, "ada@example.com")
    token = tab.keys.teams_token(
        TENANT, APP_ID, iss=f"https://sts.windows.net/{TENANT}/", upn="ada@example.com"
    )
    status, body, _ = await tab.sign_in(token)
    assert status == 200 and body["employee_id"] == ada.id


@pytest.mark.parametrize(
    "claims",
    [
        {"tid": OTHER_TENANT, "iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"},
        {"iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"},
        {"aud": f"api://elsewhere.test/{APP_ID}"},
        {"aud": "00000003-0000-0000-c000-000000000000"},  # a Graph token
        {"exp": 1_000_000_000},
        {"nbf": 4_000_000_000},
    ],
    ids=["other-tenant", "other-issuer", "other-host", "graph-audience", "expired", "not-yet"],
)
async def test_a_token_for_someone_else_is_refused(tab: Tab, claims: dict[str, object]) -> None:
    await make_employee(tab.runtime, "ada@example.com")
    status, body, session = await tab.sign_in(tab.token(**claims))
    assert status == 401 and session == ""
    assert body["error"]["code"] == "invalid_token"


async def test_a_forged_signature_is_refused(tab: Tab) -> None:
    await make_employee(tab.runtime, "ada@example.com")
    tab.keys.tamper = {"forge": True}
    status, _body, session = await tab.sign_in(tab.token())
    assert status == 401 and session == ""


async def test_an_unknown_person_is_sent_to_the_bot(tab: Tab) -> None:
    await make_employee(tab.runtime, "ada@example.com")
    status, body, session = await tab.sign_in(tab.token(preferred_username="eve@example.com"))
    assert status == 401 and session == ""
    error = body["error"]
    assert error["code"] == "unknown_account" and "sign-in link" in error["message"]


async def test_someone_who_left_is_refused_even_with_a_linked_account(tab: Tab) -> None:
    ada = await make_employee(tab.runtime, "ada@example.com", role=Role.RECRUITER)
    oid = "0b9d4c1e-0000-4000-8000-000000000002"
    await tab.runtime.people.link_by_directory_email(
        "ada@example.com", Platform.TEAMS, f"{TENANT}:{oid}", {"conversation": {"id": "a:2"}}
    )
    await tab.runtime.people.deactivate(ada.id)
    status, body, session = await tab.sign_in(tab.token(oid=oid))
    assert status == 403 and session == ""
    assert body["error"]["code"] == "employee_left"


async def test_a_body_without_a_token_is_a_clear_error(tab: Tab) -> None:
    for body in ({}, {"token": 42}, {"token": ""}):
        answer = await tab.client.post("/app/auth/teams", json=body)
        assert answer.status == 422
    answer = await tab.client.post("/app/auth/teams", json={"token": "not.a.jwt"})
    assert answer.status == 401


async def test_without_the_tenant_there_is_no_teams_sign_in(
    settings: Settings, runtime: Runtime
) -> None:
    settings.teams_app_id = APP_ID
    settings.teams_tenant_id = ""
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        answer = await client.post("/app/auth/teams", json={"token": "x"})
        assert answer.status in (404, 405)


async def test_teams_sign_ins_count_against_the_sign_in_ceiling(tab: Tab) -> None:
    tab.runtime.settings.sign_in_limit_per_minute = 1
    await tab.sign_in("not.a.jwt")
    answer = await tab.client.post("/app/auth/teams", json={"token": "not.a.jwt"})
    assert answer.status == 429
    assert (await answer.json())["error"]["code"] == "too_many_requests"
