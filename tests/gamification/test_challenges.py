"""Team challenges: progress from real clicks, one bonus per member when reached."""

from __future__ import annotations

from datetime import date, timedelta

from app.clock import FrozenClock
from app.events import ClickRecorded
from app.gamification.challenges import ChallengeDraft
from app.gamification.models import Challenge, PointsEntry
from app.referrals.clicks import ClickFacts, agent_of, new_click_id
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.referrals.test_clicks import CHROME
from tests.referrals.test_worker import stored_link


async def test_a_department_reaches_its_target_and_every_member_gets_the_bonus(
    runtime: Runtime, clock: FrozenClock
) -> None:
    link = await stored_link(runtime)  # shared by Ada, of Engineering
    teammate = await make_employee(
        runtime, "bob@example.com", "Bob", telegram_id="42", department="Engineering"
    )
    outsider = await make_employee(
        runtime, "cyd@example.com", "Cyd", telegram_id="43", department="Sales"
    )
    challenge = await runtime.challenges.create(
        ChallengeDraft(
            name="300 clicks in November",
            department="Engineering",
            metric="unique_clicks",
            target=3,
            starts_on=date(2026, 11, 1),
            ends_on=date(2026, 11, 30),
            bonus_points=25,
        )
    )
    for visitor in ("v1", "v2", "v2", "v3", "v4"):  # v2 twice: a repeat does not count
        await runtime.click_writer.store(
            [
                ClickFacts(
                    new_click_id(), link.id, clock.now(), visitor, agent_of(CHROME), "", False, ""
                )
            ]
        )
    await challenge.refresh_from_db()
    assert challenge.progress == 3 and challenge.reached_at is not None
    bonuses = await PointsEntry.filter(reason="challenge_bonus").order_by("employee_id")
    assert [b.employee_id for b in bonuses] == [link.employee_id, teammate.id]
    assert outsider.id not in [b.employee_id for b in bonuses]
    # More clicks later change the progress, never pay twice.
    await runtime.click_writer.store(
        [ClickFacts(new_click_id(), link.id, clock.now(), "v9", agent_of(CHROME), "", False, "")]
    )
    assert await PointsEntry.filter(reason="challenge_bonus").count() == 2


async def test_events_outside_the_period_do_not_count(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime, department="Engineering")
    challenge = await runtime.challenges.create(
        ChallengeDraft(
            name="December",
            department="Engineering",
            metric="unique_clicks",
            target=1,
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 31),
        )
    )
    await runtime.events.publish(
        ClickRecorded("c1", 1, ada.id, "job", 1, "x", "unique", clock.now())
    )
    await challenge.refresh_from_db()
    assert challenge.progress == 0 and challenge.reached_at is None


async def test_capped_clicks_do_not_bring_a_challenge_closer(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """The probe's attack: unique clicks past the daily cap (counted as unique, earning
    nothing) completed the Engineering challenge and paid every member its bonus."""
    link = await stored_link(runtime)  # Ada's, of Engineering
    await make_employee(
        runtime, "bob@example.com", "Bob", telegram_id="42", department="Engineering"
    )
    per_link = runtime.gamification.rules.caps.click_points_per_link_per_day
    challenge = await runtime.challenges.create(
        ChallengeDraft(
            name="Clicks",
            department="Engineering",
            metric="unique_clicks",
            target=per_link + 1,
            starts_on=date(2026, 11, 1),
            ends_on=date(2026, 11, 30),
            bonus_points=50,
        )
    )
    clicks = [
        ClickFacts(new_click_id(), link.id, clock.now(), f"v{n}", agent_of(CHROME), "", False, "")
        for n in range(per_link + 5)
    ]
    stored = await runtime.click_writer.store(clicks)
    assert [c.classification for c in stored].count("unique") == per_link + 5
    await challenge.refresh_from_db()
    assert challenge.progress == per_link and challenge.reached_at is None
    assert not await PointsEntry.filter(reason="challenge_bonus").exists()
    # The next day's first click earns its point, and that one counts.
    clock.advance(timedelta(days=1))
    await runtime.click_writer.store(
        [ClickFacts(new_click_id(), link.id, clock.now(), "w", agent_of(CHROME), "", False, "")]
    )
    await challenge.refresh_from_db()
    assert challenge.reached_at is not None
    assert await PointsEntry.filter(reason="challenge_bonus").count() == 2


async def test_one_batch_of_clicks_moves_every_live_challenge_it_concerns(
    runtime: Runtime, clock: FrozenClock
) -> None:
    """Each challenge moves with its own metric, in its own department, whatever else
    the batch of points holds (the live challenges are read once for all metrics)."""
    from app.referrals.models import Channel, ContentType, TrackedLink
    from tests.helpers import make_open_job, make_sharer

    ada_link = await stored_link(runtime)  # Ada, of Engineering
    cyd = await make_sharer(runtime, "cyd@example.com", department="Sales")
    job = await make_open_job(runtime, "Account Executive")
    [share] = await runtime.links.shares(cyd, ContentType.JOB, job.id, [Channel.LINKEDIN])
    cyd_link = await TrackedLink.get(code=share.code)

    async def challenge(department: str, metric: str) -> Challenge:
        return await runtime.challenges.create(
            ChallengeDraft(
                name=f"{department} {metric}",
                department=department,
                metric=metric,  # type: ignore[arg-type]
                target=1000,
                starts_on=date(2026, 11, 1),
                ends_on=date(2026, 11, 30),
            )
        )

    wanted = {
        ("Engineering", "points"): await challenge("Engineering", "points"),
        ("Engineering", "unique_clicks"): await challenge("Engineering", "unique_clicks"),
        ("Sales", "unique_clicks"): await challenge("Sales", "unique_clicks"),
        ("Sales", "shares"): await challenge("Sales", "shares"),
    }
    await runtime.click_writer.store(
        [
            ClickFacts(
                new_click_id(), link.id, clock.now(), visitor, agent_of(CHROME), "", False, ""
            )
            for link, visitor in ((ada_link, "v1"), (ada_link, "v2"), (cyd_link, "v3"))
        ]
    )
    engineering_points = sum(
        await PointsEntry.filter(department="Engineering").values_list("points", flat=True)
    )
    progress = {}
    for key, found in wanted.items():
        await found.refresh_from_db()
        progress[key] = found.progress
    assert progress == {
        ("Engineering", "points"): engineering_points,
        ("Engineering", "unique_clicks"): 2,
        ("Sales", "unique_clicks"): 1,
        ("Sales", "shares"): 1,
    }
    assert engineering_points > 2  # the clicks, and the share their first visit rewarded
