"""What `/r/{code}` needs: find the link fast, and hand the click on without waiting.

Links are cached in process for a few seconds (`link_cache_seconds`): a closed job shows
its 410 page at most that long after closing, and a hot link costs no database query.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Literal

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.group_commit import GroupCommit
from app.http.rates import COUNTER_SECONDS, Counter
from app.referrals.clicks import FIELD, STREAM, ClickFacts
from app.referrals.links import LinkService, tracked_destination
from app.referrals.models import TrackedLink
from app.referrals.writer import ClickWriter

log = logging.getLogger(__name__)

State = Literal["live", "closed"]


@dataclass(frozen=True)
class ResolvedLink:
    link_id: int
    state: State
    destination: str
    content_type: str


class LinkResolver:
    def __init__(self, links: LinkService, cache_seconds: float, max_entries: int = 50_000):
        self.links = links
        self.cache_seconds = cache_seconds
        self.max_entries = max_entries
        self._cache: dict[str, tuple[float, ResolvedLink | None]] = {}
        self._loading: dict[str, asyncio.Future[ResolvedLink | None]] = {}

    def cached(self, code: str) -> ResolvedLink | None:
        """The link if the cache holds it fresh, without waiting for anything (None: not
        cached, or no such link)."""
        hit = self._cache.get(code)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    async def resolve(self, code: str) -> ResolvedLink | None:
        hit = self._cache.get(code)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        # Many visitors of a link that just went viral miss the cache together: one
        # lookup serves them all.
        loading = self._loading.get(code)
        if loading is None:
            loading = asyncio.ensure_future(self._load(code))
            self._loading[code] = loading
            try:
                resolved = await loading
            finally:
                del self._loading[code]
            if len(self._cache) >= self.max_entries:
                self._cache.clear()  # crude but bounded; a miss costs one query
            # The entry lives from when the answer arrived, however long it took.
            self._cache[code] = (time.monotonic() + self.cache_seconds, resolved)
            return resolved
        return await asyncio.shield(loading)

    async def _load(self, code: str) -> ResolvedLink | None:
        link = await TrackedLink.get_or_none(code=code)
        if link is None:
            return None
        content = await self.links.load_content(link.content_type, link.content_id)
        state: State = "live" if self.links.is_live(content) else "closed"
        destination = tracked_destination(link, content, self.links.public_base_url)
        return ResolvedLink(link.id, state, destination, link.content_type.value)


# Counts a batch of visits against their ceilings and appends their clicks, in one call.
# KEYS[1]: the stream. ARGV[1]: its field; ARGV[2]: the counters' lifetime (s); then for
# each visit: its number of counters n, n pairs (counter, ceiling), and its click ("" for
# none). A visit over a ceiling appends nothing. Returns, per visit, 1 if it was admitted.
# (The counters are arguments, not KEYS: one Redis, never a cluster, holds the stream.)
ADMIT_AND_APPEND = """
local field, ttl = ARGV[1], ARGV[2]
local i, answers = 3, {}
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  i = i + 1
  local admitted = 1
  for _ = 1, n do
    local count = redis.call('INCR', ARGV[i])
    if count == 1 then redis.call('EXPIRE', ARGV[i], ttl) end
    if count > tonumber(ARGV[i + 1]) then admitted = 0 end
    i = i + 2
  end
  if admitted == 1 and ARGV[i] ~= '' then
    redis.call('XADD', KEYS[1], '*', field, ARGV[i])
  end
  i = i + 1
  answers[#answers + 1] = admitted
end
return answers
"""
Visit = tuple[list[Counter], str]  # a visit's counters, and its click's entry ("": none)


class ClickRecorder:
    """Appends each click to the stream; if Redis is unreachable, stores it directly.

    The clicks of concurrent redirects go to Redis together (`GroupCommit`), and each
    redirect answers only once Redis has acknowledged the batch holding its own click: a
    302 served is a click stored somewhere, even if the process dies the next instant.
    The same call counts each visit against its abuse ceilings (`counters`): a visit over
    one appends nothing, and a redirect pays one round trip for both."""

    def __init__(self, redis: Redis, writer: ClickWriter) -> None:
        self.writer = writer
        self.appends = GroupCommit(self._admit_all)
        self._script = redis.register_script(ADMIT_AND_APPEND)

    async def record(self, facts: ClickFacts | None, counters: list[Counter] | None = None) -> bool:
        """Counts the visit and appends its click (if any) unless a counter goes over its
        ceiling: False then, and nothing is appended. With Redis unreachable the ceilings
        are off: the click is stored in the database directly, and the visit admitted."""
        try:
            return await self.appends.submit((counters or [], facts.to_json() if facts else ""))
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            if facts is not None:
                log.warning(
                    "redis unreachable (%s): storing click %s directly", exc, facts.click_id
                )
                await self.writer.store_direct(facts)
            return True

    async def _admit_all(self, visits: list[Visit]) -> list[bool]:
        args: list[bytes | str | int] = [FIELD, COUNTER_SECONDS]
        for counters, click in visits:
            args.append(len(counters))
            for key, ceiling in counters:
                args += (key, ceiling)
            args.append(click)
        answers = await self._script(keys=[STREAM], args=args)
        return [answer == 1 for answer in answers]
