"""What a campaign did, told the same way by the domain, the API, the dashboard and the CLI:
a campaign that sent nothing is not a success with a full bar."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from app.broadcasts.models import Broadcast, BroadcastKind, BroadcastStatus
from app.clock import FrozenClock
from app.people.models import Role
from app.runtime import Runtime
from app.settings import Settings
from app.worker.engine import PushEngine
from tests.broadcasts.test_broadcast import person
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import bearer, make_open_job
from tests.test_cli import portevoix
from tests.web.test_dashboard_admin import signed_in

NOBODY = "done, reached nobody: 0 of 50 reached; 50 skipped (no chat account 50)"


async def nobody_reachable(runtime: Runtime, engine: PushEngine) -> Broadcast:
    """An announcement to 50 people of whom none has a chat account, sent."""
    staff = [await person(runtime, n, chat=False) for n in range(50)]
    broadcast = await engine.broadcasts.create(
        BroadcastKind.ANNOUNCEMENT, text="Town hall at 5", employee_ids=[p.id for p in staff]
    )
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    await broadcast.refresh_from_db()
    return broadcast


async def test_a_campaign_that_sent_nothing_says_it_reached_nobody(
    runtime: Runtime, engine: PushEngine
) -> None:
    broadcast = await nobody_reachable(runtime, engine)
    assert broadcast.status == BroadcastStatus.DONE  # for the sender, nothing is left to do
    report = await engine.broadcasts.report(broadcast.id)
    assert report.outcome == "reached_nobody"
    assert (report.sent, report.total, report.skipped) == (0, 50, {"no channel": 50})
    assert report.shares() == {"sent": 0, "skipped": 100, "failed": 0, "waiting": 0}
    assert report.summary() == NOBODY


async def test_each_delivery_is_counted_once_as_reached_skipped_failed_or_waiting(
    runtime: Runtime, engine: PushEngine, fake: FakeTelegram, clock: FrozenClock
) -> None:
    clock.advance(datetime(2026, 11, 26, 22, 0, tzinfo=UTC) - clock.now())  # 23:00 in Paris
    reached = await person(runtime, 1)
    asleep = await person(runtime, 2, quiet_start=22, quiet_end=7)
    blocked = await person(runtime, 3)
    fake.blocked.add(5003)
    opted_out = await person(runtime, 4, push_jobs=False)
    no_account = await person(runtime, 5, chat=False)
    job = await make_open_job(runtime, "Data Engineer")  # pushes to everyone
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    [report] = await engine.broadcasts.latest(10)
    assert report.title == "Data Engineer" and report.kind == BroadcastKind.JOB
    assert report.content_id == job.id
    assert report.outcome == "sending"  # one waits for the morning
    assert (report.sent, report.waiting, report.failed) == (
        1,
        {"quiet hours deferred": 1},
        {"unreachable": 1},
    )
    assert report.skipped == {"no channel": 1, "opted out": 1}
    assert report.total == 5 == len({reached, asleep, blocked, opted_out, no_account})
    assert report.summary() == (
        "sending: 1 of 5 reached; 2 skipped (no chat account 1, opted out 1); "
        "1 failed (blocked the bot 1); 1 waiting (quiet hours 1)"
    )


async def test_the_api_lists_and_shows_what_each_campaign_did(
    client: TestClient, runtime: Runtime, engine: PushEngine
) -> None:
    broadcast = await nobody_reachable(runtime, engine)
    recruiter = await bearer(runtime, Role.RECRUITER)
    one = await (await client.get(f"/api/v1/broadcasts/{broadcast.id}", headers=recruiter)).json()
    assert (one["status"], one["outcome"], one["reached"]) == ("done", "reached_nobody", 0)
    assert (one["title"], one["skipped"], one["failed"]) == (
        "Town hall at 5",
        {"no channel": 50},
        {},
    )
    assert one["summary"] == NOBODY
    assert one["counts"]["skipped"] == 50 and one["counts"]["sent"] == 0
    listed = await (await client.get("/api/v1/broadcasts", headers=recruiter)).json()
    assert [(b["id"], b["summary"]) for b in listed] == [(broadcast.id, NOBODY)]


async def test_the_dashboard_shows_no_full_bar_for_a_campaign_that_reached_nobody(
    client: TestClient, runtime: Runtime, engine: PushEngine
) -> None:
    broadcast = await nobody_reachable(runtime, engine)
    cookie, _ = await signed_in(client, runtime, Role.RECRUITER)
    page = await (await client.get("/dashboard/broadcasts", headers=cookie)).text()
    row = re.search(
        rf'<li class="admin-item campaign" id="broadcast-{broadcast.id}".*?</li>', page, re.S
    )
    assert row is not None
    html = row.group(0)
    assert 'data-outcome="reached_nobody"' in html and "reached nobody" in html
    assert "0 of 50 reached" in html and "no chat account: 50" in html
    assert 'class="sent"' not in html  # no reached part in the bar
    assert '<rect class="skipped" x="0" width="100" height="1"/>' in html  # all grey
    assert ">done<" not in html


async def test_the_cli_lists_broadcasts_and_says_what_one_did(
    runtime: Runtime, settings: Settings, engine: PushEngine
) -> None:
    broadcast = await nobody_reachable(runtime, engine)
    listed = portevoix("broadcast", "list", settings=settings)
    assert listed.returncode == 0, listed.stderr
    header, row, total = listed.stdout.splitlines()
    assert header.split()[:4] == ["ID", "KIND", "TITLE", "OUTCOME"]
    assert row.split()[:8] == [
        str(broadcast.id), "announcement", "Town", "hall", "at", "5", "reached", "nobody"
    ]  # fmt: skip
    assert row.split()[-4:] == ["0/50", "50", "0", "0"]
    assert total.startswith("1 broadcast(s).")
    status = portevoix("broadcast", "status", str(broadcast.id), settings=settings)
    assert status.stdout.splitlines() == [
        f"broadcast {broadcast.id} (announcement: Town hall at 5)",
        NOBODY,
    ]
    missing = portevoix("broadcast", "status", settings=settings)
    assert missing.returncode == 1
    assert missing.stderr == "portevoix: broadcast status needs the broadcast's ID (see `list`)\n"
