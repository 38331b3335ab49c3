"""The points ledger: every change of points is one row, applied at most once.

`award_many` applies a batch of awards in one transaction: it locks the profiles of the
batch's employees (in employee order), inserts the entries, skipping the idempotency
keys already in the ledger, moves balances and lifetime points once per employee, then
the counters the badge rules read, new badges and levels, award by award as if they had
come one at a time. `award` is a batch of one. Leaderboards (one Redis round trip) and
events follow the commit. `spend` takes points atomically: `UPDATE ... WHERE balance >=
cost`, so concurrent spending can never go below zero.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.expressions import F, Q

from app.clock import Clock
from app.db import transaction
from app.errors import Conflict
from app.events import BadgeEarned, EventBus, LevelReached, PointsAwarded
from app.gamification import bulk
from app.gamification.caps import DailyCap, within_caps
from app.gamification.leaderboards import Leaderboards
from app.gamification.models import BadgeAward, PointsEntry, Profile
from app.gamification.periods import Periods, previous_week
from app.gamification.rules import Rules
from app.people.models import Employee, EmployeeStatus

log = logging.getLogger(__name__)


class InsufficientPoints(Conflict):
    code = "insufficient_points"


def rewarded(points: int) -> bool:
    """Whether an entry counts for counters, badges, streaks and challenges: the one
    rule for all of them is that it earned points."""
    return points > 0


# `rewarded` as a filter on ledger entries, for the queries that count them.
REWARDED = Q(points__gt=0)


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
    cap: DailyCap | None = None  # cut to the day's room, under the employee's lock
    # A correction that may take the balance below zero (points taken back that were
    # already spent: the employee owes them, and later points pay the debt first).
    overdraw: bool = False


@dataclass
class AwardResult:
    entry: PointsEntry
    badges: list[str]
    level: int | None  # the new level, if one was reached
    hidden: bool = False  # the employee opted out of public leaderboards


@dataclass
class _Progress:
    """What one applied award did to its employee's profile, before badges are stored."""

    award: Award
    entry: PointsEntry
    crossed: list[str]  # badge thresholds this award crossed, in code order
    level: int | None


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
        """Apply an award once. None if its key was applied before, or the employee left;
        InsufficientPoints if a correction would take the balance below zero."""
        return (await self.award_many([award]))[0]

    async def award_many(self, awards: Sequence[Award]) -> list[AwardResult | None]:
        """Apply a batch of awards; result i is None if award i's key was applied before
        (or earlier in this batch), or its employee left.

        The batch is one transaction, except corrections (negative points): each is
        applied alone, after the others, so that one refused correction changes nothing
        else. The first refusal is raised (InsufficientPoints) once every other award of
        the batch is applied and announced.
        """
        results: list[AwardResult | None] = [None] * len(awards)
        first: dict[str, int] = {}
        for index, award in enumerate(awards):
            first.setdefault(award.key, index)
        gains = [index for index in first.values() if awards[index].points >= 0]
        corrections = [[index] for index in first.values() if awards[index].points < 0]
        refused: InsufficientPoints | None = None
        for group in ([gains] if gains else []) + corrections:
            try:
                applied = await self._commit([awards[index] for index in group])
            except InsufficientPoints as exc:
                refused = refused or exc
                continue
            for index, result in zip(group, applied, strict=True):
                results[index] = result
        if refused is not None:
            raise refused
        return results

    async def _commit(self, awards: list[Award]) -> list[AwardResult | None]:
        ids = sorted({award.employee_id for award in awards})
        # Missing profiles are created first, in their own statement (ON CONFLICT DO
        # NOTHING): inside the transaction, a row we inserted would be locked out of
        # employee order, and two batches could then deadlock on each other.
        await bulk.create_profiles(Profile._meta.db, ids)
        async with transaction() as connection:
            results = await self._apply(connection, awards, ids)
        await self._after_commit([result for result in results if result is not None])
        return results

    async def _apply(
        self, connection: BaseDBAsyncClient, awards: list[Award], ids: list[int]
    ) -> list[AwardResult | None]:
        # Lock the employees' profiles in employee order: awards to one person are
        # applied one batch at a time (PostgreSQL), so counters, badges and level never
        # race, and batches sharing people wait for each other instead of deadlocking.
        locked = (
            await Profile.filter(employee_id__in=ids).order_by("employee_id").select_for_update()
        )
        profiles = {profile.employee_id: profile for profile in locked}
        awards = await self._within_caps(awards)
        employees = {
            int(row["id"]): row
            for row in await Employee.filter(id__in=ids).values(
                "id", "status", "department", "location", "points_balance", "lifetime_points"
            )
        }
        entries: list[tuple[Award, PointsEntry]] = []
        for award in awards:
            employee = employees.get(award.employee_id)
            if employee is None or employee["status"] == EmployeeStatus.LEFT:
                continue
            if award.employee_id not in profiles:  # never deleted; created just before
                log.error("no gamification profile for employee %s", award.employee_id)
                continue
            entries.append((award, self._entry(award, employee)))
        written = await bulk.insert_entries(connection, [entry for _, entry in entries])
        applied = [(award, entry) for award, entry in entries if award.key in written]
        for _, entry in applied:
            entry.id = written[entry.idempotency_key]
            entry._saved_in_db = True
        await self._move_points(connection, applied, employees)
        progress = self._progress(applied, profiles, employees)
        moved = sorted({step.award.employee_id for step in progress})
        await bulk.save_profiles(connection, [profiles[i] for i in moved])
        new_badges = await self._record_badges(progress)
        by_key = {
            step.award.key: AwardResult(
                step.entry,
                new_badges.get(step.award.key, []),
                step.level,
                profiles[step.award.employee_id].leaderboard_opt_out,
            )
            for step in progress
        }
        return [by_key.get(award.key) for award in awards]

    async def _within_caps(self, awards: list[Award]) -> list[Award]:
        # Read under the profiles' locks: a concurrent batch for the same people has
        # committed its entries before we get here, so the room left is exact.
        keys = [award.key for award in awards if award.cap is not None]
        if not keys:
            return awards
        return await within_caps(awards, await self.applied(keys))

    async def applied(self, keys: Sequence[str]) -> set[str]:
        """Which of these idempotency keys are in the ledger (an award with one of them
        would apply nothing)."""
        if not keys:
            return set()
        found = await PointsEntry.filter(idempotency_key__in=list(keys)).values_list(
            "idempotency_key", flat=True
        )
        return {str(key) for key in found}

    def _entry(self, award: Award, employee: dict[str, Any]) -> PointsEntry:
        periods = Periods.of(award.occurred_at, self.zone)
        return PointsEntry(
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
            department=employee["department"],
            location=employee["location"],
            counts_for_boards=award.counts_for_boards,
        )

    async def _move_points(
        self,
        connection: BaseDBAsyncClient,
        applied: list[tuple[Award, PointsEntry]],
        employees: dict[int, dict[str, Any]],
    ) -> None:
        """Add each employee's points once; refuse what would go below zero."""
        deltas: dict[int, int] = defaultdict(int)
        lowest: dict[int, int] = defaultdict(int)  # the lowest running total, in order
        for award, _ in applied:
            deltas[award.employee_id] += award.points
            if not award.overdraw:
                lowest[award.employee_id] = min(
                    lowest[award.employee_id], deltas[award.employee_id]
                )
        for employee_id, low in lowest.items():
            if low < 0:
                # A correction may not take the balance below zero: checked and applied in
                # one UPDATE, as a spend (which does not take the profile lock) may have
                # moved the balance since it was read.
                delta = deltas.pop(employee_id)
                updated = await Employee.filter(id=employee_id, points_balance__gte=-low).update(
                    points_balance=F("points_balance") + delta,
                    lifetime_points=F("lifetime_points") + delta,
                )
                if not updated:
                    balance = employees[employee_id]["points_balance"]
                    raise InsufficientPoints(
                        f"The balance is {balance} points; it cannot go below zero."
                    )
        await bulk.add_points(connection, deltas)

    def _progress(
        self,
        applied: list[tuple[Award, PointsEntry]],
        profiles: dict[int, Profile],
        employees: dict[int, dict[str, Any]],
    ) -> list[_Progress]:
        """Move counters, streaks and levels award by award, in batch order, exactly as
        if each award had come alone (profiles are changed in memory, saved by the caller)."""
        lifetime = {i: int(row["lifetime_points"]) for i, row in employees.items()}
        steps = []
        for award, entry in applied:
            profile = profiles[award.employee_id]
            lifetime[award.employee_id] += award.points
            crossed = self._count(profile, award, entry.week)
            level = self._new_level(profile, lifetime[award.employee_id])
            steps.append(_Progress(award, entry, sorted(crossed), level))
        return steps

    def _count(self, profile: Profile, award: Award, week: str) -> set[str]:
        """Move the counters; returns the badges whose threshold was just crossed.

        Only what earned points counts: an award a cap cut to nothing (a unique click
        past the day's cap) stays in the ledger with its reason, but moves no counter
        and no streak, so it reaches no badge (`rewarded`). A correction that names
        counters (a revoked referral) takes back what its entries moved, and earns nothing."""
        if award.points < 0 and award.counters:
            for name, delta in award.counters.items():
                setattr(profile, name, getattr(profile, name) + delta)
            return set()
        if not rewarded(award.points):
            return set()
        before = {name: getattr(profile, name) for name in (*award.counters, "streak_weeks")}
        for name, delta in award.counters.items():
            setattr(profile, name, getattr(profile, name) + delta)
        if award.share_week and profile.last_share_week != week:
            followed = profile.last_share_week == previous_week(week)
            profile.streak_weeks = profile.streak_weeks + 1 if followed else 1
            profile.last_share_week = week
        return {
            badge.code
            for badge in self.rules.badges
            if badge.counter in before
            and before[badge.counter] < badge.at_least <= getattr(profile, badge.counter)
        }

    def _new_level(self, profile: Profile, lifetime_points: int) -> int | None:
        level = self.rules.level_for(lifetime_points)
        if level <= profile.level:
            return None
        profile.level = level
        return level

    async def _record_badges(self, progress: list[_Progress]) -> dict[str, list[str]]:
        """Record the badges just earned: {award key: badges it earned}. A threshold
        crossed is earned once: a badge already held (a replay, a streak restarting) or
        crossed twice in one batch is not given again."""
        wanted = {(step.award.employee_id, code) for step in progress for code in step.crossed}
        if not wanted:
            return {}
        held = set(
            await BadgeAward.filter(
                employee_id__in={employee_id for employee_id, _ in wanted},
                badge__in={code for _, code in wanted},
            ).values_list("employee_id", "badge")
        )
        new = wanted - held
        now = self.clock.now()
        await BadgeAward.bulk_create(
            [BadgeAward(employee_id=e, badge=code, awarded_at=now) for e, code in sorted(new)],
            ignore_conflicts=True,
        )
        earned: dict[str, list[str]] = {}
        for step in progress:
            for code in step.crossed:
                if (step.award.employee_id, code) in new:
                    new.discard((step.award.employee_id, code))
                    earned.setdefault(step.award.key, []).append(code)
        return earned

    async def _after_commit(self, results: list[AwardResult]) -> None:
        ranked = [
            (result.entry, result.hidden)
            for result in results
            if result.entry.points and result.entry.counts_for_boards
        ]
        if ranked:
            try:
                await self.boards.add_many(ranked)
            except (OSError, RedisError) as exc:  # the ledger is right, a rebuild fixes boards
                log.warning("leaderboards not updated for %s entries: %s", len(ranked), exc)
        events: list[object] = []
        for result in results:
            entry = result.entry
            events.append(
                PointsAwarded(entry.employee_id, entry.points, entry.reason, entry.idempotency_key)
            )
            events.extend(BadgeEarned(entry.employee_id, code) for code in result.badges)
            if result.level is not None:
                events.append(LevelReached(entry.employee_id, result.level))
        await self.events.publish_many(events)

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
        return await self._shop_entry(employee_id, -cost, reason, source, key, note)

    async def refund(self, employee_id: int, points: int, *, source: str, key: str) -> None:
        """Give spent points back (inside the caller's transaction); once per key."""
        await self._shop_entry(employee_id, points, "refund", source, key)
        await Employee.filter(id=employee_id).update(points_balance=F("points_balance") + points)

    async def _shop_entry(
        self, employee_id: int, points: int, reason: str, source: str, key: str, note: str = ""
    ) -> PointsEntry:
        """A spend or refund entry, now: it moves the balance, never the leaderboards."""
        now = self.clock.now()
        periods = Periods.of(now, self.zone)
        employee = await Employee.get(id=employee_id)
        return await PointsEntry.create(
            employee_id=employee_id,
            points=points,
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
