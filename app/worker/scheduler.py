"""Scheduled jobs, run by the worker; one leader at a time through a Redis lock.

Every tick the leader: expands broadcasts whose time has come, sends the weekly digest
(once per week, by key), closes the month (podium badges and an announcement), marks
referral bonuses that became due, deletes unconsented referrals past retention,
reminds admins of pending approvals and reports once a day, and awards the points of
clicks whose award was lost (`gamification/catch_up.py`). Each job is idempotent, so
a leader that dies mid-tick and its successor never do anything twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import timedelta
from typing import Protocol

from redis.asyncio import Redis

from app.broadcasts.campaigns import REMINDER_KEY, Broadcasts
from app.broadcasts.models import Broadcast, BroadcastKind
from app.clock import Clock
from app.gamification.catch_up import MissedClickPoints
from app.gamification.models import Redemption, RedemptionStatus
from app.gamification.service import GamificationService
from app.i18n import LANGUAGES, translator
from app.people.models import Employee, EmployeeStatus, Role
from app.people.service import PeopleService
from app.referrals.service import ReferralService
from app.referrals.writer import StoredClicks
from app.settings import Settings

log = logging.getLogger(__name__)
LEADER_KEY = "scheduler:leader"
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class SchedulerServices(Protocol):
    """What the scheduled jobs use (the composition root provides it)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def redis(self) -> Redis: ...
    @property
    def gamification(self) -> GamificationService: ...
    @property
    def referrals(self) -> ReferralService: ...
    @property
    def people(self) -> PeopleService: ...


class Scheduler:
    def __init__(
        self, services: SchedulerServices, broadcasts: Broadcasts, lease_seconds: int = 30
    ) -> None:
        self.services = services
        self.broadcasts = broadcasts
        self.lease_ms = lease_seconds * 1000
        self.me = f"{socket.gethostname()}-{os.getpid()}-{id(self)}"
        self.renew = services.redis.register_script(RENEW)
        self.missed_click_points = MissedClickPoints(
            services.redis, services.gamification, StoredClicks()
        )

    async def lead(self) -> bool:
        """Become or stay the leader; False if another process leads."""
        redis = self.services.redis
        if await redis.set(LEADER_KEY, self.me, nx=True, px=self.lease_ms):
            return True
        return bool(await self.renew(keys=[LEADER_KEY], args=[self.me, self.lease_ms]))

    async def tick(self) -> list[str]:
        """One round of every job (when leading); returns what was done, for logs/tests."""
        if not await self.lead():
            return []
        done = []
        expanded = await self.broadcasts.expand_due()
        if expanded:
            done.append(f"expanded {expanded} broadcast(s)")
        jobs = (self._digest, self._month_close, self._referrals, self._reminders, self._clicks)
        for job in jobs:
            try:
                result = await job()
            except Exception:
                log.exception("scheduled job %s failed; it will run again", job.__name__)
                continue
            if result:
                done.append(result)
        return done

    async def run_forever(self, stop: asyncio.Event, every: float = 30.0) -> None:
        while not stop.is_set():
            try:
                for line in await self.tick():
                    log.info("scheduler: %s", line)
            except Exception:
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):  # the next tick
                await asyncio.wait_for(stop.wait(), timeout=every)

    async def _digest(self) -> str:
        settings = self.services.settings
        game = self.services.gamification
        local = self.services.clock.now().astimezone(game.zone)
        if local.weekday() != settings.digest_weekday or local.hour < settings.digest_hour:
            return ""
        week = game.period_id("week")
        if await Broadcast.exists(key=f"digest:{week}"):
            return ""
        broadcast = await self.broadcasts.create(
            BroadcastKind.DIGEST, key=f"digest:{week}", created_by="scheduler"
        )
        return f"weekly digest {week}: broadcast {broadcast.id}"

    async def _month_close(self) -> str:
        game = self.services.gamification
        now = self.services.clock.now()
        last_month = game.period_id("month", now - timedelta(days=now.astimezone(game.zone).day))
        key = f"month-closed:{last_month}"
        if not await self.services.redis.set(key, 1, nx=True, ex=40 * 86_400):
            return ""
        winners = await game.award_monthly_podium(last_month)
        if not winners:
            return ""
        named = await self.services.people.names_by_id(winners)
        names = [named[i] for i in winners if i in named]  # in podium order
        texts = {
            lang: translator(lang)(
                "Congratulations to the top sharers of {month}: {names}!"
            ).format(month=last_month, names=", ".join(names))
            for lang in LANGUAGES
        }
        await self.broadcasts.create(
            BroadcastKind.ANNOUNCEMENT,
            text=texts[self.services.settings.default_language],
            key=f"winners:{last_month}",
            created_by="scheduler",
        )
        return f"month {last_month} closed: {len(winners)} winner(s)"

    async def _referrals(self) -> str:
        """Unconsented referrals past retention deleted, waiting bonuses settled."""
        deleted, settled = await self.services.referrals.housekeeping()
        if not deleted and not settled:
            return ""
        return f"referrals: {deleted} unconsented deleted, {settled} bonus(es) due"

    async def _clicks(self) -> str:
        awarded = await self.missed_click_points.check()
        return f"points for {awarded} click(s) whose award was lost" if awarded else ""

    async def _reminders(self) -> str:
        day = self.services.clock.now().date().isoformat()
        if not await self.services.redis.set(f"reminded:{day}", 1, nx=True, ex=2 * 86_400):
            return ""
        waiting = await Redemption.filter(status=RedemptionStatus.REQUESTED).count()
        reports = len(await self.services.people.open_reports(limit=1000))
        if not waiting and not reports:
            return ""
        admins = await Employee.filter(role=Role.ADMIN, status=EmployeeStatus.ACTIVE)
        texts = {
            lang: translator(lang)(
                "Waiting for you: {redemptions} redemption(s) to "
                "approve, {reports} report(s) to read."
            ).format(redemptions=waiting, reports=reports)
            for lang in LANGUAGES
        }
        for admin in admins:
            await self.broadcasts.create(
                BroadcastKind.ANNOUNCEMENT,
                text=texts.get(admin.language, texts["en"]),
                employee_ids=[admin.id],
                key=f"{REMINDER_KEY}{day}:{admin.id}",
                created_by="scheduler",
            )
        return f"reminded {len(admins)} admin(s)"
