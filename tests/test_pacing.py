"""Pacing: the bot's schedule in Redis, shared by every worker, against a virtual clock.

No test here measures real time: each sender sleeps on a virtual clock that moves to the
earliest wake-up once every sender is asleep, optionally waking them late, and the
assertions count the sends the pacer allowed within windows of that clock.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Callable

from app.pacing import Limit, Pacer
from app.runtime import Runtime

TELEGRAM = Limit(30, 1.0)
ONE_CHAT = Limit(1, 1.0)
JITTER = 0.025
CHATS = itertools.count()  # each message to a chat of its own, unless said otherwise


class VirtualClock:
    """Time that only moves when every sender sleeps: then to the first wake-up, plus
    however late `lateness()` says that sender wakes."""

    shared = False  # the schedules in Redis go by this clock

    def __init__(self, lateness: Callable[[], float] = lambda: 0.0) -> None:
        self.now = 1_000.0
        self.lateness = lateness
        self.awake = 0
        self._sleeping: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._changed = asyncio.Event()

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        at = self.now + max(seconds, 0.0) + self.lateness()
        heapq.heappush(self._sleeping, (at, next(self._order), wake))
        self.awake -= 1
        self._changed.set()
        await wake

    async def run(self, senders: list[Callable[[], object]]) -> None:
        """Run the senders (coroutine functions) to the end, moving time as they sleep."""
        tasks = [asyncio.ensure_future(sender()) for sender in senders]  # type: ignore[arg-type]
        self.awake = len(tasks)
        for task in tasks:
            task.add_done_callback(lambda _: self._finished())
        while not all(task.done() for task in tasks):
            if self.awake > 0 or not self._sleeping:
                self._changed.clear()
                await self._changed.wait()
                continue
            at, _, wake = heapq.heappop(self._sleeping)
            self.now = max(self.now, at)
            self.awake += 1
            wake.set_result(None)
        for task in tasks:
            task.result()

    def _finished(self) -> None:
        self.awake -= 1
        self._changed.set()


def busiest(times: list[float], window: float = 1.0) -> int:
    """The most sends within any `window` seconds (as Telegram counts: [t - 1 s, t))."""
    times, most, low = sorted(times), 0, 0
    for high, t in enumerate(times):
        while t - times[low] >= window:
            low += 1
        most = max(most, high - low + 1)
    return most


def sender(
    pacer: Pacer, clock: VirtualClock, sends: list[float], count: int, chat: str = ""
) -> Callable[[], object]:
    async def send_all() -> None:
        for _ in range(count):
            assert await pacer.wait_turn(chat or f"chat:{next(CHATS)}", ONE_CHAT, 60)
            sends.append(clock.time())

    return send_all


def pacers(runtime: Runtime, clock: VirtualClock, workers: int) -> list[Pacer]:
    return [
        Pacer(runtime.redis, "rl:test", TELEGRAM, jitter=JITTER, timer=clock)
        for _ in range(workers)
    ]


async def test_one_sender_keeps_the_rate_and_never_exceeds_it(runtime: Runtime) -> None:
    clock = VirtualClock(lateness=lambda: 0.004)  # every wake-up 4 ms late
    sends: list[float] = []
    [pacer] = pacers(runtime, clock, 1)
    await clock.run([sender(pacer, clock, sends, 600)])
    assert busiest(sends) <= 30
    # The lateness does not add up: the slots are exact intervals from the first one.
    assert len(sends) / (sends[-1] - sends[0]) > 29.2


async def test_many_workers_sharing_the_bot_keep_its_rate(runtime: Runtime) -> None:
    late = random.Random(8)
    clock = VirtualClock(lateness=lambda: late.random() * JITTER / 2)
    sends: list[float] = []
    workers = pacers(runtime, clock, 4)
    await clock.run(  # 4 workers, 8 sends in flight each
        [sender(pacer, clock, sends, 40) for pacer in workers for _ in range(8)]
    )
    assert len(sends) == 4 * 8 * 40
    assert busiest(sends) <= 30
    assert len(sends) / (sends[-1] - sends[0]) > 29.2


async def test_however_late_the_wake_ups_no_second_holds_31_sends(runtime: Runtime) -> None:
    late = random.Random(31)
    clock = VirtualClock(lateness=lambda: late.random() * 3 * JITTER)
    sends: list[float] = []
    workers = pacers(runtime, clock, 3)
    await clock.run([sender(pacer, clock, sends, 30) for pacer in workers for _ in range(8)])
    assert len(sends) == 3 * 8 * 30
    assert busiest(sends) <= 30
    assert busiest(sends, 1.0 + JITTER / 2) <= 30  # room left for the network's jitter


async def test_a_sender_that_wakes_too_late_takes_a_new_slot(runtime: Runtime) -> None:
    lateness = iter([0.0, 0.2] + [0.0] * 100)  # the second wake-up is 200 ms late
    clock = VirtualClock(lateness=lambda: next(lateness))
    sends: list[float] = []
    first, second = pacers(runtime, clock, 2)
    await clock.run([sender(first, clock, sends, 20), sender(second, clock, sends, 20)])
    assert len(sends) == 40
    # Sent late, it would have gone out next to the senders of the following slots.
    assert busiest(sends, 1.0 + JITTER) <= 30


async def test_one_chat_gets_one_message_a_second(runtime: Runtime) -> None:
    clock = VirtualClock()
    sends: list[float] = []
    [pacer] = pacers(runtime, clock, 1)
    await clock.run([sender(pacer, clock, sends, 5, chat="chat:42")])
    assert [round(b - a, 3) for a, b in itertools.pairwise(sends)] == [1.025] * 4


async def test_a_pause_stops_every_worker_until_it_ends(runtime: Runtime) -> None:
    clock = VirtualClock()
    throttled, other = pacers(runtime, clock, 2)
    await throttled.pause(2.0)  # Telegram said retry_after=2 to one worker
    assert not await other.wait_turn("chat:1", ONE_CHAT, max_wait=1.0)
    paused_at, sends = clock.time(), list[float]()
    await clock.run([sender(other, clock, sends, 1)])
    assert sends and sends[0] >= paused_at + 2.0


async def test_a_wait_longer_than_allowed_gives_up_without_sending(runtime: Runtime) -> None:
    clock = VirtualClock()
    [pacer] = pacers(runtime, clock, 1)
    assert await pacer.wait_turn("chat:42", ONE_CHAT, max_wait=0.5)
    assert not await pacer.wait_turn("chat:42", ONE_CHAT, max_wait=0.5)  # next in 1.025 s
    assert clock.time() == 1_000.0  # and it did not wait for nothing
