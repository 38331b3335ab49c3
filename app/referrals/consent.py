"""A referred candidate's consent: asking for it, and recording their answer.

A referral made from chat waits in `pending_consent`, seen by no recruiter, until the
candidate answers on `/consent/{token}`, a link e-mailed to them alone (the referrer
never sees it, so they cannot agree in the candidate's name): agreeing submits it to the
pipeline; declining withdraws it and erases their details (unless another referral
still needs them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.clock import Clock
from app.db import transaction
from app.jobs.models import JobOffer
from app.people.models import Employee
from app.referrals import notices
from app.referrals.candidates import Candidates
from app.referrals.mail import Mailer
from app.referrals.models import Candidate, Referral, ReferralSource, ReferralStatus
from app.referrals.pipeline import CANDIDATE, Pipeline

if TYPE_CHECKING:
    from app.referrals.intake import CandidateDetails

S = ReferralStatus


class Consent:
    def __init__(
        self,
        clock: Clock,
        pipeline: Pipeline,
        candidates: Candidates,
        mailer: Mailer,
        *,
        consent_days: int,
        public_base_url: str,
        company_name: str,
    ) -> None:
        self.clock = clock
        self.pipeline = pipeline
        self.candidates = candidates
        self.mailer = mailer
        self.consent_days = consent_days
        self.public_base_url = public_base_url
        self.company_name = company_name

    def url(self, token: str) -> str:
        return f"{self.public_base_url}/consent/{token}"

    async def ask(
        self,
        referral: Referral,
        employee: Employee,
        details: CandidateDetails,
        job: JobOffer | None,
    ) -> bool:
        """E-mail the candidate the consent link (`Mailer.post`: an outbox without SMTP);
        False when the mail server failed. Nobody else is ever given the link."""
        if referral.consent_token is None:
            return False
        subject, body = notices.consent_email(
            job.language if job else employee.language,
            details.name,
            employee.name,
            self.company_name,
            job.title if job else None,
            self.url(referral.consent_token),
            self.consent_days,
        )
        return await self.mailer.post(details.email.strip(), subject, body)

    async def referral_for(self, token: str) -> Referral | None:
        if not token or len(token) > 64:
            return None
        return await Referral.get_or_none(consent_token=token)

    async def give(self, token: str) -> Referral | None:
        """The candidate agrees: the referral enters the pipeline. Giving it twice is
        harmless. None when the token is unknown (or the referral was deleted)."""
        async with transaction():
            referral = await Referral.select_for_update().get_or_none(consent_token=token)
            if referral is None:
                return None
            if referral.status != S.PENDING_CONSENT:
                return referral
            await self.pipeline.submit(referral, CANDIDATE)
        await self.pipeline.announce_submission(referral)
        return referral

    async def refuse(self, token: str) -> bool:
        """The candidate declines: the referral is withdrawn, their details erased."""
        async with transaction():
            referral = await Referral.select_for_update().get_or_none(consent_token=token)
            if referral is None or referral.status != S.PENDING_CONSENT:
                return False
            now = self.clock.now()
            old = referral.status
            referral.status = S.WITHDRAWN
            referral.closed_at = referral.updated_at = now
            referral.consent_token = None
            await referral.save()
            await self.pipeline.record(referral, old, CANDIDATE, "consent refused", now)
            candidate = await Candidate.get(id=referral.candidate_id)  # type: ignore[attr-defined]
        others = await Referral.filter(candidate_id=candidate.id).exclude(id=referral.id).count()
        if not others and candidate.email:
            await self.candidates.erase(candidate.email)
        elif referral.cv_file:
            self.candidates.cv_store.delete(referral.cv_file)
        await self.pipeline.announce(referral, old, S.WITHDRAWN, ReferralSource.WEB)
        return True
