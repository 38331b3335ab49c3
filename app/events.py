"""In-process event dispatch between domains.

A domain publishes a plain dataclass (`EmployeeLeft`, later `ClickRecorded`,
`ReferralHired`...); other domains subscribe by event type. This keeps referrals from
importing gamification internals and lets each domain react in its own package.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[object]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = defaultdict(list)
        self._named: set[str] = set()

    def subscribe(self, event_type: type, handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def subscribe_once(self, event_type: type, name: str, handler: Handler) -> None:
        """Subscribe unless a handler of that name is already there (two parts of one
        process, e.g. the web app and the embedded worker, wiring the same reaction)."""
        if name not in self._named:
            self._named.add(name)
            self.subscribe(event_type, handler)

    async def publish(self, event: object) -> None:
        """Run every handler; one failing handler is logged and does not stop the others."""
        for handler in self._handlers.get(type(event), []):
            try:
                await handler(event)
            except Exception:
                log.exception("handler %s failed on %s", handler.__qualname__, event)


@dataclass(frozen=True)
class EmployeeJoined:
    employee_id: int


@dataclass(frozen=True)
class EmployeeLeft:
    employee_id: int


@dataclass(frozen=True)
class EmployeeErased:
    employee_id: int


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
    content_type: str
    content_id: int
    channel: str
    classification: str
    occurred_at: datetime


@dataclass(frozen=True)
class ShareRecorded:
    """An employee shared a content on a channel (asked for its share intent)."""

    employee_id: int
    content_type: str
    content_id: int
    channel: str
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
    source: str
    occurred_at: datetime


@dataclass(frozen=True)
class ReferralStatusChanged:
    """A referral moved along the pipeline (screening, interview, offer, hired...)."""

    referral_id: int
    employee_id: int | None
    job_id: int | None
    old_status: str
    new_status: str
    source: str
    occurred_at: datetime


@dataclass(frozen=True)
class RedemptionDecided:
    """A redemption was approved, fulfilled, rejected or cancelled."""

    redemption_id: int
    employee_id: int
    status: str
    note: str


@dataclass(frozen=True)
class ContentPublished:
    """A job offer was opened or a news post published (visible from `visible_at`)."""

    content_type: str  # "job" | "news"
    content_id: int
    visible_at: datetime
