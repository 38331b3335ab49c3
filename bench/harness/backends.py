"""The storage a benchmark of Porte-voix runs on, seeded through the real services.

Embedded: SQLite files in the run's temporary folder (the app's Redis lives inside the
app process). With TEST_DATABASE_URL and TEST_REDIS_URL: a new PostgreSQL database
`portevoix_bench_<random>`, dropped at the end, and a Redis database of the run's own
(see `claim_redis_database`), flushed at the end.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from harness.processes import child_env
from harness.scratch import admin_dsn, create_database, drop_database
from harness.servers import CLICK_TABLE

SECRET_KEY = "bench-secret-key-0123456789abcdef"
OWNER_KEY = "portevoix-bench:owner"


@dataclass
class Backend:
    label: str
    database_url: str
    redis_url: str  # "" = embedded (in-process Redis inside the app process)
    sync_insert_url: str
    sqlite_path: Path | None = None
    admin_dsn: str = ""
    database_name: str = ""
    run_id: str = ""

    @property
    def embedded(self) -> bool:
        return not self.redis_url


def _asyncpg_dsn(url: str) -> str:
    return "postgresql://" + url.split("://", 1)[1]


async def claim_redis_database(test_redis_url: str, run_id: str) -> str:
    """BENCH_REDIS_URL (flushed), or the highest-numbered empty database of TEST_REDIS_URL's
    server other than the test suite's own. A key marks it as this run's, so a flush by
    anyone else during the run is noticed instead of showing up as lost clicks."""
    from redis.asyncio import Redis

    explicit = os.environ.get("BENCH_REDIS_URL", "")
    parts = urlsplit(explicit or test_redis_url)
    if explicit:
        url = explicit
    else:
        test_db = int(parts.path.strip("/") or 0)
        probe = Redis.from_url(urlunsplit(parts._replace(path="/0")))
        try:
            used = {int(name[2:]) for name in await probe.info("keyspace")}
        finally:
            await probe.aclose()
        free = [n for n in range(15, -1, -1) if n != test_db and n not in used]
        if not free:
            raise RuntimeError("no empty Redis database: set BENCH_REDIS_URL")
        url = urlunsplit(parts._replace(path=f"/{free[0]}"))
    redis = Redis.from_url(url)
    try:
        if explicit:
            await redis.flushdb()
        await redis.set(OWNER_KEY, run_id)
    finally:
        await redis.aclose()
    return url


async def redis_is_ours(backend: Backend) -> bool:
    if backend.embedded:
        return True
    from redis.asyncio import Redis

    redis = Redis.from_url(backend.redis_url, decode_responses=True)
    try:
        owner = await redis.get(OWNER_KEY)
    finally:
        await redis.aclose()
    return bool(owner == backend.run_id)


def redis_flushed_error(backend: Backend) -> RuntimeError:
    return RuntimeError(
        f"Redis database {backend.redis_url} was flushed by another client during the run "
        "(a test suite?): the results are void. Set BENCH_REDIS_URL to a database of your own."
    )


async def open_backend(workdir: Path) -> Backend:
    database_url = os.environ.get("TEST_DATABASE_URL", "")
    redis_url = os.environ.get("TEST_REDIS_URL", "")
    if not (database_url and redis_url):
        path = workdir / "portevoix.sqlite3"
        return Backend(
            label="embedded (SQLite + in-process Redis)",
            database_url=f"sqlite://{path}",
            redis_url="",
            sync_insert_url=f"sqlite://{workdir / 'sync_insert.sqlite3'}",
            sqlite_path=path,
        )
    run_id = uuid.uuid4().hex[:8]
    url, name = await create_database(database_url)
    backend = Backend(
        label="PostgreSQL + Redis",
        database_url=url,
        redis_url=await claim_redis_database(redis_url, run_id),
        sync_insert_url=url,
        admin_dsn=admin_dsn(database_url),
        database_name=name,
        run_id=run_id,
    )
    return backend


async def close_backend(backend: Backend) -> None:
    if backend.embedded:
        return
    from redis.asyncio import Redis

    await drop_database(backend.admin_dsn, backend.database_name)
    if not await redis_is_ours(backend):
        return  # someone else's now: leave it alone
    redis = Redis.from_url(backend.redis_url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


def app_env(
    backend: Backend,
    port: int,
    workdir: Path,
    log_level: str = "INFO",
    loop: str = "asyncio",
    settings: dict[str, str] | None = None,
) -> dict[str, str]:
    """The settings of a `portevoix run` or `worker` process on `backend` that the load
    generator's visitors reach (PROXY_COUNT=1: their X-Forwarded-For is their address),
    plus `settings` (`--set NAME=VALUE`), which win."""
    from app.settings import Settings

    values = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": backend.database_url,
        "REDIS_URL": backend.redis_url,
        "SECRET_KEY": SECRET_KEY,
        "DATA_DIR": str(workdir / "data"),
        "LOG_LEVEL": log_level,
        "EVENT_LOOP": loop,
        "DEMO_ON_EMPTY": "false",
        "PROXY_COUNT": "1",
        # 256 visitors at full speed are far above the abuse ceilings: high enough never to
        # answer 429, but on, so that their Redis counting is part of what is measured.
        "REDIRECT_LIMIT_PER_MINUTE": "100000000",
        "REDIRECT_ADDRESS_LIMIT_PER_MINUTE": "100000000",
        **{name.upper(): value for name, value in (settings or {}).items()},
    }
    return child_env({name.upper() for name in Settings.model_fields}, values)


async def seed(backend: Backend, workdir: Path, base_url: str) -> list[str]:
    """Migrate, then make the links through the real services; returns the link codes."""
    from app.jobs.schemas import JobCreate
    from app.people.schemas import EmployeeCreate
    from app.referrals.models import ContentType
    from app.runtime import CLI_PROCESS, open_runtime
    from app.settings import load_settings

    settings = load_settings(
        database_url=backend.database_url,
        redis_url=backend.redis_url,
        secret_key=SECRET_KEY,
        data_dir=workdir / "data",
        public_base_url=base_url,
    )
    async with open_runtime(settings, CLI_PROCESS, migrate=True) as runtime:
        await runtime.policy.publish_from_files()
        sharer = await runtime.people.create(
            EmployeeCreate(email="ada@example.com", name="Ada Sharer", department="Engineering")
        )
        await runtime.policy.accept(sharer, "telegram")
        job = await runtime.content.create_job(
            JobCreate(
                title="Backend Engineer",
                apply_url="https://careers.example.com/jobs/backend-engineer",
            )
        )
        await runtime.content.publish_job(job.id)
        shares = await runtime.links.shares(sharer, ContentType.JOB, job.id)
    return [share.code for share in shares]


async def stored_clicks(backend: Backend) -> dict[str, int]:
    sql = "SELECT classification, COUNT(*) FROM click GROUP BY classification"
    if backend.sqlite_path is not None:
        with sqlite3.connect(backend.sqlite_path, timeout=10) as conn:
            return {str(c): int(n) for c, n in conn.execute(sql)}
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(backend.database_url), timeout=5)
    try:
        return {str(c): int(n) for c, n in await conn.fetch(sql)}
    finally:
        await conn.close()


async def stored_sync_inserts(backend: Backend) -> int:
    sql = f"SELECT COUNT(*) FROM {CLICK_TABLE}"
    url = backend.sync_insert_url
    if url.startswith("sqlite://"):
        with sqlite3.connect(url.removeprefix("sqlite://"), timeout=10) as conn:
            return int(conn.execute(sql).fetchone()[0])
    import asyncpg

    conn = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


async def stream_backlog(backend: Backend) -> int:
    """Entries in the click stream (0 when embedded: that stream is inside the app)."""
    if backend.embedded:
        return 0
    from redis.asyncio import Redis

    redis = Redis.from_url(backend.redis_url)
    try:
        return int(await redis.xlen("clicks"))
    finally:
        await redis.aclose()
