"""One call for everyone who asked at about the same time (group commit).

Whoever asks while a call is under way is served by the next call, with everyone else
who asked meanwhile. Under load the calls carry many items each; when idle, one item
goes at once, without waiting for company. The broadcast sender uses it to record sent
deliveries and to reserve pacing slots: one round trip per group instead of per message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCall(Generic[Item, Result]):
    def __init__(self, run: Callable[[list[Item]], Awaitable[list[Result]]]) -> None:
        """`run` gets the items in the order they were asked for and returns one result
        for each, in the same order."""
        self._run = run
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._caller: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._caller is None or self._caller.done():
            self._caller = asyncio.create_task(self._call_all())
        return await done

    async def _call_all(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                results = await self._run([item for item, _ in group])
            except Exception as exc:  # each asker sees it, as if it had called alone
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
            else:
                for (_, done), result in zip(group, results, strict=True):
                    if not done.done():
                        done.set_result(result)
