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


# Appends a batch of clicks, one entry each, in one command: the client packs one
# argument per click after the field name, and Redis runs one call for the lot.
APPEND_CLICKS = """
for i = 2, #ARGV do
  redis.call('XADD', KEYS[1], '*', ARGV[1], ARGV[i])
end
return #ARGV - 1
"""


class ClickRecorder:
    """Appends each click to the stream; if Redis is unreachable, stores it directly.

    The clicks of concurrent redirects go to Redis together (`GroupCommit`), and each
    redirect answers only once Redis has acknowledged the batch holding its own click: a
    302 served is a click stored somewhere, even if the process dies the next instant."""

    def __init__(self, redis: Redis, writer: ClickWriter) -> None:
        self.writer = writer
        self.appends = GroupCommit(self._append_all)
        self._script = redis.register_script(APPEND_CLICKS)

    async def record(self, facts: ClickFacts) -> None:
        try:
            await self.appends.submit(facts.to_json())
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            log.warning("redis unreachable (%s): storing click %s directly", exc, facts.click_id)
            await self.writer.store_direct(facts)

    async def _append_all(self, clicks: list[str]) -> list[None]:
        await self._script(keys=[STREAM], args=[FIELD, *clicks])
        return [None] * len(clicks)
