"""Recording what the broadcast sender did to its deliveries, a group of rows per write."""

from __future__ import annotations

import asyncio

from app.bots.models import Delivery, DeliveryStatus
from app.runtime import Runtime


class SentLog:
    """Records sent deliveries with group commit: whoever sent while a write was under
    way is written by the next one, in one UPDATE (one per attempt count). `record`
    returns once the delivery's row says sent, so a sender that waits for it never has
    more unrecorded sends than it has in flight."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._waiting: list[tuple[Delivery, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, delivery: Delivery) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all())
        await done

    async def _write_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                await self._write([delivery for delivery, _ in group])
            except Exception as exc:  # each waiting sender sees it, as if it had written
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for _, done in group:
                    if not done.done():
                        done.set_result(None)

    async def _write(self, deliveries: list[Delivery]) -> None:
        by_attempts: dict[int, list[int]] = {}
        for delivery in deliveries:
            by_attempts.setdefault(delivery.attempts, []).append(delivery.id)
        now = self.runtime.clock.now()
        for attempts, ids in by_attempts.items():
            await Delivery.filter(id__in=ids, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.SENT,
                reason="",
                lease_until=None,
                attempts=attempts,
                sent_at=now,
            )
