"""The push engine of a worker process: the sending loop over the deliveries and the
scheduler, built once per process by the composition root (`app/runtime.py`), which
gives it the process's broadcasts and senders (the notices share the senders)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from app.bots.telegram.sender import TelegramSender
from app.broadcasts.campaigns import Broadcasts, Limits, limits_from
from app.broadcasts.deliveries import BroadcastSender
from app.broadcasts.sending import Senders
from app.chat.pushes import PushSources, Renderings
from app.chat.replies import Reply
from app.worker.scheduler import Scheduler, SchedulerServices


class EngineServices(PushSources, SchedulerServices, Protocol):
    """What the push engine uses: what a push is made of, and the scheduled jobs'."""


class PushEngine:
    def __init__(
        self, services: EngineServices, broadcasts: Broadcasts, senders: Senders[Reply]
    ) -> None:
        self.services = services
        self.limits = limits_from(services.settings)
        self.senders = senders
        self.broadcasts = broadcasts
        self.sender = self.loop()
        self.scheduler = Scheduler(services, broadcasts)

    def loop(
        self, limits: Limits | None = None, *, batch: int = 200, concurrency: int = 32
    ) -> BroadcastSender[Reply]:
        """A sending loop over this engine's senders (`sender` is the engine's own; more
        loops are more workers, as tests and benchmarks run them side by side)."""
        return BroadcastSender(
            self.services.clock,
            self.services.redis,
            limits or self.limits,
            self.senders,
            lambda: Renderings(self.services),
            batch=batch,
            concurrency=concurrency,
        )

    async def start(self) -> None:
        """Check the Telegram token (getMe) before sending anything."""
        telegram = self.senders.get("telegram")
        if isinstance(telegram, TelegramSender):
            await telegram.start()

    async def run_forever(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self.sender.run_forever(stop), self.scheduler.run_forever(stop))
