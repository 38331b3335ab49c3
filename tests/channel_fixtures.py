"""A running app with a bot in it, for every test (tests/conftest.py imports these): the
Telegram bot in webhook mode talking to the fake Bot API, or the Teams bot talking to the
fake Bot Framework connector (`tests/bots/teams_support.py`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app.bots.teams import TeamsChannel
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from app.worker.engine import PushEngine
from tests.bots.teams_support import TeamsWorld
from tests.fakes.teams_connector import APP_ID, APP_PASSWORD, TENANT, FakeConnector
from tests.fakes.telegram_api import FakeTelegram

SECRET = "webhook-secret-for-tests"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API alone (the broadcast engine and the senders talk to it)."""
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def engine_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    """The settings a worker's push engine starts with: the fake Bot API's, and fast
    (tests send many messages to one chat). A test module adds its own by overriding
    this fixture."""
    settings.telegram_bot_token = fake.token
    settings.telegram_api_base_url = fake.base_url
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
        response = await self.client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        )
        return response.status


@pytest.fixture
async def telegram(settings: Settings, runtime: Runtime) -> AsyncIterator[TelegramWorld]:
    fake = FakeTelegram()
    await fake.start()
    settings.telegram_bot_token = fake.token
    settings.telegram_api_base_url = fake.base_url
    settings.telegram_webhook_secret = SECRET
    app = create_app(settings, runtime)
    async with TestClient(TestServer(app)) as client:
        yield TelegramWorld(fake, client, runtime)
    await fake.stop()


@pytest.fixture
async def teams(
    settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TeamsWorld]:
    fake = FakeConnector()
    await fake.start()
    settings.teams_app_id = APP_ID
    settings.teams_app_password = APP_PASSWORD
    settings.teams_tenant_id = TENANT
    settings.teams_openid_metadata_url = fake.openid_url
    settings.teams_token_url = fake.token_url
    settings.teams_file_origins = fake.url.rstrip("/")  # files "in OneDrive", at the fake
    monkeypatch.setattr(TeamsChannel, "backoff_seconds", 0.01)
    app = create_app(settings, runtime)
    async with TestClient(TestServer(app)) as client:
        yield TeamsWorld(fake, client, runtime)
    await fake.stop()
