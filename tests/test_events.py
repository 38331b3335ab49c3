"""The event bus: plain handlers get each event, batch handlers a whole batch at once."""

from __future__ import annotations

from app.events import BadgeEarned, EventBus, LevelReached


async def test_a_batch_handler_gets_a_published_batch_in_one_call() -> None:
    bus = EventBus()
    calls: list[object] = []

    async def each(event: BadgeEarned) -> None:
        calls.append(("each", event.badge))

    async def batch(events: list[BadgeEarned]) -> None:
        calls.append(("batch", [event.badge for event in events]))

    bus.subscribe(BadgeEarned, each)
    bus.subscribe_batch(BadgeEarned, batch)
    await bus.publish_many([BadgeEarned(1, "a"), LevelReached(1, 2), BadgeEarned(2, "b")])
    await bus.publish(BadgeEarned(3, "c"))
    assert calls == [
        ("each", "a"),
        ("each", "b"),
        ("batch", ["a", "b"]),
        ("each", "c"),
        ("batch", ["c"]),
    ]


async def test_a_failing_batch_handler_does_not_stop_the_others() -> None:
    bus = EventBus()
    seen: list[int] = []

    async def broken(events: list[LevelReached]) -> None:
        raise RuntimeError("boom")

    async def works(event: LevelReached) -> None:
        seen.append(event.level)

    bus.subscribe_batch(LevelReached, broken)
    bus.subscribe(LevelReached, works)
    await bus.publish_many([LevelReached(1, 1), LevelReached(1, 2)])
    assert seen == [1, 2]
