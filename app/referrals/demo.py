"""Demo referrals: candidates at every stage of the pipeline, with a believable history.

Made through the real services (apply with a tracked link, refer from chat, consent,
move along the pipeline), then spread back in time over four months so the funnel, the
time to hire and the bonuses (one already due, one paid) look like a living company.
Deterministic and safe to run twice.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.jobs.models import JobOffer, JobStatus
from app.people.models import Employee, EmployeeStatus, Role
from app.referrals.intake import Attribution, CandidateDetails
from app.referrals.models import (
    BonusStatus,
    Referral,
    ReferralChange,
    ReferralSource,
    TrackedLink,
)
from app.referrals.models import ReferralStatus as S
from app.referrals.pipeline import ATS, Actor

if TYPE_CHECKING:
    from app.referrals.service import ReferralService

Progress = Callable[[str, int, int], None]
CANDIDATES = [
    "Nora Benali", "Tom Fischer", "Lina Moreau", "Sam Okafor", "Eva Lindqvist",
    "Malik Haddad", "Julie Perrin", "Ravi Iyer", "Sofia Rossi", "Ben Carter",
    "Aya Tanaka", "Hélène Dubois", "Marco Bianchi", "Chloé Girard", "Ibrahim Diallo",
    "Anna Kowalska", "Lucas Petit", "Grace Mensah", "Victor Lambert", "Mei Chen",
]  # fmt: skip
# The stage each demo candidate reaches, in order (a pipeline walk from submitted).
PLAN = [
    [S.SCREENING, S.INTERVIEW, S.OFFER, S.HIRED],  # hired long ago: bonus due
    [S.SCREENING, S.INTERVIEW, S.OFFER, S.HIRED],  # hired long ago: bonus paid
    [S.SCREENING, S.INTERVIEW, S.OFFER, S.HIRED],  # hired recently: bonus waiting
    [S.SCREENING, S.INTERVIEW, S.OFFER],
    [S.SCREENING, S.INTERVIEW, S.OFFER],
    [S.SCREENING, S.INTERVIEW],
    [S.SCREENING, S.INTERVIEW],
    [S.SCREENING, S.INTERVIEW],
    [S.SCREENING],
    [S.SCREENING],
    [],
    [],
    [],
    [S.SCREENING, S.INTERVIEW, S.REJECTED],
    [S.SCREENING, S.REJECTED],
    [S.WITHDRAWN],
]
AGO_DAYS = [175, 165, 40, 30, 25, 21, 18, 15, 12, 10, 6, 4, 2, 60, 35, 20]


async def seed_referrals(
    referrals: ReferralService, bonus_waiting_days: int, progress: Progress
) -> None:
    """`bonus_waiting_days`: REFERRAL_BONUS_WAITING_DAYS (a hire's bonus is due after)."""
    if await Referral.exists():
        progress("referrals", 1, 1)
        return
    rng = random.Random(17)
    links = await TrackedLink.filter(content_type="job").order_by("id")
    open_jobs = {j.id for j in await JobOffer.filter(status=JobStatus.OPEN)}
    links = [link for link in links if link.content_id in open_jobs]
    sharers = {
        e.id: e
        for e in await Employee.filter(id__in=[link.employee_id for link in links])
        if e.status == EmployeeStatus.ACTIVE
    }
    links = [link for link in links if link.employee_id in sharers]
    if not links:
        progress("referrals", 1, 1)
        return
    intake = referrals.intake
    recruiter = await Employee.filter(role=Role.RECRUITER).order_by("id").first()
    total = len(PLAN) + 4
    now = referrals.clock.now()
    hired: list[Referral] = []
    for done, (steps, ago) in enumerate(zip(PLAN, AGO_DAYS, strict=True), start=1):
        link = links[(done * 7) % len(links)]
        outcome = await intake.apply(
            link.content_id,
            _candidate(done - 1),
            Attribution(sharers[link.employee_id], link.id, link.channel.value),
            message="Hello! I saw this offer shared by a friend.",
        )
        referral = outcome.referral
        actor = _actor(recruiter, rng)
        for status in steps:
            await referrals.pipeline.move(referral.id, status, actor)
        await _backdate(referral.id, now - timedelta(days=ago), rng, bonus_waiting_days)
        if S.HIRED in steps:
            hired.append(referral)
        progress("referrals", done, total)
    # From chat: one waiting for consent, one consented; a duplicate; a direct application.
    employees = list(sharers.values())
    job_id = links[0].content_id
    waiting = await intake.refer(employees[0], job_id, _candidate(16), "We met at a meetup.")
    answered = await intake.refer(employees[1 % len(employees)], None, _candidate(17))
    if answered.referral.consent_token:
        await referrals.consent.give(answered.referral.consent_token)
    await intake.apply(job_id, _candidate(18), None, message="Applying directly.")
    owner = await Referral.filter(job_id=job_id, referrer_id__isnull=False).order_by("id").first()
    if owner is not None and waiting.referral.id != owner.id:
        other = next((e for e in employees if e.id != owner.referrer_id), None)
        candidate = await owner.candidate
        if other is not None and candidate.email:
            await intake.refer(other, job_id, CandidateDetails(candidate.name, candidate.email))
    progress("referrals", total, total)
    await referrals.bonuses.settle()
    due = await referrals.bonuses.listing(BonusStatus.DUE)
    if len(due) > 1:
        await referrals.bonuses.mark_paid(due[1].id)


def _candidate(index: int) -> CandidateDetails:
    name = CANDIDATES[index % len(CANDIDATES)]
    email = name.lower().replace(" ", ".").replace("é", "e") + "@example.net"
    return CandidateDetails(name, email, linkedin_url="")


def _actor(recruiter: Employee | None, rng: random.Random) -> Actor:
    if recruiter is None or rng.random() < 0.3:
        return ATS
    return Actor.employee(recruiter.id, ReferralSource.API)


async def _backdate(
    referral_id: int, start: datetime, rng: random.Random, bonus_waiting_days: int
) -> None:
    """Spread a referral's history from `start`, a few days between stages."""
    changes = await ReferralChange.filter(referral_id=referral_id).order_by("id")
    at = start
    times: dict[str, datetime] = {}
    for change in changes:
        change.occurred_at = at
        await change.save(update_fields=["occurred_at"])
        times.setdefault(change.to_status, at)
        at += timedelta(days=rng.randint(3, 12), hours=rng.randint(0, 8))
    referral = await Referral.get(id=referral_id)
    referral.created_at = start
    referral.submitted_at = referral.consented_at = times.get("submitted", start)
    referral.interview_at = times.get("interview")
    referral.offer_at = times.get("offer")
    referral.hired_at = times.get("hired")
    last = changes[-1].occurred_at if changes else start
    referral.closed_at = last if referral.status in (S.HIRED, S.REJECTED, S.WITHDRAWN) else None
    referral.updated_at = last
    if referral.hired_at is not None:
        waiting = timedelta(days=bonus_waiting_days)
        referral.bonus_due_at = referral.hired_at + waiting
    await referral.save()
