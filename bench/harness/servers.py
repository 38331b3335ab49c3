"""Comparison servers for the redirect benchmark, each run in its own process.

    python bench/harness/servers.py baseline --port 8181 [--loop uvloop]
    python bench/harness/servers.py sync-insert --port 8182 --db postgres://...

`baseline` is the floor: a bare aiohttp app whose `/r/{code}` only answers 302, so the
ratio to it shows what Porte-voix's redirect costs on top of aiohttp itself.

`sync-insert` is what most link shorteners do: the handler INSERTs the click into the
database (PostgreSQL through an asyncpg pool, or SQLite through aiosqlite) and only
then answers 302. Links are looked up in a dict, so the only extra work is the write.
Both serve `GET /healthz` so that the benchmark knows when they are up.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

DESTINATION = "https://careers.example.com/jobs/backend-engineer"
CLICK_TABLE = "bench_click"
PG_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {CLICK_TABLE} (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    referrer TEXT NOT NULL
)"""
SQLITE_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {CLICK_TABLE} (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    occurred_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    ip TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    referrer TEXT NOT NULL
)"""

Insert = Callable[[str, str, str, str], Awaitable[None]]
INSERT_KEY = web.AppKey("insert", object)


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok")


def baseline_app() -> web.Application:
    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": DESTINATION})

    app = web.Application()
    app.router.add_get("/r/{code}", redirect)
    app.router.add_get("/healthz", healthz)
    return app


def sync_insert_app(database_url: str) -> web.Application:
    async def redirect(request: web.Request) -> web.Response:
        insert: Insert = request.app[INSERT_KEY]  # type: ignore[assignment]
        await insert(
            request.match_info["code"],
            request.headers.get("X-Forwarded-For", request.remote or ""),
            request.headers.get("User-Agent", "")[:512],
            request.headers.get("Referer", ""),
        )
        return web.Response(status=302, headers={"Location": DESTINATION})

    app = web.Application()
    app.router.add_get("/r/{code}", redirect)
    app.router.add_get("/healthz", healthz)
    if database_url.startswith(("postgres://", "postgresql://")):
        app.cleanup_ctx.append(_postgres(database_url))
    else:
        app.cleanup_ctx.append(_sqlite(database_url.removeprefix("sqlite://")))
    return app


def _postgres(database_url: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        import asyncpg

        dsn = "postgresql://" + database_url.split("://", 1)[1]
        pool: Any = await asyncpg.create_pool(dsn, min_size=10, max_size=10)
        await pool.execute(PG_SCHEMA)
        sql = f"INSERT INTO {CLICK_TABLE} (code, ip, user_agent, referrer) VALUES ($1, $2, $3, $4)"

        async def insert(code: str, ip: str, user_agent: str, referrer: str) -> None:
            await pool.execute(sql, code, ip, user_agent, referrer)

        app[INSERT_KEY] = insert
        yield
        await pool.close()

    return ctx


def _sqlite(path: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        import aiosqlite

        # The pragmas Tortoise uses for the app's own SQLite file, autocommit per INSERT.
        conn = await aiosqlite.connect(path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute(SQLITE_SCHEMA)
        sql = f"INSERT INTO {CLICK_TABLE} (code, ip, user_agent, referrer) VALUES (?, ?, ?, ?)"

        async def insert(code: str, ip: str, user_agent: str, referrer: str) -> None:
            await conn.execute(sql, (code, ip, user_agent, referrer))

        app[INSERT_KEY] = insert
        yield
        await conn.close()

    return ctx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["baseline", "sync-insert"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", default="", help="sync-insert: a postgres:// or sqlite:// URL")
    parser.add_argument(
        "--loop",
        choices=["asyncio", "uvloop"],
        default="asyncio",
        help="the event loop, the same as the app's when comparing with it",
    )
    args = parser.parse_args()
    app = baseline_app() if args.kind == "baseline" else sync_insert_app(args.db)
    loop = None
    if args.loop == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
