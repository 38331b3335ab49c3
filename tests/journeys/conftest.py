"""Real `portevoix` processes, the fake Telegram Bot API and a local SMTP server, for the
journeys that cross process boundaries (see tests/processes.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.runtime import Runtime
from app.settings import Settings
from tests.fakes.telegram_api import FakeTelegram
from tests.processes import Processes, running_processes

WEBHOOK_SECRET = "journey-webhook-secret"


@pytest.fixture
async def processes(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> AsyncIterator[Processes]:
    async with running_processes(settings, runtime, tmp_path) as procs:
        yield procs


@pytest.fixture
def telegram(fake: FakeTelegram) -> FakeTelegram:
    """In a journey the bot runs in the processes under test: the test holds the fake Bot
    API only (the shared `fake`, under the name the journeys read best)."""
    return fake


def telegram_env(fake: FakeTelegram) -> dict[str, str]:
    """A process's settings for the fake Bot API, in webhook mode (no poller)."""
    return {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_BOT_USERNAME": fake.username,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


@pytest.fixture
def embedded_only(settings: Settings) -> None:
    if settings.redis_url:
        pytest.skip("about the embedded mode's one data directory")


@pytest.fixture
def servers_only(settings: Settings) -> None:
    if not settings.redis_url:
        pytest.skip("production topology: separate web and worker on PostgreSQL and Redis")
