"""Broadcasts: durable, rate-limited fan-out of pushes.

A `Broadcast` is expanded into one `Delivery` per (recipient, channel), each with a
status; skipped ones say why. Senders claim pending deliveries in batches (`FOR UPDATE
SKIP LOCKED` on PostgreSQL), each claim holding a lease: a worker that dies leaves its
deliveries to whoever finds the lease expired. A delivery recorded as sent is never
sent again; at most the few in flight at a crash can be repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count

from app.bots import pushes
from app.bots.models import Broadcast, BroadcastKind, BroadcastStatus, Delivery, DeliveryStatus
from app.bots.ratelimit import Bucket, RateLimiter
from app.bots.senders import Sender, Throttled, Transient, Unreachable
from app.db import transaction
from app.errors import Conflict, NotFound
from app.jobs.models import JobOffer, NewsPost
from app.jobs.service import Audience, targets
from app.people.models import ChatIdentity, Employee, EmployeeStatus
from app.runtime import Runtime

log = logging.getLogger(__name__)
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class BroadcastNotFound(NotFound):
    code = "broadcast_not_found"


class BroadcastFinished(Conflict):
    code = "broadcast_finished"


@dataclass(frozen=True)
class Limits:
    lease: timedelta
    max_attempts: int
    daily_cap: int
    telegram_per_second: float
    telegram_chat_per_second: float
    telegram_group_per_minute: float


class Broadcasts:
    """Creating, expanding and following campaigns."""

    def __init__(self, runtime: Runtime, limits: Limits) -> None:
        self.runtime = runtime
        self.limits = limits

    async def create(
        self,
        kind: BroadcastKind,
        *,
        content_id: int | None = None,
        text: str = "",
        employee_ids: list[int] | None = None,
        send_at: datetime | None = None,
        created_by: str = "",
        key: str | None = None,
    ) -> Broadcast:
        if key is not None:
            existing = await Broadcast.get_or_none(key=key)
            if existing is not None:
                return existing
        now = self.runtime.clock.now()
        try:
            return await Broadcast.create(
                kind=kind,
                content_id=content_id,
                text=text,
                employee_ids=employee_ids,
                send_at=send_at or now,
                status=BroadcastStatus.SCHEDULED,
                created_by=created_by,
                created_at=now,
                key=key,
            )
        except IntegrityError:  # the same key created at the same moment elsewhere
            return await Broadcast.get(key=key)

    async def get(self, broadcast_id: int) -> Broadcast:
        broadcast = await Broadcast.get_or_none(id=broadcast_id)
        if broadcast is None:
            raise BroadcastNotFound(f"No broadcast with id {broadcast_id}.")
        return broadcast

    async def expand_due(self) -> int:
        """Expand every scheduled broadcast whose time has come; returns how many."""
        due = await Broadcast.filter(
            status=BroadcastStatus.SCHEDULED, send_at__lte=self.runtime.clock.now()
        ).order_by("send_at")
        for broadcast in due:
            await self.expand(broadcast)
        return len(due)

    async def expand(self, broadcast: Broadcast) -> int:
        """Create the deliveries (idempotent: re-running after a crash adds nothing)."""
        people = await self._audience(broadcast)
        identities: dict[int, list[ChatIdentity]] = {}
        for identity in await ChatIdentity.filter(
            employee_id__in=[p.id for p in people], active=True
        ):
            identities.setdefault(identity.employee_id, []).append(identity)  # type: ignore[attr-defined]
        now = self.runtime.clock.now()
        rows = []
        for person in people:
            reason = self._skip_reason(broadcast, person)
            accounts = identities.get(person.id, [])
            if reason is None and not accounts:
                reason = "no channel"
            if reason is not None:
                rows.append(
                    Delivery(
                        broadcast_id=broadcast.id,
                        employee_id=person.id,
                        status=DeliveryStatus.SKIPPED,
                        reason=reason,
                        not_before=now,
                    )
                )
                continue
            for account in accounts:
                rows.append(
                    Delivery(
                        broadcast_id=broadcast.id,
                        employee_id=person.id,
                        identity_id=account.id,
                        platform=account.platform.value,
                        status=DeliveryStatus.PENDING,
                        not_before=now,
                    )
                )
        for start in range(0, len(rows), 1000):
            await Delivery.bulk_create(rows[start : start + 1000], ignore_conflicts=True)
        await Broadcast.filter(id=broadcast.id, status=BroadcastStatus.SCHEDULED).update(
            status=BroadcastStatus.SENDING
        )
        return len(rows)

    async def _audience(self, broadcast: Broadcast) -> list[Employee]:
        if broadcast.employee_ids is not None:
            return list(await Employee.filter(id__in=broadcast.employee_ids))
        people = list(await Employee.exclude(status=EmployeeStatus.LEFT).filter(erased_at=None))
        content: JobOffer | NewsPost | None = None
        if broadcast.kind == BroadcastKind.JOB and broadcast.content_id is not None:
            content = await self.runtime.content.job(broadcast.content_id)
        elif broadcast.kind == BroadcastKind.NEWS and broadcast.content_id is not None:
            content = await self.runtime.content.news(broadcast.content_id)
        if content is None:
            return people
        return [
            p for p in people if targets(content, Audience(p.department, p.location, p.language))
        ]

    @staticmethod
    def _skip_reason(broadcast: Broadcast, person: Employee) -> str | None:
        if person.status == EmployeeStatus.LEFT:
            return "left company"
        wanted = {
            BroadcastKind.JOB: person.push_jobs,
            BroadcastKind.NEWS: person.push_news,
            BroadcastKind.DIGEST: person.push_digests,
        }
        if not wanted.get(broadcast.kind, True):
            return "opted out"
        return None

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        rows = (
            await Delivery.filter(broadcast_id=broadcast_id)
            .annotate(n=Count("id"))
            .group_by("status")
            .values("status", "n")
        )
        counts = {status.value: 0 for status in DeliveryStatus}
        for row in rows:
            counts[str(getattr(row["status"], "value", row["status"]))] = row["n"]
        return counts

    async def skipped_reasons(self, broadcast_id: int) -> dict[str, int]:
        rows = (
            await Delivery.filter(broadcast_id=broadcast_id, status=DeliveryStatus.SKIPPED)
            .annotate(n=Count("id"))
            .group_by("reason")
            .values("reason", "n")
        )
        return {row["reason"]: row["n"] for row in rows}

    async def cancel(self, broadcast_id: int) -> int:
        """Stop a campaign: pending deliveries are skipped (in-flight ones may finish)."""
        broadcast = await self.get(broadcast_id)
        if broadcast.status == BroadcastStatus.DONE:
            raise BroadcastFinished("This broadcast has already been sent.")
        async with transaction():
            await Broadcast.filter(id=broadcast.id).update(
                status=BroadcastStatus.CANCELLED, finished_at=self.runtime.clock.now()
            )
            return await Delivery.filter(
                broadcast_id=broadcast.id, status=DeliveryStatus.PENDING
            ).update(status=DeliveryStatus.SKIPPED, reason="cancelled")

    async def retry_failed(self, broadcast_id: int) -> int:
        broadcast = await self.get(broadcast_id)
        if broadcast.status == BroadcastStatus.CANCELLED:
            raise BroadcastFinished("This broadcast was cancelled.")
        retried = (
            await Delivery.filter(broadcast_id=broadcast.id, status=DeliveryStatus.FAILED)
            .exclude(reason="unreachable")
            .update(
                status=DeliveryStatus.PENDING,
                attempts=0,
                reason="",
                not_before=self.runtime.clock.now(),
            )
        )
        if retried:
            await Broadcast.filter(id=broadcast.id).update(
                status=BroadcastStatus.SENDING, finished_at=None
            )
        return retried


class BroadcastSender:
    """One worker's sending loop. Any number of them can run against the same database."""

    def __init__(
        self,
        runtime: Runtime,
        limits: Limits,
        senders: dict[str, Sender],
        *,
        batch: int = 200,
        concurrency: int = 32,
    ) -> None:
        self.runtime = runtime
        self.limits = limits
        self.senders = senders
        self.batch = batch
        self.concurrency = concurrency
        self.telegram = RateLimiter(runtime.redis, "rl:telegram")
        self._pacing = asyncio.Lock()

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
        now = self.runtime.clock.now()
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

    async def _load(self, claimed: list[Delivery]) -> _Batch:
        """Who, where, what and how many sent today, for the whole batch in four queries
        (not four per delivery)."""
        now = self.runtime.clock.now()
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
            pushes.Renderings(self.runtime),
            SentLog(self.runtime),
        )

    async def _deliver(self, delivery: Delivery, batch: _Batch) -> None:
        now = self.runtime.clock.now()
        person = batch.people.get(delivery.employee_id)
        identity = batch.identities.get(delivery.identity_id) if delivery.identity_id else None
        if person is None or person.status == EmployeeStatus.LEFT:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "left company")
        if identity is None or not identity.active:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "no channel")
        later = _quiet_until(person, now)
        if later is not None:
            return await self._defer(delivery, later, "quiet hours deferred")
        if batch.sent_today.get(person.id, 0) >= self.limits.daily_cap:
            return await self._defer(
                delivery, _next_local_morning(person, now), "frequency cap deferred"
            )
        sender = self.senders.get(delivery.platform)
        if sender is None:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "channel not configured")
        broadcast = batch.broadcasts[delivery.broadcast_id]  # type: ignore[attr-defined]
        reply = await batch.renderings.reply(broadcast, person)
        if reply is None:
            return await self._settle(delivery, DeliveryStatus.SKIPPED, "content closed")
        if delivery.platform == "telegram" and not await self._pace(sender, identity):
            return await self._defer(delivery, now, "rate limited")
        try:
            await sender.send(identity, reply)
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

    async def _pace(self, sender: Sender, identity: ChatIdentity) -> bool:
        """A token from the bot's bucket and the chat's, or False after half a lease.

        Most sends get both at the first try. The others take the chat's first, then
        queue for the bot's one at a time: 32 senders each polling Redis whenever a
        token might be free would spend more on polling than on sending, and one waiting
        for a busy chat must not hold the queue for everyone else."""
        everyone, chat = self._buckets(sender, identity)
        if await self.telegram.try_acquire([everyone, chat]) <= 0:
            return True
        budget = self.limits.lease.total_seconds() / 2
        started = time.monotonic()
        if not await self.telegram.acquire([chat], max_wait=budget):
            return False
        async with self._pacing:
            left = budget - (time.monotonic() - started)
            return left > 0 and await self.telegram.acquire([everyone], max_wait=left)

    def _buckets(self, sender: Sender, identity: ChatIdentity) -> list[Bucket]:
        limits = self.limits
        chat = sender.chat_key(identity)
        group = (identity.chat_id or "").startswith("-")
        per_chat = (
            Bucket(chat, limits.telegram_group_per_minute / 60, 1)
            if group
            else Bucket(chat, limits.telegram_chat_per_second, 1)
        )
        # Hardly any burst: Telegram counts messages per second, so a full second's worth
        # spent at once plus that second's refill is a 429 (and after the pause, the same
        # again). A hundredth of a second's worth keeps very high rates off the script's
        # millisecond clock.
        rate = limits.telegram_per_second
        return [Bucket("global", rate, max(1.0, rate / 100)), per_chat]

    async def _sent_today(self, people: list[Employee], now: datetime) -> dict[int, int]:
        """Pushes each person got since their local midnight, in one query."""
        if not people:
            return {}
        starts = {p.id: _local_midnight(p, now) for p in people}
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
                    status=BroadcastStatus.DONE, finished_at=self.runtime.clock.now()
                )


@dataclass
class _Batch:
    """What one claimed batch needs, loaded once for all its deliveries."""

    people: dict[int, Employee]
    identities: dict[int, ChatIdentity]
    broadcasts: dict[int, Broadcast]
    sent_today: dict[int, int]  # counted at load, then as this batch sends
    renderings: pushes.Renderings
    sent: SentLog


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


def _zone(person: Employee) -> ZoneInfo:
    try:
        return ZoneInfo(person.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_midnight(person: Employee, now: datetime) -> datetime:
    local = now.astimezone(_zone(person))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _next_local_morning(person: Employee, now: datetime) -> datetime:
    return (_local_midnight(person, now) + timedelta(days=1, hours=8)).astimezone(UTC)


def _quiet_until(person: Employee, now: datetime) -> datetime | None:
    """The end of the employee's quiet hours if `now` falls inside them."""
    start, end = person.quiet_start, person.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(_zone(person))
    hour = local.hour
    inside = start <= hour < end if start < end else (hour >= start or hour < end)
    if not inside:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until.astimezone(UTC)  # stored and compared in UTC
