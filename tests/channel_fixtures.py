"""The fake chat platforms and a running app with a bot in it, for every test
(tests/conftest.py imports the fixtures; nothing else starts a fake of its own).

- `fake`: the fake Telegram Bot API alone (`tests/fakes/telegram_api.py`), for the push
  engine, the senders, the processes of tests/faults/ and tests/journeys/, the browser.
- `connector`: the fake Bot Framework connector alone (`tests/fakes/teams_connector.py`).
- `telegram`: the app with the Telegram bot in webhook mode talking to `fake`.
- `teams`: the app with the Teams bot talking to `connector` (`tests/bots/teams_support.py`).
- `engine`: a worker's push engine sending to `fake`.

A test that needs another app around a fake (other settings, another secret) points the
settings at it with `use_telegram` / `use_teams` and builds the app itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient

from app.bots.teams import TeamsChannel
from app.runtime import Runtime
from app.server import BOTS, create_app
from app.settings import Settings
from app.worker.engine import PushEngine
from tests.bots.teams_support import TeamsWorld
from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, TENANT, FakeConnector
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import AppServer

SECRET = "webhook-secret-for-tests"


def use_telegram(settings: Settings, fake: FakeTelegram, webhook_secret: str = "") -> None:
    """Point the settings at the fake Bot API; with a secret, the bot runs in webhook mode
    (without one, a web app started with these settings long-polls the fake)."""
    settings.telegram_bot_token = fake.token
    settings.telegram_api_base_url = fake.base_url
    if webhook_secret:
        settings.telegram_webhook_secret = webhook_secret


def use_teams(
    settings: Settings, connector: FakeConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Point the settings at the fake connector: its OpenID keys sign the activities, its
    token endpoint gives the bot's token, and files "in OneDrive" are served by it. The
    connector's throttling answers are retried at once (not after a real back-off)."""
    settings.teams_app_id = APP_ID
    settings.teams_app_password = APP_PASSWORD
    settings.teams_tenant_id = TENANT
    settings.teams_openid_metadata_url = connector.openid_url
    settings.teams_token_url = connector.token_url
    settings.teams_file_origins = connector.url.rstrip("/")
    monkeypatch.setattr(TeamsChannel, "backoff_seconds", 0.01)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API alone (the broadcast engine and the senders talk to it). A test
    module needing another bot name or token changes it on the fixture it overrides."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Framework connector alone."""
    server = FakeConnector()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def engine_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    """The settings a worker's push engine starts with: the fake Bot API's, and fast
    (tests send many messages to one chat). A test module adds its own by overriding
    this fixture."""
    use_telegram(settings, fake)
    settings.telegram_chat_messages_per_second = 1000
    return settings


@pytest.fixture
async def engine(runtime: Runtime, engine_settings: Settings) -> PushEngine:
    """A worker's push engine sending to the fake Bot API (the web app, if any, started
    before it and runs no bot)."""
    push = runtime.push_engine  # the root's (the senders are the process's)
    await push.start()
    return push


@dataclass
class TelegramWorld:
    fake: FakeTelegram
    client: TestClient
    runtime: Runtime

    async def send(self, update: dict, secret: str = SECRET) -> int:
        """Post an update to the webhook; the bot answers 200 at once and handles it
        after (`settled` waits for that)."""
        response = await self.client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        )
        return response.status

    async def settled(self, within: float = 10.0) -> None:
        """Every update posted so far has been handled to its end: the bot queues each
        update and marks it done once its handler returned, so what the fake logged
        after this is all the bot will send for them (a test proving that nothing more
        is sent reads the log after this, instead of sleeping and hoping)."""
        bots = self.client.app[BOTS]
        assert bots.telegram is not None, "no Telegram bot runs in this app"
        await asyncio.wait_for(bots.telegram.application.update_queue.join(), within)


@pytest.fixture
async def telegram(
    settings: Settings, runtime: Runtime, fake: FakeTelegram
) -> AsyncIterator[TelegramWorld]:
    use_telegram(settings, fake, webhook_secret=SECRET)
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        yield TelegramWorld(fake, client, runtime)


@pytest.fixture
async def teams(
    settings: Settings,
    runtime: Runtime,
    connector: FakeConnector,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[TeamsWorld]:
    use_teams(settings, connector, monkeypatch)
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        yield TeamsWorld(connector, client, runtime)
