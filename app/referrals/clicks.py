"""The click pipeline: what the redirect records, and how each click is classified.

The redirect does the least possible work: it hashes the visitor (address + user agent)
and the address alone, reduces the user agent to what the pipeline needs (`Agent`: the
bot verdict and a browser family; the raw agent never reaches Redis), appends one entry
to the `clicks` Redis stream and answers. The worker (`app.referrals.worker`) classifies
and stores. Classes, in order of precedence:

- `bot`: a HEAD request, an empty user agent, a crawler or a link-preview fetcher;
- `self`: the sharer's own click (their mini app session cookie came with it);
- `rate_limited`: too many clicks from one visitor, from one address, or on one link,
  in a minute;
- `repeat`: the same visitor on the same link within the repeat window, or an address
  that already brought the sharer its quota of unique clicks today (a machine rotating
  its user agent is many visitors, but one address);
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
from typing import Any, Protocol

from crawlerdetect import CrawlerDetect
from redis.asyncio import Redis

from app.referrals.models import Click, ClickClass
from app.store import ScriptCall, run_script

STREAM = "clicks"
FIELD = b"c3"  # the one field of a stream entry (layout 0.3: no raw user agent)
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
class Agent:
    """What the click pipeline keeps of a user agent: the verdict and a coarse family.
    The raw agent string never leaves the web process (not even into the stream)."""

    bot: bool  # empty, a crawler or a link-preview fetcher
    family: str  # a browser family for analytics (`ua_family`)


# A HEAD request is a bot whatever it says it is (link previews probe with HEAD), so the
# redirect does not run crawlerdetect for it.
HEAD_AGENT = Agent(bot=True, family="")


@dataclass(frozen=True)
class ClickFacts:
    """One served redirect, as it travels through the stream."""

    click_id: str
    link_id: int
    at: datetime
    visitor_hash: str
    agent: Agent
    referrer_host: str
    head: bool
    session_id: str
    country: str = ""
    # The address alone (`address_hash`); "" in entries written before it existed,
    # which then count as their visitor's own address.
    address_hash: str = ""

    @property
    def address(self) -> str:
        return self.address_hash or self.visitor_hash

    def to_json(self) -> str:
        """The stream entry's one field `c3`: a JSON array, one argument for Redis to take
        instead of eighteen, which was most of the client's CPU per click."""
        return json.dumps(
            [
                self.click_id,
                self.link_id,
                int(self.at.timestamp() * 1000),
                self.visitor_hash,
                self.address_hash,
                int(self.agent.bot),
                self.agent.family,
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
        packed = fields.get(FIELD)
        if packed is None:
            return cls._from_raw_agent(fields)
        (
            click_id,
            link_id,
            at_ms,
            visitor,
            address,
            bot,
            family,
            referrer,
            head,
            session,
            country,
        ) = json.loads(packed)
        return cls(
            click_id=str(click_id),
            link_id=int(link_id),
            at=datetime.fromtimestamp(int(at_ms) / 1000, UTC),
            visitor_hash=str(visitor),
            agent=Agent(bot=bot == 1, family=str(family)[:32]),
            referrer_host=str(referrer),
            head=head is True,
            session_id=str(session),
            country=str(country),
            address_hash=str(address),
        )

    @classmethod
    def _from_raw_agent(cls, fields: dict[bytes, bytes]) -> ClickFacts:
        # The layouts of versions 0.1 (one field per value) and 0.2 (field `c`), which
        # carried the raw user agent: an upgrade may find some still in the stream.
        packed = fields.get(b"c")
        if packed is None:
            f = {k.decode(): v.decode() for k, v in fields.items()}
            values: list[Any] = [
                f["id"], f["link"], f["at"], f["v"], f.get("ua", ""), f.get("ref", ""),
                f.get("head") == "1", f.get("sid", ""), f.get("cc", ""),
            ]  # fmt: skip
        else:
            values = json.loads(packed)
        click_id, link_id, at_ms, visitor, agent, referrer, head, session, country = values
        return cls(
            click_id=str(click_id),
            link_id=int(link_id),
            at=datetime.fromtimestamp(int(at_ms) / 1000, UTC),
            visitor_hash=str(visitor),
            agent=agent_of(str(agent)),
            referrer_host=str(referrer),
            head=head is True,
            session_id=str(session),
            country=str(country),
        )


def new_click_id() -> str:
    """128 random bits as 32 hex digits (the shape of a UUID4's hex, cheaper to make)."""
    return os.urandom(16).hex()


def visitor_hash(secret_key: str, ip: str, user_agent: str, at: datetime) -> str:
    """HMAC of IP + user agent with a key that changes every day: the raw IP is never
    stored, and the same visitor cannot be followed from one day to the next."""
    key = _day_key(secret_key, "visitor", at.date())
    return hmac.digest(key, f"{ip}\n{user_agent}".encode(), "sha256").hex()[:32]


def address_hash(secret_key: str, ip: str, at: datetime) -> str:
    """HMAC of the IP alone (its own daily key): what one machine is, whatever user
    agent it claims. The limits that must hold per machine count it (a script rotating
    its agent is many visitors but one address)."""
    key = _day_key(secret_key, "address", at.date())
    return hmac.digest(key, ip.encode(), "sha256").hex()[:32]


@functools.lru_cache(maxsize=8)
def _day_key(secret_key: str, purpose: str, day: date) -> bytes:
    # Derived once a day, not on every redirect.
    return hmac.digest(secret_key.encode(), f"{purpose}:{day:%Y-%m-%d}".encode(), "sha256")


def is_bot(user_agent: str, head: bool) -> bool:
    return head or agent_of(user_agent).bot


@functools.lru_cache(maxsize=4096)
def agent_of(user_agent: str) -> Agent:
    """What the pipeline keeps of a user agent. crawlerdetect runs hundreds of patterns
    (about 1 ms); a campaign's visitors share a few hundred agents, so each is matched
    once per process."""
    bot = (
        not user_agent.strip()
        or bool(PREVIEW_AGENTS.search(user_agent))
        or _crawlers.isCrawler(user_agent)
    )
    return Agent(bot=bot, family=ua_family(user_agent))


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
    # One address (a machine, or an office behind one NAT) is many visitors if it
    # rotates its user agent: these hold whatever agent it claims.
    address_per_minute: int
    address_unique_per_sharer_per_day: int


class RecentClicks(Protocol):
    """Memory of recent clicks that the windowed classes need."""

    async def window_classes(
        self, batch: list[ClickFacts], sharers: list[int], limits: ClickLimits
    ) -> list[ClickClass]:
        """The class of each click (whose link is sharers[i]'s), in order: each sees the
        ones before it."""
        ...


# The windows of a run of clicks, in order, each seeing the ones before it.
# KEYS: for each click, five: its visitor's minute set, its address's minute set, its
# link's minute set, the repeat key (link, visitor), the address's unique clicks for the
# sharer today.
# ARGV: visitor limit, address limit, link limit, repeat window (s), uniques an address
# may bring a sharer in a day, then each click's id. Sets of click ids, not counts: a
# replayed click finds itself and gets the same answer.
WINDOW_SCRIPT = """
local function class_of(k, id)
  for i = 1, 3 do
    redis.call('SADD', KEYS[k + i], id); redis.call('EXPIRE', KEYS[k + i], 120)
  end
  if redis.call('SCARD', KEYS[k + 1]) > tonumber(ARGV[1])
     or redis.call('SCARD', KEYS[k + 2]) > tonumber(ARGV[2])
     or redis.call('SCARD', KEYS[k + 3]) > tonumber(ARGV[3]) then
    return 'rate_limited'
  end
  if not redis.call('SET', KEYS[k + 4], id, 'NX', 'EX', ARGV[4])
     and redis.call('GET', KEYS[k + 4]) ~= id then
    return 'repeat'
  end
  if redis.call('SISMEMBER', KEYS[k + 5], id) == 1 then return 'unique' end
  if redis.call('SCARD', KEYS[k + 5]) >= tonumber(ARGV[5]) then return 'repeat' end
  redis.call('SADD', KEYS[k + 5], id); redis.call('EXPIRE', KEYS[k + 5], 86400)
  return 'unique'
end
local classes = {}
for c = 1, #ARGV - 5 do
  classes[c] = class_of((c - 1) * 5, ARGV[5 + c])
end
return classes
"""
# Clicks per script call: one call for a run of clicks costs the client and Redis far
# less than one per click, and a run this short holds Redis (which the redirects wait
# for) well under a millisecond.
WINDOW_RUN = 50


class RedisRecentClicks:
    """Windows in Redis, updated by one Lua script per run of `WINDOW_RUN` clicks (each
    run atomic, in order); the runs of a batch go in one pipeline (Redis runs them in
    order)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.script = redis.register_script(WINDOW_SCRIPT)

    async def window_classes(
        self, batch: list[ClickFacts], sharers: list[int], limits: ClickLimits
    ) -> list[ClickClass]:
        limit_args: list[str | int] = [
            limits.visitor_per_minute,
            limits.address_per_minute,
            limits.link_per_minute,
            int(limits.repeat_window.total_seconds()),
            limits.address_unique_per_sharer_per_day,
        ]
        clicks = list(zip(batch, sharers, strict=True))
        calls: list[ScriptCall] = []
        for start in range(0, len(clicks), WINDOW_RUN):
            run = clicks[start : start + WINDOW_RUN]
            keys = [key for facts, sharer in run for key in window_keys(facts, sharer)]
            calls.append((keys, [*limit_args, *(facts.click_id for facts, _ in run)]))
        replies = await run_script(self.redis, self.script, calls)
        return [ClickClass(a.decode() if isinstance(a, bytes) else a) for r in replies for a in r]


def window_keys(facts: ClickFacts, sharer: int) -> list[str]:
    """The five keys of a click's windows (see WINDOW_SCRIPT)."""
    minute = int(facts.at.timestamp()) // 60
    return [
        f"clk:v:{facts.visitor_hash}:{minute}",
        f"clk:a:{facts.address}:{minute}",
        f"clk:l:{facts.link_id}:{minute}",
        f"clk:r:{facts.link_id}:{facts.visitor_hash}",
        f"clk:as:{sharer}:{facts.address}",
    ]


class DatabaseRecentClicks:
    """The same windows read from stored clicks: used when Redis is unreachable, one
    click at a time (a click of the batch is not stored yet when the next is read).
    Stored clicks keep no address, so the per-address windows do not apply here (the
    click's own visitor windows, the link's and the daily caps still do)."""

    async def window_classes(
        self, batch: list[ClickFacts], sharers: list[int], limits: ClickLimits
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
    if facts.head or facts.agent.bot:
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
    [windowed] = await recent.window_classes([facts], [sharer_id], limits)
    return windowed
