"""Secrets never reach the logs: the app's own log pipeline (`configure_logging`, at
DEBUG, every logger) is captured while every door that takes a credential is used with
known values, rightly and wrongly; none of those values may appear in what was written.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient

from app.logs import configure_logging
from app.people.models import Role
from app.people.sessions import COOKIE
from app.referrals.ats import sign
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.channel_fixtures import use_telegram
from tests.conftest import ADMIN_TOKEN, SECRET_KEY
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import AppServer, make_employee, make_open_job, make_sharer
from tests.web.miniapp_support import telegram_init_data

WEBHOOK_SECRET = "telegram-webhook-secret-0123456789"
ATS_SECRET = "ats-webhook-secret-0123456789"
TELEGRAM_ID = 5550001


@pytest.fixture
def log_output(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Everything the app logs, as it would write it, at DEBUG."""
    stream = io.StringIO()
    root = logging.getLogger()
    quieted = ("aiohttp.access", "tortoise.db_client", "aiosqlite", "asyncpg", "telegram", "msrest")
    levels = {name: logging.getLogger(name).level for name in quieted}
    handlers, level = root.handlers[:], root.level
    monkeypatch.setattr(sys, "stderr", stream)
    configure_logging("json", "DEBUG")
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in levels.items():
        logging.getLogger(name).setLevel(was)


@pytest.fixture
async def world(
    settings: Settings, runtime: Runtime, fake: FakeTelegram
) -> AsyncIterator[tuple[TestClient, FakeTelegram]]:
    use_telegram(settings, fake, webhook_secret=WEBHOOK_SECRET)
    settings.ats_webhook_secret = ATS_SECRET
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        yield client, fake


async def test_no_credential_is_ever_logged(
    world: tuple[TestClient, FakeTelegram], runtime: Runtime, log_output: io.StringIO
) -> None:
    client, fake = world
    secrets: dict[str, str] = {
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "SECRET_KEY": SECRET_KEY,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "ATS_WEBHOOK_SECRET": ATS_SECRET,
    }
    recruiter = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    secrets["api token"] = await runtime.tokens.issue(Role.RECRUITER, "logs", recruiter)
    newcomer = await make_employee(runtime, "nina@example.com", "Nina")
    secrets["invite code"] = (await runtime.people.invite(newcomer.id)).invite.code
    login_url = await runtime.logins.create(recruiter.id, "/dashboard")
    secrets["login link token"] = login_url.rsplit("/", 1)[1]
    secrets["guessed login token"] = "guessed-login-token-0123456789"
    secrets["guessed consent token"] = "guessed-consent-token-0123456789"

    # The API, with good and bad bearer tokens.
    for token in (ADMIN_TOKEN, secrets["api token"], ADMIN_TOKEN + "x", "pv_guessed-0123456789"):
        await client.get("/api/v1/employees", headers={"Authorization": f"Bearer {token}"})
    # The dashboard's token form, with good and bad tokens.
    async with client.get("/dashboard/login") as page:
        csrf = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
    for token in (secrets["api token"], "pv_guessed-0123456789", ADMIN_TOKEN):
        client.session.cookie_jar.clear()
        async with client.get("/dashboard/login") as page:
            csrf = (await page.text()).split('name="csrf" value="', 1)[1].split('"', 1)[0]
        async with client.post(
            "/dashboard/login", data={"token": token, "csrf": csrf}, allow_redirects=False
        ) as response:
            if COOKIE in response.cookies:
                secrets[f"session of {token[:4]}"] = response.cookies[COOKIE].value
    # One-time links: used, reused, guessed; a guessed consent link.
    path = login_url.removeprefix(runtime.settings.public_base_url)
    for url in (path, path, "/app/login/" + secrets["guessed login token"]):
        async with client.get(url, allow_redirects=False) as response:
            if COOKIE in response.cookies:
                secrets["session from link"] = response.cookies[COOKIE].value
    await client.get("/consent/" + secrets["guessed consent token"])
    # Telegram: the invite code sent to the bot (which calls the Bot API: URLs with the
    # bot token), a webhook call with a wrong secret, and the mini app's initData.
    start = fake.message(TELEGRAM_ID, f"/start {secrets['invite code']}")
    headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert (await client.post("/telegram/webhook", json=start, headers=headers)).status == 200
    await fake.wait_for(1, "sendMessage")
    bad = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET[:-1]}
    assert (await client.post("/telegram/webhook", json=start, headers=bad)).status == 403
    init_data = telegram_init_data(TELEGRAM_ID, runtime.clock.now(), bot_token=fake.token)
    client.session.cookie_jar.clear()
    async with client.post("/app/auth/telegram", json={"init_data": init_data}) as response:
        assert response.status == 200, await response.text()
        secrets["mini app session"] = response.cookies[COOKIE].value
        secrets["csrf token"] = (await response.json())["csrf"]
    await client.get("/app/api/home", headers={"Cookie": f"{COOKIE}={secrets['mini app session']}"})
    # The ATS webhook, signed and forged.
    sharer = await make_sharer(runtime, "sam@example.com")
    job = await make_open_job(runtime)
    candidate = {"name": "Marie Curie", "email": "marie@example.org"}
    data = {"application_id": "A-1", "job_id": job.id, "candidate": candidate}
    event = {"id": "evt_1", "type": "application.created", "data": data}
    body = json.dumps(event).encode()
    for signature in (sign(ATS_SECRET, body), sign("wrong", body), "sha256=" + ATS_SECRET):
        await client.post("/api/v1/webhooks/ats", data=body, headers={"X-Signature": signature})
    del sharer

    written = log_output.getvalue()
    assert "/app/login/<token>" in written  # the access log saw the links, masked
    assert "/bot<redacted>/sendMessage" in written  # and httpx the Bot API calls, masked
    leaked = {name for name, value in secrets.items() if value and value in written}
    assert not leaked, f"written to the logs: {sorted(leaked)}"


async def test_tokens_are_masked_in_paths_that_no_route_matched(
    world: tuple[TestClient, FakeTelegram], runtime: Runtime, log_output: io.StringIO
) -> None:
    client, _fake = world
    ada = await make_employee(runtime)
    login = (await runtime.logins.create(ada.id)).rsplit("/", 1)[1]
    consent = "Qx3_kLm9-pT2vB7nR4sW8yZ1aC5dE6fG0hJ"  # as a consent link's token looks
    paths = [
        f"/app/login/{login}/",  # the bot's link with a slash added by a chat client
        f"/consent/{consent}/",
        f"/consent/{consent}%20please",
        f"/jobs/{consent}",
        f"/{login}",
    ]
    for path in paths:
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 404, path
    written = log_output.getvalue()
    assert login not in written and consent not in written
    assert "/consent/<token>/" in written and "/app/login/<token>/" in written
    assert "/jobs/<token>" in written
