"""The database layer: migrations and transactions, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncpg
import pytest

from app import db
from app.people.models import Employee
from app.runtime import Runtime
from tests.helpers import make_employee


async def test_migrations_are_applied_once(runtime: Runtime) -> None:
    assert await db.migrate(runtime.db) == []
    rows = await runtime.db.db().execute_query_dict("SELECT name FROM tortoise_migrations")
    assert [row["name"] for row in rows] == [
        "0001_initial",
        "0002_gamification",
        "0003_referrals",
        "0004_bots",
        "0005_broadcasts",
        "0006_delivery_sent_today_index",
        "0007_employee_language_chosen",
        "0008_broadcast_targeting",
        "0009_click_rollup",
        "0010_ledger_partial_indexes",
        "0011_scim",
    ]


async def test_a_failed_transaction_writes_nothing(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await make_employee(runtime)
            raise RuntimeError("boom")
    assert await Employee.all().count() == 0


async def test_readiness_ping_answers(runtime: Runtime) -> None:
    await db.ping(runtime.db)


def test_database_urls_are_described_without_password() -> None:
    assert db.describe("postgres://app:s3cret@db:5432/pv") == "postgres://app:***@db:5432/pv"


async def test_local_time_bounds_compare_correctly_on_every_backend(runtime: Runtime) -> None:
    """A day that starts at midnight in Paris is 23:00 UTC the day before; a record at
    23:30 UTC belongs to it, one at 22:30 UTC does not."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    ada = await make_employee(runtime)
    paris_midnight = datetime(2026, 11, 27, tzinfo=ZoneInfo("Europe/Paris"))
    for hour, minute in ((22, 30), (23, 30)):
        stamp = datetime(2026, 11, 26, hour, minute, tzinfo=UTC)
        await Employee.filter(id=ada.id).update(left_at=stamp)
        inside = await Employee.filter(id=ada.id, left_at__gte=paris_midnight).exists()
        assert inside == (hour == 23)


def postgres_only(runtime: Runtime) -> None:
    if runtime.db.db().capabilities.dialect != "postgres":
        pytest.skip("about PostgreSQL's connection pool")


async def test_a_query_costs_one_round_trip_no_reset_after_it(runtime: Runtime) -> None:
    """asyncpg's pool resets a released connection with a second statement by default
    (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`). The server's view
    of the app's connection shows the last statement it ran: ours, not a reset."""
    postgres_only(runtime)
    marker = "SELECT pg_backend_pid() AS pid, 'nothing after me' AS marker"
    [row] = await runtime.db.db().execute_query_dict(marker)
    observer = await asyncpg.connect(
        "postgresql://" + runtime.settings.database_url.split("://", 1)[1]
    )
    try:
        last = await observer.fetchval(
            "SELECT query FROM pg_stat_activity WHERE pid = $1", row["pid"]
        )
    finally:
        await observer.close()
    assert last == marker


async def test_every_connection_plans_each_statement_for_its_values(runtime: Runtime) -> None:
    """A prepared statement run more than five times keeps a plan made for its values
    (a generic plan reads a year of clicks day by day: bench/worker.py measures it)."""
    postgres_only(runtime)
    rows = await runtime.db.db().execute_query_dict("SHOW plan_cache_mode")
    assert rows == [{"plan_cache_mode": "force_custom_plan"}]
