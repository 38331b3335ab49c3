"""The pacer's timer (`app.pacing.Timer`) on the tests' frozen clock.

The pacer reads time and sleeps through its timer; the real one is the event loop's, and
its schedules and pauses go by Redis's clock, so a test of a 429's pause would have to
wait the pause out. With this timer the schedules in Redis go by the `FrozenClock` the
test advances, and a sleep moves that clock instead of waiting.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from app.clock import FrozenClock


class FrozenTimer:
    shared = False  # the schedules in Redis go by this timer, not by Redis's clock

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock

    def time(self) -> float:
        return self.clock.now().timestamp()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)  # still a point where other tasks run, like a real sleep
