"""The points ledger: every change of points is one row, applied at most once.

`award` writes the entry, the cached balance and lifetime points, the counters the badge
rules read, new badges and the level, all in one transaction; a second application of
the same idempotency key (sequential or concurrent) fails on the unique key and changes
nothing. Leaderboards and events follow the commit. `spend` takes points atomically:
`UPDATE ... WHERE balance >= cost`, so concurrent spending can never go below zero.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

from app.clock import Clock
from app.db import transaction
from app.errors import Conflict
from app.events import BadgeEarned, EventBus, LevelReached, PointsAwarded
from app.gamification.leaderboards import Leaderboards
from app.gamification.models import BadgeAward, PointsEntry, Profile
from app.gamification.periods import Periods, previous_week
from app.gamification.rules import Rules
from app.people.models import Employee, EmployeeStatus

log = logging.getLogger(__name__)

COUNTERS = ("shares", "unique_clicks", "referrals", "interviews", "hires")


class InsufficientPoints(Conflict):
    code = "insufficient_points"


@dataclass(frozen=True)
class Award:
    employee_id: int
    points: int
    reason: str
    source: str
    key: str
    occurred_at: datetime
    note: str = ""
    counters: dict[str, int] = field(default_factory=dict)
    share_week: bool = False  # update the weekly streak with this entry's week
    counts_for_boards: bool = True


@dataclass
class AwardResult:
    entry: PointsEntry
    badges: list[str]
    level: int | None  # the new level, if one was reached
    hidden: bool = False  # the employee opted out of public leaderboards


class Ledger:
    def __init__(
        self, clock: Clock, events: EventBus, rules: Rules, boards: Leaderboards, timezone: str
    ) -> None:
        self.clock = clock
        self.events = events
        self.rules = rules
        self.boards = boards
        self.zone = ZoneInfo(timezone)

    async def award(self, award: Award) -> AwardResult | None:
        """Apply an award once. None if its key was applied before, or the employee left."""
        try:
            async with transaction():
                result = await self._apply(award)
        except IntegrityError:
            return None  # the same key, applied concurrently by someone else
        if result is None:
            return None
        await self._after_commit(result)
        return result

    async def _apply(self, award: Award) -> AwardResult | None:
        # Lock the employee's profile first: awards to one person are applied one at a
        # time (PostgreSQL), so counters, badges and level never race.
        profile = await self._profile(award.employee_id)
        employee = await Employee.get_or_none(id=award.employee_id)
        if employee is None or employee.status == EmployeeStatus.LEFT:
            return None
        periods = Periods.of(award.occurred_at, self.zone)
        entry = await PointsEntry.create(
            employee_id=award.employee_id,
            points=award.points,
            reason=award.reason,
            source=award.source,
            idempotency_key=award.key,
            note=award.note,
            occurred_at=award.occurred_at,
            created_at=self.clock.now(),
            week=periods.week,
            month=periods.month,
            quarter=periods.quarter,
            department=employee.department,
            location=employee.location,
            counts_for_boards=award.counts_for_boards,
        )
        if award.points:
            # A negative award (a correction) may not take the balance below zero.
            updated = await Employee.filter(
                id=employee.id, points_balance__gte=max(-award.points, 0)
            ).update(
                points_balance=F("points_balance") + award.points,
                lifetime_points=F("lifetime_points") + award.points,
            )
            if not updated:
                raise InsufficientPoints(
                    f"The balance is {employee.points_balance} points; it cannot go below zero."
                )
        crossed = await self._count(profile, award, periods)
        badges = await self._new_badges(profile, crossed)
        level = await self._new_level(profile, employee.lifetime_points + award.points)
        return AwardResult(entry, badges, level, profile.leaderboard_opt_out)

    async def _profile(self, employee_id: int) -> Profile:
        # INSERT ... ON CONFLICT DO NOTHING: a concurrent first award cannot fail on it.
        await Profile.bulk_create([Profile(employee_id=employee_id)], ignore_conflicts=True)
        return await Profile.filter(employee_id=employee_id).select_for_update().get()

    async def _count(self, profile: Profile, award: Award, periods: Periods) -> set[str]:
        """Move the counters; returns the badges whose threshold was just crossed."""
        before = {name: getattr(profile, name) for name in (*award.counters, "streak_weeks")}
        changed = []
        for name, delta in award.counters.items():
            setattr(profile, name, getattr(profile, name) + delta)
            changed.append(name)
        if award.share_week and profile.last_share_week != periods.week:
            followed = profile.last_share_week == previous_week(periods.week)
            profile.streak_weeks = profile.streak_weeks + 1 if followed else 1
            profile.last_share_week = periods.week
            changed += ["streak_weeks", "last_share_week"]
        if changed:
            await profile.save(update_fields=changed)
        return {
            badge.code
            for badge in self.rules.badges
            if badge.counter in before
            and before[badge.counter] < badge.at_least <= getattr(profile, badge.counter)
        }

    async def _new_badges(self, profile: Profile, crossed: set[str]) -> list[str]:
        """Record the badges just earned (a threshold crossed is earned once: the unique
        key (employee, badge) keeps a replay or a streak restarting from giving it twice)."""
        new = []
        for code in sorted(crossed):
            _, created = await BadgeAward.get_or_create(
                employee_id=profile.employee_id,
                badge=code,
                defaults={"awarded_at": self.clock.now()},
            )
            if created:
                new.append(code)
        return new

    async def _new_level(self, profile: Profile, lifetime_points: int) -> int | None:
        level = self.rules.level_for(lifetime_points)
        if level <= profile.level:
            return None
        profile.level = level
        await profile.save(update_fields=["level"])
        return level

    async def _after_commit(self, result: AwardResult) -> None:
        entry = result.entry
        if entry.points and entry.counts_for_boards:
            try:
                await self.boards.add(entry, result.hidden)
            except OSError as exc:  # Redis down: the ledger is right, a rebuild fixes boards
                log.warning("leaderboards not updated for entry %s: %s", entry.id, exc)
        await self.events.publish(
            PointsAwarded(entry.employee_id, entry.points, entry.reason, entry.idempotency_key)
        )
        for code in result.badges:
            await self.events.publish(BadgeEarned(entry.employee_id, code))
        if result.level is not None:
            await self.events.publish(LevelReached(entry.employee_id, result.level))

    async def spend(
        self, employee_id: int, cost: int, *, reason: str, source: str, key: str, note: str = ""
    ) -> PointsEntry:
        """Take `cost` points inside the caller's transaction; InsufficientPoints if short.

        The balance check and the debit are one UPDATE, so two concurrent spends can never
        both pass on a balance that covers only one.
        """
        taken = await Employee.filter(id=employee_id, points_balance__gte=cost).update(
            points_balance=F("points_balance") - cost
        )
        if not taken:
            raise InsufficientPoints("You do not have enough points for this.")
        now = self.clock.now()
        periods = Periods.of(now, self.zone)
        employee = await Employee.get(id=employee_id)
        return await PointsEntry.create(
            employee_id=employee_id,
            points=-cost,
            reason=reason,
            source=source,
            idempotency_key=key,
            note=note,
            occurred_at=now,
            created_at=now,
            week=periods.week,
            month=periods.month,
            quarter=periods.quarter,
            department=employee.department,
            location=employee.location,
            counts_for_boards=False,
        )

    async def refund(self, employee_id: int, points: int, *, source: str, key: str) -> None:
        """Give spent points back (inside the caller's transaction); once per key."""
        now = self.clock.now()
        periods = Periods.of(now, self.zone)
        employee = await Employee.get(id=employee_id)
        await PointsEntry.create(
            employee_id=employee_id,
            points=points,
            reason="refund",
            source=source,
            idempotency_key=key,
            occurred_at=now,
            created_at=now,
            week=periods.week,
            month=periods.month,
            quarter=periods.quarter,
            department=employee.department,
            location=employee.location,
            counts_for_boards=False,
        )
        await Employee.filter(id=employee_id).update(points_balance=F("points_balance") + points)
