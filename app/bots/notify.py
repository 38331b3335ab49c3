"""Notifications: what happened to an employee, told in their chat, in their language.

Subscribes to domain events (a referral moved, a badge, a level, a redemption decided)
and sends one message to each of the employee's active chat accounts through the
channel registered for its platform. Employees can turn notifications off. (Durable,
rate-limited fan-out to thousands is the broadcast engine's job, issue #8.)
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from app.events import (
    ApplicationSubmitted,
    BadgeEarned,
    LevelReached,
    RedemptionDecided,
    ReferralStatusChanged,
)
from app.i18n import translator
from app.people.models import ChatIdentity, Employee
from app.runtime import Runtime

log = logging.getLogger(__name__)

# (chat identity, text) -> delivered?
Sender = Callable[[ChatIdentity, str], Awaitable[bool]]


class Notifier:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.senders: dict[str, Sender] = {}

    def register(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    def subscribe(self) -> None:
        events = self.runtime.events
        events.subscribe(ApplicationSubmitted, self._referral)
        events.subscribe(ReferralStatusChanged, self._referral)
        events.subscribe(BadgeEarned, self._badge)
        events.subscribe(LevelReached, self._level)
        events.subscribe(RedemptionDecided, self._redemption)

    async def _referral(self, event: ApplicationSubmitted | ReferralStatusChanged) -> None:
        notice = await self.runtime.referrals.notice_for(event)
        if notice is not None:
            await self.tell(notice.employee_id, lambda _language: notice.text)

    async def _badge(self, event: BadgeEarned) -> None:
        badges = {b.code: b for b in self.runtime.gamification.rules.badges}
        badge = badges.get(event.badge)
        if badge is None:
            return
        await self.tell(
            event.employee_id,
            lambda lang: translator(lang)("New badge: {badge}!").format(
                badge=getattr(badge, lang, badge.en)
            ),
        )

    async def _level(self, event: LevelReached) -> None:
        level = self.runtime.gamification.rules.levels[event.level]
        await self.tell(
            event.employee_id,
            lambda lang: translator(lang)("You reached a new level: {level}!").format(
                level=getattr(level, lang, level.en)
            ),
        )

    async def _redemption(self, event: RedemptionDecided) -> None:
        texts = {
            "approved": "Your reward request was approved.",
            "fulfilled": "Your reward was handed over. Enjoy!",
            "rejected": "Your reward request was declined; your points are back. {note}",
        }
        template = texts.get(event.status)
        if template is not None:
            await self.tell(
                event.employee_id,
                lambda lang: translator(lang)(template).format(note=event.note).strip(),
            )

    async def tell(self, employee_id: int, render: Callable[[str], str]) -> int:
        """Send to every active chat account; returns how many messages went out."""
        employee = await Employee.get_or_none(id=employee_id)
        if employee is None or not employee.notifications_enabled:
            return 0
        text = render(employee.language if employee.language in ("en", "fr") else "en")
        sent = 0
        for identity in await self.runtime.people.identities(employee_id):
            sender = self.senders.get(identity.platform.value)
            if sender is None:
                continue
            try:
                if await sender(identity, text):
                    sent += 1
                else:
                    await ChatIdentity.filter(id=identity.id).update(active=False)
            except Exception:  # one channel failing must not stop the others
                log.exception("notification to %s failed", identity.platform.value)
        return sent
