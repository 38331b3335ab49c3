"""New referrals and applications: from chat, from the apply page, from the ATS.

The rules, in one place:
- A candidate is their normalised e-mail. Within the ownership window, the same
  candidate for the same job stays with the first referrer; a later referral by someone
  else is kept as `duplicate` and its referrer is told why, in plain words.
- Nobody refers themself, under any spelling of their address (`normalise_email`), and
  nobody refers an address of the company's own domains (a colleague, or oneself under
  another name). Through the apply page or the ATS such an application is kept as a
  direct one, not a referral. A candidate who had applied directly before being referred
  is flagged `prior_applicant`.
- A referral made from chat waits in `pending_consent` (no recruiter sees it) until the
  candidate agrees on `/consent/{token}`. The link is e-mailed to the candidate and never
  shown to the referrer: consent must come from the candidate's own mailbox (asking and
  answering: `consent`). The apply page and the ATS carry the candidate's own consent, so
  their applications are `submitted` at once.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from app.clock import Clock
from app.db import transaction
from app.jobs.models import JobOffer
from app.jobs.service import ContentService
from app.people.emails import CompanyDomains, normalise_email
from app.people.errors import EmployeeHasLeft
from app.people.models import Employee, EmployeeStatus
from app.referrals import notices
from app.referrals.candidates import Candidates
from app.referrals.consent import Consent
from app.referrals.errors import (
    AlreadyApplied,
    AlreadyReferred,
    CompanyAddress,
    JobNotOpen,
    SelfReferral,
)
from app.referrals.models import (
    Candidate,
    Referral,
    ReferralSource,
    ReferralStatus,
    TrackedLink,
)
from app.referrals.pipeline import CANDIDATE, OPEN, Actor, Pipeline

log = logging.getLogger(__name__)
S = ReferralStatus


@dataclass(frozen=True)
class CandidateDetails:
    name: str
    email: str
    phone: str = ""
    linkedin_url: str = ""


@dataclass(frozen=True)
class Attribution:
    """Who brought the candidate, and through which link and channel."""

    employee: Employee
    link_id: int | None = None
    channel: str = ""


@dataclass
class Outcome:
    """What happened to a new referral, and what to tell the referrer (their language)."""

    referral: Referral
    message: str = ""
    consent_emailed: bool = False  # the candidate was sent the consent link
    owner: Referral | None = field(default=None, repr=False)

    @property
    def status(self) -> ReferralStatus:
        return self.referral.status


class Intake:
    def __init__(
        self,
        clock: Clock,
        pipeline: Pipeline,
        candidates: Candidates,
        content: ContentService,
        consent: Consent,
        company: CompanyDomains,
        *,
        ownership_days: int,
    ) -> None:
        self.clock = clock
        self.pipeline = pipeline
        self.candidates = candidates
        self.content = content
        self.consent = consent
        self.company = company
        self.ownership = timedelta(days=ownership_days)

    async def attribution(self, code: str) -> Attribution | None:
        """The employee behind a tracked link code (the `ref` parameter or cookie)."""
        if not code or not code.isalnum() or len(code) > 16:
            return None
        link = await TrackedLink.get_or_none(code=code)
        if link is None:
            return None
        employee = await Employee.get_or_none(id=link.employee_id)
        if employee is None:
            return None
        return Attribution(employee, link.id, link.channel.value)

    # -- from chat (the bots) or the API -------------------------------------------------

    async def refer(
        self,
        employee: Employee,
        job_id: int | None,
        details: CandidateDetails,
        note: str = "",
        source: ReferralSource = ReferralSource.BOT,
        cv_file: str = "",
    ) -> Outcome:
        """An employee refers someone; the candidate is asked for consent."""
        language = employee.language
        await employee.refresh_from_db(fields=["status"])
        if employee.status == EmployeeStatus.LEFT:
            raise EmployeeHasLeft("This account is closed.")
        if normalise_email(details.email) == normalise_email(employee.email):
            raise SelfReferral(notices.self_referral_text(language))
        if await self.company.includes(details.email):
            raise CompanyAddress(notices.company_address_text(language))
        job = await self._open_job(job_id) if job_id is not None else None
        actor = Actor.employee(employee.id, source)
        async with transaction():
            candidate = await self.candidates.upsert(
                details.email, details.name, details.phone, details.linkedin_url
            )
            owner = await self._owner(candidate, job_id)
            if owner is not None and owner.referrer_id == employee.id:
                raise AlreadyReferred(
                    notices.already_referred_text(language, details.name, _title(job))
                )
            referral = await self._create(
                candidate,
                job_id,
                Attribution(employee, None, "chat" if source == ReferralSource.BOT else "api"),
                source,
                note,
                cv_file,
                owner,
                status=S.DUPLICATE if owner else S.PENDING_CONSENT,
            )
            await self.pipeline.record_creation(referral, actor)
        outcome = Outcome(referral, owner=owner)
        if owner is not None:
            outcome.message = self.duplicate_message(language, details.name, job, owner)
            return outcome
        outcome.consent_emailed = await self.consent.ask(referral, employee, details, job)
        outcome.message = notices.consent_asked_text(
            language, details.name, details.email.strip(), outcome.consent_emailed
        )
        return outcome

    # -- from the apply page and the ATS: the candidate's own application --------------

    async def apply(
        self,
        job_id: int | None,
        details: CandidateDetails,
        attribution: Attribution | None,
        *,
        message: str = "",
        cv_file: str = "",
        source: ReferralSource = ReferralSource.WEB,
        ats_application_id: str | None = None,
    ) -> Outcome:
        """A candidate applies (applying is their consent), referred or not.

        If they were already referred for this job and that referral waits for consent,
        this application gives it: the first referrer keeps the candidate. Through another
        employee's link, the application is kept as that employee's `duplicate`."""
        job = await JobOffer.get_or_none(id=job_id) if job_id is not None else None
        if attribution is not None and await self._not_a_referral(details, attribution):
            attribution = None
        actor = Actor("ats", source) if source == ReferralSource.ATS else CANDIDATE
        async with transaction():
            candidate = await self.candidates.upsert(
                details.email, details.name, details.phone, details.linkedin_url
            )
            owner = await self._owner(candidate, job_id)
            same_referrer = owner is not None and (
                attribution is None or owner.referrer_id == attribution.employee.id
            )
            if owner is not None and same_referrer:
                if owner.status != S.PENDING_CONSENT:
                    # The ATS reporting an application we know: link it, so its stage
                    # changes find the referral.
                    if not await _link_ats(owner, ats_application_id):
                        raise AlreadyApplied("We already have your application for this job.")
                    return Outcome(owner, owner=owner)
                await self._complete(owner, message, cv_file, ats_application_id)
                await self.pipeline.submit(owner, actor)
                submitted = [owner]
                referral = owner
            else:
                if attribution is None:
                    existing = (
                        await _for_job(candidate, job_id)
                        .filter(referrer_id__isnull=True, status__in=list(OPEN))
                        .first()
                    )
                    if existing is not None:
                        if not await _link_ats(existing, ats_application_id):
                            raise AlreadyApplied("We already have your application for this job.")
                        return Outcome(existing)
                status = S.DUPLICATE if owner is not None else S.SUBMITTED
                referral = await self._create(
                    candidate, job_id, attribution, source, message, cv_file, owner, status=status
                )
                if status == S.DUPLICATE and owner is not None:
                    # The owner's referral is the one in the pipeline: the ATS's stage
                    # changes for this application move it.
                    if owner.status == S.PENDING_CONSENT and not owner.ats_application_id:
                        owner.ats_application_id = ats_application_id
                        ats_application_id = None
                    elif await _link_ats(owner, ats_application_id):
                        ats_application_id = None
                referral.ats_application_id = ats_application_id
                if status == S.SUBMITTED:
                    referral.consented_at = referral.submitted_at = referral.created_at
                await referral.save()
                await self.pipeline.record_creation(referral, actor)
                submitted = [referral] if status == S.SUBMITTED else []
                if owner is not None and owner.status == S.PENDING_CONSENT:
                    await self._complete(owner, message, cv_file, None)
                    await self.pipeline.submit(owner, actor)
                    submitted.append(owner)
        for entered in submitted:
            await self.pipeline.announce_submission(entered)
        outcome = Outcome(referral, owner=owner)
        if referral.status == S.DUPLICATE and owner is not None and attribution is not None:
            await self.pipeline.announce(referral, None, S.DUPLICATE, referral.source)
            outcome.message = self.duplicate_message(
                attribution.employee.language, details.name, job, owner
            )
        return outcome

    async def _not_a_referral(self, details: CandidateDetails, attribution: Attribution) -> bool:
        """An employee applying through their own link (under any spelling of their
        address), or anyone at a company address: a direct application, no referral."""
        own = normalise_email(attribution.employee.email)
        return normalise_email(details.email) == own or await self.company.includes(details.email)

    async def _complete(
        self, referral: Referral, message: str, cv_file: str, ats_application_id: str | None
    ) -> None:
        """What the candidate's own application adds to a referral made for them."""
        if message and not referral.note:
            referral.note = message
        if cv_file and not referral.cv_file:
            referral.cv_file = cv_file
        if ats_application_id and not referral.ats_application_id:
            referral.ats_application_id = ats_application_id

    # -- the rules -----------------------------------------------------------------------

    async def _owner(self, candidate: Candidate, job_id: int | None) -> Referral | None:
        """The earliest referral of this candidate for this job by an employee, within
        the ownership window."""
        since = self.clock.now() - self.ownership
        return (
            await _for_job(candidate, job_id)
            .filter(referrer_id__isnull=False, created_at__gte=since)
            .exclude(status__in=[S.DUPLICATE, S.WITHDRAWN])
            .order_by("created_at", "id")
            .first()
        )

    async def _create(
        self,
        candidate: Candidate,
        job_id: int | None,
        attribution: Attribution | None,
        source: ReferralSource,
        note: str,
        cv_file: str,
        owner: Referral | None,
        *,
        status: ReferralStatus,
    ) -> Referral:
        now = self.clock.now()
        prior = False
        if attribution is not None:
            prior = (
                await _for_job(candidate, job_id, any_job=job_id is None)
                .filter(referrer_id__isnull=True, created_at__lt=now)
                .exists()
            )
        return await Referral.create(
            candidate=candidate,
            job_id=job_id,
            referrer_id=attribution.employee.id if attribution else None,
            link_id=attribution.link_id if attribution else None,
            department=attribution.employee.department if attribution else "",
            channel=(attribution.channel if attribution else "") or "direct",
            source=source,
            status=status,
            duplicate_of_id=owner.id if status == S.DUPLICATE and owner else None,
            prior_applicant=prior,
            note=note,
            cv_file=cv_file,
            consent_token=secrets.token_urlsafe(24) if status == S.PENDING_CONSENT else None,
            created_at=now,
            updated_at=now,
        )

    async def _open_job(self, job_id: int) -> JobOffer:
        job = await JobOffer.get_or_none(id=job_id)
        if job is None or not self.content.job_is_open(job):
            raise JobNotOpen("This job offer is not open.")
        return job

    def duplicate_message(
        self, language: str, candidate: str, job: JobOffer | None, owner: Referral
    ) -> str:
        return notices.duplicate_text(
            language,
            candidate,
            _title(job),
            owner.created_at.date(),
            (owner.created_at + self.ownership).date(),
        )


def _for_job(candidate: Candidate, job_id: int | None, any_job: bool = False):  # type: ignore[no-untyped-def]
    query = Referral.filter(candidate_id=candidate.id)
    if any_job:
        return query
    if job_id is None:
        return query.filter(job_id__isnull=True)
    return query.filter(job_id=job_id)


async def _link_ats(referral: Referral, ats_application_id: str | None) -> bool:
    """Give a referral the ATS's application id if it has none; False if nothing to do."""
    if not ats_application_id or referral.ats_application_id:
        return False
    referral.ats_application_id = ats_application_id
    await referral.save(update_fields=["ats_application_id"])
    return True


def _title(job: JobOffer | None) -> str | None:
    return job.title if job else None
