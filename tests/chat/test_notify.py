"""Notices (`app/chat/notify.py`) go out from whichever process the event happens in: a
process that serves no chat endpoint (the worker, a CLI command) still tells the
employee, through the Bot API or a proactive Teams message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from app.clock import FrozenClock
from app.runtime import WORKER_PROCESS, Runtime, build_runtime
from app.settings import Settings
from app.store import close_redis, in_process_redis
from tests.bots.teams_support import ADA, TeamsWorld, joined
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import make_sharer


@asynccontextmanager
async def worker_like(runtime: Runtime, clock: FrozenClock) -> AsyncIterator[Runtime]:
    """A runtime like the worker's or a CLI command's: the same database, its own event
    bus and reactions, no web app (so no Telegram poller, no /api/messages)."""
    other = build_runtime(runtime.settings, WORKER_PROCESS, runtime.db, in_process_redis(), clock)
    try:
        yield other
    finally:
        await other.aclose()
        await close_redis(other.redis)


async def test_a_level_reached_in_a_process_without_the_teams_endpoint_reaches_teams(
    teams: TeamsWorld, clock: FrozenClock
) -> None:
    ada = await joined(teams)  # 10 points for the policy
    async with worker_like(teams.runtime, clock) as worker:
        await worker.gamification.adjust(ada.id, 90, "Welcome", by="test")
    assert teams.sent_to(ADA) == ["You reached a new level: Messenger!"]
    assert not teams.fake.rejected


async def test_a_level_reached_in_a_process_without_the_telegram_poller_reaches_telegram(
    fake: FakeTelegram, settings: Settings, runtime: Runtime, clock: FrozenClock
) -> None:
    settings.telegram_bot_token = fake.token
    settings.telegram_api_base_url = fake.base_url
    ada = await make_sharer(runtime, telegram_id="4242")  # 10 points for the policy
    async with worker_like(runtime, clock) as worker:
        await worker.gamification.adjust(ada.id, 90, "Welcome", by="test")
    assert fake.texts(4242) == ["You reached a new level: Messenger!"]
    assert fake.sent("getUpdates") == []  # no poller in that process
