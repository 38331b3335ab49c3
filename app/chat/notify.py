"""Notifications: what happened to an employee, told in their chat, in their language.

Reacts to domain events (a referral moved, a badge, a level, a redemption decided; the
table is `app/reactions.py`) in whichever process they happen, and sends one message to
each of the employee's active chat accounts through that process's sender for its
platform (the `Senders` the composition root gives: the Bot API, a proactive Teams
message; `app/bots/chat_senders.py`). Employees can turn
notifications off. (Durable, rate-limited fan-out to thousands is the broadcast
engine's job, issue #8.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from app.broadcasts.sending import Senders, Throttled, Unreachable
from app.chat.replies import Reply
from app.events import (
    ApplicationSubmitted,
    BadgeEarned,
    LevelReached,
    RedemptionDecided,
    ReferralStatusChanged,
)
from app.gamification.service import GamificationService
from app.i18n import supported, translator
from app.people.models import ChatIdentity, Employee
from app.people.service import PeopleService
from app.referrals.service import ReferralService

log = logging.getLogger(__name__)
THROTTLED_TRIES = 3  # a notice waits out Telegram's retry_after this many times


class Notifier:
    def __init__(
        self,
        people: PeopleService,
        referrals: ReferralService,
        gamification: GamificationService,
        senders: Senders[Reply],
    ) -> None:
        self.people = people
        self.referrals = referrals
        self.gamification = gamification
        self.senders = senders

    async def on_referral(self, event: ApplicationSubmitted | ReferralStatusChanged) -> None:
        notice = await self.referrals.notice_for(event)
        if notice is not None:
            await self.tell(notice.employee_id, lambda _language: notice.text)

    async def on_badge(self, event: BadgeEarned) -> None:
        badges = {b.code: b for b in self.gamification.rules.badges}
        badge = badges.get(event.badge)
        if badge is None:
            return
        await self.tell(
            event.employee_id,
            lambda lang: translator(lang)("New badge: {badge}!").format(
                badge=getattr(badge, lang, badge.en)
            ),
        )

    async def on_level(self, event: LevelReached) -> None:
        level = self.gamification.rules.levels[event.level]
        await self.tell(
            event.employee_id,
            lambda lang: translator(lang)("You reached a new level: {level}!").format(
                level=getattr(level, lang, level.en)
            ),
        )

    async def on_redemption(self, event: RedemptionDecided) -> None:
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
        text = render(supported(employee.language))
        sent = 0
        for identity in await self.people.identities(employee_id):
            if await self._send(identity, text):
                sent += 1
        return sent

    async def _send(self, identity: ChatIdentity, text: str) -> bool:
        sender = self.senders.get(identity.platform.value)
        if sender is None:
            return False
        for attempt in range(1, THROTTLED_TRIES + 1):
            try:
                await sender.send(identity, Reply(text))
                return True
            except Unreachable:  # blocked the bot, left the conversation
                await ChatIdentity.filter(id=identity.id).update(active=False)
                return False
            except Throttled as exc:
                if attempt == THROTTLED_TRIES:
                    log.warning("notification to %s throttled; dropped", identity.platform.value)
                    return False
                await asyncio.sleep(exc.retry_after)
            except Exception:  # one channel failing must not stop the others
                log.exception("notification to %s failed", identity.platform.value)
                return False
        return False
