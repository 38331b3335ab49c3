"""Recruiter analytics: the referral funnel, what referral hires saved, and CSV exports.

The funnel is job clicks → applications → interviews → offers → hires, grouped by job,
employee, department, channel or month. Job clicks are unique clicks on job links, read
from the click roll-ups (`analytics.counts`); the other stages are attributed, consented
referrals that are not duplicates (each referral keeps when it first reached interview,
offer and hire), counted by GROUP BYs on the referral table, whose current status decides
(a referral later found a duplicate leaves every stage at once).

Every stage counts the events of the period *by the date of that event*: a click on its
day, an application on the day it was submitted, a hire on the day it was hired, all in
the company's time zone. So the hires of a period are the same number here, in the ROI
and on every surface. A local month is computed in SQL from the month's bounds, and the
days to hire are averaged in SQL: no referral comes back to Python to be counted.
docs/glossary.md defines each figure; `conversions` is the one rate.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from tortoise.expressions import RawSQL
from tortoise.queryset import QuerySet

from app.csv_export import csv_lines
from app.jobs.models import JobOffer
from app.parsing import whole_number
from app.people.service import NamesById
from app.referrals.analytics import counts as click_counts
from app.referrals.models import ContentType, Referral, ReferralStatus
from app.referrals.rollup import next_month

FunnelBy = Literal["job", "employee", "department", "channel", "month"]
STAGES = ("clicks", "applications", "interviews", "offers", "hires")
# Each stage's name, as the English msgid that every surface translates.
STAGE_NAMES = {
    "clicks": "Job clicks",
    "applications": "Applications",
    "interviews": "Interviews",
    "offers": "Offers",
    "hires": "Hires",
}
# When a referral reached each stage after clicks: the date a stage counts on.
STAGE_TIMES = {
    "applications": "submitted_at",
    "interviews": "interview_at",
    "offers": "offer_at",
    "hires": "hired_at",
}
CLICK_COLUMN = {
    "job": "content_id",
    "employee": "employee_id",
    "department": "department",
    "channel": "channel",
    "month": "day",
}
# A funnel filter → the click column it filters.
CLICK_FILTERS = {
    "job_id": "content_id",
    "employee_id": "employee_id",
    "department": "department",
    "channel": "channel",
}
REFERRAL_COLUMN = {
    "job": "job_id",
    "employee": "referrer_id",
    "department": "department",
    "channel": "channel",
}
NOT_APPLICATIONS = (ReferralStatus.PENDING_CONSENT, ReferralStatus.DUPLICATE)
COUNT_ALL = "COUNT(*)"  # not COUNT(id): lets PostgreSQL answer from an index alone
DAYS_TO_HIRE_POSTGRES = "AVG(EXTRACT(EPOCH FROM hired_at - submitted_at)) / 86400"
DAYS_TO_HIRE_SQLITE = "AVG(julianday(hired_at) - julianday(submitted_at))"


@dataclass(frozen=True)
class FunnelQuery:
    by: FunnelBy
    start: date | None = None
    end: date | None = None  # inclusive
    job_id: int | None = None
    employee_id: int | None = None
    department: str | None = None
    channel: str | None = None


@dataclass
class FunnelRow:
    key: str
    label: str
    clicks: int = 0
    applications: int = 0
    interviews: int = 0
    offers: int = 0
    hires: int = 0
    avg_days_to_hire: float | None = None


@dataclass(frozen=True)
class Conversion:
    """One stage of the funnel and its rate against the stage before it (None for the
    first stage, and when the stage before counted nothing)."""

    stage: str
    count: int
    rate: float | None


@dataclass(frozen=True)
class Roi:
    hires: int
    job_board_cost_per_hire: float
    referral_cost_per_hire: float
    savings: float
    currency: str


def conversions(row: FunnelRow) -> list[Conversion]:
    """Each stage's count and its conversion rate, taken against the previous stage."""
    counts = [getattr(row, stage) for stage in STAGES]
    return [
        Conversion(stage, count, None if i == 0 or not counts[i - 1] else count / counts[i - 1])
        for i, (stage, count) in enumerate(zip(STAGES, counts, strict=True))
    ]


