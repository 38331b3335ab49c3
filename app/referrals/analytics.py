"""Click analytics: raw and unique clicks grouped by link, employee, content, channel,
department or day, over a period.

They are read from the narrowest click roll-up that has every column a question groups
and filters on (app/referrals/rollup.py): whole months from its monthly rows, the edge
days from its daily rows. What no roll-up covers (by link, or an unusual mix of filters
such as a department and a content) is a GROUP BY on the click table, which carries
everything needed (see `Click`) and keeps every click for drill-down and exports.

The two click figures are defined here and nowhere else (docs/glossary.md): `raw` is
every click served, whatever its class; `unique` is the clicks classified unique. Both
count a click on its `day` (the local day in the company's time zone); the roll-ups
count the same two figures per day (`rollup._count_sql`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from app.jobs.models import JobOffer, NewsPost
from app.people.service import NamesById
from app.referrals.models import Click, Grain
from app.referrals.rollup import UNIQUE_COUNT, covering, next_month

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
FILTERS = ("employee_id", "content_type", "content_id", "channel", "department")
# On raw clicks: COUNT(*), not COUNT(id), and no id in the unique count either, so that
# PostgreSQL can answer from an index on (day, channel) that includes the classification.
RAW_COUNTS = {"raw": "COUNT(*)", "unique": UNIQUE_COUNT}
ROLLUP_COUNTS = {"raw": "SUM(raw_clicks)", "unique": "SUM(unique_clicks)"}


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
    def __init__(self, names: NamesById) -> None:
        self.names = names

    async def clicks(self, q: ClickQuery) -> list[dict[str, Any]]:
        columns = GROUP_COLUMNS[q.by]
        rows = await counts(
            columns, _filters(q), q.start, q.end, order=q.order, limit=q.limit, months=False
        )
        result = [
            {
                "key": {c: _plain(row[c]) for c in columns},
                "raw": int(row["raw"] or 0),
                "unique": int(row["unique"] or 0),
            }
            for row in rows
        ]
        await self._label(q.by, result)
        return result

    async def totals(self, q: ClickQuery) -> tuple[int, int]:
        """(raw, unique) clicks matching `q`'s filters, over every group (`q.by` ignored)."""
        rows = await counts((), _filters(q), q.start, q.end)
        return (int(rows[0]["raw"] or 0), int(rows[0]["unique"] or 0)) if rows else (0, 0)

    async def _label(self, by: str, rows: list[dict[str, Any]]) -> None:
        """Add a human label (a name, a title) to employee and content rows."""
        if by == "employee":
            ids = [row["key"]["employee_id"] for row in rows]
            names = await self.names(ids)
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


def _filters(q: ClickQuery) -> dict[str, Any]:
    return {name: getattr(q, name) for name in FILTERS if getattr(q, name) is not None}


async def counts(
    columns: tuple[str, ...],
    where: dict[str, Any],
    start: date | None,
    end: date | None,
    *,
    order: Literal["key", "unique"] = "key",
    limit: int | None = None,
    months: bool = True,
) -> list[dict[str, Any]]:
    """Raw and unique clicks per `columns` (group) among the clicks matching `where`
    (column = value) from `start` to `end`, from a roll-up when one covers them.

    Grouped by "day", a roll-up's monthly rows stand for whole months (dated the 1st)
    when `months` is true (the caller folds days into months), else only daily rows are
    read."""
    rollup = covering({c for c in (*columns, *where) if c != "day"})
    query: QuerySet[Any]
    if rollup is None:
        query = Click.filter(**where, **_day_bounds(start, end))
        sums = RAW_COUNTS
    else:
        daily = "day" in columns and not months
        periods = [Q(**{"grain": g, **_day_bounds(a, b)}) for g, a, b in slices(start, end, daily)]
        query = rollup.model.filter(Q(*periods, join_type="OR"), **where)
        sums = ROLLUP_COUNTS
    query = query.annotate(**{name: RawSQL(sql) for name, sql in sums.items()})
    if columns:
        query = query.group_by(*columns).order_by(
            *(("-unique", "-raw", *columns) if order == "unique" else columns)
        )
    if limit is not None:
        query = query.limit(limit)
    return await query.values(*columns, "raw", "unique")


def _day_bounds(start: date | None, end: date | None) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if start is not None:
        bounds["day__gte"] = start
    if end is not None:
        bounds["day__lte"] = end
    return bounds


def slices(
    start: date | None, end: date | None, daily: bool = False
) -> list[tuple[Grain, date | None, date | None]]:
    """The roll-up rows that make up `start`..`end` (None: unbounded): monthly rows for
    the whole months inside (a monthly row is dated the 1st), daily rows for the days at
    either edge; only daily rows when `daily`."""
    first = start if start is None or start.day == 1 else next_month(start)
    last = end
    if end is not None and next_month(end) != end + timedelta(1):  # not a month's last day
        last = end.replace(day=1) - timedelta(1)
    if daily or (first is not None and last is not None and first > last):
        return [(Grain.DAY, start, end)]
    parts: list[tuple[Grain, date | None, date | None]] = [(Grain.MONTH, first, last)]
    if start is not None and first is not None and first != start:
        parts.append((Grain.DAY, start, first - timedelta(1)))
    if end is not None and last is not None and last != end:
        parts.append((Grain.DAY, last + timedelta(1), end))
    return parts


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return getattr(value, "value", value)
