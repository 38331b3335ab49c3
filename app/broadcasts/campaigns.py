"""Broadcasts: campaigns and who they reach.

A `Broadcast` is expanded into one `Delivery` per (recipient, channel), each with a
status; skipped ones say why. Sending them is `deliveries.BroadcastSender`'s job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.functions import Count

from app.broadcasts.models import (
    Broadcast,
    BroadcastKind,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
)
from app.broadcasts.report import CampaignReport
from app.clock import Clock
from app.db import transaction
from app.errors import Conflict, DomainError, NotFound
from app.events import ContentPublished
from app.jobs.models import JobOffer, NewsPost
from app.jobs.service import Audience, ContentService, targets
from app.people.models import ChatIdentity, Employee, EmployeeStatus
from app.settings import Settings

log = logging.getLogger(__name__)

# The scheduler's daily note to each admin (redemptions to approve, reports to read) is
# an announcement to one person keyed `reminder:<day>:<admin id>`: internal, not a
# campaign, so the dashboard does not list it among them and the CLI labels it.
REMINDER_KEY = "reminder:"


class BroadcastNotFound(NotFound):
    code = "broadcast_not_found"


class BroadcastFinished(Conflict):
    code = "broadcast_finished"


class NobodyTargeted(DomainError):
    code = "nobody_targeted"


@dataclass(frozen=True)
class Recipients:
    """Whom an announcement is for, by the rule content targeting follows (an empty
    list does not restrict), plus roles. Matched when the broadcast is sent, so a
    scheduled one reaches the people who match then."""

    target_departments: tuple[str, ...] = ()
    target_locations: tuple[str, ...] = ()
    target_languages: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()

    def includes(self, person: Employee) -> bool:
        audience = Audience(person.department, person.location, person.language)
        return targets(self, audience) and (not self.roles or person.role.value in self.roles)

    def stored(self) -> dict[str, list[str]]:
        return {
            "departments": list(self.target_departments),
            "locations": list(self.target_locations),
            "languages": list(self.target_languages),
            "roles": list(self.roles),
        }

    @classmethod
    def of(cls, stored: dict[str, list[str]]) -> Recipients:
        return cls(
            tuple(stored.get("departments", ())),
            tuple(stored.get("locations", ())),
            tuple(stored.get("languages", ())),
            tuple(stored.get("roles", ())),
        )


@dataclass(frozen=True)
class Limits:
    lease: timedelta
    max_attempts: int
    daily_cap: int
    telegram_per_second: float
    telegram_chat_per_second: float
    telegram_group_per_minute: float
    telegram_jitter: float  # seconds a message may reach Telegram later than planned


class Broadcasts:
    """Creating, expanding and following campaigns (one per process, built by the
    composition root: the API, the dashboard, the CLI and the scheduler share it)."""

    def __init__(self, clock: Clock, content: ContentService) -> None:
        self.clock = clock
        self.content = content

    async def create(
        self,
        kind: BroadcastKind,
        *,
        content_id: int | None = None,
        text: str = "",
        employee_ids: list[int] | None = None,
        recipients: Recipients | None = None,
        send_at: datetime | None = None,
        created_by: str = "",
        key: str | None = None,
    ) -> Broadcast:
        """A campaign, sent at `send_at` (default now). `recipients` narrows who gets it
        and must match someone today (NobodyTargeted), else nothing is created."""
        if recipients is not None and not await self.matching(recipients):
            raise NobodyTargeted("Nobody matches this targeting: widen it.")
        if key is not None:
            existing = await Broadcast.get_or_none(key=key)
            if existing is not None:
                return existing
        now = self.clock.now()
        try:
            return await Broadcast.create(
                kind=kind,
                content_id=content_id,
                text=text,
                employee_ids=employee_ids,
                targeting=recipients.stored() if recipients is not None else None,
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
            status=BroadcastStatus.SCHEDULED, send_at__lte=self.clock.now()
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
        now = self.clock.now()
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

    async def matching(self, recipients: Recipients) -> int:
        """How many people the recipients include now."""
        return sum(recipients.includes(p) for p in await self._everyone())

    @staticmethod
    async def _everyone() -> list[Employee]:
        return list(await Employee.exclude(status=EmployeeStatus.LEFT).filter(erased_at=None))

    async def _audience(self, broadcast: Broadcast) -> list[Employee]:
        if broadcast.employee_ids is not None:
            return list(await Employee.filter(id__in=broadcast.employee_ids))
        people = await self._everyone()
        if broadcast.targeting is not None:
            recipients = Recipients.of(broadcast.targeting)
            people = [p for p in people if recipients.includes(p)]
        content: JobOffer | NewsPost | None = None
        if broadcast.kind == BroadcastKind.JOB and broadcast.content_id is not None:
            content = await self.content.job(broadcast.content_id)
        elif broadcast.kind == BroadcastKind.NEWS and broadcast.content_id is not None:
            content = await self.content.news(broadcast.content_id)
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

    async def report(self, broadcast_id: int) -> CampaignReport:
        [report] = await self.reports([await self.get(broadcast_id)])
        return report

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        """Deliveries by status, every status present."""
        return (await self.report(broadcast_id)).statuses

    async def skipped_reasons(self, broadcast_id: int) -> dict[str, int]:
        return (await self.report(broadcast_id)).skipped

    async def latest(self, limit: int, *, reminders: bool = True) -> list[CampaignReport]:
        """The newest campaigns first, each with what it did (without the admins' daily
        reminders when `reminders` is False)."""
        query = Broadcast.all()
        if not reminders:
            query = query.filter(Q(key__isnull=True) | ~Q(key__startswith=REMINDER_KEY))
        return await self.reports(list(await query.order_by("-created_at", "-id").limit(limit)))

    async def reports(self, broadcasts: list[Broadcast]) -> list[CampaignReport]:
        """What each campaign did, in two queries for the tallies and titles of all."""
        tallies = await self._tallies([b.id for b in broadcasts])
        titles = await self._titles(broadcasts)
        return [
            CampaignReport.tally(
                tallies.get(b.id, []),
                broadcast_id=b.id,
                kind=b.kind,
                content_id=b.content_id,
                title=titles.get(b.id, ""),
                status=b.status,
                created_at=b.created_at,
                send_at=b.send_at,
                finished_at=b.finished_at,
                reminder=(b.key or "").startswith(REMINDER_KEY),
                targeting=b.targeting,
            )
            for b in broadcasts
        ]

    async def _tallies(self, ids: list[int]) -> dict[int, list[tuple[DeliveryStatus, str, int]]]:
        rows = (
            await Delivery.filter(broadcast_id__in=ids)
            .annotate(n=Count("id"))
            .group_by("broadcast_id", "status", "reason")
            .values("broadcast_id", "status", "reason", "n")
        )
        tallies: dict[int, list[tuple[DeliveryStatus, str, int]]] = {}
        for row in rows:
            status = DeliveryStatus(getattr(row["status"], "value", row["status"]))
            tallies.setdefault(row["broadcast_id"], []).append((status, row["reason"], row["n"]))
        return tallies

    @staticmethod
    async def _titles(broadcasts: list[Broadcast]) -> dict[int, str]:
        """What each campaign pushes, as a person would name it."""
        wanted = {
            kind: {b.content_id for b in broadcasts if b.kind == kind} for kind in BroadcastKind
        }
        jobs = dict(
            await JobOffer.filter(id__in=wanted[BroadcastKind.JOB]).values_list("id", "title")
        )
        news = dict(
            await NewsPost.filter(id__in=wanted[BroadcastKind.NEWS]).values_list("id", "title")
        )
        titles = {}
        for b in broadcasts:
            if b.kind == BroadcastKind.JOB:
                titles[b.id] = str(jobs.get(b.content_id, f"job {b.content_id}"))
            elif b.kind == BroadcastKind.NEWS:
                titles[b.id] = str(news.get(b.content_id, f"news {b.content_id}"))
            elif b.kind == BroadcastKind.DIGEST:
                titles[b.id] = "weekly digest"
            else:
                titles[b.id] = " ".join(b.text.split())[:80]
        return titles

    async def cancel(self, broadcast_id: int) -> int:
        """Stop a campaign: pending deliveries are skipped (in-flight ones may finish)."""
        broadcast = await self.get(broadcast_id)
        if broadcast.status == BroadcastStatus.DONE:
            raise BroadcastFinished("This broadcast has already been sent.")
        async with transaction():
            await Broadcast.filter(id=broadcast.id).update(
                status=BroadcastStatus.CANCELLED, finished_at=self.clock.now()
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
                not_before=self.clock.now(),
            )
        )
        if retried:
            await Broadcast.filter(id=broadcast.id).update(
                status=BroadcastStatus.SENDING, finished_at=None
            )
        return retried


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


class PushOnPublish:
    """Publishing a job or news creates its broadcast, in whichever process publishes
    (keyed `job:<id>` / `news:<id>`, so once)."""

    def __init__(self, broadcasts: Broadcasts, enabled: bool) -> None:
        self.broadcasts = broadcasts
        self.enabled = enabled  # BROADCAST_ON_PUBLISH

    async def on_published(self, event: ContentPublished) -> None:
        if not self.enabled or not event.push:  # the demo's seeded content pushes nothing
            return
        kind = BroadcastKind.JOB if event.content_type == "job" else BroadcastKind.NEWS
        await self.broadcasts.create(
            kind,
            content_id=event.content_id,
            send_at=event.visible_at,
            key=f"{event.content_type}:{event.content_id}",
            created_by="publish",
        )
