"""Click analytics: raw and unique clicks grouped by link, employee, content, channel,
department or day, over a period. Plain GROUP BYs on the click table, which carries
everything needed (see `Click`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from tortoise.expressions import Q
from tortoise.functions import Count

from app.jobs.models import JobOffer, NewsPost
from app.people.models import Employee
from app.referrals.models import Click, ClickClass

Dimension = Literal["link", "employee", "content", "channel", "department", "day"]
GROUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "link": ("link_id",),
    "employee": ("employee_id",),
    "content": ("content_type", "content_id"),
    "channel": ("channel",),
    "department": ("department",),
    "day": ("day",),
}


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
            await query.annotate(
                raw=Count("id"),
                unique=Count("id", _filter=Q(classification=ClickClass.UNIQUE)),
            )
            .group_by(*columns)
            .order_by(*(("-unique", "-raw") if q.order == "unique" else columns))
            .limit(q.limit)
            .values(*columns, "raw", "unique")
        )
        result = [
            {
                "key": {c: _plain(row[c]) for c in columns},
                "raw": row["raw"],
                "unique": row["unique"],
            }
            for row in rows
        ]
        await self._label(q.by, result)
        return result

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
