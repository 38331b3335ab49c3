"""Shared fixtures: a clean database and Redis for every test, on every backend.

Every test that asks for `runtime` (or `client`) runs twice: on the embedded backends
(SQLite + in-process Redis) and, when TEST_DATABASE_URL and TEST_REDIS_URL are set, on
real PostgreSQL and Redis. With REQUIRE_SERVICES=1 (CI) a missing server fails the run
instead of skipping.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from app import db
from app.clock import FrozenClock
from app.runtime import EMBEDDED_RUN, Runtime, open_runtime
from app.server import create_app
from app.settings import Settings, load_settings
from app.store import in_process_redis
from tests.helpers import AppServer

ADMIN_TOKEN = "test-admin-token-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef"
START = datetime(2026, 11, 26, 9, 30, tzinfo=UTC)
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# aiosmtpd (the tests' local SMTP server) logs each connection at INFO from its own thread,
# sometimes after pytest closed the test's captured stream: "--- Logging error ---" noise.
logging.getLogger("mail.log").setLevel(logging.WARNING)
BACKENDS = ["embedded", "servers"]
# What a skipped test was missing (a fragment of its skip reason) and how to provide it.
MISSING = {
    "TEST_DATABASE_URL": "PostgreSQL and Redis (set TEST_DATABASE_URL and TEST_REDIS_URL)",
    "Chromium": "Chromium (apt-get install chromium, or set CHROMIUM)",
}


def _servers_or_skip() -> tuple[str, str]:
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    if not (database_url and redis_url):
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but TEST_DATABASE_URL/TEST_REDIS_URL are not set")
        pytest.skip("TEST_DATABASE_URL and TEST_REDIS_URL are not set")
    return database_url, redis_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"

    async def build() -> None:
        ctx = await db.open_db(f"sqlite://{path}")
        try:
            await db.migrate(ctx)
        finally:
            await db.close_db(ctx)

    asyncio.run(build())
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    base_url, _ = _servers_or_skip()
    name = f"portevoix_test_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(base_url)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin_dsn = urlunsplit(parts._replace(scheme="postgresql"))

    async def admin(sql: str) -> None:
        try:
            conn = await asyncpg.connect(admin_dsn, timeout=5)
        except (OSError, asyncpg.PostgresError) as exc:
            pytest.fail(f"PostgreSQL at {base_url} is unreachable: {exc}")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    async def migrate() -> None:
        ctx = await db.open_db(url)
        try:
            await db.migrate(ctx)
        finally:
            await db.close_db(ctx)

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(migrate())
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    for name in ("DATABASE_URL", "REDIS_URL", "ADMIN_TOKEN", "SECRET_KEY", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    overrides: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "admin_token": ADMIN_TOKEN,
        "secret_key": SECRET_KEY,
        "public_base_url": "https://advocacy.test",
    }
    if backend == "servers":
        _, redis_url = _servers_or_skip()
        overrides["database_url"] = request.getfixturevalue("postgres_url")
        overrides["redis_url"] = redis_url
    else:
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "portevoix.sqlite3"
        shutil.copy(template, path)
        overrides["database_url"] = f"sqlite://{path}"
    return load_settings(**overrides)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def runtime(settings: Settings, clock: FrozenClock) -> AsyncIterator[Runtime]:
    # Embedded tests get an in-process Redis each: a data directory's shared one is a
    # separate process, which tests/test_store_host.py and tests/journeys/ exercise.
    redis = None if settings.redis_url else in_process_redis()
    async with open_runtime(settings, EMBEDDED_RUN, clock=clock, redis=redis) as opened:
        if settings.redis_url:
            await _reset_servers(opened)
        yield opened


async def _reset_servers(runtime: Runtime) -> None:
    try:
        await runtime.redis.flushdb()
    except OSError as exc:
        pytest.fail(f"Redis at {runtime.settings.redis_url} is unreachable: {exc}")
    connection = runtime.db.db()
    rows = await connection.execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename <> 'tortoise_migrations'"
    )
    tables = ", ".join(f'"{row["tablename"]}"' for row in rows)
    await connection.execute_script(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
async def client(settings: Settings, runtime: Runtime) -> AsyncIterator[TestClient]:
    app = create_app(settings, runtime)
    async with TestClient(AppServer(app)) as test_client:
        yield test_client


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def redis_server_client() -> AsyncIterator[Redis]:
    """A client of the real Redis, for tests of the store itself."""
    _, redis_url = _servers_or_skip()
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def pytest_unconfigure(config: pytest.Config) -> None:
    """End the run with one line saying what was skipped and what would run it, so a
    green run on a laptop without the servers is not mistaken for the whole suite."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if not skipped:
        return
    needs: dict[str, int] = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        need = next((how for key, how in MISSING.items() if key in reason), "")
        needs[need] = needs.get(need, 0) + 1
    # The others are by design: tests of one backend's behaviour, skipped on the other.
    parts = [
        f"{n} need {need}" if need else f"{n} only apply to one backend"
        for need, n in needs.items()
    ]
    missing = any(needs.keys() - {""})
    hint = "; .ci/run installs and starts them (README, Development)" if missing else ""
    reporter.write_line(f"{len(skipped)} tests skipped: {', '.join(parts)}{hint}.", yellow=True)


# The fake chat platforms, and a running app with its bots, for every test.
from tests.channel_fixtures import (  # noqa: E402, F401
    connector,
    engine,
    engine_settings,
    fake,
    teams,
    telegram,
)
