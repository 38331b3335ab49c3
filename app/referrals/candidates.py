"""Candidates: found by normalised e-mail; erased on request; exported on request; and
unconsented referrals deleted when the consent period is over.

Erasing keeps the rows (a candidate with no name, a referral with its dates and stages)
so that the funnel and the referrers' history stay true; the personal data and the CV
files are gone.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from app.clock import Clock
from app.db import transaction
from app.people.emails import normalise_email
from app.referrals.cv import CvStore
from app.referrals.errors import CandidateNotFound
from app.referrals.models import Candidate, Referral, ReferralChange, ReferralStatus

log = logging.getLogger(__name__)


class Candidates:
    def __init__(self, clock: Clock, cv_store: CvStore, consent_days: int) -> None:
        self.clock = clock
        self.cv_store = cv_store
        self.consent_days = consent_days

    async def find(self, email: str) -> Candidate | None:
        return await Candidate.get_or_none(email=normalise_email(email))

    async def upsert(
        self, email: str, name: str, phone: str = "", linkedin_url: str = ""
    ) -> Candidate:
        """The candidate with this e-mail, created or updated with what we were just told
        (inside the caller's transaction)."""
        email = normalise_email(email)
        candidate = await Candidate.select_for_update().get_or_none(email=email)
        if candidate is None:
            try:
                async with transaction():  # a savepoint: the caller's transaction survives
                    return await Candidate.create(
                        email=email,
                        name=name,
                        phone=phone,
                        linkedin_url=linkedin_url,
                        created_at=self.clock.now(),
                    )
            except IntegrityError:
                # Referred twice at the same moment: the other intake created them and
                # committed; lock their row, so its referral is seen (ownership holds).
                candidate = await Candidate.select_for_update().get(email=email)
        candidate.name = name or candidate.name
        candidate.phone = phone or candidate.phone
        candidate.linkedin_url = linkedin_url or candidate.linkedin_url
        await candidate.save()
        return candidate

    async def export(self, email: str) -> dict[str, Any]:
        candidate = await self.find(email)
        if candidate is None:
            raise CandidateNotFound("We hold no data about this e-mail address.")
        referrals = await Referral.filter(candidate_id=candidate.id).order_by("id")
        return {
            "exported_at": self.clock.now().isoformat(),
            "candidate": {
                "email": candidate.email,
                "name": candidate.name,
                "phone": candidate.phone,
                "linkedin_url": candidate.linkedin_url,
                "created_at": candidate.created_at.isoformat(),
            },
            "applications": [
                {
                    "id": r.id,
                    "job_id": r.job_id,
                    "referred": r.referrer_id is not None,
                    "status": r.status.value,
                    "message": r.note,
                    "has_cv": bool(r.cv_file),
                    "created_at": r.created_at.isoformat(),
                    "consented_at": r.consented_at.isoformat() if r.consented_at else None,
                }
                for r in referrals
            ],
        }

    async def erase(self, email: str) -> Candidate:
        """Personal data and CV files gone; the anonymised funnel stays."""
        candidate = await self.find(email)
        if candidate is None:
            raise CandidateNotFound("We hold no data about this e-mail address.")
        now = self.clock.now()
        async with transaction():
            referrals = await Referral.filter(candidate_id=candidate.id)
            files = [r.cv_file for r in referrals if r.cv_file]
            await Referral.filter(candidate_id=candidate.id).update(
                note="", cv_file="", consent_token=None, updated_at=now
            )
            await ReferralChange.filter(referral_id__in=[r.id for r in referrals]).update(note="")
            candidate.email = None
            candidate.name = ""
            candidate.phone = ""
            candidate.linkedin_url = ""
            candidate.erased_at = now
            await candidate.save()
        for name in files:
            self.cv_store.delete(name)
        return candidate

    async def purge_unconsented(self) -> int:
        """Delete referrals still waiting for consent after the consent period, their CVs,
        and candidates left with nothing. Returns how many referrals were deleted."""
        cutoff = self.clock.now() - timedelta(days=self.consent_days)
        async with transaction():
            expired = await Referral.filter(
                status=ReferralStatus.PENDING_CONSENT, created_at__lt=cutoff
            )
            ids = [r.id for r in expired]
            candidate_ids = {r.candidate_id for r in expired}  # type: ignore[attr-defined]
            await ReferralChange.filter(referral_id__in=ids).delete()
            await Referral.filter(id__in=ids).delete()
            kept = set(
                await Referral.filter(candidate_id__in=candidate_ids).values_list(
                    "candidate_id", flat=True
                )
            )
            await Candidate.filter(id__in=candidate_ids - kept).delete()
        for referral in expired:
            if referral.cv_file:
                self.cv_store.delete(referral.cv_file)
        if ids:
            log.info("deleted %d referrals whose candidates never consented", len(ids))
        return len(ids)
