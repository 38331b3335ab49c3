"""The Redis client of the whole application.

`REDIS_URL` set: a real Redis, through one pooled redis-py asyncio client with timeouts.
Unset: an in-process fakeredis server (with Lua) behind the very same client API, so the
code that uses Redis is the same in both modes. Redis only ever holds what can be rebuilt
or what is on its way to the database (see DESIGN.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import Pipeline

from app.group_commit import GroupCommit
from app.settings import Settings


def open_redis(settings: Settings) -> Redis:
    if settings.redis_url:
        # A busy pool makes a caller wait for a free connection (up to the timeout)
        # instead of failing: "too many connections" is load, not Redis being down.
        pool = BlockingConnectionPool.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_timeout_seconds,
            socket_connect_timeout=settings.redis_timeout_seconds,
            health_check_interval=30,
            max_connections=settings.redis_max_connections,
            timeout=settings.redis_timeout_seconds,
            retry_on_timeout=True,
        )
        return Redis(connection_pool=pool)
    return embedded_redis()


def embedded_redis() -> Redis:
    """A fresh in-process Redis server and a client talking to it."""
    import fakeredis

    return fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), lua_modules=set())


async def close_redis(redis: Redis) -> None:
    await redis.aclose()


log = logging.getLogger(__name__)
Commands = Callable[[Pipeline], object]


class PipelinedCalls:
    """Sends the Redis commands of concurrent callers in one pipeline (`GroupCommit`),
    so that a busy replica pays redis-py's per-round-trip work (pool checkout, timeout,
    socket write) once for many requests. A connection or timeout error fails every
    caller of that pipeline; an error of one command (WRONGTYPE...) is only that
    caller's reply, as with `execute(raise_on_error=False)`."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.batches = GroupCommit(self._execute)

    async def call(self, commands: Commands) -> list[Any]:
        """Queue `commands(pipe)` (it adds one or more commands to `pipe`) and return
        their replies, in order."""
        return await self.batches.submit(commands)

    async def _execute(self, batch: list[Commands]) -> list[list[Any]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            sizes = []
            for commands in batch:
                before = len(pipe.command_stack)
                commands(pipe)
                sizes.append(len(pipe.command_stack) - before)
            replies = await pipe.execute(raise_on_error=False)
        results, start = [], 0
        for size in sizes:
            results.append(replies[start : start + size])
            start += size
        return results
