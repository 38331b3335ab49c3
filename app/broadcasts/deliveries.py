"""Sending broadcasts: one worker's loop over the deliveries of every campaign.

Senders claim pending deliveries in batches (`FOR UPDATE SKIP LOCKED` on PostgreSQL),
each claim holding a lease: a worker that dies leaves its deliveries to whoever finds
the lease expired. A delivery recorded as sent is never sent again; at most the few in
flight at a crash can be repeated.

This package knows no chat: what a delivery says comes from a `Rendering` (the chat
core's `app/chat/pushes.py`), and it goes out through the process's `Senders` (the
channels'), both given by the composition root (`app/runtime.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, Protocol, TypeVar

from redis.asyncio import Redis
from tortoise.expressions import Q

from app.broadcasts.campaigns import Limits
from app.broadcasts.delivery_log import SentLog
from app.broadcasts.models import Broadcast, BroadcastStatus, Delivery, DeliveryStatus
from app.broadcasts.push_hours import local_midnight, next_local_morning, quiet_until
from app.broadcasts.sending import Sender, Senders, Throttled, Transient, Unreachable
from app.clock import Clock
from app.db import transaction
from app.pacing import Limit, Pacer
from app.people.models import ChatIdentity, Employee, EmployeeStatus

log = logging.getLogger(__name__)
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
Message = TypeVar("Message")
Made = TypeVar("Made", covariant=True)


class Rendering(Protocol[Made]):
    """What a campaign says to one person, for one batch (a fresh one per batch, so
    a job closed meanwhile is noticed by the next); None: nothing to say any more."""

    async def message(self, broadcast: Broadcast, employee: Employee) -> Made | None: ...


class BroadcastSender(Generic[Message]):
    """One worker's sending loop. Any number of them can run against the same database."""

    def __init__(
        self,
        clock: Clock,
        redis: Redis,
        limits: Limits,
        senders: Senders[Message],
        rendering: Callable[[], Rendering[Message]],
        *,
        batch: int = 200,
        concurrency: int = 32,
    ) -> None:
        self.clock = clock
        self.limits = limits
        self.senders = senders
        self.rendering = rendering
        self.batch = batch
        self.concurrency = concurrency
        self.telegram = Pacer(
            redis,
            "rl:telegram",
            Limit(limits.telegram_per_second, 1.0),
            jitter=limits.telegram_jitter,
        )

    async def run_once(self) -> int:
        """Claim and send one batch; returns the deliveries handled."""
        claimed = await self._claim()
        if not claimed:
            await self._finish_done()
            return 0
        batch = await self._load(claimed)
        gate = asyncio.Semaphore(self.concurrency)
        by_person: dict[int, list[Delivery]] = {}
        for delivery in claimed:
            by_person.setdefault(delivery.employee_id, []).append(delivery)

        async def person(deliveries: list[Delivery]) -> None:
            # One person's pushes in order, one at a time: the daily cap counts right.
            # The slot is held until each send is recorded, so at most `concurrency`
            # messages are ever sent and not yet recorded (what a crash can repeat).
            async with gate:
                for delivery in deliveries:
                    await self._deliver(delivery, batch)

        await asyncio.gather(*(person(group) for group in by_person.values()))
        await self._finish_done()
        return len(claimed)

    async def drain(self) -> int:
        total = 0
        while handled := await self.run_once():
            total += handled
        return total

    async def run_forever(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                log.exception("broadcast sender: batch failed; leases will expire and retry")
                handled = 0
            if not handled:
                with contextlib.suppress(TimeoutError):  # idle: wake up to look again
                    await asyncio.wait_for(stop.wait(), timeout=idle)

    async def _claim(self) -> list[Delivery]:
        now = self.clock.now()
        lease_end = now + self.limits.lease
        async with transaction():
            rows = await (
                Delivery.filter(
                    Q(status=DeliveryStatus.PENDING, not_before__lte=now)
                    | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
                )
                .filter(broadcast__status=BroadcastStatus.SENDING)
                .order_by("id")
                .limit(self.batch)
                .select_for_update(skip_locked=True)
            )
            ids = [row.id for row in rows]
            if ids:
                await Delivery.filter(id__in=ids).update(
                    status=DeliveryStatus.SENDING, lease_until=lease_end
                )
        for row in rows:
            row.status = DeliveryStatus.SENDING
            row.attempts += 1
        return list(rows)

    async def _load(self, claimed: list[Delivery]) -> _Batch[Message]:
        """Who, where, what and how many sent today, for the whole batch in four queries
        (not four per delivery)."""
        now = self.clock.now()
        send_by = self.telegram.timer.time() + self.limits.lease.total_seconds() / 2
        people = {p.id: p for p in await Employee.filter(id__in={d.employee_id for d in claimed})}
        identity_ids = {d.identity_id for d in claimed if d.identity_id}
        identities = (
            {i.id: i for i in await ChatIdentity.filter(id__in=identity_ids)}
            if identity_ids
            else {}
        )
        broadcasts = {
            b.id: b
            for b in await Broadcast.filter(
                id__in={d.broadcast_id for d in claimed}  # type: ignore[attr-defined]
            )
        }
        return _Batch(
            people,
            identities,
            broadcasts,
            await self._sent_today(list(people.values()), now),
            self.rendering(),
            SentLog(self.clock),
            send_by,
        )

    async def _deliver(self, delivery: Delivery, batch: _Batch[Message]) -> None:
        now = self.clock.now()
        person = batch.people.get(delivery.employee_id)
        identity = batch.identities.get(delivery.identity_id) if delivery.identity_id else None
        if person is None or person.status == EmployeeStatus.LEFT:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "left company")
        if identity is None or not identity.active:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "no channel")
        later = quiet_until(person, now)
        if later is not None:
            return await self._defer(delivery, later, "quiet hours deferred")
        if batch.sent_today.get(person.id, 0) >= self.limits.daily_cap:
            return await self._defer(
                delivery, next_local_morning(person, now), "frequency cap deferred"
            )
        sender = self.senders.get(delivery.platform)
        if sender is None:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "channel not configured")
        broadcast = batch.broadcasts[delivery.broadcast_id]  # type: ignore[attr-defined]
        message = await batch.rendering.message(broadcast, person)
        if message is None:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "content closed")
        if delivery.platform == "telegram" and not await self._pace(sender, identity, batch):
            return await self._defer(delivery, now, "rate limited")
        try:
            await sender.send(identity, message)
        except Throttled as exc:
            await self.telegram.pause(exc.retry_after)
            return await self._defer(
                delivery, now + timedelta(seconds=exc.retry_after), "throttled"
            )
        except Unreachable:
            await ChatIdentity.filter(id=identity.id).update(active=False)
            identity.active = False  # its other deliveries in this batch are skipped
            return await self._settle(delivery, DeliveryStatus.FAILED, "unreachable")
        except Transient as exc:
            log.warning("delivery %s: transient failure: %s", delivery.id, exc)
            return await self._retry(delivery, now)
        batch.sent_today[person.id] = batch.sent_today.get(person.id, 0) + 1
        await batch.sent.record(delivery)

    async def _pace(
        self, sender: Sender[Message], identity: ChatIdentity, batch: _Batch[Message]
    ) -> bool:
        """This message's turn within the bot's and the chat's limits, or False if it
        would come after half of the batch's lease: a batch that many workers share a
        slow rate with must not outlive its lease (another worker would send it too)."""
        limits = self.limits
        if (identity.chat_id or "").startswith("-"):  # a group
            chat = Limit(limits.telegram_group_per_minute, 60.0)
        else:
            chat = Limit(limits.telegram_chat_per_second, 1.0)
        budget = batch.send_by - self.telegram.timer.time()
        return await self.telegram.wait_turn(sender.chat_key(identity), chat, max_wait=budget)

    async def _sent_today(self, people: list[Employee], now: datetime) -> dict[int, int]:
        """Pushes each person got since their local midnight, in one query."""
        if not people:
            return {}
        starts = {p.id: local_midnight(p, now) for p in people}
        rows = await Delivery.filter(
            employee_id__in=list(starts),
            status=DeliveryStatus.SENT,
            sent_at__gte=min(starts.values()),
        ).values_list("employee_id", "sent_at")
        counts: dict[int, int] = {}
        for employee_id, sent_at in rows:
            if sent_at >= starts[employee_id]:
                counts[employee_id] = counts.get(employee_id, 0) + 1
        return counts

    async def _settle(self, delivery: Delivery, status: DeliveryStatus, reason: str) -> None:
        """Done without sending (skipped, failed); a sent delivery goes through SentLog."""
        await Delivery.filter(id=delivery.id, status=DeliveryStatus.SENDING).update(
            status=status, reason=reason, lease_until=None, attempts=delivery.attempts
        )

    async def _defer(self, delivery: Delivery, until: datetime, reason: str) -> None:
        """Not now (quiet hours, cap, throttling): back to pending; not an attempt."""
        await Delivery.filter(id=delivery.id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING,
            reason=reason,
            not_before=until,
            lease_until=None,
            attempts=delivery.attempts - 1,
        )

    async def _retry(self, delivery: Delivery, now: datetime) -> None:
        if delivery.attempts >= self.limits.max_attempts:
            return await self._settle(delivery, DeliveryStatus.FAILED, "gave up after retries")
        backoff = min(2**delivery.attempts, 300) * (0.5 + random.random())
        await Delivery.filter(id=delivery.id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.PENDING,
            reason="retrying",
            lease_until=None,
            not_before=now + timedelta(seconds=backoff),
            attempts=delivery.attempts,
        )

    async def _finish_done(self) -> None:
        sending = await Broadcast.filter(status=BroadcastStatus.SENDING)
        for broadcast in sending:
            if not await Delivery.exists(broadcast_id=broadcast.id, status__in=OPEN):
                await Broadcast.filter(id=broadcast.id, status=BroadcastStatus.SENDING).update(
                    status=BroadcastStatus.DONE, finished_at=self.clock.now()
                )


@dataclass
class _Batch(Generic[Message]):
    """What one claimed batch needs, loaded once for all its deliveries."""

    people: dict[int, Employee]
    identities: dict[int, ChatIdentity]
    broadcasts: dict[int, Broadcast]
    sent_today: dict[int, int]  # counted at load, then as this batch sends
    rendering: Rendering[Message]
    sent: SentLog
    send_by: float  # on the pacer's timer: half a lease after loading; later ones wait
