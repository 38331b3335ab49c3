"""Browser tests: the real app on 127.0.0.1, driven through Debian's Chromium by Playwright.

Playwright never downloads a browser here: it launches `/usr/bin/chromium` (or
$CHROMIUM) with networking extras off. Without Chromium the tests are skipped, except in
CI (REQUIRE_SERVICES=1), where they fail: `.ci/run` installs it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.conftest import REQUIRE_SERVICES
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import AppServer
from tests.web.miniapp_support import BOT_TOKEN

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(params=["embedded"])
def backend(request: pytest.FixtureRequest) -> str:
    """Browser tests check what people see, which does not depend on the storage (every
    storage path has its own tests on both backends): they run on the embedded one only,
    which halves the slowest part of the suite."""
    return str(request.param)


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but Chromium is missing at {CHROMIUM}")
    pytest.skip(f"Chromium is not installed at {CHROMIUM}")


@pytest.fixture
async def live_server(settings: Settings, runtime: Runtime) -> AsyncIterator[TestServer]:
    """The app served on 127.0.0.1 (a random port), checking initData with BOT_TOKEN.

    The token is set after start-up so that the Telegram bot itself stays off: it would
    try to reach Telegram (its own tests use the fake Bot API)."""
    server = AppServer(create_app(settings, runtime), host="127.0.0.1")
    await server.start_server()
    settings.telegram_bot_token = BOT_TOKEN
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def live_url(live_server: TestServer) -> str:
    return str(live_server.make_url("")).rstrip("/")


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    executable = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=executable, args=FLAGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


def watch(page: Any) -> list[str]:
    """The page's JavaScript errors and Content-Security-Policy violations (Chromium
    reports each violation on the console), collected for the test to assert none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return errors


@pytest.fixture
async def phone(browser: object) -> AsyncIterator[object]:
    """A phone-sized page that fails the test on any JavaScript error or CSP violation."""
    context = await browser.new_context(  # type: ignore[attr-defined]
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB"
    )
    page = await context.new_page()
    errors = watch(page)
    yield page
    await context.close()
    assert errors == [], errors


@pytest.fixture
async def desktop(browser: object) -> AsyncIterator[object]:
    context = await browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1366, "height": 900}, locale="en-GB"
    )
    page = await context.new_page()
    errors = watch(page)
    yield page
    await context.close()
    assert errors == [], errors


@pytest.fixture
def fake_telegram(live_server: TestServer, settings: Settings, fake: FakeTelegram) -> FakeTelegram:
    """The fake Bot API for what the app says to Telegram (a referral's news, a badge, a
    prepared message), with the token the mini app's initData is signed with."""
    fake.token = BOT_TOKEN
    settings.telegram_api_base_url = fake.base_url
    return fake
