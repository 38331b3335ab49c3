"""The mini app in the Teams tab signs in by itself: a fake Teams host page frames `/app`
and answers TeamsJS's messages (`initialize`, `authentication.getAuthToken`) the way the
Teams client does, with a token signed by a local key that the fake OpenID provider
publishes as TEAMS_SSO_JWKS_URL.

The host is on the app's own origin (TeamsJS accepts its parent's messages from there, as
from Microsoft's Teams origins), served by Playwright in place of a Teams page."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.browser.conftest import PHONE
from tests.fakes.oidc_provider import FakeOpenIdProvider, start
from tests.helpers import AppServer, make_employee

APP_ID = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
AUDIENCE = f"api://advocacy.test/{APP_ID}"  # PUBLIC_BASE_URL is https://advocacy.test

# What the Teams client does, reduced to the two calls the tab makes: it answers each
# request of the framed app by its id (and uuid), with the request's own arguments.
HOST = """<!doctype html><html><body>
<iframe id="tab" src="/app" style="width:390px;height:800px;border:0"></iframe>
<script>
  const TOKEN = %s;
  window.calls = [];
  window.addEventListener("message", (event) => {
    const request = event.data;
    if (!request || typeof request.func !== "string") return;
    window.calls.push(request.func);
    let args = null;
    if (request.func === "initialize") args = ["content", "web", "2.0.0"];
    if (request.func === "authentication.getAuthToken") {
      args = TOKEN ? [true, TOKEN] : [false, "resourceDisabled"];
    }
    if (args === null) return;
    const answer = { id: request.id, uuidAsString: request.uuidAsString, args };
    event.source.postMessage(answer, event.origin);
  });
</script></body></html>"""

Page = Any


@pytest.fixture
async def teams_tab(
    settings: Settings, runtime: Runtime
) -> AsyncIterator[tuple[str, FakeOpenIdProvider]]:
    keys = FakeOpenIdProvider(now=lambda: runtime.clock.now().timestamp())
    runner = await start(keys)
    settings.teams_app_id = APP_ID
    settings.teams_tenant_id = TENANT
    settings.teams_sso_jwks_url = f"{keys.url}/keys"
    settings.miniapp_frame_ancestors = "'self'"  # the fake host is on our origin
    server: TestServer = AppServer(create_app(settings, runtime), host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/"), keys
    finally:
        await server.close()
        await runner.cleanup()


async def open_in_teams(browser: Any, url: str, token: str) -> tuple[Any, Page]:
    context = await browser.new_context(viewport=PHONE, locale="en-GB")
    page = await context.new_page()
    await page.route(
        f"{url}/teams-host",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body=HOST % json.dumps(token)
        ),
    )
    await page.goto(f"{url}/teams-host")
    return context, page


async def test_the_tab_signs_in_with_the_token_teams_gives(
    browser: Any, runtime: Runtime, teams_tab: tuple[str, FakeOpenIdProvider]
) -> None:
    url, keys = teams_tab
    await make_employee(runtime, "ada@example.com", "Ada Lovelace")
    context, page = await open_in_teams(
        browser, url, keys.teams_token(TENANT, AUDIENCE, preferred_username="ada@example.com")
    )
    try:
        tab = page.frame_locator("#tab")
        await tab.locator("nav.tabs-bar").wait_for(timeout=20_000)
        assert await page.evaluate("window.calls") == [
            "initialize",
            "authentication.getAuthToken",
        ]
        assert "pv_session" in {c["name"] for c in await context.cookies()}
    finally:
        await context.close()


async def test_when_teams_declines_the_tab_offers_the_bots_link(
    browser: Any, runtime: Runtime, teams_tab: tuple[str, FakeOpenIdProvider]
) -> None:
    url, _keys = teams_tab
    context, page = await open_in_teams(browser, url, "")
    try:
        tab = page.frame_locator("#tab")
        await tab.locator("text=send /app to get a sign-in link").wait_for(timeout=20_000)
        assert "pv_session" not in {c["name"] for c in await context.cookies()}
    finally:
        await context.close()


async def test_an_unknown_person_in_teams_is_told_to_ask_the_bot(
    browser: Any, runtime: Runtime, teams_tab: tuple[str, FakeOpenIdProvider]
) -> None:
    url, keys = teams_tab
    token = keys.teams_token(TENANT, AUDIENCE, preferred_username="eve@example.com")
    context, page = await open_in_teams(browser, url, token)
    try:
        alert = page.frame_locator("#tab").locator('[role="alert"]')
        await alert.wait_for(timeout=20_000)
        assert "not on the employee list" in await alert.inner_text()
    finally:
        await context.close()
