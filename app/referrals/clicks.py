"""The click pipeline: what the redirect records, and how each click is classified.

The redirect does the least possible work: it hashes the visitor, appends one entry to
the `clicks` Redis stream and answers. The worker (`app.referrals.worker`) classifies
and stores. Classes, in order of precedence:

- `bot`: a HEAD request, an empty user agent, a crawler or a link-preview fetcher;
- `self`: the sharer's own click (their mini app session cookie came with it);
- `rate_limited`: too many clicks from one visitor, or on one link, in a minute;
- `repeat`: the same visitor on the same link within the repeat window;
- `unique`: everything else, the only clicks that earn points.

Classification is idempotent: a stream entry replayed after a crash gets the same
answer, because the Redis windows remember click ids, not counts.
"""

from __future__ import annotations

import functools
import hmac
import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from crawlerdetect import CrawlerDetect
from redis.asyncio import Redis

from app.referrals.models import Click, ClickClass

STREAM = "clicks"
UNREADABLE = "clicks:unreadable"  # entries a worker could not read, kept for replay
GROUP = "click-writers"
# Preview fetchers named explicitly, on top of crawlerdetect's list, because a miss
# here would hand points for every link pasted into a chat.
PREVIEW_AGENTS = re.compile(
    r"TelegramBot|Slackbot|LinkedInBot|facebookexternalhit|Facebot|WhatsApp|Twitterbot|"
    r"SkypeUriPreview|Discordbot|redditbot|Applebot|Pinterest|vkShare|Embedly",
    re.IGNORECASE,
)
_crawlers = CrawlerDetect()


@dataclass(frozen=True)
class ClickFacts:
    """One served redirect, as it travels through the stream."""

    click_id: str
    link_id: int
    at: datetime
    visitor_hash: str
    user_agent: str
    referrer_host: str
    head: bool
    session_id: str
    country: str = ""

    def to_json(self) -> str:
        """The stream entry's one field `c`: a JSON array, one argument for Redis to take
        instead of eighteen, which was most of the client's CPU per click."""
        return json.dumps(
            [
                self.click_id,
                self.link_id,
                int(self.at.timestamp() * 1000),
                self.visitor_hash,
                self.user_agent,
                self.referrer_host,
                self.head,
                self.session_id,
                self.country,
            ],
            separators=(",", ":"),
        )

    @classmethod
    def from_stream(cls, fields: dict[bytes, bytes]) -> ClickFacts:
        """Raises KeyError/ValueError/TypeError on an entry that is not a click."""
        packed = fields.get(b"c")
        if packed is None:
            return cls._from_fields(fields)
        click_id, link_id, at_ms, visitor, agent, referrer, head, session, country = json.loads(
            packed
        )
        return cls(
            click_id=str(click_id),
            link_id=int(link_id),
            at=datetime.fromtimestamp(int(at_ms) / 1000, UTC),
            visitor_hash=str(visitor),
            user_agent=str(agent),
            referrer_host=str(referrer),
            head=head is True,
            session_id=str(session),
            country=str(country),
        )

    @classmethod
    def _from_fields(cls, fields: dict[bytes, bytes]) -> ClickFacts:
        # One field per value: how version 0.1 wrote clicks. An upgrade may find some
        # still in the stream.
        f = {k.decode(): v.decode() for k, v in fields.items()}
        return cls(
            click_id=f["id"],
            link_id=int(f["link"]),
            at=datetime.fromtimestamp(int(f["at"]) / 1000, UTC),
            visitor_hash=f["v"],
            user_agent=f.get("ua", ""),
            referrer_host=f.get("ref", ""),
            head=f.get("head") == "1",
            session_id=f.get("sid", ""),
            country=f.get("cc", ""),
        )


def new_click_id() -> str:
    """128 random bits as 32 hex digits (the shape of a UUID4's hex, cheaper to make)."""
    return os.urandom(16).hex()


def visitor_hash(secret_key: str, ip: str, user_agent: str, at: datetime) -> str:
    """HMAC of IP + user agent with a key that changes every day: the raw IP is never
    stored, and the same visitor cannot be followed from one day to the next."""
    key = _day_key(secret_key, at.date())
    return hmac.digest(key, f"{ip}\n{user_agent}".encode(), "sha256").hex()[:32]


@functools.lru_cache(maxsize=8)
def _day_key(secret_key: str, day: date) -> bytes:
    # Derived once a day, not on every redirect.
    return hmac.digest(secret_key.encode(), f"visitor:{day:%Y-%m-%d}".encode(), "sha256")


def is_bot(user_agent: str, head: bool) -> bool:
    return head or _is_bot_agent(user_agent)


@functools.lru_cache(maxsize=4096)
def _is_bot_agent(user_agent: str) -> bool:
    # crawlerdetect runs hundreds of patterns; a campaign's visitors share a few
    # hundred agents, so each is matched once.
    if not user_agent.strip():
        return True
    return bool(PREVIEW_AGENTS.search(user_agent)) or _crawlers.isCrawler(user_agent)


