"""The Redis client of the whole application.

`REDIS_URL` set: a real Redis, through one pooled redis-py asyncio client with timeouts.
Unset: an in-process fakeredis server (with Lua) behind the very same client API, so the
code that uses Redis is the same in both modes. Redis only ever holds what can be rebuilt
or what is on its way to the database (see DESIGN.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import Pipeline

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
T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Hands the items of concurrent callers to `flush` together: the items that arrive
    while one flush is in flight go in the next, and each caller waits for its own
    result. Under load, N callers cost one round trip; alone, a caller's flush starts at
    once. `flush(items)` returns one result per item; if it raises, every caller of that
    flush gets the error, and the next flush is tried afresh."""

    def __init__(self, flush: Callable[[list[T]], Awaitable[list[R]]], max_batch: int = 512):
        self.flush = flush
        self.max_batch = max_batch
        self.flushes = 0
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_all())
        return await future

    async def _send_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                await self._send(batch)
        finally:
            self._sender = None

    async def _send(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        self.flushes += 1
        try:
            results = await self.flush([item for item, _ in batch])
        except Exception as exc:  # every caller of this flush hears of it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled (shutting down): so are its callers
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)


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
