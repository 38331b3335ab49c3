"""Recruiter analytics: the referral funnel, time to hire, ROI, and CSV exports.

The funnel is clicks → applications → interviews → offers → hires, grouped by job,
employee, department, channel or month. Clicks are unique clicks on job links (the click
table); the other stages are referrals that reached them (each referral keeps when it
first reached interview, offer and hire), counting only attributed, consented referrals
that are not duplicates. Months and days are in the company's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from app.csv_export import csv_lines
from app.jobs.models import JobOffer
from app.parsing import whole_number
from app.people.models import Employee
from app.referrals.models import Click, ClickClass, ContentType, Referral, ReferralStatus

FunnelBy = Literal["job", "employee", "department", "channel", "month"]
STAGES = ("clicks", "applications", "interviews", "offers", "hires")
CLICK_COLUMN = {
    "job": "content_id",
    "employee": "employee_id",
    "department": "department",
    "channel": "channel",
    "month": "day",
}
NOT_APPLICATIONS = (ReferralStatus.PENDING_CONSENT, ReferralStatus.DUPLICATE)


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
class Roi:
    hires: int
    job_board_cost_per_hire: float
    referral_cost_per_hire: float
    savings: float
    currency: str


class Funnel:
    def __init__(
        self,
        timezone: str,
        job_board_cost_per_hire: float,
        referral_cost_per_hire: float,
        currency: str,
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self.job_board_cost = job_board_cost_per_hire
        self.referral_cost = referral_cost_per_hire
        self.currency = currency

    async def rows(self, q: FunnelQuery) -> list[FunnelRow]:
        rows: dict[str, FunnelRow] = {}

        def row(key: str) -> FunnelRow:
            return rows.setdefault(key, FunnelRow(key=key, label=key))

        for key, clicks in (await self._clicks(q)).items():
            row(key).clicks += clicks
        days_to_hire: dict[str, list[float]] = defaultdict(list)
        for referral in await self._referrals(q):
            key = self._key(q.by, referral)
            current = row(key)
            current.applications += 1
            current.interviews += referral.interview_at is not None
            current.offers += referral.offer_at is not None
            if referral.hired_at is not None and referral.submitted_at is not None:
                current.hires += 1
                seconds = (referral.hired_at - referral.submitted_at).total_seconds()
                days_to_hire[key].append(seconds / 86400)
        for key, durations in days_to_hire.items():
            rows[key].avg_days_to_hire = round(sum(durations) / len(durations), 1)
        result = sorted(rows.values(), key=lambda r: r.key)
        await self._label(q.by, result)
        return result

    async def roi(self, q: FunnelQuery) -> Roi:
        hires = 0
        for referral in await self._referrals(q, stage_time="hired_at"):
            hires += referral.hired_at is not None
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
        where: dict[str, Any] = {
            "content_type": ContentType.JOB,
            "classification": ClickClass.UNIQUE,
        }
        if q.start:
            where["day__gte"] = q.start
        if q.end:
            where["day__lte"] = q.end
        if q.job_id is not None:
            where["content_id"] = q.job_id
        if q.employee_id is not None:
            where["employee_id"] = q.employee_id
        if q.department is not None:
            where["department"] = q.department
        if q.channel is not None:
            where["channel"] = q.channel
        column = CLICK_COLUMN[q.by]
        grouped = (
            await Click.filter(**where).annotate(n=Count("id")).group_by(column).values(column, "n")
        )
        counts: dict[str, int] = defaultdict(int)
        for item in grouped:
            value = item[column]
            plain = value.isoformat()[:7] if q.by == "month" else getattr(value, "value", value)
            key = str(plain)
            counts[key] += item["n"]
        return counts

    async def _referrals(self, q: FunnelQuery, stage_time: str = "submitted_at") -> list[Referral]:
        """Attributed applications whose `stage_time` falls in the period."""
        query = Referral.filter(referrer_id__isnull=False).exclude(status__in=NOT_APPLICATIONS)
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
        return list(await query.order_by("id"))

    def _midnight(self, day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=self.zone)

    def _key(self, by: FunnelBy, referral: Referral) -> str:
        if by == "job":
            return str(referral.job_id) if referral.job_id is not None else "general"
        if by == "employee":
            return str(referral.referrer_id)
        if by == "department":
            return referral.department
        if by == "channel":
            return referral.channel
        assert referral.submitted_at is not None
        return referral.submitted_at.astimezone(self.zone).strftime("%Y-%m")

    async def _label(self, by: FunnelBy, rows: list[FunnelRow]) -> None:
        ids = [i for i in (whole_number(r.key) for r in rows) if i is not None]
        names: dict[int, str] = {}
        if by == "job":
            names = dict(await JobOffer.filter(id__in=ids).values_list("id", "title"))
        elif by == "employee":
            names = dict(await Employee.filter(id__in=ids).values_list("id", "name"))
        for r in rows:
            if (key := whole_number(r.key)) is not None:
                r.label = names.get(key, r.key)
            elif r.key == "general":
                r.label = "General referral"
