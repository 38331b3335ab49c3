"""The table of reactions (`app/reactions.py`) and the process roots (`app/runtime.py`):
each root subscribes each of its reactions exactly once, and nothing else; and the
processes column is right: what a process really publishes, it reacts to."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from app import demo
from app.clock import FrozenClock
from app.events import EventBus
from app.reactions import REACTIONS, Process, Reaction, as_markdown
from app.referrals.models import Channel, ContentType
from app.runtime import (
    CLI_PROCESS,
    EMBEDDED_RUN,
    WEB_PROCESS,
    WORKER_PROCESS,
    Runtime,
    build_runtime,
)
from app.store import close_redis, in_process_redis
from tests.helpers import make_open_job, make_sharer, someone_opens

ROOTS = {"web": WEB_PROCESS, "worker": WORKER_PROCESS, "cli": CLI_PROCESS, "run": EMBEDDED_RUN}
Subscription = tuple[type, Any, bool]  # event, handler, takes a batch


@asynccontextmanager
async def root_of(
    runtime: Runtime, process: frozenset[Process], clock: FrozenClock
) -> AsyncIterator[Runtime]:
    """Another process's root on the same database: its own bus, its own Redis."""
    other = build_runtime(runtime.settings, process, runtime.db, in_process_redis(), clock)
    try:
        yield other
    finally:
        await other.aclose()
        await close_redis(other.redis)


def recording_subscriptions(monkeypatch: pytest.MonkeyPatch) -> list[Subscription]:
    """Every subscription any bus is given from now on."""
    made: list[Subscription] = []
    plain, batch = EventBus.subscribe, EventBus.subscribe_batch

    def subscribe(self: EventBus, event_type: type, handler: Any) -> None:
        made.append((event_type, handler, False))
        plain(self, event_type, handler)

    def subscribe_batch(self: EventBus, event_type: type, handler: Any) -> None:
        made.append((event_type, handler, True))
        batch(self, event_type, handler)

    monkeypatch.setattr(EventBus, "subscribe", subscribe)
    monkeypatch.setattr(EventBus, "subscribe_batch", subscribe_batch)
    return made


def recording_publications(root: Runtime) -> set[type]:
    """The type of every event this root's bus publishes from now on."""
    published: set[type] = set()
    publish_many = root.events.publish_many

    async def recorded(events: Any) -> None:
        published.update(type(event) for event in events)
        await publish_many(events)

    root.events.publish_many = recorded  # type: ignore[method-assign]
    return published


@pytest.mark.parametrize("name", ROOTS)
async def test_each_root_subscribes_each_of_its_reactions_once_and_nothing_else(
    name: str, runtime: Runtime, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    process = ROOTS[name]
    made = recording_subscriptions(monkeypatch)
    async with root_of(runtime, process, clock) as root:
        wanted = Counter(
            (r.event, r.handler(root.reactors), r.batch)
            for r in REACTIONS
            if any(role in r.runs_in for role in process)  # the documented column
        )
        assert Counter(made) == wanted  # each once, none outside the table
        assert all(n == 1 for n in Counter(made).values())
    assert made  # every process reacts to something


def missing_in(process: Process, published: set[type]) -> list[Reaction]:
    """Reactions to what `process` published that its column says it does not run."""
    return [r for r in REACTIONS if r.event in published and process not in r.runs_in]


async def test_the_worker_runs_the_reactions_to_what_the_worker_publishes(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_sharer(runtime, telegram_id="4242")
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    async with root_of(runtime, WORKER_PROCESS, clock) as worker:
        published = recording_publications(worker)
        for visitor in ("a", "b", "c"):  # the click worker stores what the door queued
            await someone_opens(worker, share.code, visitor)
        clock.advance(timedelta(days=10))  # into December: November's podium
        assert any("closed" in line for line in await worker.push_engine.scheduler.tick())
    assert {"ClickRecorded", "PointsAwarded", "BadgeEarned"} <= names(published)
    assert missing_in(Process.WORKER, published) == []


async def test_a_cli_command_runs_the_reactions_to_what_it_publishes(
    runtime: Runtime, clock: FrozenClock
) -> None:
    async with root_of(runtime, CLI_PROCESS, clock) as cli:
        published = recording_publications(cli)
        await demo.seed(cli, lambda *_: None)  # `portevoix demo`: the services, for real
    assert {"ClickRecorded", "ReferralStatusChanged", "ContentPublished"} <= names(published)
    assert missing_in(Process.CLI, published) == []


def names(types: set[type]) -> set[str]:
    return {t.__name__ for t in types}


def test_the_table_prints_for_the_docs_with_a_column_per_process() -> None:
    lines = as_markdown().splitlines()
    assert lines[0] == "| Event | Reaction | web | worker | CLI |"
    assert len(lines) == 2 + len(REACTIONS)
    assert "| `ContentPublished` |" in lines[-1] and lines[-1].endswith("| ✓ |  | ✓ |")
