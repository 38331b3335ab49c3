"""Single sign-on with OpenID Connect, end to end over HTTP: a browser (aiohttp's client,
following redirects with its cookies) goes from our sign-in link to a local OpenID
provider (`tests/fakes/oidc_provider.py`: discovery, its own RSA keys, PKCE, signed ID
tokens) and back, and lands signed in, or on a page that says why not."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app.people.models import Role
from app.people.sessions import COOKIE
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from app.web.oidc import STATE_COOKIE, safe_next
from tests.fakes.oidc_provider import CLIENT_ID, CLIENT_SECRET, FakeOpenIdProvider, start
from tests.helpers import AppServer, make_employee


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Sso:
    provider: FakeOpenIdProvider
    server: TestServer
    runtime: Runtime

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def browser(self, language: str = "en") -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True),  # cookies for 127.0.0.1 too
            headers={"Accept-Language": language},
        )

    async def to_callback(
        self, browser: aiohttp.ClientSession, next_path: str = "/dashboard"
    ) -> str:
        """Start a sign-in and follow it to the provider: the callback URL it sends back."""
        async with browser.get(
            f"{self.url}/app/auth/oidc", params={"next": next_path}, allow_redirects=False
        ) as start_answer:
            assert start_answer.status == 302
            authorize = start_answer.headers["Location"]
        async with browser.get(authorize, allow_redirects=False) as provider_answer:
            assert provider_answer.status == 302
            return provider_answer.headers["Location"]


@pytest.fixture
async def sso(settings: Settings, runtime: Runtime) -> AsyncIterator[Sso]:
    provider = FakeOpenIdProvider(now=lambda: runtime.clock.now().timestamp())
    runner = await start(provider)
    port = free_port()
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.oidc_issuer = provider.issuer
    settings.oidc_client_id = CLIENT_ID
    settings.oidc_client_secret = CLIENT_SECRET
    settings.oidc_provider_name = "Contoso"
    settings.oidc_role_groups = "pv-admins=admin,pv-recruiters=recruiter"
    server = AppServer(create_app(settings, runtime), port=port)
    await server.start_server()
    try:
        yield Sso(provider, server, runtime)
    finally:
        await server.close()
        await runner.cleanup()


def session_cookie(browser: aiohttp.ClientSession) -> str:
    return next((c.value for c in browser.cookie_jar if c.key == COOKIE), "")


async def text_of(answer: aiohttp.ClientResponse) -> str:
    return await answer.text()


async def test_signing_in_with_the_provider_opens_the_dashboard(sso: Sso) -> None:
    ada = await make_employee(sso.runtime, "ada.lovelace@example.com", role=Role.RECRUITER)
    sso.provider.user = {"email": "Ada.Lovelace@Example.com", "groups": ["pv-recruiters"]}
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.status == 200
            assert answer.url.path == "/dashboard"
            assert answer.history[-1].headers["Location"] == "/dashboard"
        session = session_cookie(browser)
        assert await sso.runtime.sessions.employee_ids([session]) == {session: ada.id}
        assert not any(c.key == STATE_COOKIE for c in browser.cookie_jar)  # used up
        async with browser.get(f"{sso.url}/dashboard/tables") as tables:
            assert tables.status == 200


async def test_the_authorization_request_carries_state_nonce_and_a_pkce_challenge(
    sso: Sso,
) -> None:
    async with (
        sso.browser() as browser,
        browser.get(f"{sso.url}/app/auth/oidc", allow_redirects=False) as answer,
    ):
        query = parse_qs(urlsplit(answer.headers["Location"]).query)
        assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
        assert len(query["state"][0]) >= 32 and len(query["nonce"][0]) >= 32
        assert query["redirect_uri"] == [f"{sso.url}/app/auth/oidc/callback"]
        assert query["scope"] == ["openid email profile"]
        assert answer.cookies[STATE_COOKIE]["httponly"]
        assert answer.cookies[STATE_COOKIE]["samesite"] == "Lax"


async def test_sign_in_pages_show_the_providers_button(sso: Sso) -> None:
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/dashboard/login") as login:
            page = await login.text()
            assert 'href="/app/auth/oidc?next=%2Fdashboard"' in page
            assert "Sign in with Contoso" in page
        async with browser.get(f"{sso.url}/app/jobs") as app_page:
            assert '"url": "/app/auth/oidc?next=%2Fapp%2Fjobs"' in await app_page.text()


async def test_groups_lower_the_role_but_never_raise_it(sso: Sso) -> None:
    await make_employee(sso.runtime, "ada@example.com", role=Role.RECRUITER)
    sso.provider.user = {"email": "ada@example.com", "groups": ["pv-admins"]}
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.url.path == "/dashboard"
        async with browser.get(f"{sso.url}/dashboard/reports") as reports:
            assert reports.status == 403  # admin in the directory, recruiter here

    grace = await make_employee(sso.runtime, "grace@example.com", "Grace", role=Role.ADMIN)
    sso.provider.user = {"email": "grace@example.com", "groups": ["pv-recruiters", "staff"]}
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.url.path == "/dashboard"
        async with browser.get(f"{sso.url}/dashboard/reports") as reports:
            assert reports.status == 403  # admin here, only a recruiter in the directory
    assert (await sso.runtime.people.get(grace.id)).role == Role.ADMIN  # unchanged


async def test_no_matching_group_means_no_dashboard(sso: Sso) -> None:
    await make_employee(sso.runtime, "ada@example.com", role=Role.ADMIN)
    sso.provider.user = {"email": "ada@example.com", "groups": ["staff"]}
    async with (
        sso.browser() as browser,
        browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer,
    ):
        assert answer.status == 403
        assert "The dashboard is for recruiters and admins" in await answer.text()
        async with browser.get(f"{sso.url}/app/api/home") as home:
            assert home.status == 200  # the mini app is open to them


async def test_with_roles_can_raise_the_directory_sets_the_role(sso: Sso) -> None:
    sso.runtime.settings.oidc_roles_can_raise = True
    ada = await make_employee(sso.runtime, "ada@example.com", role=Role.EMPLOYEE)
    sso.provider.user = {"email": "ada@example.com", "groups": ["pv-admins"]}
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.url.path == "/dashboard"
        async with browser.get(f"{sso.url}/dashboard/reports") as reports:
            assert reports.status == 200
    assert (await sso.runtime.people.get(ada.id)).role == Role.ADMIN


async def test_an_unknown_person_gets_a_clear_page_and_no_session(sso: Sso) -> None:
    await make_employee(sso.runtime, "ada@example.com")
    sso.provider.user = {"email": "mallory@example.com"}
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.status == 403
            page = await answer.text()
            assert "We do not know you yet" in page and "Porte-voix Demo" in page
        assert session_cookie(browser) == ""
    async with sso.browser("fr") as browser, browser.get(f"{sso.url}/app/auth/oidc") as answer:
        assert answer.status == 403
        assert "Nous ne vous connaissons pas encore" in await answer.text()


async def test_an_unverified_address_proves_nothing(sso: Sso) -> None:
    await make_employee(sso.runtime, "ada@example.com")
    sso.provider.user = {"email": "ada@example.com", "email_verified": False}
    async with sso.browser() as browser, browser.get(f"{sso.url}/app/auth/oidc") as answer:
        assert answer.status == 403
        assert session_cookie(browser) == ""


async def test_someone_who_left_is_refused(sso: Sso) -> None:
    ada = await make_employee(sso.runtime, "ada@example.com", role=Role.RECRUITER)
    await sso.runtime.people.deactivate(ada.id)
    sso.provider.user = {"email": "ada@example.com", "groups": ["pv-recruiters"]}
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.status == 403
            assert "This account is closed" in await answer.text()
        assert session_cookie(browser) == ""


async def test_leaving_after_signing_in_closes_the_session_at_the_next_request(sso: Sso) -> None:
    ada = await make_employee(sso.runtime, "ada@example.com", role=Role.RECRUITER)
    sso.provider.user = {"email": "ada@example.com", "groups": ["pv-recruiters"]}
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.url.path == "/dashboard"
        session = session_cookie(browser)
        await sso.runtime.people.deactivate(ada.id)
        async with browser.get(f"{sso.url}/dashboard", allow_redirects=False) as after:
            assert after.status == 302 and after.headers["Location"] == "/dashboard/login"
        async with browser.get(f"{sso.url}/app/api/home") as home:
            assert home.status == 401
        assert await sso.runtime.sessions.employee_ids([session]) == {}


async def test_a_callback_with_another_state_opens_nothing(sso: Sso) -> None:
    await make_employee(sso.runtime, "ada@example.com", role=Role.RECRUITER)
    async with sso.browser() as browser:
        callback = await sso.to_callback(browser)
        forged = callback.replace("state=", "state=x")
        async with browser.get(forged, allow_redirects=False) as answer:
            assert answer.status == 400
            assert "This sign-in has expired" in await answer.text()
        assert session_cookie(browser) == ""
    # Someone else's callback (their code and state) in a browser that did not start it.
    async with sso.browser() as victim, victim.get(callback, allow_redirects=False) as answer:
        assert answer.status == 400
        assert session_cookie(victim) == ""
    assert sso.provider.token_requests == 0  # no code was redeemed


async def test_a_replayed_callback_or_code_opens_nothing(sso: Sso) -> None:
    await make_employee(sso.runtime, "ada@example.com", role=Role.RECRUITER)
    sso.provider.user = {"email": "ada@example.com", "groups": ["pv-recruiters"]}
    async with sso.browser() as browser:
        callback = await sso.to_callback(browser)
        async with browser.get(callback, allow_redirects=False) as first:
            assert first.status == 302
        async with browser.get(callback, allow_redirects=False) as again:
            assert again.status == 400  # the pending sign-in was taken
    async with sso.browser() as browser:
        fresh = await sso.to_callback(browser)
        old_code = parse_qs(urlsplit(callback).query)["code"][0]
        new_code = parse_qs(urlsplit(fresh).query)["code"][0]
        replay = fresh.replace(new_code, old_code)
        async with browser.get(replay, allow_redirects=False) as answer:
            assert answer.status == 401
            assert "Sign-in failed" in await answer.text()
        assert session_cookie(browser) == ""


@pytest.mark.parametrize(
    "tamper",
    [
        {"claims": {"nonce": "another-sign-in"}},
        {"claims": {"exp": 1_000_000_000}},
        {"claims": {"iss": "http://127.0.0.1:1"}},
        {"claims": {"aud": "another-client"}},
        {"forge": True},
    ],
    ids=["wrong-nonce", "expired", "wrong-issuer", "wrong-audience", "forged-signature"],
)
async def test_an_id_token_that_does_not_verify_opens_nothing(
    sso: Sso, tamper: dict[str, object]
) -> None:
    await make_employee(sso.runtime, "ada@example.com", role=Role.RECRUITER)
    sso.provider.user = {"email": "ada@example.com", "groups": ["pv-recruiters"]}
    sso.provider.tamper = tamper
    async with sso.browser() as browser:
        async with browser.get(f"{sso.url}/app/auth/oidc?next=/dashboard") as answer:
            assert answer.status == 401
            assert "could not be verified" in await answer.text()
        assert session_cookie(browser) == ""
        async with browser.get(f"{sso.url}/dashboard", allow_redirects=False) as dashboard:
            assert dashboard.headers["Location"] == "/dashboard/login"


async def test_a_refusal_at_the_provider_gets_a_page(sso: Sso) -> None:
    async with sso.browser() as browser:
        callback = await sso.to_callback(browser)
        state = parse_qs(urlsplit(callback).query)["state"][0]
        denied = f"{sso.url}/app/auth/oidc/callback?error=access_denied&state={state}"
        async with browser.get(denied) as answer:
            assert answer.status == 401
            assert "cancelled or refused" in await answer.text()


def test_only_our_own_pages_are_destinations() -> None:
    assert safe_next("/dashboard/tables") == "/dashboard/tables"
    assert safe_next("/app/jobs") == "/app/jobs"
    for elsewhere in ("https://evil.test/app", "//evil.test/app", "/\\evil.test", "/api/v1", ""):
        assert safe_next(elsewhere) == "/app"


async def test_sso_sign_ins_count_against_the_sign_in_ceiling(sso: Sso) -> None:
    sso.runtime.settings.sign_in_limit_per_minute = 2
    async with sso.browser() as browser:
        statuses = []
        for _ in range(3):
            async with browser.get(f"{sso.url}/app/auth/oidc", allow_redirects=False) as answer:
                statuses.append(answer.status)
                kind, retry_after = answer.content_type, answer.headers.get("Retry-After")
        assert statuses == [302, 302, 429]
        assert kind == "text/html" and retry_after  # a page, for a person following a link
