"""Click analytics: raw and unique clicks grouped by link, employee, content, channel,
department or day, over a period. Plain GROUP BYs on the click table, which carries
everything needed (see `Click`).

The two click figures are defined here and nowhere else (docs/glossary.md): `raw` is
every click served, whatever its class; `unique` is the clicks classified unique. Both
count a click on its `day` (the local day in the company's time zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from tortoise.expressions import RawSQL

from app.jobs.models import JobOffer, NewsPost
from app.people.models import Employee
from app.referrals.models import Click, ClickClass

Dimension = Literal["link", "employee", "content", "channel", "department", "day", "channel_day"]
GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "link": ("link_id",),
    "employee": ("employee_id",),
    "content": ("content_type", "content_id"),
    "channel": ("channel",),
    "department": ("department",),
    "day": ("day",),
    "channel_day": ("channel", "day"),  # the overview's lines: one query, not one a channel
}
# COUNT(*), not COUNT(id), and no id in the unique count either, so that PostgreSQL can
# answer from an index on (day, channel) that includes the classification.
RAW = "COUNT(*)"
UNIQUE = f"SUM(CASE WHEN classification = '{ClickClass.UNIQUE.value}' THEN 1 ELSE 0 END)"


@dataclass(frozen=True)
class ClickQuery:
    by: Dimension
    start: date | None = None
    end: date | None = None  # inclusive
    employee_id: int | None = None
    content_type: str | None = None
    content_id: int | None = None
    channel: str | None = None
    department: str | None = None
    order: Literal["key", "unique"] = "key"
    limit: int = 100


class ClickAnalytics:
    async def clicks(self, q: ClickQuery) -> list[dict[str, Any]]:
        columns = GROUP_COLUMNS[q.by]
        query = Click.filter(**self._where(q))
        rows = (
            await query.annotate(raw=RawSQL(RAW), unique=RawSQL(UNIQUE))
            .group_by(*columns)
            .order_by(*(("-unique", "-raw") if q.order == "unique" else columns))
            .limit(q.limit)
            .values(*columns, "raw", "unique")
        )
        result = [
            {
                "key": {c: _plain(row[c]) for c in columns},
                "raw": int(row["raw"]),
                "unique": int(row["unique"] or 0),
            }
            for row in rows
        ]
        await self._label(q.by, result)
        return result

    async def totals(self, q: ClickQuery) -> tuple[int, int]:
        """(raw, unique) clicks matching `q`'s filters, over every group (`q.by` ignored)."""
        rows = await (
            Click.filter(**self._where(q))
            .annotate(raw=RawSQL(RAW), unique=RawSQL(UNIQUE))
            .values("raw", "unique")
        )
        return (int(rows[0]["raw"]), int(rows[0]["unique"] or 0)) if rows else (0, 0)

    def _where(self, q: ClickQuery) -> dict[str, Any]:
        where: dict[str, Any] = {}
        if q.start:
            where["day__gte"] = q.start
        if q.end:
            where["day__lte"] = q.end
        for name in ("employee_id", "content_type", "content_id", "channel", "department"):
            value = getattr(q, name)
            if value is not None:
                where[name] = value
        return where

    async def _label(self, by: str, rows: list[dict[str, Any]]) -> None:
        """Add a human label (a name, a title) to employee and content rows."""
        if by == "employee":
            ids = [row["key"]["employee_id"] for row in rows]
            names = dict(await Employee.filter(id__in=ids).values_list("id", "name"))
            for row in rows:
                row["label"] = names.get(row["key"]["employee_id"], "")
        elif by == "content":
            jobs = {r["key"]["content_id"] for r in rows if r["key"]["content_type"] == "job"}
            news = {r["key"]["content_id"] for r in rows if r["key"]["content_type"] == "news"}
            titles = {
                ("job", i): t
                for i, t in await JobOffer.filter(id__in=jobs).values_list("id", "title")
            } | {
                ("news", i): t
                for i, t in await NewsPost.filter(id__in=news).values_list("id", "title")
            }
            for row in rows:
                key = (row["key"]["content_type"], row["key"]["content_id"])
                row["label"] = titles.get(key, "")
        else:
            for row in rows:
                row["label"] = " ".join(str(v) for v in row["key"].values())


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)
