"""Signed-in sessions of employees (mini app, dashboard), kept in Redis with an expiry.

A session id is a random token in an HttpOnly cookie; Redis maps it to the employee.
The click pipeline also reads it: a click carrying the sharer's own session is `self`.
"""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

COOKIE = "pv_session"
PREFIX = "session:"
INDEX = "sessions-of:"  # an employee's session ids (for their GDPR export and erasure)


class SessionStore:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    async def open(self, employee_id: int) -> str:
        session_id = secrets.token_urlsafe(32)
        index = f"{INDEX}{employee_id}"
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(PREFIX + session_id, employee_id, ex=self.ttl_seconds)
            pipe.sadd(index, session_id)
            pipe.expire(index, self.ttl_seconds)
            await pipe.execute()
        return session_id

    async def lifetimes(self, employee_id: int) -> list[int]:
        """Seconds left of each live session of the employee (never their ids: they are
        credentials)."""
        session_ids = [
            sid.decode() if isinstance(sid, bytes) else str(sid)
            for sid in await self.redis.smembers(f"{INDEX}{employee_id}")
        ]
        ttls = [await self.redis.ttl(PREFIX + sid) for sid in sorted(session_ids)]
        return [ttl for ttl in ttls if ttl > 0]

    async def close_all(self, employee_id: int) -> None:
        index = f"{INDEX}{employee_id}"
        session_ids = await self.redis.smembers(index)
        keys = [PREFIX + (s.decode() if isinstance(s, bytes) else str(s)) for s in session_ids]
        await self.redis.delete(index, *keys)

    async def employee_ids(self, session_ids: list[str]) -> dict[str, int]:
        """Which employee each live session belongs to (unknown ones are left out)."""
        wanted = [sid for sid in dict.fromkeys(session_ids) if sid]
        if not wanted:
            return {}
        values = await self.redis.mget([PREFIX + sid for sid in wanted])
        return {sid: int(v) for sid, v in zip(wanted, values, strict=True) if v is not None}

    async def close(self, session_id: str) -> None:
        await self.redis.delete(PREFIX + session_id)
