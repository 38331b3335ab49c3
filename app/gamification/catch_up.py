"""Points for clicks whose award was lost on the way.

The click worker stores a batch of clicks, then announces them (`ClickRecorded`) and
gamification awards their points. If the award does not happen — the database fails
under it, or the worker dies between the INSERT and the announcement (the replayed
stream entry then finds its click stored and announces nothing) — the click is kept but
its points are not. The scheduler's leader calls `check` every tick: unique clicks
stored since the previous check, at least one tick ago, that have no ledger entry are
awarded (directly: `ClickRecorded` stays once per click). Awards are keyed by click, so
one awarded meanwhile is never awarded twice; if the award fails again, the check stops
there and starts from the same click at the next tick.

The clicks belong to referrals: they are read through `StoredClicks` (implemented by
`app.referrals.writer.StoredClicks`, given by the composition root), as the
`ClickRecorded` events they were announced with; gamification never reads their table.
"""

from __future__ import annotations

from typing import Protocol

from redis.asyncio import Redis

from app.events import ClickRecorded
from app.gamification.models import PointsEntry
from app.gamification.service import GamificationService

CHECKED = "click-points:checked"  # every click id up to this one was checked
SEEN = "click-points:seen"  # the highest click id at the previous check


class StoredClicks(Protocol):
    async def highest_id(self) -> int: ...

    async def unique_after(
        self, first: int, last: int, limit: int
    ) -> list[tuple[int, ClickRecorded]]: ...


class MissedClickPoints:
    def __init__(
        self, redis: Redis, game: GamificationService, clicks: StoredClicks, chunk: int = 1000
    ) -> None:
        self.redis = redis
        self.game = game
        self.clicks = clicks
        self.chunk = chunk

    async def check(self) -> int:
        """Award the unique clicks without points among those stored before the
        previous check; returns how many. An award that fails raises, and the next
        check starts again from the first click of the chunk that failed."""
        top = await self.clicks.highest_id()
        checked, seen = await self.redis.mget(CHECKED, SEEN)
        if checked is None or seen is None:
            # First check (or Redis was emptied): from now on. The clicks stored before
            # were announced when stored, like every click.
            await self.redis.mset({CHECKED: top, SEEN: top})
            return 0
        first, last = int(checked), int(seen)
        awarded = 0
        while first < last:
            rows = await self.clicks.unique_after(first, last, self.chunk)
            if not rows:
                break
            awarded += await self._award_unawarded([click for _, click in rows])
            first = rows[-1][0]
            await self.redis.set(CHECKED, first)
        # The clicks stored since the previous check wait one more tick: the worker
        # that stored them may still be awarding them.
        await self.redis.mset({CHECKED: last, SEEN: top})
        return awarded

    async def _award_unawarded(self, clicks: list[ClickRecorded]) -> int:
        keys = {f"click:{click.click_id}": click for click in clicks}
        awarded = set(
            await PointsEntry.filter(idempotency_key__in=list(keys)).values_list(
                "idempotency_key", flat=True
            )
        )
        missing = [click for key, click in keys.items() if key not in awarded]
        if missing:
            await self.game.on_clicks(missing)
        return len(missing)
