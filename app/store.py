"""The Redis client of the whole application.

`REDIS_URL` set: a real Redis, through one pooled redis-py asyncio client with timeouts.
Unset: an in-process fakeredis server (with Lua) behind the very same client API, so the
code that uses Redis is the same in both modes. Redis only ever holds what can be rebuilt
or what is on its way to the database (see DESIGN.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

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
Commands = Callable[[Pipeline], object]


class PipelinedCalls:
    """Sends the Redis commands of concurrent callers together: one pipeline, one round
    trip. A caller's commands leave with whatever else arrived while the previous
    pipeline was in flight, and the caller waits for its own replies, so a reply still
    means "done in Redis". Under load, N redirects cost one round trip and one socket
    write instead of N (the client's CPU per command is what limits a busy replica);
    alone, a caller's pipeline leaves at once, as a single command would.

    A connection or timeout error fails every caller of that pipeline with the error;
    an error of one command (WRONGTYPE...) is that caller's reply, as with
    `execute(raise_on_error=False)`.
    """

    def __init__(self, redis: Redis, max_batch: int = 512) -> None:
        self.redis = redis
        self.max_batch = max_batch
        self._waiting: list[tuple[Commands, asyncio.Future[list[Any]]]] = []
        self._sender: asyncio.Task[None] | None = None
        self.pipelines_sent = 0

    async def call(self, commands: Commands) -> list[Any]:
        """Queue `commands(pipe)` (it adds one or more commands to `pipe`) and return
        their replies, in order."""
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._waiting.append((commands, future))
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

    async def _send(self, batch: list[tuple[Commands, asyncio.Future[list[Any]]]]) -> None:
        self.pipelines_sent += 1
        pipe = self.redis.pipeline(transaction=False)
        sizes = []
        try:
            for commands, _ in batch:
                before = len(pipe.command_stack)
                commands(pipe)
                sizes.append(len(pipe.command_stack) - before)
            replies = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # every caller of this pipeline hears of it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled (shutting down): so are its callers
            for _, future in batch:
                future.cancel()
            raise
        finally:
            await pipe.reset()
        start = 0
        for (_, future), size in zip(batch, sizes, strict=True):
            if not future.done():
                future.set_result(replies[start : start + size])
            start += size
