"""The push engine of a worker process: broadcasts, their sender loop and the scheduler,
with a sender per configured platform."""

from __future__ import annotations

import asyncio

from app.bots.telegram.sender import TelegramSender
from app.broadcasts.campaigns import Broadcasts, limits_from
from app.broadcasts.deliveries import BroadcastSender
from app.broadcasts.sending import Sender
from app.runtime import Runtime
from app.worker.scheduler import Scheduler


class PushEngine:
    """Sends the pushes through the process's senders (`runtime.reactors.senders`, which
    the notices share), or those given (tests, benchmarks)."""

    def __init__(self, runtime: Runtime, senders: dict[str, Sender] | None = None) -> None:
        self.runtime = runtime
        self.limits = limits_from(runtime.settings)
        self.senders: dict[str, Sender] = (
            dict(senders) if senders is not None else runtime.reactors.senders.all()
        )
        self.broadcasts = Broadcasts(runtime, self.limits)
        self.sender = BroadcastSender(runtime, self.limits, self.senders)
        self.scheduler = Scheduler(runtime, self.broadcasts)

    async def start(self) -> None:
        """Check the Telegram token (getMe) before sending anything."""
        telegram = self.senders.get("telegram")
        if isinstance(telegram, TelegramSender):
            await telegram.start()

    async def stop(self) -> None:
        """The senders belong to the process (`runtime.reactors`), which closes them."""

    async def run_forever(self, stop: asyncio.Event) -> None:
        await asyncio.gather(self.sender.run_forever(stop), self.scheduler.run_forever(stop))
