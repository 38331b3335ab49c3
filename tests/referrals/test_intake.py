"""New referrals: consent first, the first referrer keeps the candidate, nobody refers
themself, and what each referrer is told."""

from __future__ import annotations

import asyncio

import pytest

from app.clock import FrozenClock
from app.events import ApplicationSubmitted, ReferralStatusChanged
from app.people.emails import CompanyDomains
from app.people.models import Role
from app.referrals.errors import AlreadyReferred, CompanyAddress, JobNotOpen, SelfReferral
from app.referrals.intake import Attribution, CandidateDetails
from app.referrals.models import Candidate, Referral, ReferralChange, ReferralSource
from app.referrals.models import ReferralStatus as S
from app.referrals.service import ReferralFilter
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.referrals.factories import MARIE, consented, later, refer, seen, team


async def test_a_chat_referral_waits_for_consent_and_no_recruiter_sees_it(
    runtime: Runtime,
) -> None:
    ada, _, job = await team(runtime)
    submitted = seen(runtime, ApplicationSubmitted)
    outcome = await refer(runtime, ada, job)
    assert outcome.status == S.PENDING_CONSENT
    assert outcome.message.startswith("Thank you! We e-mailed Marie Curie")
    assert "/consent/" not in outcome.message  # the candidate consents, not the referrer
    assert outcome.consent_emailed  # into the outbox: SMTP is not configured
    listing, total = await runtime.referrals.search(ReferralFilter(), recruiter=True)
    assert (listing, total) == ([], 0)
    mine, _ = await runtime.referrals.search(ReferralFilter(referrer_id=ada.id), recruiter=False)
    assert [r.id for r in mine] == [outcome.referral.id]
    assert submitted == []

    referral = await consented(runtime, outcome)
    assert referral.status == S.SUBMITTED
    listing, total = await runtime.referrals.search(ReferralFilter(), recruiter=True)
    assert [r.id for r in listing] == [referral.id]
    assert [(e.referral_id, e.employee_id, e.job_id) for e in submitted] == [
        (referral.id, ada.id, job.id)
    ]
    again = await runtime.referrals.consent.give(outcome.referral.consent_token or "")
    assert again is not None and again.status == S.SUBMITTED
    assert len(submitted) == 1  # consenting twice announces once
    history = await runtime.referrals.pipeline.history(referral.id)
    assert [(h.from_status, h.to_status, h.actor) for h in history] == [
        ("", "pending_consent", f"employee:{ada.id}"),
        ("pending_consent", "submitted", "candidate"),
    ]


async def test_the_candidate_is_identified_by_normalised_email(runtime: Runtime) -> None:
    ada, bob, job = await team(runtime)
    await refer(runtime, ada, job)
    shouting = CandidateDetails("Marie Curie", "  MARIE.CURIE@example.ORG ")
    second = await refer(runtime, bob, job, shouting)
    assert second.status == S.DUPLICATE
    assert await Candidate.all().count() == 1
    assert (await Candidate.get()).email == "marie.curie@example.org"


async def test_nobody_refers_themself_under_another_spelling_of_their_address(
    runtime: Runtime,
) -> None:
    ada, _, job = await team(runtime)  # ada@example.com
    gmail = await make_employee(runtime, "grace.hopper@gmail.com", "Grace Hopper")
    for referrer, alias in (
        (ada, "ADA+x@example.com"),
        (ada, " ada+jobs+2026@Example.COM"),
        (gmail, "gracehopper+navy@googlemail.com"),
        (gmail, "G.R.A.C.E.hopper@gmail.com"),
    ):
        with pytest.raises(SelfReferral):
            await refer(runtime, referrer, job, CandidateDetails("Me Again", alias))
    assert await Referral.all().count() == 0 and await Candidate.all().count() == 0


async def test_an_address_of_the_company_cannot_be_referred(runtime: Runtime) -> None:
    ada, _, job = await team(runtime)  # the employees are at example.com
    runtime.referrals.intake.company = CompanyDomains({"corp.example"})
    for address in ("bob+x@example.com", "new.hire@example.com", "someone@corp.example"):
        with pytest.raises(CompanyAddress) as refused:
            await refer(runtime, ada, job, CandidateDetails("A Colleague", address))
        assert refused.value.message.startswith("This is an address of the company")
    assert await Referral.all().count() == 0 and await Candidate.all().count() == 0


