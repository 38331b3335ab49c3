"""Proving you own a work e-mail address with a code: the rules, apart from how the code
travels (the chat e-mails it and reads it back: app/chat/self_service.py).

A six-digit code expires in 10 minutes; five wrong tries lock the asker out for 15
minutes. Codes are kept hashed (HMAC under the installation's secret), in Redis, by who
asks (a chat account), so any replica can check them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

CODE_TTL = 600
LOCK_TTL = 900
MAX_TRIES = 5


class Refusal(StrEnum):
    LOCKED = "locked"  # too many wrong codes lately
    WRONG = "wrong"  # not the code; tries are left


@dataclass(frozen=True)
class Issued:
    code: str


@dataclass(frozen=True)
class Verified:
    email: str


class EmailCodes:
    def __init__(self, redis: Redis, secret_key: str) -> None:
        self.redis = redis
        self.secret = secret_key.encode()

    async def issue(self, who: str, email: str) -> Issued | Refusal:
        """A new code for `email`, replacing any earlier one; LOCKED while locked out."""
        state_key, lock_key = _keys(who)
        if await self.redis.exists(lock_key):
            return Refusal.LOCKED
        code = f"{secrets.randbelow(1_000_000):06d}"
        state = {"email": email, "code": self._hash(code), "tries": 0}
        await self.redis.set(state_key, json.dumps(state), ex=CODE_TTL)
        return Issued(code)

    async def withdraw(self, who: str) -> None:
        """Forget the code (it could not be sent)."""
        await self.redis.delete(_keys(who)[0])

    async def locked(self, who: str) -> bool:
        return bool(await self.redis.exists(_keys(who)[1]))

    async def check(self, who: str, typed: str) -> Verified | Refusal | None:
        """The address proved, a refusal, or None when no code is waited for."""
        state_key, lock_key = _keys(who)
        raw = await self.redis.get(state_key)
        if raw is None:
            return None
        state = json.loads(raw)
        if hmac.compare_digest(state["code"], self._hash(typed)):
            await self.redis.delete(state_key)
            return Verified(state["email"])
        state["tries"] += 1
        if state["tries"] >= MAX_TRIES:
            await self.redis.delete(state_key)
            await self.redis.set(lock_key, 1, ex=LOCK_TTL)
            return Refusal.LOCKED
        ttl = await self.redis.ttl(state_key)
        await self.redis.set(state_key, json.dumps(state), ex=max(ttl, 1))
        return Refusal.WRONG

    def _hash(self, code: str) -> str:
        return hmac.new(self.secret, code.encode(), hashlib.sha256).hexdigest()


def _keys(who: str) -> tuple[str, str]:
    return f"verify:{who}", f"verify-lock:{who}"
