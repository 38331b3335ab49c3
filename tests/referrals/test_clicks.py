"""How each click is classified: bot, self, rate_limited, repeat, unique."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import FrozenClock
from app.referrals.clicks import (
    ClickFacts,
    ClickLimits,
    DatabaseRecentClicks,
    RedisRecentClicks,
    address_hash,
    agent_of,
    classify,
    is_bot,
    new_click_id,
    visitor_hash,
)
from app.referrals.models import ClickClass
from app.runtime import Runtime

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
PREVIEWS = {
    "telegram": "TelegramBot (like TwitterBot)",
    "whatsapp": "WhatsApp/2.23.20.0 A",
    "linkedin": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "slack": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "x": "Twitterbot/1.0",
    "teams": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 "
    "skype-url-preview@microsoft.com",
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl": "curl/8.5.0",
}
LIMITS = ClickLimits(
    visitor_per_minute=3,
    link_per_minute=5,
    repeat_window=timedelta(hours=24),
    address_per_minute=6,
    address_unique_per_sharer_per_day=4,
)
SHARER = 1


@pytest.mark.parametrize("agent", PREVIEWS.values(), ids=PREVIEWS.keys())
def test_link_previews_and_crawlers_are_bots(agent: str) -> None:
    assert is_bot(agent, head=False)


def test_browsers_are_people_but_head_requests_and_empty_agents_are_bots() -> None:
    assert not is_bot(CHROME, head=False)
    assert not is_bot(IPHONE, head=False)
    assert is_bot(CHROME, head=True)
    assert is_bot("", head=False)


def test_the_visitor_hash_hides_the_ip_and_rotates_daily(clock: FrozenClock) -> None:
    today = visitor_hash("secret", "203.0.113.9", CHROME, clock.now())
    assert "203.0.113.9" not in today and len(today) == 32
    assert today == visitor_hash("secret", "203.0.113.9", CHROME, clock.now())
    assert today != visitor_hash("secret", "203.0.113.10", CHROME, clock.now())
    assert today != visitor_hash("secret", "203.0.113.9", CHROME, clock.now() + timedelta(days=1))


def facts(clock: FrozenClock, visitor: str = "v1", link: int = 1, **extra: object) -> ClickFacts:
    fields: dict[str, object] = {
        "click_id": new_click_id(),
        "link_id": link,
        "at": clock.now(),
        "visitor_hash": visitor,
        "agent": agent_of(CHROME),
        "referrer_host": "",
        "head": False,
        "session_id": "",
    }
    fields.update(extra)
    return ClickFacts(**fields)  # type: ignore[arg-type]


async def store(runtime: Runtime, click: ClickFacts) -> None:
    """For the database windows, earlier clicks must be stored to be remembered."""
    from tests.referrals.test_worker import stored_link

    link = await stored_link(runtime)
    await runtime.click_writer.store_direct(ClickFacts(**{**click.__dict__, "link_id": link.id}))


async def test_first_click_is_unique_then_repeat(runtime: Runtime, clock: FrozenClock) -> None:
    recent = RedisRecentClicks(runtime.redis)
    first = facts(clock)
    assert await classify(first, SHARER, None, recent, LIMITS) == ClickClass.UNIQUE
    clock.advance(timedelta(minutes=5))
    assert await classify(facts(clock), SHARER, None, recent, LIMITS) == ClickClass.REPEAT
    other_link = facts(clock, link=2)
    assert await classify(other_link, SHARER, None, recent, LIMITS) == ClickClass.UNIQUE


async def test_a_replayed_click_keeps_its_class(runtime: Runtime, clock: FrozenClock) -> None:
    recent = RedisRecentClicks(runtime.redis)
    first = facts(clock)
    assert await classify(first, SHARER, None, recent, LIMITS) == ClickClass.UNIQUE
    assert await classify(first, SHARER, None, recent, LIMITS) == ClickClass.UNIQUE


async def test_the_sharers_own_click_is_self(runtime: Runtime, clock: FrozenClock) -> None:
    recent = RedisRecentClicks(runtime.redis)
    assert await classify(facts(clock), SHARER, SHARER, recent, LIMITS) == ClickClass.SELF
    colleague = 2
    assert await classify(facts(clock), SHARER, colleague, recent, LIMITS) == ClickClass.UNIQUE


async def test_a_bot_is_a_bot_even_with_the_sharers_session(
    runtime: Runtime, clock: FrozenClock
) -> None:
    recent = RedisRecentClicks(runtime.redis)
    head = facts(clock, head=True)
    assert await classify(head, SHARER, SHARER, recent, LIMITS) == ClickClass.BOT


async def test_too_many_clicks_from_one_visitor_are_rate_limited(
    runtime: Runtime, clock: FrozenClock
) -> None:
    recent = RedisRecentClicks(runtime.redis)
    answers = [
        await classify(facts(clock, link=link), SHARER, None, recent, LIMITS)
        for link in range(1, 6)
    ]
    assert answers == [ClickClass.UNIQUE] * 3 + [ClickClass.RATE_LIMITED] * 2
    clock.advance(timedelta(minutes=1))
    assert await classify(facts(clock, link=9), SHARER, None, recent, LIMITS) == ClickClass.UNIQUE


async def test_a_burst_on_one_link_is_rate_limited(runtime: Runtime, clock: FrozenClock) -> None:
    recent = RedisRecentClicks(runtime.redis)
    answers = [
        await classify(facts(clock, visitor=f"v{i}"), SHARER, None, recent, LIMITS)
        for i in range(7)
    ]
    assert answers.count(ClickClass.UNIQUE) == 5
    assert answers[5:] == [ClickClass.RATE_LIMITED] * 2


async def test_the_database_windows_agree_with_redis(runtime: Runtime, clock: FrozenClock) -> None:
    """When Redis is down the redirect classifies from stored clicks: same answers."""
    from app.referrals.models import Click

    recent = DatabaseRecentClicks()
    await store(runtime, facts(clock))
    [stored] = await Click.all()
    assert stored.classification == ClickClass.UNIQUE
    clock.advance(timedelta(minutes=2))
    again = facts(clock, link=stored.link_id)  # type: ignore[attr-defined]
    assert await classify(again, SHARER, None, recent, LIMITS) == ClickClass.REPEAT
    for _ in range(3):
        await store(runtime, facts(clock, visitor="busy"))
    busy = facts(clock, visitor="busy", link=stored.link_id)  # type: ignore[attr-defined]
    assert await classify(busy, SHARER, None, recent, LIMITS) == ClickClass.RATE_LIMITED


async def test_one_address_rotating_its_agent_brings_a_sharer_only_its_daily_quota(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """A script that changes its user agent on every request is a new visitor each time,
    but one address: past the quota its clicks are repeats, whoever they claim to be."""
    recent = RedisRecentClicks(runtime.redis)
    answers = []
    for n in range(6):  # a new agent, so a new visitor, each minute: no minute limit hit
        click = facts(clock, visitor=f"agent-{n}", link=n % 2 + 1, address_hash="office")
        answers.append(await classify(click, SHARER, None, recent, LIMITS))
        clock.advance(timedelta(minutes=1))
    assert answers == [ClickClass.UNIQUE] * 4 + [ClickClass.REPEAT] * 2
    # Another sharer's links, or another address, are not touched by that quota.
    colleague = facts(clock, visitor="agent-9", link=7, address_hash="office")
    assert await classify(colleague, SHARER + 1, None, recent, LIMITS) == ClickClass.UNIQUE
    elsewhere = facts(clock, visitor="agent-10", address_hash="home")
    assert await classify(elsewhere, SHARER, None, recent, LIMITS) == ClickClass.UNIQUE


async def test_a_click_over_the_address_quota_keeps_its_class_when_replayed(
    runtime: Runtime, clock: FrozenClock
) -> None:
    recent = RedisRecentClicks(runtime.redis)
    clicks = [facts(clock, visitor=f"agent-{n}", address_hash="office") for n in range(5)]
    first = [await classify(c, SHARER, None, recent, LIMITS) for c in clicks]
    clock.advance(timedelta(minutes=1))
    again = [await classify(c, SHARER, None, recent, LIMITS) for c in clicks]
    assert first == again == [ClickClass.UNIQUE] * 4 + [ClickClass.REPEAT]


async def test_too_many_clicks_from_one_address_in_a_minute_are_rate_limited(
    runtime: Runtime, clock: FrozenClock
) -> None:
    recent = RedisRecentClicks(runtime.redis)
    answers = [
        await classify(
            facts(clock, visitor=f"agent-{n}", link=n, address_hash="office"),
            n,  # each link someone else's: the daily quota stays out of the way
            None,
            recent,
            LIMITS,
        )
        for n in range(1, 9)
    ]
    assert answers == [ClickClass.UNIQUE] * 6 + [ClickClass.RATE_LIMITED] * 2


async def test_a_click_from_before_addresses_counts_its_visitor_as_its_address(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """Stream entries written before the address existed have none: each visitor is then
    its own address, so their quotas are the visitor's, never one shared bucket."""
    recent = RedisRecentClicks(runtime.redis)
    old = [facts(clock, visitor=f"old-{n}", link=n) for n in range(1, 7)]
    answers = [await classify(c, SHARER, None, recent, LIMITS) for c in old]
    assert answers == [ClickClass.UNIQUE] * 6


def test_the_address_hash_hides_the_ip_ignores_the_agent_and_rotates_daily(
    clock: FrozenClock,
) -> None:
    today = address_hash("secret", "203.0.113.9", clock.now())
    assert "203.0.113.9" not in today and len(today) == 32
    assert today != address_hash("secret", "203.0.113.10", clock.now())
    assert today != address_hash("secret", "203.0.113.9", clock.now() + timedelta(days=1))
    # Not the visitor hash of any agent, not even an empty one.
    assert today != visitor_hash("secret", "203.0.113.9", "", clock.now())
