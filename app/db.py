"""The database: Tortoise ORM on SQLite (embedded) or PostgreSQL, and its migrations.

All models of all domains live in one Tortoise app, `portevoix`, whose migrations are
committed in `app/migrations/` (write a new one with `make migrations`).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.context import TortoiseContext
from tortoise.migrations.executor import MigrationExecutor
from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)

APP_LABEL = "portevoix"
MODEL_MODULES = [
    "app.people.models",
    "app.jobs.models",
    "app.referrals.models",
    "app.gamification.models",
    "app.broadcasts.models",
]
MIGRATIONS_MODULE = "app.migrations"
# Set on every PostgreSQL connection of the app, at connect time. asyncpg prepares each
# statement and PostgreSQL switches a prepared statement to a generic plan after five
# runs: for a date range, a plan that ignores the dates (a year of clicks read day by
# day through an index, 1.4 s instead of 0.1 s). Planning for the values each time costs
# a fraction of a millisecond on the statements the app runs.
POSTGRES_SESSION = {"plan_cache_mode": "force_custom_plan"}


async def keep_session(connection: object) -> None:
    """The pool's reset of a released connection: nothing.

    asyncpg's default sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    after every query made outside a transaction: one more round trip each time, to
    undo session state the app never creates (no session advisory locks, cursors,
    LISTEN or SET; only the settings above, given at connect time, which RESET ALL
    would keep anyway). An open transaction is still rolled back by asyncpg itself
    before this runs."""


def _connection(url: str) -> str | dict[str, Any]:
    """The URL as it is for SQLite; PostgreSQL's with the session settings and reset."""
    if urlsplit(url).scheme not in ("postgres", "asyncpg"):
        return url
    config = expand_db_url(url)
    credentials = config["credentials"]
    credentials["server_settings"] = POSTGRES_SESSION.copy()
    credentials["reset"] = keep_session
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    url = database_url
    if url.startswith("postgresql://"):
        url = "postgres://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    return {
        "connections": {"default": _connection(url)},
        "apps": {
            APP_LABEL: {
                "models": MODEL_MODULES,
                "migrations": MIGRATIONS_MODULE,
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


# Used by `make migrations` (python -m tortoise -c app.db.MIGRATIONS_CONFIG makemigrations).
MIGRATIONS_CONFIG = tortoise_config("sqlite://data/makemigrations.sqlite3")


def _utc_text(value: datetime) -> str:
    return (value.astimezone(UTC) if value.tzinfo else value).isoformat(" ")


async def open_db(database_url: str) -> TortoiseContext:
    """Connect; the context is also the global fallback so aiohttp handler tasks see it."""
    # Tortoise caches each model's INSERT statement by connection name, not by dialect:
    # a process that opens SQLite then PostgreSQL (the test suite) must start afresh.
    EXECUTOR_CACHE.clear()
    # SQLite compares datetimes as text: Tortoise writes each with its own offset, so a
    # bound like "00:00+01:00" (a local day start) would compare wrongly with stored UTC
    # times. Every datetime goes to SQLite in UTC instead (PostgreSQL needs nothing).
    import tortoise.backends.sqlite.executor  # noqa: F401  (registers its adapter first)

    sqlite3.register_adapter(datetime, _utc_text)
    ctx = TortoiseContext()
    ctx.__enter__()
    await ctx.init(config=tortoise_config(database_url), _enable_global_fallback=True)
    return ctx


async def close_db(ctx: TortoiseContext) -> None:
    await ctx.close_connections()
    # Closed from another asyncio context than the one that opened it (aiohttp cleanup,
    # pytest teardown), the token cannot be reset: that context is gone anyway.
    with contextlib.suppress(ValueError):
        ctx.__exit__(None, None, None)


def connection(ctx: TortoiseContext) -> BaseDBAsyncClient:
    return ctx.db()


async def migrate(
    ctx: TortoiseContext, progress: Callable[[str, str, str], object] | None = None
) -> list[str]:
    """Apply every pending migration; returns the names applied."""
    applied: list[str] = []

    def on_event(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(name)
        if progress is not None:
            progress(event, app_label, name)

    config = tortoise_config("sqlite://:memory:")["apps"]
    executor = MigrationExecutor(ctx.db(), config)
    await executor.migrate(progress=on_event)
    for name in applied:
        log.info("migration applied: %s", name)
    return applied


async def copy_csv(connection: BaseDBAsyncClient, query: str) -> str:
    """The rows of `query` as CSV text written by PostgreSQL itself (`COPY (query) TO
    STDOUT`): for an export, several times faster than decoding the rows in Python."""
    chunks: list[bytes] = []

    async def keep(chunk: bytes) -> None:
        chunks.append(chunk)

    async with connection.acquire_connection() as raw:
        await raw.copy_from_query(query, output=keep, format="csv")
    return b"".join(chunks).decode()


async def ping(ctx: TortoiseContext) -> None:
    await ctx.db().execute_query("SELECT 1")


def transaction() -> Any:
    """`async with transaction():` — every query inside commits or rolls back together."""
    return in_transaction("default")


def given_changes(model: Any, changes: dict[str, Any]) -> dict[str, Any]:
    """The fields of a partial update to write: an explicit null on a column that cannot
    be empty means "leave it as it is" (a PATCH sends only what changes), never a NULL
    the database would refuse."""
    columns = model._meta.fields_map
    return {
        name: value
        for name, value in changes.items()
        if value is not None or (name in columns and columns[name].null)
    }


def describe(database_url: str) -> str:
    """The URL without its password, for logs and the CLI."""
    parts = urlsplit(database_url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return database_url
