"""The Redis client of the whole application.

`REDIS_URL` set: a real Redis, through one pooled redis-py asyncio client with timeouts.
Unset: the installation's embedded Redis (`app.store_host`: one fakeredis server per data
directory, on a unix socket, shared by every `portevoix` process), through the very same
pooled client, so the code that uses Redis is the same in both modes. Redis only ever
holds what can be rebuilt or what is on its way to the database (see DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.connection import UnixDomainSocketConnection
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from app import store_host
from app.settings import Settings


async def open_redis(settings: Settings) -> Redis:
    """The client of `REDIS_URL`, or of the data directory's embedded Redis (started
    first if no process of this installation runs it)."""
    options: dict[str, Any] = {
        "socket_timeout": settings.redis_timeout_seconds,
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "max_connections": settings.redis_max_connections,
        "timeout": settings.redis_timeout_seconds,
        "retry_on_timeout": True,
    }
    # A busy pool makes a caller wait for a free connection (up to the timeout)
    # instead of failing: "too many connections" is load, not Redis being down.
    if settings.redis_url:
        pool = BlockingConnectionPool.from_url(
            settings.redis_url, health_check_interval=30, **options
        )
        return Redis(connection_pool=pool)
    host = EmbeddedHost(
        settings.data_dir,
        settings.embedded_redis_idle_seconds,
        settings.embedded_redis_snapshot_seconds,
    )
    path = await host.join()
    pool = BlockingConnectionPool(
        connection_class=HostedConnection, path=str(path), host=host, **options
    )
    return Redis(connection_pool=pool)


class EmbeddedHost:
    """The data directory's embedded Redis, as its joiners know it."""

    def __init__(self, data_dir: Path, idle_seconds: float, snapshot_seconds: float) -> None:
        self.data_dir = data_dir
        self.idle_seconds = idle_seconds
        self.snapshot_seconds = snapshot_seconds

    async def join(self) -> Path:
        return await store_host.join(self.data_dir, self.idle_seconds, self.snapshot_seconds)


class HostedConnection(UnixDomainSocketConnection):
    """A connection to the embedded Redis that starts a new host when the old one is gone
    (it crashed, or it was on its way out after everyone else had left)."""

    def __init__(self, *, host: EmbeddedHost, **kwargs: Any) -> None:
        self.embedded_host = host
        super().__init__(**kwargs)

    async def _connect(self) -> None:
        try:
            await super()._connect()
        except OSError:
            self.path = str(await self.embedded_host.join())
            await super()._connect()


def in_process_redis() -> Redis:
    """A fresh Redis living in this process only (tests, benchmarks): fakeredis with
    Lua, behind the same client API."""
    import fakeredis

    return fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), lua_modules=set())


async def close_redis(redis: Redis) -> None:
    # The pool was given to the client, so the client does not close it by itself: an
    # open connection would keep the embedded Redis's host waiting for its last client.
    await redis.aclose(close_connection_pool=True)


ScriptCall = tuple[Sequence[str], Sequence[str | int]]  # keys, arguments


async def run_script(redis: Redis, script: AsyncScript, calls: Sequence[ScriptCall]) -> list[Any]:
    """Run `script` once per (keys, arguments), in order, in one pipeline; its replies.

    redis-py's pipelined scripts cost a `SCRIPT EXISTS` round trip before every
    pipeline; here EVALSHA goes at once, and if Redis has lost its scripts (a restart)
    the script is loaded and only the calls it refused are sent again (a refused call
    ran nothing). The first other error is raised, once every call has run."""
    replies = await _evalsha(redis, script.sha, calls)
    refused = [n for n, reply in enumerate(replies) if isinstance(reply, NoScriptError)]
    if refused:
        await redis.script_load(script.script)
        again = await _evalsha(redis, script.sha, [calls[n] for n in refused])
        for n, reply in zip(refused, again, strict=True):
            replies[n] = reply
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies


async def _evalsha(redis: Redis, sha: str, calls: Sequence[ScriptCall]) -> list[Any]:
    async with redis.pipeline(transaction=False) as pipe:
        for keys, arguments in calls:
            pipe.evalsha(sha, len(keys), *keys, *arguments)
        return await pipe.execute(raise_on_error=False)
