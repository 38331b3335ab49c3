"""Group commit: callers who ask together share one call, and each gets its own answer."""

from __future__ import annotations

import asyncio

import pytest

from app.group_commit import GroupCommit


async def test_callers_who_ask_while_a_call_is_under_way_share_the_next_one() -> None:
    calls: list[list[int]] = []
    gate = asyncio.Event()

    async def double(items: list[int]) -> list[int]:
        calls.append(items)
        await gate.wait()
        return [2 * n for n in items]

    group = GroupCommit(double)
    first = asyncio.create_task(group.submit(1))
    await asyncio.sleep(0)  # the first call leaves alone, and waits
    others = [asyncio.create_task(group.submit(n)) for n in range(2, 6)]
    await asyncio.sleep(0)  # no wait: they queue behind it
    gate.set()

    assert await first == 2
    assert await asyncio.gather(*others) == [4, 6, 8, 10]
    assert calls == [[1], [2, 3, 4, 5]]


async def test_a_group_never_exceeds_max_batch() -> None:
    sizes: list[int] = []

    async def count(items: list[int]) -> list[int]:
        sizes.append(len(items))
        return items

    group = GroupCommit(count, max_batch=3)
    assert await asyncio.gather(*(group.submit(n) for n in range(7))) == list(range(7))
    assert sizes == [3, 3, 1]


async def test_a_failed_call_fails_its_callers_only_and_the_next_call_is_tried() -> None:
    attempts = 0

    async def flaky(items: list[str]) -> list[str]:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("down")
        return [item.upper() for item in items]

    group = GroupCommit(flaky)
    results = await asyncio.gather(group.submit("a"), group.submit("b"), return_exceptions=True)
    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    assert await group.submit("c") == "C"


async def test_callers_of_a_cancelled_call_are_cancelled_not_left_waiting() -> None:
    started = asyncio.Event()

    async def forever(items: list[int]) -> list[int]:
        started.set()
        await asyncio.Event().wait()
        return items

    group = GroupCommit(forever)
    waiting = asyncio.create_task(group.submit(1))
    await started.wait()
    queued = asyncio.create_task(group.submit(2))  # behind the call under way
    await asyncio.sleep(0)  # no wait: lets it queue
    assert group._sender is not None
    group._sender.cancel()
    for caller in (waiting, queued):
        with pytest.raises(asyncio.CancelledError):
            await caller


async def test_a_call_that_answers_for_the_wrong_number_of_items_fails_its_callers() -> None:
    async def short(items: list[int]) -> list[int]:
        return items[:1]

    group = GroupCommit(short)
    results = await asyncio.gather(group.submit(1), group.submit(2), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
