"""The dashboard's broadcasts page: announcements targeted and scheduled with the same
controls as content, and what each campaign did, in the figures `portevoix broadcast
list` prints."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from aiohttp.test_utils import TestClient

from app.broadcasts.campaigns import REMINDER_KEY, Broadcasts
from app.broadcasts.models import (
    Broadcast,
    BroadcastKind,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
)
from app.people.models import Employee, Role
from app.runtime import Runtime
from app.settings import Settings
from tests.helpers import make_employee
from tests.test_cli import portevoix
from tests.web.test_content_admin import error_of, form
from tests.web.test_dashboard_admin import signed_in


def service(runtime: Runtime) -> Broadcasts:
    return runtime.broadcasts


async def colleagues(runtime: Runtime) -> dict[str, Employee]:
    """Sales in Lyon (one French-speaking), Engineering in Paris."""
    people = {
        "lea": await make_employee(
            runtime, "lea@example.com", "Léa", department="Sales", language="fr"
        ),
        "sam": await make_employee(runtime, "sam@example.com", "Sam", department="Sales"),
        "eve": await make_employee(runtime, "eve@example.com", "Eve", department="Engineering"),
    }
    await Employee.filter(department="Sales").update(location="Lyon")
    await Employee.filter(department="Engineering").update(location="Paris")
    return people


async def test_an_announcement_is_targeted_and_scheduled_in_company_time(
    client: TestClient, runtime: Runtime
) -> None:
    people = await colleagues(runtime)
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    page = await (await client.get("/dashboard/broadcasts", headers=cookie)).text()
    assert re.findall(r'name="roles" value="(\w+)"', page) == ["employee", "recruiter", "admin"]
    assert re.findall(r'name="target_locations" value="(\w+)"', page) == ["Lyon", "Paris"]
    posted = await client.post(
        "/dashboard/broadcasts",
        headers=cookie,
        allow_redirects=False,
        data=form(
            {
                "text": "Sales kick-off on Monday",
                "target_departments": "Sales",
                "target_languages": "fr",
                "roles": "employee",
                "when": "later",
                "at": "2026-11-30T08:30",
            },
            csrf,
        ),
    )
    assert posted.status == 303, await posted.text()
    [broadcast] = await Broadcast.all()
    assert broadcast.send_at == datetime(2026, 11, 30, 7, 30, tzinfo=UTC)  # 08:30 in Paris
    assert broadcast.targeting == {
        "departments": ["Sales"],
        "locations": [],
        "languages": ["fr"],
        "roles": ["employee"],
    }
    assert await service(runtime).expand_due() == 0  # not before its time
    listed = await (await client.get("/dashboard/broadcasts", headers=cookie)).text()
    assert "scheduled for Nov 30, 2026, 08:30" in listed
    assert "For: Sales · Français · Employees" in listed
    await Broadcast.filter(id=broadcast.id).update(send_at=runtime.clock.now())
    await service(runtime).expand_due()
    delivered = await Delivery.filter(broadcast_id=broadcast.id).values_list(
        "employee_id", flat=True
    )
    assert delivered == [people["lea"].id]


async def test_refused_announcements_say_why_beside_the_field_and_create_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    await colleagues(runtime)
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    cases = [
        ({"text": " ", "when": "now"}, "text", "Write the announcement."),
        ({"text": "x" * 4001, "when": "now"}, "text", "At most 4000 characters."),
        ({"text": "Hi", "when": "later", "at": "2026-11-26T08:00"}, "at",
         "This time has passed: pick a later one, or choose now."),
        ({"text": "Hi", "when": "later", "at": "11/30/2026"}, "at",
         "Not a date and time (YYYY-MM-DD HH:MM)."),
        ({"text": "Hi", "when": "now", "target_departments": "Legal"},
         "target_departments", "Not among the choices: Legal."),
        ({"text": "Hi", "when": "now", "target_departments": "Engineering",
          "target_locations": "Lyon"}, "targeting",
         "Nobody matches this targeting: widen it."),
    ]  # fmt: skip
    for fields, field, message in cases:
        answer = await client.post("/dashboard/broadcasts", headers=cookie, data=form(fields, csrf))
        assert answer.status == 422, fields
        page = await answer.text()
        assert error_of(page, field) == message, fields
        if fields["text"].strip():
            assert f">{html.escape(fields['text'][:50], quote=True)}" in page  # kept
    forged = await client.post(
        "/dashboard/broadcasts", headers=cookie, data=form({"text": "Hi", "when": "now"}, "x")
    )
    assert forged.status == 403
    assert await Broadcast.all().count() == 0


async def campaign_of_every_kind(runtime: Runtime) -> Broadcast:
    """An announcement whose deliveries were sent, skipped, failed and still wait."""
    people = [await make_employee(runtime, f"p{n}@example.com", f"P{n}") for n in range(7)]
    broadcast = await service(runtime).create(
        BroadcastKind.ANNOUNCEMENT, text="Quarterly results", employee_ids=[p.id for p in people]
    )
    outcomes = [
        (DeliveryStatus.SENT, ""),
        (DeliveryStatus.SENT, ""),
        (DeliveryStatus.SKIPPED, "no channel"),
        (DeliveryStatus.SKIPPED, "opted out"),
        (DeliveryStatus.FAILED, "unreachable"),
        (DeliveryStatus.PENDING, "quiet hours deferred"),
        (DeliveryStatus.PENDING, "frequency cap deferred"),
    ]
    for person, (status, reason) in zip(people, outcomes, strict=True):
        await Delivery.create(
            broadcast_id=broadcast.id,
            employee_id=person.id,
            platform="telegram",
            status=status,
            reason=reason,
            not_before=runtime.clock.now(),
        )
    await Broadcast.filter(id=broadcast.id).update(status=BroadcastStatus.SENDING)
    return broadcast


async def test_the_page_shows_the_figures_portevoix_broadcast_list_prints(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    broadcast = await campaign_of_every_kind(runtime)
    cookie, _ = await signed_in(client, runtime, Role.ADMIN)
    page = await (await client.get("/dashboard/broadcasts", headers=cookie)).text()
    item = re.search(
        rf'<li class="admin-item campaign" id="broadcast-{broadcast.id}".*?</li>', page, re.S
    )
    assert item is not None
    shown = item.group(0)
    reached = re.search(r"(\d+) of (\d+) reached</strong>", shown)
    counts = re.findall(
        r'<div class="(skipped|failed|waiting)"><dt>\w+</dt><dd><span class="num">(\d+)', shown
    )
    listed = portevoix("broadcast", "list", settings=settings)
    assert listed.returncode == 0, listed.stderr
    [row] = [
        line
        for line in listed.stdout.splitlines()
        if line.split()[:2] == [str(broadcast.id), "announcement"]
    ]
    cli_reached, skipped, failed, waiting = row.split()[-4:]
    assert reached is not None and f"{reached.group(1)}/{reached.group(2)}" == cli_reached == "2/7"
    assert dict(counts) == {"skipped": skipped, "failed": failed, "waiting": waiting}
    assert (skipped, failed, waiting) == ("2", "1", "2")
    for why in (
        "no chat account: 1",
        "opted out: 1",
        "blocked the bot: 1",
        "quiet hours: 1",
        "daily cap: 1",
    ):
        assert why in shown
    assert 'data-outcome="sending"' in shown


async def test_the_admins_reminders_are_not_listed_as_announcements(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    admin = await make_employee(runtime, "boss@example.com", "Boss", role=Role.ADMIN)
    reminder = await service(runtime).create(
        BroadcastKind.ANNOUNCEMENT,
        text="Waiting for you: 2 redemption(s) to approve, 0 report(s) to read.",
        employee_ids=[admin.id],
        key=f"{REMINDER_KEY}2026-11-26:{admin.id}",
        created_by="scheduler",
    )
    town_hall = await service(runtime).create(BroadcastKind.ANNOUNCEMENT, text="Town hall at 5")
    cookie, _ = await signed_in(client, runtime, Role.ADMIN)
    page = await (await client.get("/dashboard/broadcasts", headers=cookie)).text()
    assert f'id="broadcast-{town_hall.id}"' in page
    assert f'id="broadcast-{reminder.id}"' not in page and "Waiting for you" not in page
    listed = portevoix("broadcast", "list", settings=settings).stdout.splitlines()
    kinds = {line.split()[0]: line.split()[1] for line in listed[1:-1]}
    assert kinds == {str(reminder.id): "reminder", str(town_hall.id): "announcement"}


async def test_cancelling_is_for_admins_and_says_what_happened(
    client: TestClient, runtime: Runtime
) -> None:
    broadcast = await service(runtime).create(
        BroadcastKind.ANNOUNCEMENT, text="Later", send_at=runtime.clock.now() + timedelta(days=1)
    )
    recruiter, csrf = await signed_in(client, runtime, Role.RECRUITER)
    url = f"/dashboard/broadcasts/{broadcast.id}/cancel"
    assert (await client.post(url, headers=recruiter, data={"csrf": csrf})).status == 403
    cookie, csrf = await signed_in(client, runtime, Role.ADMIN)
    answer = await client.post(url, headers=cookie, data={"csrf": csrf})
    assert "Broadcast cancelled" in await answer.text()
    await broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED
