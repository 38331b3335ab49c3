"""Broadcasts: targeting and skips, quiet hours and caps, many workers, crashes, 429s."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from app.broadcasts.models import (
    Broadcast,
    BroadcastKind,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
)
from app.clock import FrozenClock
from app.people.models import ChatIdentity, Employee, Role
from app.runtime import Runtime
from app.worker.engine import PushEngine
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.timer import FrozenTimer
from tests.helpers import bearer, eventually, make_employee, make_open_job


async def announcement(runtime: Runtime, engine: PushEngine, people: int, text: str) -> Broadcast:
    """An announcement to `people` new colleagues (chat ids 5000...), expanded."""
    staff = [await person(runtime, n) for n in range(people)]
    broadcast = await engine.broadcasts.create(
        BroadcastKind.ANNOUNCEMENT, text=text, employee_ids=[p.id for p in staff]
    )
    await engine.broadcasts.expand_due()
    return broadcast


async def person(
    runtime: Runtime, n: int, *, department: str = "Engineering", chat: bool = True, **prefs: object
) -> Employee:
    employee = await make_employee(
        runtime,
        f"p{n}@example.com",
        f"Person {n}",
        department=department,
        telegram_id=str(5000 + n) if chat else None,
    )
    if prefs:
        await Employee.filter(id=employee.id).update(**prefs)
        await employee.refresh_from_db()
    return employee


async def statuses(broadcast: Broadcast) -> dict[int, tuple[str, str]]:
    rows = await Delivery.filter(broadcast_id=broadcast.id)
    return {d.employee_id: (d.status.value, d.reason) for d in rows}


async def test_a_published_job_reaches_its_audience_with_reasons_for_the_rest(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram
) -> None:
    ada = await person(runtime, 1)
    bob = await person(runtime, 2, department="Sales")
    cyd = await person(runtime, 3, chat=False)
    dan = await person(runtime, 4, push_jobs=False)
    job = await make_open_job(runtime, target_departments=["Engineering"])
    [broadcast] = await Broadcast.all()
    assert (broadcast.kind, broadcast.content_id) == (BroadcastKind.JOB, job.id)
    await engine.broadcasts.expand_due()
    assert await statuses(broadcast) == {
        ada.id: ("pending", ""),
        cyd.id: ("skipped", "no channel"),
        dan.id: ("skipped", "opted out"),
    }
    assert bob.id not in await statuses(broadcast)
    assert await engine.sender.drain() == 1
    [message] = fake.sent("sendMessage")
    assert message["chat_id"] == 5001 and "New job: Data Engineer" in message["text"]
    actions = [
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
    ]
    assert f"share:job:{job.id}" in actions and f"refer:job:{job.id}" in actions
    await broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.DONE
    assert (await engine.broadcasts.counts(broadcast.id))["sent"] == 1


async def test_quiet_hours_defer_until_they_end(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram, clock: FrozenClock
) -> None:
    clock.advance(datetime(2026, 11, 26, 22, 0, tzinfo=UTC) - clock.now())  # 23:00 in Paris
    ada = await person(runtime, 1, quiet_start=22, quiet_end=7)
    await engine.broadcasts.create(BroadcastKind.ANNOUNCEMENT, text="Hello", employee_ids=[ada.id])
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    assert fake.sent("sendMessage") == []
    [delivery] = await Delivery.all()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.reason == "quiet hours deferred"
    assert delivery.not_before == datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # 07:00 Paris
    clock.advance(timedelta(hours=8, minutes=1))
    await engine.sender.drain()
    assert len(fake.sent("sendMessage")) == 1


async def test_the_daily_cap_defers_the_extra_pushes_to_tomorrow(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram, clock: FrozenClock
) -> None:
    ada = await person(runtime, 1)
    for n in range(4):
        await engine.broadcasts.create(
            BroadcastKind.ANNOUNCEMENT, text=f"News {n}", employee_ids=[ada.id]
        )
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    assert [m["text"] for m in fake.sent("sendMessage")] == ["News 0", "News 1", "News 2"]
    [waiting] = await Delivery.filter(status=DeliveryStatus.PENDING)
    assert waiting.reason == "frequency cap deferred"
    clock.advance(timedelta(days=1))
    await engine.sender.drain()
    assert len(fake.sent("sendMessage")) == 4


async def test_two_workers_share_a_campaign_and_send_each_message_once(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram
) -> None:
    await announcement(runtime, engine, 40, "All hands")
    other = engine.loop(batch=7)
    engine.sender.batch = 7
    await asyncio.gather(engine.sender.drain(), other.drain())
    chats = [m["chat_id"] for m in fake.sent("sendMessage")]
    assert sorted(chats) == sorted(5000 + n for n in range(40))  # each once
    assert await Delivery.filter(status=DeliveryStatus.SENT).count() == 40


async def test_a_crashed_workers_deliveries_are_taken_over_after_the_lease(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram, clock: FrozenClock
) -> None:
    await announcement(runtime, engine, 5, "Hi")
    crashed = engine.loop(batch=3)
    assert len(await crashed._claim()) == 3  # claimed, then the process died
    assert await engine.sender.drain() == 2  # the other two; the three are leased
    clock.advance(engine.limits.lease + timedelta(seconds=1))
    assert await engine.sender.drain() == 3
    assert sorted(m["chat_id"] for m in fake.sent("sendMessage")) == [5000 + n for n in range(5)]


async def test_a_worker_that_dies_mid_batch_repeats_at_most_its_sends_in_flight(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram, clock: FrozenClock
) -> None:
    await announcement(runtime, engine, 60, "Hi")
    dying = engine.loop(batch=60, concurrency=8)
    sending = asyncio.create_task(dying.run_once())
    await eventually(lambda: len(fake.sent("sendMessage")) >= 20, every=0)  # as soon as 20
    sending.cancel()  # the worker dies between sends and their recording: nothing more
    with contextlib.suppress(asyncio.CancelledError):
        await sending
    clock.advance(engine.limits.lease + timedelta(seconds=1))
    await engine.sender.drain()
    received = Counter(m["chat_id"] for m in fake.sent("sendMessage"))
    assert set(received) == {5000 + n for n in range(60)}  # nobody lost
    assert sum(n - 1 for n in received.values()) <= 8  # repeated: at most those in flight
    assert await Delivery.filter(status=DeliveryStatus.SENT).count() == 60


async def test_what_cannot_go_within_half_a_lease_waits_for_the_next_claim(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram
) -> None:
    await announcement(runtime, engine, 3, "Hi")
    slow = replace(engine.limits, lease=timedelta(seconds=2), telegram_per_second=1)
    assert await engine.loop(slow).run_once() == 3
    assert len(fake.sent("sendMessage")) == 1  # the next slot is a second away: too late
    waiting = await Delivery.filter(status=DeliveryStatus.PENDING)
    assert [(d.reason, d.attempts) for d in waiting] == [("rate limited", 0)] * 2


async def test_a_429_pauses_the_bot_for_retry_after(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram, clock: FrozenClock
) -> None:
    ada = await person(runtime, 1)
    engine.sender.telegram.timer = FrozenTimer(clock)  # the pause goes by the test's clock
    await engine.broadcasts.create(BroadcastKind.ANNOUNCEMENT, text="Hi", employee_ids=[ada.id])
    await engine.broadcasts.expand_due()
    fake.throttle.append(1)
    await engine.sender.run_once()
    [delivery] = await Delivery.all()
    assert (delivery.status, delivery.reason) == (DeliveryStatus.PENDING, "throttled")
    assert await runtime.redis.pttl("rl:telegram:pause") > 0  # every worker waits
    clock.advance(timedelta(seconds=2))  # the pause (retry_after: 1 s) is over
    await engine.sender.drain()
    assert [c.method for c in fake.calls if c.method.startswith("send")] == [
        "sendMessage#429",
        "sendMessage",
    ]


async def test_a_user_who_blocked_the_bot_is_marked_and_not_retried(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram
) -> None:
    ada = await person(runtime, 1)
    fake.blocked.add(5001)
    await engine.broadcasts.create(BroadcastKind.ANNOUNCEMENT, text="Hi", employee_ids=[ada.id])
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    [delivery] = await Delivery.all()
    assert (delivery.status, delivery.reason) == (DeliveryStatus.FAILED, "unreachable")
    assert not (await ChatIdentity.get(employee_id=ada.id)).active
    assert await engine.broadcasts.retry_failed(delivery.broadcast_id) == 0  # type: ignore[attr-defined]


async def test_cancel_stops_pending_deliveries(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram
) -> None:
    broadcast = await announcement(runtime, engine, 3, "Oops")
    assert await engine.broadcasts.cancel(broadcast.id) == 3
    await engine.sender.drain()
    assert fake.sent("sendMessage") == []
    assert (await engine.broadcasts.skipped_reasons(broadcast.id)) == {"cancelled": 3}


async def test_the_weekly_digest_tells_my_week(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram, clock: FrozenClock
) -> None:
    from app.chat import pushes

    ada = await person(runtime, 1)
    await runtime.gamification.adjust(ada.id, 42, "Welcome", by="test")
    await make_open_job(runtime, "Fresh Job")
    text = await pushes.digest(runtime, ada)
    assert "0 unique clicks" in text and "42 points earned" in text
    assert "#1 this month" in text and "Fresh Job" in text
    clock.advance(datetime(2026, 11, 30, 9, 30, tzinfo=UTC) - clock.now())  # Monday 10:30
    assert any("weekly digest" in line for line in await engine.scheduler.tick())
    assert not any("weekly digest" in line for line in await engine.scheduler.tick())
    assert await Broadcast.filter(kind=BroadcastKind.DIGEST).count() == 1


async def test_only_one_scheduler_leads(runtime: Runtime, engine: PushEngine) -> None:
    from app.worker.scheduler import Scheduler

    other = Scheduler(runtime, engine.broadcasts)
    assert await engine.scheduler.lead()
    assert not await other.lead()
    assert await engine.scheduler.lead()  # renewing its lease


async def test_the_api_creates_and_follows_a_broadcast(
    client: TestClient, runtime: Runtime, engine: PushEngine, admin_headers: dict[str, str]
) -> None:
    ada = await person(runtime, 1)
    recruiter = await bearer(runtime, Role.RECRUITER)
    bad = await client.post("/api/v1/broadcasts", json={"kind": "job"}, headers=recruiter)
    assert bad.status == 422
    created = await client.post(
        "/api/v1/broadcasts",
        headers=recruiter,
        json={"kind": "announcement", "text": "Town hall at 5", "employee_ids": [ada.id]},
    )
    assert created.status == 201
    broadcast_id = (await created.json())["id"]
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    progress = await (
        await client.get(f"/api/v1/broadcasts/{broadcast_id}", headers=recruiter)
    ).json()
    assert progress["status"] == "done" and progress["counts"]["sent"] == 1
    cancel = await client.post(f"/api/v1/broadcasts/{broadcast_id}/cancel", headers=admin_headers)
    assert cancel.status == 409


async def test_an_announcement_targets_departments_and_roles_matched_when_it_is_sent(
    client: TestClient, runtime: Runtime, engine: PushEngine
) -> None:
    ada = await person(runtime, 1)
    await person(runtime, 2, department="Sales")
    recruiter = await bearer(runtime, Role.RECRUITER)
    targeting = {"target_departments": ["Engineering"], "roles": ["employee"]}
    created = await client.post(
        "/api/v1/broadcasts",
        headers=recruiter,
        json={"kind": "announcement", "text": "Demo day", "targeting": targeting},
    )
    assert created.status == 201, await created.text()
    assert (await created.json())["targeting"]["departments"] == ["Engineering"]
    joined_later = await person(runtime, 3)  # matched at sending time, not at creation
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    reached = await Delivery.filter(status=DeliveryStatus.SENT).values_list(
        "employee_id", flat=True
    )
    assert sorted(reached) == [ada.id, joined_later.id]
    for body, code in (
        ({"kind": "announcement", "text": "Hi", "targeting": {"target_departments": ["Legal"]}},
         "nobody_targeted"),
        ({"kind": "job", "content_id": 1, "targeting": {}}, "invalid"),
    ):  # fmt: skip
        refused = await client.post("/api/v1/broadcasts", headers=recruiter, json=body)
        assert refused.status == 422 and (await refused.json())["error"]["code"] == code
    assert await Broadcast.all().count() == 1
