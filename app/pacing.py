"""Pacing sends within Telegram's limits, shared by every worker through Redis.

Each limit is a schedule (GCRA): Redis keeps the time at which its next message may go;
a reservation takes that slot and moves it on by one interval. Slots are exact intervals
apart whatever the senders' overheads, so a late wake-up costs no rate (a token bucket
polled by sleepers loses what each wake-up is late, about 6 % at 30/s on a busy
machine), and nothing accumulates: a sender that wakes too late gives its slot up rather
than go out right before the next one.

`count` messages per `period` are spaced `(period + jitter) / count` apart, so that
`count + 1` of them never reach Telegram within one `period` even when each arrives up
to `jitter` later than planned (30/s with 25 ms: a message every 34.2 ms, 29.3/s).

A worker's concurrent reservations go to Redis together (`GroupCommit`): one script call
for everyone who asked while the previous one was under way, so pacing costs a round
trip per group of messages, not per message. Slots are handed out at most `lookahead`
ahead, so that a bot-wide pause (a 429's `retry_after`, which stops every worker) finds
few of them already promised.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from app.group_commit import GroupCommit

# The time in µs: ARGV[1], or Redis's clock when it is '' (the one all workers share).
NOW = """
local now
if ARGV[1] ~= '' then
  now = tonumber(ARGV[1])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end
"""

# KEYS: the pause, the bot's schedule, then one chat schedule per request.
# ARGV: now, the bot's interval (µs), the lookahead (µs), then each request's chat
# interval (µs). Returns one number per request: >= 0, the µs from now to its slot;
# < 0, ask again in that many µs (paused, the bot's schedule is taken beyond the
# lookahead, or the chat's next slot is later than the bot's).
RESERVE = (
    NOW
    + """
local out = {}
local paused = tonumber(redis.call('GET', KEYS[1]) or 0) - now
if paused > 0 then
  for i = 3, #KEYS do out[i - 2] = -paused end
  return out
end
local every, ahead = tonumber(ARGV[2]), tonumber(ARGV[3])
local slot = math.max(tonumber(redis.call('GET', KEYS[2]) or 0), now)
for i = 3, #KEYS do
  local chat_slot = tonumber(redis.call('GET', KEYS[i]) or 0)
  if slot > now + ahead then
    out[i - 2] = -math.max(slot - now - ahead / 2, 1)
  elseif chat_slot > slot then
    out[i - 2] = -(chat_slot - now)
  else
    local chat_next = slot + tonumber(ARGV[i + 1])
    redis.call('SET', KEYS[i], string.format('%.0f', chat_next),
      'PX', math.floor((chat_next - now) / 1000) + 1000)
    out[i - 2] = slot - now
    slot = slot + every
  end
end
redis.call('SET', KEYS[2], string.format('%.0f', slot),
  'PX', math.floor((slot - now) / 1000) + 1000)
return out
"""
)

# KEYS: the pause. ARGV: now, its length (µs). A shorter pause never cuts a longer one.
PAUSE = (
    NOW
    + """
local till = now + tonumber(ARGV[2])
if till > tonumber(redis.call('GET', KEYS[1]) or 0) then
  redis.call('SET', KEYS[1], string.format('%.0f', till),
    'PX', math.floor(tonumber(ARGV[2]) / 1000) + 1000)
end
return 0
"""
)

SCHEDULED = 0.001  # s: a slot nearer than this is now (the event loop's timer resolution)


@dataclass(frozen=True)
class Limit:
    """At most `count` messages in any `period` seconds."""

    count: float
    period: float

    def interval_us(self, jitter: float) -> int:
        return max(1, math.ceil((self.period + jitter) / self.count * 1_000_000))


class Timer(Protocol):
    """Where the pacer reads time and sleeps; tests give it a fake one."""

    def time(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    @property
    def shared(self) -> bool:
        """False: the schedules in Redis go by this timer, not by Redis's clock."""
        ...


class LoopTimer:
    shared = True  # Redis's clock is the one every worker agrees on

    def time(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass(frozen=True)
class _Ask:
    chat_key: str
    chat_interval_us: int


class Pacer:
    """One worker's view of the bot's schedule (`prefix:bot`) and its chats'."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        bot: Limit,
        *,
        jitter: float = 0.025,
        lookahead: float = 0.5,
        timer: Timer | None = None,
    ) -> None:
        self.prefix = prefix
        self.jitter = jitter
        self.bot_interval_us = bot.interval_us(jitter)
        self.lookahead_us = max(1, round(lookahead * 1_000_000))
        self.timer: Timer = timer or LoopTimer()
        self._script: Callable[..., Awaitable[list[int]]] = redis.register_script(RESERVE)
        self._pause: Callable[..., Awaitable[int]] = redis.register_script(PAUSE)
        self._reserve = GroupCommit(self._reserve_group)
        self._paused_until = 0.0

    @property
    def pause_key(self) -> str:
        return f"{self.prefix}:pause"

    async def wait_turn(self, chat_key: str, chat: Limit, max_wait: float) -> bool:
        """Sleep until this message may go to `chat_key`; False if that would take more
        than `max_wait` seconds (the message must then not be sent)."""
        timer = self.timer
        give_up = timer.time() + max_wait
        ask = _Ask(chat_key, chat.interval_us(self.jitter))
        while True:
            answer, answered_at = await self._reserve.submit(ask)
            if answer < 0:  # not yet: ask again then
                again = answered_at - answer / 1_000_000
                if again > give_up:
                    return False
                await timer.sleep(again - timer.time())
                continue
            slot = answered_at + answer / 1_000_000
            if answer / 1_000_000 < SCHEDULED:
                return True  # the schedule had room: nothing planned to crowd
            if slot > give_up:
                return False
            await timer.sleep(slot - timer.time())
            late = timer.time() - slot
            if late <= self.jitter / 2 and timer.time() >= self._paused_until:
                return True
            # Late: going now would crowd the slots after this one. Or a 429 came while
            # waiting. Either way, a new slot (the pause, if any, is in Redis too).
            if timer.time() > give_up:
                return False

    async def pause(self, seconds: float) -> None:
        """Everyone stops sending for `seconds` (Telegram said retry_after); the slots
        this worker already holds wait for the end too."""
        self._paused_until = self.timer.time() + seconds
        await self._pause(keys=[self.pause_key], args=[self._now(), round(seconds * 1_000_000)])

    def _now(self) -> str:
        return "" if self.timer.shared else str(round(self.timer.time() * 1_000_000))

    async def _reserve_group(self, asks: list[_Ask]) -> list[tuple[int, float]]:
        timer = self.timer
        asked_at = timer.time()
        keys = [self.pause_key, f"{self.prefix}:bot"]
        keys += [f"{self.prefix}:{ask.chat_key}" for ask in asks]
        args: list[str | int] = [self._now(), self.bot_interval_us, self.lookahead_us]
        args += [ask.chat_interval_us for ask in asks]
        answers = await self._script(keys=keys, args=args)
        # Redis read its clock between asking and answering: the middle is the best guess.
        answered_at = (asked_at + timer.time()) / 2
        return [(int(answer), answered_at) for answer in answers]