class Funnel:
    def __init__(
        self,
        timezone: str,
        job_board_cost_per_hire: float,
        referral_cost_per_hire: float,
        currency: str,
        names: NamesById,
    ) -> None:
        self.names = names
        self.zone = ZoneInfo(timezone)
        self.job_board_cost = job_board_cost_per_hire
        self.referral_cost = referral_cost_per_hire
        self.currency = currency

    async def rows(self, q: FunnelQuery) -> list[FunnelRow]:
        """One row per key of `q.by` that has anything in the period, sorted by key."""
        rows: dict[str, FunnelRow] = {}

        def row(key: str) -> FunnelRow:
            return rows.setdefault(key, FunnelRow(key=key, label=key))

        # Independent queries: on PostgreSQL each takes its own connection, so the page
        # waits for the slowest, not for the sum.
        counts, days_to_hire = await asyncio.gather(
            asyncio.gather(
                self._clicks(q), *(self._stage(q, column) for column in STAGE_TIMES.values())
            ),
            self._days_to_hire(q),
        )
        for stage, per_key in zip(STAGES, counts, strict=True):
            for key, count in per_key.items():
                setattr(row(key), stage, count)
        for key, days in days_to_hire.items():
            row(key).avg_days_to_hire = days
        result = sorted(rows.values(), key=lambda r: r.key)
        await self._label(q.by, result)
        return result

    async def totals(self, q: FunnelQuery) -> FunnelRow:
        """The whole funnel of the period (`q.by` is ignored): the sum of any grouping."""
        total = FunnelRow("all", "")
        for row in await self.rows(replace(q, by="channel")):
            for stage in STAGES:
                setattr(total, stage, getattr(total, stage) + getattr(row, stage))
        return total

    async def roi(self, q: FunnelQuery) -> Roi:
        """The funnel's hires of the period × what each saves against a job board."""
        return self.savings(sum((await self._stage(q, STAGE_TIMES["hires"])).values()))

    def savings(self, hires: int) -> Roi:
        """What `hires` referral hires saved: each one × (job board − referral cost)."""
        saving = self.job_board_cost - self.referral_cost
        return Roi(hires, self.job_board_cost, self.referral_cost, hires * saving, self.currency)

    # -- CSV -----------------------------------------------------------------------------

    def funnel_csv(self, rows: list[FunnelRow]) -> Iterator[str]:
        return csv_lines(
            ["key", "label", *STAGES, "avg_days_to_hire"],
            (
                [r.key, r.label, r.clicks, r.applications, r.interviews, r.offers, r.hires,
                 r.avg_days_to_hire]
                for r in rows
            ),
        )  # fmt: skip

    # -- queries -------------------------------------------------------------------------

    async def _clicks(self, q: FunnelQuery) -> dict[str, int]:
        """Unique job clicks per key, from the click roll-ups (`analytics.counts`)."""
        where: dict[str, Any] = {"content_type": ContentType.JOB.value}
        for name, column in CLICK_FILTERS.items():
            if getattr(q, name) is not None:
                where[column] = getattr(q, name)
        column = CLICK_COLUMN[q.by]
        counts: dict[str, int] = defaultdict(int)
        for item in await click_counts((column,), where, q.start, q.end):
            value = item[column]
            plain = value.isoformat()[:7] if q.by == "month" else getattr(value, "value", value)
            if item["unique"]:  # a key whose job clicks were all repeats, bots... has none
                counts[str(plain)] += int(item["unique"])
        return counts

    async def _stage(self, q: FunnelQuery, stage_time: str) -> dict[str, int]:
        """How many referrals reached the stage of `stage_time` in the period, per key."""
        counts = await self._per_key(q, stage_time, COUNT_ALL)
        return {key: int(n) for key, n in counts.items()}

    async def _days_to_hire(self, q: FunnelQuery) -> dict[str, float]:
        """The average days from submission to hire of the period's hires, per key."""
        postgres = Referral._meta.db.capabilities.dialect == "postgres"
        days = DAYS_TO_HIRE_POSTGRES if postgres else DAYS_TO_HIRE_SQLITE
        averages = await self._per_key(q, "hired_at", days)
        return {key: round(float(avg), 1) for key, avg in averages.items() if avg is not None}

    async def _per_key(self, q: FunnelQuery, stage_time: str, aggregate: str) -> dict[str, Any]:
        """`aggregate` over the referrals that reached a stage in the period, per key of
        `q.by` (a local month: a CASE over the months' bounds, so PostgreSQL and SQLite
        group alike and no row comes back to Python)."""
        query = self._reached(q, stage_time)
        if q.by == "month":
            key = RawSQL(await self._month_of(query, q, stage_time))
            grouped = query.annotate(k=key, n=RawSQL(aggregate)).group_by("k").values("k", "n")
            return {str(item["k"]): item["n"] for item in await grouped if item["k"]}
        column = REFERRAL_COLUMN[q.by]
        rows = await query.annotate(n=RawSQL(aggregate)).group_by(column).values(column, "n")
        return {self._key(item[column]): item["n"] for item in rows}

    async def _month_of(self, query: QuerySet[Referral], q: FunnelQuery, stage_time: str) -> str:
        """SQL for the local month ("2026-11") of `stage_time`, for the period's months
        (an open period runs from the first such time to the last)."""
        first, last = q.start, q.end
        for bound, field in ((first, stage_time), (last, f"-{stage_time}")):
            if bound is None:
                found = await query.order_by(field).limit(1).values_list(stage_time, flat=True)
                if not found:
                    return "NULL"
                local = cast(datetime, found[0]).astimezone(self.zone).date()
                first, last = (local, last) if field == stage_time else (first, local)
        assert first is not None and last is not None
        cases = []
        month = first.replace(day=1)
        while month <= last:
            following = next_month(month)
            ends = self._midnight(following).astimezone(UTC).isoformat(" ")
            cases.append(f"WHEN {stage_time} < '{ends}' THEN '{month.isoformat()[:7]}'")
            month = following
        return f"CASE {' '.join(cases)} END"

    def _reached(self, q: FunnelQuery, stage_time: str) -> QuerySet[Referral]:
        """Attributed, consented applications whose `stage_time` falls in the period."""
        query = Referral.filter(referrer_id__isnull=False, submitted_at__isnull=False).exclude(
            status__in=NOT_APPLICATIONS
        )
        query = query.filter(**{f"{stage_time}__isnull": False})
        if q.start:
            query = query.filter(**{f"{stage_time}__gte": self._midnight(q.start)})
        if q.end:
            query = query.filter(**{f"{stage_time}__lt": self._midnight(q.end + timedelta(1))})
        if q.job_id is not None:
            query = query.filter(job_id=q.job_id)
        if q.employee_id is not None:
            query = query.filter(referrer_id=q.employee_id)
        if q.department is not None:
            query = query.filter(department=q.department)
        if q.channel is not None:
            query = query.filter(channel=q.channel)
        return query

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.zone)

    @staticmethod
    def _key(value: Any) -> str:
        """A group's key as text; referrals for no particular job are "general"."""
        if value is None:
            return "general"
        return str(getattr(value, "value", value))

    async def _label(self, by: FunnelBy, rows: list[FunnelRow]) -> None:
        ids = [i for i in (whole_number(r.key) for r in rows) if i is not None]
        names: dict[int, str] = {}
        if by == "job":
            # By the ids' range, not `id IN (...)`: a year's funnel per job may have
            # thousands of keys, and building that list into SQL is slow.
            span: dict[str, Any] = (
                {"id__gte": min(ids), "id__lte": max(ids)} if ids else {"id__in": []}
            )
            names = dict(await JobOffer.filter(**span).values_list("id", "title"))
        elif by == "employee":
            names = await self.names(ids)
        for r in rows:
            if (key := whole_number(r.key)) is not None:
                r.label = names.get(key, r.key)
            elif r.key == "general":
                r.label = "General referral"
