"""Fixed one-minute rate counters in Redis, shared by every replica: how many times
someone (a hash, a user id) hit a ceiling this minute.

The web layer's abuse ceilings (`app.web.ratelimits`: tracked links, sign-in,
applications) and the Telegram channel's flood guard count with `RateCounter`. The
counters of concurrent hits are counted by one Lua call (`COUNT_HITS`, through
`GroupCommit`): as separate INCR and EXPIRE commands in a pipeline, redis-py's work per
command was half the redirect's CPU. If Redis does not answer, hits are let through (a
tracked link must keep working) and Redis is left alone for a few seconds.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.group_commit import GroupCommit

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
COUNTER_SECONDS = 120  # a counter outlives its one-minute window
PAUSE_AFTER_REDIS_ERROR = 5.0


@dataclass(frozen=True)
class Ceiling:
    name: str  # part of the Redis key: "redirect", "sign-in"
    per_minute: int  # 0: no ceiling


Counted = tuple[Ceiling, str]  # a ceiling, and whom it counts (a hash, an id)
Counter = tuple[str, int]  # a Redis counter of the current window, and its ceiling


# KEYS: the counters of a batch of hits; ARGV[1]: their lifetime (s). Returns the count
# of each, this hit included.
COUNT_HITS = """
local counts = {}
for i = 1, #KEYS do
  counts[i] = redis.call('INCR', KEYS[i])
  if counts[i] == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
end
return counts
"""


class RateCounter:
    """Counts hits per (ceiling, whom) in the current minute, in Redis."""

    def __init__(self, redis: Redis) -> None:
        self.counts = GroupCommit(self._count_all)
        self._script = redis.register_script(COUNT_HITS)
        self._quiet_until = 0.0

    async def retry_after(self, counted: list[Counted], now: float) -> int:
        """0 if this hit is allowed by every ceiling, else the seconds until the window
        turns. The ceilings are counted together, in one call."""
        counters = counters_of(counted, now)
        if not counters or time.monotonic() < self._quiet_until:
            return 0
        try:
            counts = await self.counts.submit([key for key, _ in counters])
        except (RedisError, OSError) as exc:
            self._quiet_until = time.monotonic() + PAUSE_AFTER_REDIS_ERROR
            log.warning(
                "rate limits off for %.0fs: redis unreachable (%s)", PAUSE_AFTER_REDIS_ERROR, exc
            )
            return 0
        if all(int(n) <= ceiling for n, (_, ceiling) in zip(counts, counters, strict=True)):
            return 0
        return wait_seconds(now)

    async def _count_all(self, batch: list[list[str]]) -> list[list[int]]:
        """The counters of concurrent hits, in one call; each hit's counts."""
        counts = await self._script(
            keys=[key for keys in batch for key in keys], args=[COUNTER_SECONDS]
        )
        each, start = [], 0
        for keys in batch:
            each.append(counts[start : start + len(keys)])
            start += len(keys)
        return each


def counters_of(counted: list[Counted], now: float) -> list[Counter]:
    """The Redis counter of each ceiling (that is on) in this window, with its ceiling:
    what `retry_after` counts, and what the redirect's click batch counts itself."""
    window = int(now // WINDOW_SECONDS)
    return [
        (f"rate:{ceiling.name}:{who}:{window}", ceiling.per_minute)
        for ceiling, who in counted
        if ceiling.per_minute > 0
    ]


def wait_seconds(now: float) -> int:
    """How long a hit over a ceiling waits: until the window turns (Retry-After)."""
    return max(1, (int(now // WINDOW_SECONDS) + 1) * WINDOW_SECONDS - int(now))
