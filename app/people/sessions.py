"""Signed-in sessions of employees (mini app, dashboard), kept in Redis with an expiry.

A session id is a random token in an HttpOnly cookie; Redis maps it to the employee.
The click pipeline also reads it: a click carrying the sharer's own session is `self`.
"""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

COOKIE = "pv_session"
PREFIX = "session:"


class SessionStore:
    def __init__(self, redis: Redis, ttl_seconds: int) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds

    async def open(self, employee_id: int) -> str:
        session_id = secrets.token_urlsafe(32)
        await self.redis.set(PREFIX + session_id, employee_id, ex=self.ttl_seconds)
        return session_id

    async def employee_ids(self, session_ids: list[str]) -> dict[str, int]:
        """Which employee each live session belongs to (unknown ones are left out)."""
        wanted = [sid for sid in dict.fromkeys(session_ids) if sid]
        if not wanted:
            return {}
        values = await self.redis.mget([PREFIX + sid for sid in wanted])
        return {sid: int(v) for sid, v in zip(wanted, values, strict=True) if v is not None}

    async def close(self, session_id: str) -> None:
        await self.redis.delete(PREFIX + session_id)
