"""The Redis client of the whole application.

`REDIS_URL` set: a real Redis, through one pooled redis-py asyncio client with timeouts.
Unset: an in-process fakeredis server (with Lua) behind the very same client API, so the
code that uses Redis is the same in both modes. Redis only ever holds what can be rebuilt
or what is on its way to the database (see DESIGN.md).
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

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
