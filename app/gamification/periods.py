"""Leaderboard periods (ISO week, month, quarter) in the company's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Periods:
    week: str  # 2026-W48
    month: str  # 2026-11
    quarter: str  # 2026-Q4

    @classmethod
    def of(cls, at: datetime, zone: ZoneInfo) -> Periods:
        local = at.astimezone(zone)
        year, week, _ = local.isocalendar()
        return cls(
            week=f"{year}-W{week:02d}",
            month=f"{local.year}-{local.month:02d}",
            quarter=f"{local.year}-Q{(local.month - 1) // 3 + 1}",
        )

    def get(self, period: str) -> str:
        return "all" if period == "all" else str(getattr(self, period))


def previous_week(week: str) -> str:
    """'2026-W01' -> '2025-W53' or '2025-W52', following the ISO calendar."""
    year, number = week.split("-W")
    monday = datetime.fromisocalendar(int(year), int(number), 1)
    before = monday - timedelta(days=7)
    y, w, _ = before.isocalendar()
    return f"{y}-W{w:02d}"
