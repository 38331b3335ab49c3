"""The figures every surface shows, each defined once (docs/glossary.md says what each
means in words).

The dashboard, the tables, the API, the chat's `/stats` and `/me`, the mini app and the
weekly digest all ask here (or the `ClickAnalytics` / `Funnel` queries behind it) and
never count on their own, so one question gets one answer everywhere.

Where each figure comes from (issue 16): reach and unique clicks, and the funnel's job
clicks, from the click roll-ups (app/referrals/rollup.py; `ClickAnalytics` picks the
narrowest that covers the question, raw clicks only for drill-down); the funnel's other
stages, days to hire and the savings from GROUP BYs on the referral table (20,000 rows a
year: a roll-up would have to follow every later status change, for little gain).

A period is a run of whole days in the company's time zone, both ends included: a click
counts on its `day`, a referral stage on the local day it was reached.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.referrals.analytics import ClickAnalytics, ClickQuery
from app.referrals.funnel import Funnel, FunnelQuery, FunnelRow, Roi
from app.referrals.models import Channel


@dataclass(frozen=True)
class Period:
    """Whole local days from `start` to `end`, both included; no bound means all time."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def last_days(cls, days: int, now: datetime, zone: ZoneInfo) -> Period:
        """The `days` local days that end today (today included)."""
        today = now.astimezone(zone).date()
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def week_to_date(cls, now: datetime, zone: ZoneInfo) -> Period:
        """From this local week's Monday to today."""
        today = now.astimezone(zone).date()
        return cls(today - timedelta(days=today.weekday()), today)

    @property
    def days(self) -> list[date]:
        assert self.start is not None and self.end is not None
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Overview:
    """The headline figures of a period."""

    period: Period
    reach: int  # every click served, whatever its class, on jobs and news
    unique_clicks: int  # unique clicks on jobs and news
    funnel: FunnelRow  # job clicks → applications → interviews → offers → hires
    roi: Roi


class Figures:
    def __init__(self, analytics: ClickAnalytics, funnel: Funnel, timezone: str) -> None:
        self.analytics = analytics
        self.funnel = funnel
        self.zone = ZoneInfo(timezone)

    def last_days(self, days: int, now: datetime) -> Period:
        return Period.last_days(days, now, self.zone)

    def week_to_date(self, now: datetime) -> Period:
        return Period.week_to_date(now, self.zone)

    async def overview(self, period: Period) -> Overview:
        """Reach, unique clicks, the funnel and the savings of a period."""
        (reach, unique), funnel = await asyncio.gather(
            self.analytics.totals(ClickQuery(by="day", start=period.start, end=period.end)),
            self.funnel.totals(FunnelQuery("channel", period.start, period.end)),
        )
        return Overview(
            period=period,
            reach=reach,
            unique_clicks=unique,
            funnel=funnel,
            roi=self.funnel.savings(funnel.hires),
        )

    async def unique_clicks_of(self, employee_id: int, period: Period = Period()) -> int:
        """Unique clicks on one employee's links (jobs and news) in the period."""
        _raw, unique = await self.analytics.totals(
            ClickQuery(by="day", start=period.start, end=period.end, employee_id=employee_id)
        )
        return unique

    async def unique_clicks_per_day(
        self, period: Period, employee_id: int | None = None
    ) -> list[int]:
        """Unique clicks on each day of the period (on one employee's links if given)."""
        rows = await self.analytics.clicks(
            ClickQuery(
                by="day",
                start=period.start,
                end=period.end,
                employee_id=employee_id,
                limit=len(period.days),
            )
        )
        unique = {row["key"]["day"]: row["unique"] for row in rows}
        return [unique.get(day.isoformat(), 0) for day in period.days]

    async def unique_clicks_per_channel_day(self, period: Period) -> dict[str, list[int]]:
        """Unique clicks of each channel (its code) on each day of the period, the
        channel with the most first; a channel without clicks is left out."""
        days = [day.isoformat() for day in period.days]
        rows = await self.analytics.clicks(
            ClickQuery(
                by="channel_day",
                start=period.start,
                end=period.end,
                limit=len(days) * len(Channel),
            )
        )
        series: dict[str, list[int]] = {}
        for row in rows:
            line = series.setdefault(str(row["key"]["channel"]), [0] * len(days))
            line[days.index(str(row["key"]["day"]))] += row["unique"]
        return dict(sorted(series.items(), key=lambda item: -sum(item[1])))
