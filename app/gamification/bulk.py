"""The raw SQL of the batched award path: one statement for many rows, on PostgreSQL and
SQLite, each in the form its dialect writes fastest.

The ORM has no "insert these rows, skip the keys that exist and tell me which went in",
and updating hundreds of rows with different values would be hundreds of statements; so
these few statements are written by hand, here and nowhere else. PostgreSQL gets one
array per column (`unnest`): one prepared statement whatever the batch size. SQLite runs
in-process, where a statement costs little, so it gets plain VALUES lists and
`executemany`. Every function runs inside the caller's transaction (`connection`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from app.gamification.models import PointsEntry, Profile

# The ledger columns written for each entry, with their PostgreSQL array types.
ENTRY_COLUMNS = {
    "employee_id": "int",
    "points": "int",
    "reason": "text",
    "source": "text",
    "idempotency_key": "text",
    "note": "text",
    "occurred_at": "timestamptz",
    "created_at": "timestamptz",
    "week": "text",
    "month": "text",
    "quarter": "text",
    "department": "text",
    "location": "text",
    "counts_for_boards": "bool",
}
# The profile state an award moves (never `leaderboard_opt_out`: that is a setting,
# changed without the profile lock, and must not be written back from a stale read).
PROFILE_COLUMNS = {
    "shares": "int",
    "unique_clicks": "int",
    "referrals": "int",
    "interviews": "int",
    "hires": "int",
    "streak_weeks": "int",
    "last_share_week": "text",
    "level": "int",
}
# SQLite allows 32,766 bound values per statement; 14 columns x 1,000 rows stays under.
SQLITE_ROWS_PER_INSERT = 1000


def _postgres(connection: BaseDBAsyncClient) -> bool:
    return connection.capabilities.dialect == "postgres"


async def insert_entries(
    connection: BaseDBAsyncClient, entries: Sequence[PointsEntry]
) -> dict[str, int]:
    """INSERT the entries, skipping any whose idempotency key is already in the ledger
    (ON CONFLICT DO NOTHING: a replay is not an error and does not abort the batch).
    Returns {key: new id} for the entries written. Keys must be distinct in `entries`."""
    if not entries:
        return {}
    names = ", ".join(ENTRY_COLUMNS)
    columns = [[getattr(entry, name) for entry in entries] for name in ENTRY_COLUMNS]
    if _postgres(connection):
        arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(ENTRY_COLUMNS.values(), 1))
        sql = (
            f"INSERT INTO points_entry ({names}) SELECT * FROM unnest({arrays}) "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
        )
        return await _returned(connection, sql, columns)
    written: dict[str, int] = {}
    row = f"({', '.join('?' for _ in ENTRY_COLUMNS)})"
    for start in range(0, len(entries), SQLITE_ROWS_PER_INSERT):
        chunk = entries[start : start + SQLITE_ROWS_PER_INSERT]
        sql = (
            f"INSERT INTO points_entry ({names}) VALUES {', '.join(row for _ in chunk)} "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, idempotency_key"
        )
        values = [getattr(entry, name) for entry in chunk for name in ENTRY_COLUMNS]
        written.update(await _returned(connection, sql, values))
    return written


async def _returned(connection: BaseDBAsyncClient, sql: str, values: list[Any]) -> dict[str, int]:
    # execute_query_dict: Tortoise's execute_query drops the rows of an INSERT on asyncpg.
    rows = await connection.execute_query_dict(sql, values)
    return {str(row["idempotency_key"]): int(row["id"]) for row in rows}


async def add_points(connection: BaseDBAsyncClient, deltas: dict[int, int]) -> None:
    """Add each employee's points to their balance and lifetime points, unconditionally:
    the caller has checked that no balance can go below zero (unless an award may
    overdraw: points taken back that were already spent)."""
    moved = [(employee_id, delta) for employee_id, delta in sorted(deltas.items()) if delta]
    if not moved:
        return
    if _postgres(connection):
        await connection.execute_query(
            "UPDATE employee AS e SET points_balance = e.points_balance + d.delta, "
            "lifetime_points = e.lifetime_points + d.delta "
            "FROM unnest($1::int[], $2::int[]) AS d(id, delta) WHERE e.id = d.id",
            [[m[0] for m in moved], [m[1] for m in moved]],
        )
        return
    await connection.execute_many(
        "UPDATE employee SET points_balance = points_balance + ?, "
        "lifetime_points = lifetime_points + ? WHERE id = ?",
        [[delta, delta, employee_id] for employee_id, delta in moved],
    )


async def save_profiles(connection: BaseDBAsyncClient, profiles: Sequence[Profile]) -> None:
    """Write the counters, streak and level of these profiles (locked by the caller)."""
    if not profiles:
        return
    if _postgres(connection):
        names = ["employee_id", *PROFILE_COLUMNS]
        kinds = ["int", *PROFILE_COLUMNS.values()]
        arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(kinds, 1))
        assignments = ", ".join(f"{name} = d.{name}" for name in PROFILE_COLUMNS)
        await connection.execute_query(
            f"UPDATE gamification_profile AS p SET {assignments} "
            f"FROM unnest({arrays}) AS d({', '.join(names)}) "
            "WHERE p.employee_id = d.employee_id",
            [[getattr(profile, name) for profile in profiles] for name in names],
        )
        return
    assignments = ", ".join(f"{name} = ?" for name in PROFILE_COLUMNS)
    await connection.execute_many(
        f"UPDATE gamification_profile SET {assignments} WHERE employee_id = ?",
        [[*(getattr(p, name) for name in PROFILE_COLUMNS), p.employee_id] for p in profiles],
    )


async def create_profiles(connection: BaseDBAsyncClient, employee_ids: Sequence[int]) -> None:
    """A profile with the model's defaults for each employee who has none, in one
    statement (they almost always exist: an ORM object per employee of every batch, to
    find that out, cost more than the rest of the statement)."""
    if not employee_ids:
        return
    names = [name for name in Profile._meta.fields_map if name != "employee_id"]
    defaults = [Profile._meta.fields_map[name].default for name in names]
    insert = f"INSERT INTO gamification_profile (employee_id, {', '.join(names)}) SELECT value"
    if _postgres(connection):
        values = ", ".join(f"${n}" for n in range(2, len(names) + 2))
        await connection.execute_query(
            f"{insert}, {values} FROM unnest($1::int[]) AS ids(value) "
            "ON CONFLICT (employee_id) DO NOTHING",
            [list(employee_ids), *defaults],
        )
        return
    values = ", ".join("?" for _ in names)
    await connection.execute_query(  # SQLite wants a WHERE before ON CONFLICT here
        f"{insert}, {values} FROM json_each(?) WHERE true ON CONFLICT (employee_id) DO NOTHING",
        [*defaults, json.dumps(list(employee_ids))],
    )