def ua_family(user_agent: str) -> str:
    """A coarse browser family for analytics; the full agent is not kept."""
    ua = user_agent.lower()
    for needle, family in (
        ("edg/", "edge"),
        ("opr/", "opera"),
        ("firefox/", "firefox"),
        ("chrome/", "chrome"),
        ("safari/", "safari"),
        ("curl/", "curl"),
    ):
        if needle in ua:
            return family
    return "other" if ua else ""


@dataclass(frozen=True)
class ClickLimits:
    visitor_per_minute: int
    link_per_minute: int
    repeat_window: timedelta


class RecentClicks(Protocol):
    """Memory of recent clicks that the windowed classes need."""

    async def window_classes(
        self, batch: list[ClickFacts], limits: ClickLimits
    ) -> list[ClickClass]:
        """The class of each click, in order: each sees the ones before it."""
        ...


# KEYS: visitor minute set, link minute set, repeat key.
# ARGV: click id, visitor limit, link limit, repeat window (s).
WINDOW_SCRIPT = """
redis.call('SADD', KEYS[1], ARGV[1]); redis.call('EXPIRE', KEYS[1], 120)
redis.call('SADD', KEYS[2], ARGV[1]); redis.call('EXPIRE', KEYS[2], 120)
if redis.call('SCARD', KEYS[1]) > tonumber(ARGV[2])
   or redis.call('SCARD', KEYS[2]) > tonumber(ARGV[3]) then
  return 'rate_limited'
end
if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'EX', ARGV[4]) then return 'unique' end
if redis.call('GET', KEYS[3]) == ARGV[1] then return 'unique' end
return 'repeat'
"""


class RedisRecentClicks:
    """Windows in Redis, updated atomically by one Lua script per click; the scripts of
    a batch go in one pipeline (Redis runs them in order)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.script = redis.register_script(WINDOW_SCRIPT)

    async def window_classes(
        self, batch: list[ClickFacts], limits: ClickLimits
    ) -> list[ClickClass]:
        if not batch:
            return []
        repeat_seconds = int(limits.repeat_window.total_seconds())
        async with self.redis.pipeline(transaction=False) as pipe:
            for facts in batch:
                minute = int(facts.at.timestamp()) // 60
                keys = [
                    f"clk:v:{facts.visitor_hash}:{minute}",
                    f"clk:l:{facts.link_id}:{minute}",
                    f"clk:r:{facts.link_id}:{facts.visitor_hash}",
                ]
                args: list[str | int] = [
                    facts.click_id,
                    limits.visitor_per_minute,
                    limits.link_per_minute,
                    repeat_seconds,
                ]
                await self.script(keys=keys, args=args, client=pipe)
            answers = await pipe.execute()
        return [ClickClass(a.decode() if isinstance(a, bytes) else a) for a in answers]


class DatabaseRecentClicks:
    """The same windows read from stored clicks: used when Redis is unreachable, one
    click at a time (a click of the batch is not stored yet when the next is read)."""

    async def window_classes(
        self, batch: list[ClickFacts], limits: ClickLimits
    ) -> list[ClickClass]:
        return [await self._window_class(facts, limits) for facts in batch]

    async def _window_class(self, facts: ClickFacts, limits: ClickLimits) -> ClickClass:
        minute_start = facts.at.replace(second=0, microsecond=0)
        visitor_count = await Click.filter(
            visitor_hash=facts.visitor_hash,
            occurred_at__gte=minute_start,
            occurred_at__lte=facts.at,
        ).count()
        link_count = await Click.filter(
            link_id=facts.link_id, occurred_at__gte=minute_start, occurred_at__lte=facts.at
        ).count()
        if visitor_count + 1 > limits.visitor_per_minute or link_count + 1 > limits.link_per_minute:
            return ClickClass.RATE_LIMITED
        seen = await Click.filter(
            link_id=facts.link_id,
            visitor_hash=facts.visitor_hash,
            occurred_at__gte=facts.at - limits.repeat_window,
            occurred_at__lte=facts.at,
            classification__in=[ClickClass.UNIQUE, ClickClass.REPEAT],
        ).exists()
        return ClickClass.REPEAT if seen else ClickClass.UNIQUE


def plain_class(
    facts: ClickFacts, sharer_id: int, session_employee_id: int | None
) -> ClickClass | None:
    """The classes that need no memory of other clicks (bot, self), else None."""
    if is_bot(facts.user_agent, facts.head):
        return ClickClass.BOT
    if session_employee_id is not None and session_employee_id == sharer_id:
        return ClickClass.SELF
    return None


async def classify(
    facts: ClickFacts,
    sharer_id: int,
    session_employee_id: int | None,
    recent: RecentClicks,
    limits: ClickLimits,
) -> ClickClass:
    """One click's class; `ClickWriter` classifies a batch the same way, together."""
    found = plain_class(facts, sharer_id, session_employee_id)
    if found is not None:
        return found
    [windowed] = await recent.window_classes([facts], limits)
    return windowed
