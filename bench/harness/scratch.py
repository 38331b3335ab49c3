"""Scratch storage for a benchmark run: a PostgreSQL database created for the run and
dropped at its end, and the Redis database the run may use; or, without
TEST_DATABASE_URL / TEST_REDIS_URL, an SQLite file and the in-process Redis.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harness.processes import progress


@dataclass
class Backend:
    label: str
    database_url: str
    redis_url: str  # "" = embedded (in-process fakeredis)
    admin_dsn: str = ""
    database_name: str = ""

    @property
    def postgres(self) -> bool:
        return bool(self.database_name)


def admin_dsn(database_url: str) -> str:
    """asyncpg's form of the server's URL (it wants postgresql://, no query)."""
    return urlunsplit(urlsplit(database_url)._replace(scheme="postgresql", query=""))


async def create_database(database_url: str) -> tuple[str, str]:
    """A new database `portevoix_bench_<random>` on that server: (its URL, its name)."""
    import asyncpg

    name = f"portevoix_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(admin_dsn(database_url), timeout=5)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return urlunsplit(urlsplit(database_url)._replace(path=f"/{name}")), name


async def drop_database(dsn: str, name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn, timeout=5)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
    progress(f"dropped database {name}")


def bench_redis_url(test_redis_url: str, db_index: int) -> str:
    """BENCH_REDIS_URL if set, else database `db_index` of the test Redis."""
    explicit = os.environ.get("BENCH_REDIS_URL")
    if explicit:
        return explicit
    return urlunsplit(urlsplit(test_redis_url)._replace(path=f"/{db_index}"))


def with_pool_size(url: str, size: int | None) -> str:
    if not size:
        return url
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query)) | {"maxsize": str(size)}
    return urlunsplit(parts._replace(query=urlencode(query)))


async def open_backend(workdir: Path, redis_db: int, pool_size: int | None = None) -> Backend:
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    if not (database_url and redis_url):
        path = workdir / "portevoix.sqlite3"
        return Backend("embedded (SQLite + in-process Redis)", f"sqlite://{path}", "")
    url, name = await create_database(database_url)
    return Backend(
        label="PostgreSQL + Redis",
        database_url=with_pool_size(url, pool_size),
        redis_url=bench_redis_url(redis_url, redis_db),
        admin_dsn=admin_dsn(database_url),
        database_name=name,
    )


async def close_backend(backend: Backend) -> None:
    if backend.postgres:
        await drop_database(backend.admin_dsn, backend.database_name)
