"""Team challenges: a target for a department over a period, and a bonus for every member
when it is reached (e.g. 300 unique clicks for Engineering in November).

Progress is always counted from stored facts (clicks, ledger entries), never incremented,
so it cannot drift; it is refreshed when a relevant event arrives for that department.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator
from tortoise.functions import Sum

from app.clock import Clock
from app.events import ClickRecorded, EventBus, PointsAwarded, ShareRecorded
from app.gamification.ledger import Award, Ledger
from app.gamification.models import Challenge, PointsEntry
from app.people.models import Employee, EmployeeStatus
from app.referrals.analytics import ClickAnalytics, ClickQuery

log = logging.getLogger(__name__)
Metric = Literal["unique_clicks", "points", "shares"]


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
        analytics: ClickAnalytics,
        timezone: str,
    ) -> None:
        self.analytics = analytics
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

    async def on_clicks(self, events: list[ClickRecorded]) -> None:
        unique = {event.employee_id for event in events if event.classification == "unique"}
        await self.refresh_for(unique, "unique_clicks")

    async def on_points(self, events: list[PointsAwarded]) -> None:
        # A bonus must not feed its own target.
        earners = {e.employee_id for e in events if not e.key.startswith("challenge:")}
        await self.refresh_for(earners, "points")

    async def on_share(self, event: ShareRecorded) -> None:
        await self.refresh_for({event.employee_id}, "shares")

    async def refresh_for(self, employee_ids: set[int], metric: Metric) -> None:
        """Refresh the live challenges on `metric` of these employees' departments."""
        if not employee_ids:
            return
        today = self.clock.now().astimezone(self.zone).date()
        live = await Challenge.filter(
            metric=metric, reached_at=None, starts_on__lte=today, ends_on__gte=today
        )
        if not live:  # the usual case: one cheap query per batch of events
            return
        departments = set(
            await Employee.filter(id__in=employee_ids).values_list("department", flat=True)
        )
        for challenge in live:
            if challenge.department in departments:
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
        if challenge.metric == "unique_clicks":
            rows = await self.analytics.clicks(
                ClickQuery(
                    by="department",
                    department=challenge.department,
                    start=challenge.starts_on,
                    end=challenge.ends_on,
                )
            )
            return sum(row["unique"] for row in rows)
        start = datetime.combine(challenge.starts_on, time.min, self.zone)
        end = datetime.combine(challenge.ends_on + timedelta(days=1), time.min, self.zone)
        entries = PointsEntry.filter(
            department=challenge.department, occurred_at__gte=start, occurred_at__lt=end
        )
        if challenge.metric == "shares":
            return await entries.filter(reason="share").count()
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
