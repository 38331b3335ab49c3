"""The database layer: migrations and transactions, on SQLite and PostgreSQL."""

from __future__ import annotations

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
