"""In-process event dispatch between domains.

A domain publishes a plain dataclass (`ClickRecorded`, `ReferralStatusChanged`...); other
domains react by event type, in the one table of app/reactions.py. This keeps referrals
from importing gamification internals and lets each domain react in its own package. An
event is kept only while something reacts to it; its codes are the enums of `app.codes`
(below every domain, like this module), not strings.

Work that arrives in batches (the click worker stores hundreds of clicks at once, the
ledger applies hundreds of awards in one transaction) publishes them with
`publish_many`; a handler subscribed with `subscribe_batch` then gets them in one call,
so it can do its own work once per batch instead of once per event.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.codes import (
    Channel,
    ClickClass,
    ContentType,
    RedemptionStatus,
    ReferralSource,
    ReferralStatus,
    RejectionReason,
)

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[object]]
BatchHandler = Callable[[list[Any]], Awaitable[object]]
# The events published inside `EventBus.held()` in this task, waiting for its end.
_held: ContextVar[list[object] | None] = ContextVar("held_events", default=None)


class EventBus:
    def __init__(self) -> None:
        # Each handler with whether it takes a list of events (a batch handler).
        self._handlers: dict[type, list[tuple[Handler, bool]]] = defaultdict(list)

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append((handler, False))

    def subscribe_batch(self, event_type: type, handler: BatchHandler) -> None:
        """`handler` gets a list of events of that type: all those of a `publish_many`,
        or the single event of a `publish`."""
        self._handlers[event_type].append((handler, True))

    async def publish(self, event: object) -> None:
        """Run every handler; one failing handler is logged and does not stop the others."""
        await self.publish_many([event])

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Hold back what this task publishes until the block ends without an error, then
        publish it; on an error, drop it. Wrap a transaction that calls services which
        publish after their own (nested) commits, so that listeners see only what the
        outer transaction committed."""
        if _held.get() is not None:  # already held by an outer block: it publishes
            yield
            return
        waiting: list[object] = []
        token = _held.set(waiting)
        try:
            yield
        finally:
            _held.reset(token)
        await self.publish_many(waiting)

    async def publish_many(self, events: Sequence[object]) -> None:
        """Publish events in order, one type at a time (in the order each type first
        appears): every handler of a type runs on all of that type's events, a plain
        handler once per event, a batch handler once with the list."""
        waiting = _held.get()
        if waiting is not None:
            waiting.extend(events)
            return
        by_type: dict[type, list[object]] = {}
        for event in events:
            by_type.setdefault(type(event), []).append(event)
        for event_type, batch in by_type.items():
            for handler, takes_batch in self._handlers.get(event_type, []):
                if takes_batch:
                    await self._run(handler, batch, f"{len(batch)} {event_type.__name__}")
                else:
                    for event in batch:
                        await self._run(handler, event, event)

    async def _run(self, handler: Handler, argument: object, described: object) -> None:
        try:
            await handler(argument)
        except Exception:
            log.exception("handler %s failed on %s", handler.__qualname__, described)


@dataclass(frozen=True)
class PolicyAccepted:
    employee_id: int
    version: str


@dataclass(frozen=True)
class ClickRecorded:
    """A click was stored (once per click, whatever its class)."""

    click_id: str
    link_id: int
    employee_id: int
    content_type: ContentType
    content_id: int
    channel: Channel
    classification: ClickClass
    occurred_at: datetime


@dataclass(frozen=True)
class ShareRecorded:
    """An employee shared a content on a channel (asked for its share intent)."""

    employee_id: int
    content_type: ContentType
    content_id: int
    channel: Channel
    occurred_at: datetime


@dataclass(frozen=True)
class PointsAwarded:
    employee_id: int
    points: int
    reason: str
    key: str


@dataclass(frozen=True)
class BadgeEarned:
    employee_id: int
    badge: str


@dataclass(frozen=True)
class LevelReached:
    employee_id: int
    level: int


@dataclass(frozen=True)
class ApplicationSubmitted:
    """A candidate's application entered the pipeline (consented, not a duplicate).

    `employee_id` is the referrer, None for a direct application."""

    referral_id: int
    employee_id: int | None
    job_id: int | None
    candidate_id: int
    source: ReferralSource
    occurred_at: datetime


@dataclass(frozen=True)
class ReferralStatusChanged:
    """A referral moved along the pipeline (screening, interview, offer, hired...)."""

    referral_id: int
    employee_id: int | None
    job_id: int | None
    old_status: ReferralStatus | None  # None: a duplicate, which had no status before
    new_status: ReferralStatus
    source: ReferralSource
    occurred_at: datetime
    reason: RejectionReason | None = None  # a rejection's (`not_a_real_candidate` revokes points)


@dataclass(frozen=True)
class RedemptionDecided:
    """A redemption was approved, fulfilled, rejected or cancelled."""

    redemption_id: int
    employee_id: int
    status: RedemptionStatus
    note: str


@dataclass(frozen=True)
class ContentPublished:
    """A job offer was opened or a news post published (visible from `visible_at`)."""

    content_type: ContentType
    content_id: int
    visible_at: datetime
    push: bool = True  # False: seeded content (the demo company) nobody is told about
