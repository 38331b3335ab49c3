"""The referrals service: what bots, web and CLI may do with referrals.

It bundles the parts (intake, consent, pipeline, ATS webhook, funnel, bonuses,
candidates) built from the settings, and answers the questions that cross them: which
referrals a person may see, what to tell a referrer about an event, what an employee's
GDPR export holds.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.clock import Clock
from app.events import ApplicationSubmitted, EventBus, ReferralStatusChanged
from app.jobs.models import JobOffer
from app.jobs.service import ContentService
from app.people.emails import CompanyDomains, parse_domains
from app.people.gdpr import PrivacyService
from app.people.models import Employee
from app.referrals import exports, notices
from app.referrals.ats import AtsWebhook, load_stage_map
from app.referrals.bonuses import Bonuses
from app.referrals.candidates import Candidates
from app.referrals.consent import Consent
from app.referrals.cv import CvStore, ZipLimits
from app.referrals.errors import ReferralNotFound
from app.referrals.funnel import Funnel
from app.referrals.intake import Intake
from app.referrals.mail import Mailer
from app.referrals.models import Candidate, Referral, ReferralStatus, RejectionReason
from app.referrals.pipeline import VISIBLE, Pipeline
from app.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReferralFilter:
    status: ReferralStatus | None = None
    job_id: int | None = None
    referrer_id: int | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class Notice:
    """A message for a referrer's chat, in their language."""

    employee_id: int
    language: str
    text: str


class ReferralService:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        events: EventBus,
        content: ContentService,
        privacy: PrivacyService,
        config: Path,
    ) -> None:
        self.clock = clock
        self.cv_store = CvStore(
            settings.data_dir / "cv",
            settings.cv_max_bytes,
            ZipLimits(settings.cv_max_zip_entries, settings.cv_max_unzipped_bytes),
        )
        self.mailer = Mailer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_from,
            settings.data_dir / "outbox",
            clock,
        )
        self.pipeline = Pipeline(clock, events, settings.referral_bonus_waiting_days)
        self.candidates = Candidates(clock, self.cv_store, settings.referral_consent_days)
        self.consent = Consent(
            clock,
            self.pipeline,
            self.candidates,
            self.mailer,
            consent_days=settings.referral_consent_days,
            public_base_url=settings.public_base_url,
            company_name=settings.company_name,
        )
        self.intake = Intake(
            clock,
            self.pipeline,
            self.candidates,
            content,
            self.consent,
            CompanyDomains(
                parse_domains(settings.company_email_domains)
                | parse_domains(settings.self_service_domains)
            ),
            ownership_days=settings.referral_ownership_days,
        )
        self.ats = AtsWebhook(
            clock, events, self.intake, self.pipeline, load_stage_map(config / "ats.toml")
        )
        self.funnel = Funnel(
            settings.company_timezone,
            settings.job_board_cost_per_hire,
            settings.referral_cost_per_hire,
            settings.currency,
            privacy.people.names_by_id,
        )
        self.bonuses = Bonuses(clock)
        privacy.register_exporter("referrals", self.export_for_employee)

    # -- housekeeping (the worker) -------------------------------------------------------

    async def housekeeping(self) -> tuple[int, int]:
        """Delete referrals whose consent period is over and settle the bonuses whose
        waiting period is; returns (deleted, settled). Safe on several workers at once."""
        return await self.candidates.purge_unconsented(), await self.bonuses.settle()

    # -- reading -------------------------------------------------------------------------

    async def search(self, where: ReferralFilter, *, recruiter: bool) -> tuple[list[Referral], int]:
        """Referrals a recruiter may see (never one waiting for consent, never a
        duplicate), or, for an employee, their own (all of them)."""
        query = Referral.all()
        if recruiter:
            query = query.filter(status__in=list(VISIBLE))
        if where.status is not None:
            query = query.filter(status=where.status)
        if where.job_id is not None:
            query = query.filter(job_id=where.job_id)
        if where.referrer_id is not None:
            query = query.filter(referrer_id=where.referrer_id)
        total = await query.count()
        rows = await query.order_by("-created_at", "-id").offset(where.offset).limit(where.limit)
        return list(rows), total

    async def get(self, referral_id: int, *, recruiter: bool, employee_id: int | None) -> Referral:
        referral = await Referral.get_or_none(id=referral_id)
        visible = referral is not None and (
            (recruiter and referral.status in VISIBLE)
            or (employee_id is not None and referral.referrer_id == employee_id)
        )
        if referral is None or not visible:
            raise ReferralNotFound(f"No referral with id {referral_id}.")
        return referral

    async def candidates_of(self, referrals: list[Referral]) -> dict[int, Candidate]:
        ids = {r.candidate_id for r in referrals}  # type: ignore[attr-defined]
        return {c.id: c for c in await Candidate.filter(id__in=ids)}

    async def job_titles(self, referrals: list[Referral]) -> dict[int, str]:
        ids = {r.job_id for r in referrals if r.job_id is not None}
        return dict(await JobOffer.filter(id__in=ids).values_list("id", "title"))

    # -- the referrer is told ------------------------------------------------------------

    async def notice_for(
        self, event: ApplicationSubmitted | ReferralStatusChanged
    ) -> Notice | None:
        """The chat message telling the referrer about this event (None: nobody to tell)."""
        if event.employee_id is None:
            return None
        referrer = await Employee.get_or_none(id=event.employee_id)
        referral = await Referral.get_or_none(id=event.referral_id)
        if referrer is None or referral is None:
            return None
        candidate = await Candidate.get(id=referral.candidate_id)  # type: ignore[attr-defined]
        name = candidate.name or "—"
        job = await JobOffer.get_or_none(id=referral.job_id) if referral.job_id else None
        title = job.title if job else None
        language = referrer.language
        if isinstance(event, ApplicationSubmitted):
            text = notices.status_text(language, ReferralStatus.SUBMITTED.value, name, title)
        elif event.new_status == ReferralStatus.DUPLICATE and referral.duplicate_of_id:
            owner = await Referral.get(id=referral.duplicate_of_id)
            text = self.intake.duplicate_message(language, name, job, owner)
        elif event.reason == RejectionReason.NOT_A_REAL_CANDIDATE:
            text = notices.not_a_real_candidate_text(language, name, title)
        else:
            text = notices.status_text(language, event.new_status, name, title)
        return Notice(referrer.id, language, text) if text else None

    # -- CSV and GDPR --------------------------------------------------------------------

    def referrals_csv(self, page_size: int = exports.PAGE_SIZE) -> AsyncIterator[str]:
        """Every consented referral, streamed a page of CSV lines at a time."""
        return exports.referrals_csv(page_size)

    async def export_for_employee(self, employee_id: int) -> list[dict[str, Any]]:
        """The referrals an employee made (their GDPR export): no candidate's details."""
        rows = await Referral.filter(referrer_id=employee_id).order_by("id")
        return [
            {
                "id": r.id,
                "job_id": r.job_id,
                "status": r.status.value,
                "created_at": r.created_at.isoformat(),
                "hired_at": r.hired_at.isoformat() if r.hired_at else "",
                "bonus_status": r.bonus_status.value,
            }
            for r in rows
        ]
