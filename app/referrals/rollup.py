"""The click roll-ups: raw and unique clicks per day (and per month) along a few
dimensions, so that analytics sum a few thousand rows instead of scanning raw clicks.

Each roll-up is narrow, made for the questions it answers (a roll-up at link × day would
barely compress: most of its cells would hold one click). A click counts once in each:

- `click_by_channel`: channel × content type (the overview, the channel lines, job clicks);
- `click_by_department`: department × channel × content type;
- `click_by_content`: content × channel (top content, the funnel per job);
- `click_by_employee`: employee × department × content type (top advocates, a person).

Every roll-up holds a row per local day (`grain` "d") and per month ("m", dated the 1st),
so a long period sums its whole months and only its edge days (`PeriodSlices`).

One SQL statement per roll-up defines what it counts (`_count_sql`), used both when
clicks are stored and when the roll-ups are rebuilt from the click table:

- `store_clicks` inserts a batch (`ON CONFLICT (click_id) DO NOTHING RETURNING id`) and
  adds the rows it actually inserted to each roll-up, in the caller's transaction: a
  replayed click, or one a concurrent worker stored first, is counted by nobody twice.
- `rebuild` recounts month by month: in one transaction per month, it locks the roll-ups
  (PostgreSQL, `EXCLUSIVE`: readers go on, writers wait), deletes the month and counts it
  again from the clicks. A writer's transaction holds its clicks and its counts together,
  so the recount sees either both (committed before the lock) or neither (the writer
  waits for the lock and adds its counts after). SQLite has one writer: the same holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from app.db import transaction
from app.referrals.models import (
    Click,
    ClickByChannel,
    ClickByContent,
    ClickByDepartment,
    ClickByEmployee,
    ClickClass,
    ClickRollup,
    Grain,
)

UNIQUE_COUNT = f"SUM(CASE WHEN classification = '{ClickClass.UNIQUE.value}' THEN 1 ELSE 0 END)"
# The click columns stored, with their PostgreSQL array types.
CLICK_COLUMNS = {
    "click_id": "text",
    "link_id": "int",
    "occurred_at": "timestamptz",
    "day": "date",
    "classification": "text",
    "visitor_hash": "text",
    "ua_family": "text",
    "referrer_host": "text",
    "country": "text",
    "employee_id": "int",
    "department": "text",
    "content_type": "text",
    "content_id": "int",
    "channel": "text",
}
SQLITE_ROWS_PER_INSERT = 1000  # 14 columns × 1,000 rows: under SQLite's 32,766 values


@dataclass(frozen=True)
class Rollup:
    model: type[ClickRollup]
    dimensions: tuple[str, ...]

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)


# Narrowest first: a query reads the first one that has every column it needs. Writers
# and the rebuild touch them in this order too (PostgreSQL row locks: no deadlock).
ROLLUPS = (
    Rollup(ClickByChannel, ("channel", "content_type")),
    Rollup(ClickByDepartment, ("department", "channel", "content_type")),
    Rollup(ClickByContent, ("content_type", "content_id", "channel")),
    Rollup(ClickByEmployee, ("employee_id", "department", "content_type")),
)


def covering(columns: set[str]) -> Rollup | None:
    """The narrowest roll-up that has every column of `columns` (None: read raw clicks)."""
    return next((r for r in ROLLUPS if columns <= set(r.dimensions)), None)


def _postgres(connection: BaseDBAsyncClient) -> bool:
    return connection.capabilities.dialect == "postgres"


def _count_sql(rollup: Rollup, clicks: str, postgres: bool) -> str:
    """Add the counts of the clicks matching `clicks` (a WHERE clause on `click`) to the
    roll-up, per day and per month."""
    month = (
        "CAST(date_trunc('month', CAST(day AS timestamp)) AS date)"
        if postgres
        else "date(day, 'start of month')"
    )
    dims = ", ".join(rollup.dimensions)
    key = f"grain, day, {dims}"

    def counted(grain: Grain, day: str) -> str:
        return (
            f"SELECT '{grain.value}' AS grain, {day} AS day, {dims}, COUNT(*) AS raw_clicks, "
            f"{UNIQUE_COUNT} AS unique_clicks FROM click WHERE {clicks} GROUP BY {day}, {dims}"
        )

    table = rollup.table
    # `WHERE true`: SQLite needs it to parse an upsert after a SELECT. The ORDER BY takes
    # the rows' locks in one order, whoever writes.
    return (
        f"INSERT INTO {table} ({key}, raw_clicks, unique_clicks) "
        f"SELECT * FROM ({counted(Grain.DAY, 'day')} UNION ALL {counted(Grain.MONTH, month)})"
        f" AS counted WHERE true ORDER BY {key} ON CONFLICT ({key}) DO UPDATE SET "
        f"raw_clicks = {table}.raw_clicks + excluded.raw_clicks, "
        f"unique_clicks = {table}.unique_clicks + excluded.unique_clicks"
    )


# -- storing clicks -------------------------------------------------------------------------


async def store_clicks(connection: BaseDBAsyncClient, rows: Sequence[Click]) -> list[Click]:
    """Insert the clicks whose `click_id` is not stored yet and count them in every
    roll-up; returns the rows inserted (with their ids). Run it in a transaction."""
    ids = await _insert(connection, rows)
    inserted = [row for row in rows if row.click_id in ids]
    for row in inserted:
        row.id = ids[row.click_id]
    if inserted:
        await _count(connection, sorted(ids.values()))
    return inserted


def _values(row: Click, name: str) -> Any:
    value = getattr(row, name)
    return getattr(value, "value", value)  # enums as their text


async def _insert(connection: BaseDBAsyncClient, rows: Sequence[Click]) -> dict[str, int]:
    if not rows:
        return {}
    names = ", ".join(CLICK_COLUMNS)
    suffix = "ON CONFLICT (click_id) DO NOTHING RETURNING id, click_id"
    if _postgres(connection):
        arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(CLICK_COLUMNS.values(), 1))
        sql = f"INSERT INTO click ({names}) SELECT * FROM unnest({arrays}) {suffix}"
        columns = [[_values(row, name) for row in rows] for name in CLICK_COLUMNS]
        return await _returned(connection, sql, columns)
    inserted: dict[str, int] = {}
    one = f"({', '.join('?' for _ in CLICK_COLUMNS)})"
    for start in range(0, len(rows), SQLITE_ROWS_PER_INSERT):
        chunk = rows[start : start + SQLITE_ROWS_PER_INSERT]
        sql = f"INSERT INTO click ({names}) VALUES {', '.join(one for _ in chunk)} {suffix}"
        values = [_sqlite(_values(row, name)) for row in chunk for name in CLICK_COLUMNS]
        inserted.update(await _returned(connection, sql, values))
    return inserted


def _sqlite(value: Any) -> Any:
    # Dates as Tortoise writes them (datetimes go through the adapter of app.db).
    return value.isoformat() if type(value) is date else value


async def _returned(connection: BaseDBAsyncClient, sql: str, values: list[Any]) -> dict[str, int]:
    # execute_query_dict: Tortoise's execute_query drops the rows of an INSERT on asyncpg.
    rows = await connection.execute_query_dict(sql, values)
    return {str(row["click_id"]): int(row["id"]) for row in rows}


async def _count(connection: BaseDBAsyncClient, ids: list[int]) -> None:
    """Add the clicks of `ids` (just inserted) to every roll-up."""
    if _postgres(connection):
        for rollup in ROLLUPS:
            await _add_counts(connection, rollup, "id = ANY($1::bigint[])", [ids])
        return
    for start in range(0, len(ids), SQLITE_ROWS_PER_INSERT):
        chunk = ids[start : start + SQLITE_ROWS_PER_INSERT]
        where = f"id IN ({', '.join('?' for _ in chunk)})"
        for rollup in ROLLUPS:
            await _add_counts(connection, rollup, where, chunk)


async def _add_counts(
    connection: BaseDBAsyncClient, rollup: Rollup, clicks: str, values: list[Any]
) -> None:
    postgres = _postgres(connection)
    # The WHERE appears twice (days, months): PostgreSQL's $n are named, SQLite's ? not.
    await connection.execute_query(
        _count_sql(rollup, clicks, postgres), values if postgres else values * 2
    )


# -- rebuilding -----------------------------------------------------------------------------


async def rebuild(progress: Callable[[int, int], object] = lambda done, total: None) -> int:
    """Count every roll-up again from the click table, a month at a time (safe while
    clicks are being stored: see the module's docstring); returns the months rebuilt."""
    months = await _months_to_rebuild()
    if months:
        progress(0, len(months))
    for done, (first, last) in enumerate(months, 1):
        async with transaction() as connection:
            postgres = _postgres(connection)
            if postgres:
                tables = ", ".join(r.table for r in ROLLUPS)
                await connection.execute_script(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
            bounds = [first, last] if postgres else [first.isoformat(), last.isoformat()]
            where = "day >= $1 AND day <= $2" if postgres else "day >= ? AND day <= ?"
            for rollup in ROLLUPS:
                await connection.execute_query(f"DELETE FROM {rollup.table} WHERE {where}", bounds)
                await _add_counts(connection, rollup, where, bounds)
        progress(done, len(months))
    if months and _postgres(Click._meta.db):
        # Fresh statistics: without them the planner takes a rebuilt roll-up for empty
        # and sorts on disk what it would otherwise hash in memory.
        await Click._meta.db.execute_script(f"ANALYZE {', '.join(r.table for r in ROLLUPS)}")
    return len(months)


async def _months_to_rebuild() -> list[tuple[date, date]]:
    """Every month from the earliest day in the clicks or the roll-ups to the latest."""
    days: list[Any] = []
    models: list[type[Click] | type[ClickRollup]] = [Click, *(r.model for r in ROLLUPS)]
    for model in models:
        for field in ("day", "-day"):
            days += await model.all().order_by(field).limit(1).values_list("day", flat=True)
    if not days:
        return []
    months = []
    first = min(days).replace(day=1)
    while first <= max(days):
        following = next_month(first)
        months.append((first, following - timedelta(days=1)))
        first = following
    return months


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
