"""Token buckets in Redis, shared by every worker: Telegram's limits hold for the bot as a
whole, not per process.

`acquire` takes one token from each bucket named, all or none, atomically (one Lua
script), or says how long to wait. A bot-wide pause (after a 429 `retry_after`) stops
every worker at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from redis.asyncio import Redis

# KEYS: pause key, then one hash per bucket. ARGV: rate (tokens/s) and burst per bucket.
# Returns 0 when every bucket gave a token, else the milliseconds to wait.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return paused end
local wait, tokens = 0, {}
for i = 2, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 3]), tonumber(ARGV[2 * i - 2])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
  local have = tonumber(state[1]) or burst
  local since = tonumber(state[2]) or now
  have = math.min(burst, have + (now - since) * rate / 1000)
  tokens[i] = have
  if have < 1 then wait = math.max(wait, math.ceil((1 - have) * 1000 / rate)) end
end
if wait > 0 then return wait end
for i = 2, #KEYS do
  local rate, burst = tonumber(ARGV[2 * i - 3]), tonumber(ARGV[2 * i - 2])
  redis.call('HSET', KEYS[i], 'tokens', tokens[i] - 1, 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst * 1000 / rate) + 1000)
end
return 0
"""


@dataclass(frozen=True)
class Bucket:
    key: str
    rate: float  # tokens per second
    burst: float


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.script = redis.register_script(ACQUIRE)

    @property
    def pause_key(self) -> str:
        return f"{self.prefix}:pause"

    async def try_acquire(self, buckets: list[Bucket]) -> int:
        args: list[float] = []
        for bucket in buckets:
            args += [bucket.rate, bucket.burst]
        keys = [self.pause_key] + [f"{self.prefix}:{b.key}" for b in buckets]
        return int(await self.script(keys=keys, args=args))

    async def acquire(self, buckets: list[Bucket], max_wait: float = 60.0) -> bool:
        """Wait for a token from every bucket; False if that would take over `max_wait`."""
        waited = 0.0
        while True:
            wait_ms = await self.try_acquire(buckets)
            if wait_ms <= 0:
                return True
            if waited + wait_ms / 1000 > max_wait:
                return False
            await asyncio.sleep(wait_ms / 1000)
            waited += wait_ms / 1000

    async def pause(self, seconds: float) -> None:
        """Everyone stops sending for `seconds` (Telegram said retry_after)."""
        await self.redis.set(self.pause_key, 1, px=max(int(seconds * 1000), 1))
