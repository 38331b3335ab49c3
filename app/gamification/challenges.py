"""Team challenges: a target for a department over a period, and a bonus for every member
when it is reached (e.g. 300 unique clicks for Engineering in November).

Progress is always counted from the ledger, never incremented, so it cannot drift; it is
refreshed when points are awarded in that department. It counts what the rules rewarded
(`ledger.rewarded`): a unique click past the day's cap, or a share nobody opened yet,
earned nothing and brings a challenge no closer.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator
from tortoise.functions import Sum

from app.clock import Clock
from app.events import EventBus, PointsAwarded
from app.gamification.ledger import REWARDED, Award, Ledger, rewarded
from app.gamification.models import Challenge, PointsEntry
from app.people.models import Employee, EmployeeStatus

log = logging.getLogger(__name__)
Metric = Literal["unique_clicks", "points", "shares"]
# The ledger reason each counting metric counts (entries that earned points).
COUNTED_REASONS: dict[str, Metric] = {"unique_click": "unique_clicks", "share": "shares"}


class ChallengeDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    department: str = Field(min_length=1, max_length=100)
    metric: Metric
    target: int = Field(ge=1)
    starts_on: date
    ends_on: date
    bonus_points: int = Field(default=0, ge=0, le=100_000)

    @model_validator(mode="after")
    def _ordered(self) -> ChallengeDraft:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        # Measured in the company's time zone and stored as UTC: year 1 or 9999 overflow.
        if self.starts_on.year < 2000 or self.ends_on.year > 2999:
            raise ValueError("the dates must be between the years 2000 and 2999")
        return self


class Challenges:
    def __init__(
        self,
        clock: Clock,
        events: EventBus,
        ledger: Ledger,
        timezone: str,
    ) -> None:
        self.clock = clock
        self.events = events
        self.ledger = ledger
        self.zone = ZoneInfo(timezone)

    async def create(self, draft: ChallengeDraft) -> Challenge:
        return await Challenge.create(**draft.model_dump(), created_at=self.clock.now())

    async def for_department(self, department: str) -> list[Challenge]:
        today = self.clock.now().astimezone(self.zone).date()
        return list(
            await Challenge.filter(department=department, ends_on__gte=today).order_by("ends_on")
        )

    async def all(self) -> list[Challenge]:
        return list(await Challenge.all().order_by("-starts_on", "id"))

    async def on_points(self, events: list[PointsAwarded]) -> None:
        # A bonus must not feed its own target. Clicks and shares count when they earned
        # points (`rewarded`), so they are refreshed from the ledger's awards too.
        earned = [e for e in events if not e.key.startswith("challenge:")]
        moved: dict[str, set[int]] = {"points": {e.employee_id for e in earned}}
        for reason, metric in COUNTED_REASONS.items():
            moved[metric] = {
                e.employee_id for e in earned if e.reason == reason and rewarded(e.points)
            }
        await self.refresh_for({metric: ids for metric, ids in moved.items() if ids})

    async def refresh_for(self, moved: dict[str, set[int]]) -> None:
        """Refresh the live challenges on each metric of `moved` in the departments of
        the employees it moved: one query for every metric when none is live (the usual
        case, once per batch of points)."""
        if not moved:
            return
        today = self.clock.now().astimezone(self.zone).date()
        live = await Challenge.filter(
            metric__in=list(moved), reached_at=None, starts_on__lte=today, ends_on__gte=today
        )
        if not live:
            return
        employee_ids = set().union(*(moved[challenge.metric] for challenge in live))
        departments = dict(
            await Employee.filter(id__in=employee_ids).values_list("id", "department")
        )
        for challenge in live:
            if challenge.department in {departments.get(i) for i in moved[challenge.metric]}:
                await self.refresh(challenge)

    async def refresh(self, challenge: Challenge) -> Challenge:
        challenge.progress = await self._measure(challenge)
        fields = ["progress"]
        reached = challenge.reached_at is None and challenge.progress >= challenge.target
        if reached:
            challenge.reached_at = self.clock.now()
            fields.append("reached_at")
        await challenge.save(update_fields=fields)
        if reached:
            await self._pay_bonus(challenge)
        return challenge

    async def _measure(self, challenge: Challenge) -> int:
        start = datetime.combine(challenge.starts_on, time.min, self.zone)
        end = datetime.combine(challenge.ends_on + timedelta(days=1), time.min, self.zone)
        entries = PointsEntry.filter(
            department=challenge.department, occurred_at__gte=start, occurred_at__lt=end
        )
        counted = {metric: reason for reason, metric in COUNTED_REASONS.items()}
        if challenge.metric in counted:  # rewarded entries: `ledger.rewarded`
            return await entries.filter(REWARDED, reason=counted[challenge.metric]).count()
        rows = (
            await entries.filter(counts_for_boards=True)
            .exclude(reason__in=["challenge_bonus"])
            .annotate(total=Sum("points"))
            .values("total")
        )
        return int(rows[0]["total"] or 0) if rows else 0

    async def _pay_bonus(self, challenge: Challenge) -> None:
        if not challenge.bonus_points:
            return
        members = [
            row["id"]
            for row in await Employee.filter(department=challenge.department)
            .exclude(status=EmployeeStatus.LEFT)
            .values("id")
        ]
        await self.ledger.award_many(
            [
                Award(
                    employee_id=int(employee_id),
                    points=challenge.bonus_points,
                    reason="challenge_bonus",
                    source=f"challenge:{challenge.id}",
                    key=f"challenge:{challenge.id}:{employee_id}",
                    occurred_at=self.clock.now(),
                    note=challenge.name,
                )
                for employee_id in members
            ]
        )
        log.info("challenge %s reached: %s members rewarded", challenge.id, len(members))
