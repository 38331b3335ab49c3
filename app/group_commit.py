"""Group commit: one call for everyone who asked at about the same time.

Whoever asks while a call is under way is served by the next call, together with
everyone else who asked meanwhile; when idle, an item goes at once, without waiting for
company. Each caller waits for its own result, so "done" still means done. Used for the
clicks of concurrent redirects (one Lua call appends them all), the rate-limit counters
of concurrent requests (`app.http.rates.RateCounter`, one Lua call too), the broadcast
sender's pacing slots and its sent deliveries: one round trip per group instead of one
per item.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Hands the items of concurrent callers to `flush` together: the items that arrive
    while one flush is in flight go in the next, and each caller waits for its own
    result. Under load, N callers cost one round trip; alone, a caller's flush starts at
    once. `flush(items)` returns one result per item; if it raises, every caller of that
    flush gets the error, and the next flush is tried afresh."""

    def __init__(self, flush: Callable[[list[T]], Awaitable[list[R]]], max_batch: int = 512):
        self.flush = flush
        self.max_batch = max_batch
        self.flushes = 0
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._sender: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._sender is None:
            self._sender = asyncio.create_task(self._send_all())
        return await future

    async def _send_all(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self.max_batch]
                del self._waiting[: self.max_batch]
                await self._send(batch)
        except BaseException:  # cancelled (shutting down): so is everyone still waiting
            for _, future in self._waiting:
                future.cancel()
            self._waiting.clear()
            raise
        finally:
            self._sender = None

    async def _send(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        self.flushes += 1
        try:
            results = await self.flush([item for item, _ in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"{self.flush!r} gave {len(results)} results for {len(batch)}")
        except Exception as exc:  # every caller of this flush hears of it
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except BaseException:  # cancelled: so are its callers
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)
