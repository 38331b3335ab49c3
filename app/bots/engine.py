"""The push engine of a worker process: broadcasts, their sender loop and the scheduler,
with a sender per configured platform."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.bots.broadcast import Broadcasts, Limits
from app.bots.deliveries import BroadcastSender
from app.bots.models import BroadcastKind
from app.bots.scheduler import Scheduler
from app.bots.senders import Sender, TelegramSender
from app.bots.teams_sender import TeamsSender
from app.events import ContentPublished
from app.runtime import Runtime
from app.settings import Settings


def limits_from(settings: Settings) -> Limits:
    return Limits(
        lease=timedelta(seconds=settings.broadcast_lease_seconds),
        max_attempts=settings.broadcast_max_attempts,
        daily_cap=settings.push_daily_cap,
        telegram_per_second=settings.telegram_messages_per_second,
        telegram_chat_per_second=settings.telegram_chat_messages_per_second,
        telegram_group_per_minute=settings.telegram_group_messages_per_minute,
        telegram_jitter=settings.telegram_jitter_ms / 1000,
    )


def push_on_publish(runtime: Runtime, broadcasts: Broadcasts) -> None:
    """Publishing a job or news creates its broadcast (in whichever process publishes:
    the composition root subscribes this in every runtime). Keyed `job:<id>` /
    `news:<id>`, so it happens once however often the content is published again."""
    if not runtime.settings.broadcast_on_publish:
        return

    async def on_published(event: ContentPublished) -> None:
        if not event.push:
            return
        kind = BroadcastKind.JOB if event.content_type == "job" else BroadcastKind.NEWS
        await broadcasts.create(
            kind,
            content_id=event.content_id,
            send_at=event.visible_at,
            key=f"{event.content_type}:{event.content_id}",
            created_by="publish",
        )

    runtime.events.subscribe_once(ContentPublished, "broadcast-on-publish", on_published)


class PushEngine:
    def __init__(self, runtime: Runtime, senders: dict[str, Sender] | None = None) -> None:
        settings = runtime.settings
        self.runtime = runtime
        self.limits = limits_from(settings)
        self.senders: dict[str, Sender] = dict(senders or {})
        self._telegram: TelegramSender | None = None
        if "telegram" not in self.senders and settings.telegram_bot_token:
            self._telegram = TelegramSender(
                settings.telegram_bot_token, settings.telegram_api_base_url
            )
            self.senders["telegram"] = self._telegram
        self._teams: TeamsSender | None = None
        if "teams" not in self.senders and (settings.teams_app_id or settings.teams_emulator):
            self._teams = TeamsSender(runtime)
            self.senders["teams"] = self._teams
        self.broadcasts = Broadcasts(runtime, self.limits)
        self.sender = BroadcastSender(runtime, self.limits, self.senders)
        self.scheduler = Scheduler(runtime, self.broadcasts)

    async def start(self) -> None:
        if self._telegram is not None:
            await self._telegram.start()
        if self._teams is not None:
            await self._teams.start()

    async def stop(self) -> None:
        if self._telegram is not None:
            await self._telegram.stop()
        if self._teams is not None:
            await self._teams.stop()

    async def run_forever(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self.sender.run_forever(stop), self.scheduler.run_forever(stop))
