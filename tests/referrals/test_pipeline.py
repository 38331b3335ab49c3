"""The pipeline: every move allowed and refused, the history it leaves, the events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.clock import FrozenClock
from app.errors import InvalidTransition
from app.events import ReferralStatusChanged
from app.referrals.models import BonusStatus, Referral, ReferralChange, ReferralSource
from app.referrals.models import ReferralStatus as S
from app.referrals.pipeline import ATS, Actor
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.referrals.factories import later, referral_in

OPEN = [S.SUBMITTED, S.SCREENING, S.INTERVIEW, S.OFFER]
ALLOWED = {
    (S.SUBMITTED, S.SCREENING),
    (S.SCREENING, S.INTERVIEW),
    (S.INTERVIEW, S.OFFER),
    (S.OFFER, S.HIRED),
} | {(s, end) for s in OPEN for end in (S.REJECTED, S.WITHDRAWN)}
RECRUITER = Actor("employee:99", ReferralSource.API)


def changes_seen(runtime: Runtime) -> list[ReferralStatusChanged]:
    seen: list[ReferralStatusChanged] = []

    async def keep(event: ReferralStatusChanged) -> None:
        seen.append(event)

    runtime.events.subscribe(ReferralStatusChanged, keep)
    return seen


@pytest.mark.parametrize("start", list(S))
async def test_only_the_pipeline_moves_are_allowed(runtime: Runtime, start: S) -> None:
    ada = await make_employee(runtime)
    events = changes_seen(runtime)
    for target in S:
        referral = await referral_in(runtime, start, ada)
        if (start, target) in ALLOWED:
            moved = await runtime.referrals.pipeline.move(referral.id, target, RECRUITER)
            assert moved.status == target
            assert events[-1].old_status == start.value
            assert events[-1].new_status == target.value
            assert events[-1].employee_id == ada.id
        else:
            count = len(events)
            with pytest.raises(InvalidTransition) as refused:
                await runtime.referrals.pipeline.move(referral.id, target, RECRUITER)
            assert refused.value.message  # a sentence for the recruiter
            stored = await Referral.get(id=referral.id)
            assert stored.status == start  # nothing changed
            assert await ReferralChange.filter(referral_id=referral.id).count() == 0
            assert len(events) == count  # nothing announced


async def test_a_refusal_names_the_moves_that_are_allowed(runtime: Runtime) -> None:
    referral = await referral_in(runtime, S.SCREENING)
    with pytest.raises(InvalidTransition) as refused:
        await runtime.referrals.pipeline.move(referral.id, S.HIRED, RECRUITER)
    assert refused.value.message == (
        "A referral in screening cannot move to hired; it can move to interview, rejected, "
        "withdrawn."
    )
    hired = await referral_in(runtime, S.HIRED)
    with pytest.raises(InvalidTransition, match="can no longer change"):
        await runtime.referrals.pipeline.move(hired.id, S.REJECTED, RECRUITER)


async def test_every_move_is_kept_in_the_history_with_who_when_and_where(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada = await make_employee(runtime)
    referral = await referral_in(runtime, S.SUBMITTED, ada)
    pipeline = runtime.referrals.pipeline
    await pipeline.move(referral.id, S.SCREENING, RECRUITER, "CV looks good")
    later(clock, 2)
    await pipeline.move(referral.id, S.INTERVIEW, Actor("employee:7", ReferralSource.BOT))
    later(clock, 5)
    await pipeline.move(referral.id, S.OFFER, ATS)
    history = await pipeline.history(referral.id)
    assert [(h.from_status, h.to_status, h.actor, h.source) for h in history] == [
        ("submitted", "screening", "employee:99", ReferralSource.API),
        ("screening", "interview", "employee:7", ReferralSource.BOT),
        ("interview", "offer", "ats", ReferralSource.ATS),
    ]
    assert history[0].note == "CV looks good"
    assert [h.occurred_at - history[0].occurred_at for h in history] == [
        timedelta(0),
        timedelta(days=2),
        timedelta(days=7),
    ]
    stored = await Referral.get(id=referral.id)
    assert stored.interview_at is not None and stored.offer_at is not None
    assert stored.hired_at is None


async def test_the_ats_may_skip_stages_and_each_one_is_recorded(runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    referral = await referral_in(runtime, S.SUBMITTED, ada)
    events = changes_seen(runtime)
    entered = await runtime.referrals.pipeline.advance_to(referral.id, S.OFFER, ATS)
    assert entered == [S.SCREENING, S.INTERVIEW, S.OFFER]
    assert [e.new_status for e in events] == ["screening", "interview", "offer"]
    assert await runtime.referrals.pipeline.advance_to(referral.id, S.OFFER, ATS) == []
    with pytest.raises(InvalidTransition):
        await runtime.referrals.pipeline.advance_to(referral.id, S.SCREENING, ATS)
    assert (await Referral.get(id=referral.id)).status == S.OFFER


async def test_a_hire_starts_the_bonus_waiting_period(runtime: Runtime, clock: FrozenClock) -> None:
    ada = await make_employee(runtime)
    referral = await referral_in(runtime, S.OFFER, ada)
    hired = await runtime.referrals.pipeline.move(referral.id, S.HIRED, RECRUITER)
    assert hired.bonus_status == BonusStatus.WAITING
    assert hired.hired_at == clock.now()
    assert hired.bonus_due_at is not None
    assert (hired.bonus_due_at - clock.now()).days == runtime.settings.referral_bonus_waiting_days
    direct = await referral_in(runtime, S.OFFER)
    hired_directly = await runtime.referrals.pipeline.move(direct.id, S.HIRED, RECRUITER)
    assert hired_directly.bonus_status == BonusStatus.NONE  # nobody to pay
