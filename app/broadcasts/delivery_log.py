"""Recording the deliveries the broadcast sender sent, a group of rows per write."""

from __future__ import annotations

from app.broadcasts.models import Delivery, DeliveryStatus
from app.clock import Clock
from app.group_commit import GroupCommit


class SentLog:
    """Records sent deliveries with group commit: whoever sent while a write was under
    way is written by the next one, in one UPDATE (one per attempt count). `record`
    returns once the delivery's row says sent, so a sender that waits for it never has
    more unrecorded sends than it has in flight (what a crash can repeat)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._writes = GroupCommit(self._write)

    async def record(self, delivery: Delivery) -> None:
        await self._writes.submit(delivery)

    async def _write(self, deliveries: list[Delivery]) -> list[None]:
        by_attempts: dict[int, list[int]] = {}
        for delivery in deliveries:
            by_attempts.setdefault(delivery.attempts, []).append(delivery.id)
        now = self.clock.now()
        for attempts, ids in by_attempts.items():
            await Delivery.filter(id__in=ids, status=DeliveryStatus.SENDING).update(
                status=DeliveryStatus.SENT,
                reason="",
                lease_until=None,
                attempts=attempts,
                sent_at=now,
            )
        return [None] * len(deliveries)