async def test_a_candidate_under_an_alias_is_the_same_candidate(runtime: Runtime) -> None:
    ada, bob, job = await team(runtime)
    await refer(runtime, ada, job, CandidateDetails("Marie Curie", "marie.curie@gmail.com"))
    alias = CandidateDetails("Marie Curie", "MarieCurie+ref@googlemail.com")
    second = await refer(runtime, bob, job, alias)
    assert second.status == S.DUPLICATE
    assert await Candidate.all().count() == 1
    with pytest.raises(AlreadyReferred):  # the first referrer, again, under an alias
        await refer(runtime, ada, job, CandidateDetails("Marie", "marie.curie+2@gmail.com"))


async def test_a_second_referrer_gets_a_duplicate_and_is_told_why_in_their_language(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada, bob, job = await team(runtime)  # bob speaks French
    first = await refer(runtime, ada, job)
    await consented(runtime, first)
    later(clock, 10)
    changed = seen(runtime, ReferralStatusChanged)
    second = await refer(runtime, bob, job)
    assert second.status == S.DUPLICATE
    assert second.referral.duplicate_of_id == first.referral.id
    assert not second.consent_emailed and second.referral.consent_token is None
    assert second.message == (
        "Marie Curie a déjà été recommandé·e pour Data Engineer par un·e collègue le "
        "2026-11-26. Une candidature reste attribuée à la première personne qui l'a "
        "recommandée jusqu'au 2027-05-25 : cette recommandation est enregistrée mais ne "
        "peut pas rapporter de points ni de prime."
    )
    assert changed == []  # the first referral is untouched
    listing, _ = await runtime.referrals.search(ReferralFilter(), recruiter=True)
    assert [r.id for r in listing] == [first.referral.id]  # duplicates are not shown twice


async def test_ownership_ends_with_the_window(runtime: Runtime, clock: FrozenClock) -> None:
    ada, bob, job = await team(runtime)
    await consented(runtime, await refer(runtime, ada, job))
    later(clock, runtime.settings.referral_ownership_days + 1)
    second = await refer(runtime, bob, job)
    assert second.status == S.PENDING_CONSENT


async def test_ownership_is_per_job(runtime: Runtime) -> None:
    ada, bob, job = await team(runtime)
    from tests.helpers import make_open_job

    other = await make_open_job(runtime, "Site Reliability Engineer")
    await refer(runtime, ada, job)
    assert (await refer(runtime, bob, other)).status == S.PENDING_CONSENT
    assert (await refer(runtime, bob, None)).status == S.PENDING_CONSENT  # general referral


async def test_the_same_referrer_twice_is_refused_and_nothing_is_written(
    runtime: Runtime,
) -> None:
    ada, _, job = await team(runtime)
    await refer(runtime, ada, job)
    with pytest.raises(AlreadyReferred, match="You already referred Marie Curie for Data Engineer"):
        await refer(runtime, ada, job)
    assert await Referral.all().count() == 1


async def test_nobody_can_refer_themself(runtime: Runtime) -> None:
    ada, bob, job = await team(runtime)
    with pytest.raises(SelfReferral) as refused:
        await refer(runtime, ada, job, CandidateDetails("Ada", "ADA@example.com"))
    assert refused.value.message.startswith("You cannot refer yourself.")
    with pytest.raises(SelfReferral) as refused_fr:
        await refer(runtime, bob, job, CandidateDetails("Bob", "bob@example.com"))
    assert refused_fr.value.message.startswith("Vous ne pouvez pas vous recommander")
    assert await Referral.all().count() == 0
    assert await Candidate.all().count() == 0


async def test_a_closed_job_cannot_be_referred_for(runtime: Runtime) -> None:
    ada, _, job = await team(runtime)
    await runtime.content.close_job(job.id)
    with pytest.raises(JobNotOpen):
        await refer(runtime, ada, job)
    assert await Referral.all().count() == 0


async def test_a_candidate_who_applied_directly_first_is_a_prior_applicant(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada, _, job = await team(runtime)
    direct = await runtime.referrals.intake.apply(job.id, MARIE, None, cv_file="")
    assert direct.status == S.SUBMITTED and direct.referral.referrer_id is None
    later(clock, 1)
    referred = await refer(runtime, ada, job)
    assert referred.referral.prior_applicant
    assert referred.status == S.PENDING_CONSENT  # a direct application owns nothing


async def test_applying_through_the_page_gives_consent_to_a_chat_referral(
    runtime: Runtime,
) -> None:
    ada, bob, job = await team(runtime)
    first = await refer(runtime, ada, job)
    submitted = seen(runtime, ApplicationSubmitted)
    changed = seen(runtime, ReferralStatusChanged)
    via_bob = Attribution(bob, None, "linkedin")
    outcome = await runtime.referrals.intake.apply(job.id, MARIE, via_bob, cv_file="")
    assert outcome.status == S.DUPLICATE
    assert outcome.referral.referrer_id == bob.id
    owner = await Referral.get(id=first.referral.id)
    assert owner.status == S.SUBMITTED and owner.consented_at is not None
    assert [e.employee_id for e in submitted] == [ada.id]
    assert [(e.employee_id, e.new_status) for e in changed] == [(bob.id, "duplicate")]
    notice = await runtime.referrals.notice_for(changed[0])
    assert notice is not None and notice.employee_id == bob.id
    assert "a déjà été recommandé·e" in notice.text


async def test_unconsented_referrals_are_deleted_after_the_consent_period(
    runtime: Runtime, clock: FrozenClock
) -> None:
    ada, bob, job = await team(runtime)
    waiting = await refer(runtime, ada, job)
    answered = await refer(runtime, bob, None)
    await consented(runtime, answered)
    later(clock, runtime.settings.referral_consent_days - 1)
    assert await runtime.referrals.candidates.purge_unconsented() == 0
    later(clock, 2)
    fresh = await refer(runtime, bob, job, CandidateDetails("Pierre Curie", "pierre@example.org"))
    assert await runtime.referrals.candidates.purge_unconsented() == 1
    assert not await Referral.exists(id=waiting.referral.id)
    assert not await ReferralChange.exists(referral_id=waiting.referral.id)
    assert await Referral.exists(id=answered.referral.id)  # consented: kept
    assert await Referral.exists(id=fresh.referral.id)  # still within its period
    assert await Candidate.filter(email="marie.curie@example.org").exists()  # answered one
    consent = await runtime.referrals.consent.give(waiting.referral.consent_token or "")
    assert consent is None  # the link is dead


async def test_every_status_change_is_told_to_the_referrer_in_their_language(
    runtime: Runtime,
) -> None:
    _, bob, job = await team(runtime)
    changed = seen(runtime, ReferralStatusChanged)
    referral = await consented(runtime, await refer(runtime, bob, job))
    recruiter = await make_employee(runtime, "rh@example.com", "Rita", role=Role.RECRUITER)
    from app.referrals.pipeline import Actor

    actor = Actor.employee(recruiter.id, ReferralSource.API)
    for status in (S.SCREENING, S.INTERVIEW, S.OFFER, S.HIRED):
        await runtime.referrals.pipeline.move(referral.id, status, actor)
    texts = [(await runtime.referrals.notice_for(e)).text for e in changed]  # type: ignore[union-attr]
    assert texts == [
        "Les recruteurs étudient la candidature de Marie Curie pour Data Engineer : vos "
        "points de recommandation arrivent.",
        "Marie Curie est invité·e à un entretien pour Data Engineer.",
        "Marie Curie a reçu une offre pour Data Engineer !",
        "Marie Curie a été recruté·e comme Data Engineer. Merci pour cette recommandation !",
    ]


async def test_two_colleagues_referring_the_same_person_at_once_make_one_owner(
    runtime: Runtime,
) -> None:
    ada, bob, job = await team(runtime)
    outcomes = await asyncio.gather(refer(runtime, ada, job), refer(runtime, bob, job))
    assert sorted(o.status for o in outcomes) == [S.DUPLICATE, S.PENDING_CONSENT]
    assert await Candidate.all().count() == 1
    owner = next(o for o in outcomes if o.status == S.PENDING_CONSENT)
    duplicate = next(o for o in outcomes if o.status == S.DUPLICATE)
    assert duplicate.referral.duplicate_of_id == owner.referral.id


async def test_the_scheduler_purges_unconsented_referrals_past_retention(
    runtime: Runtime, clock: FrozenClock
) -> None:
    from app.worker.scheduler import Scheduler

    ada, _, job = await team(runtime)
    await refer(runtime, ada, job)
    later(clock, runtime.settings.referral_consent_days + 1)
    scheduler = Scheduler(runtime, runtime.broadcasts)
    assert "referrals: 1 unconsented deleted, 0 bonus(es) due" in await scheduler.tick()
    assert await Referral.all().count() == 0
    assert await runtime.referrals.housekeeping() == (0, 0)
