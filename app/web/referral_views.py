"""The two views of a referral: what recruiters read, and what its referrer reads.

Recruiters see a consented referral in full: the candidate's contact details, the cover
note, the history with who moved it and their notes (`RecruiterReferral`,
`RecruiterChange`). The referrer sees the candidate's name, the job, the status and the
dates, nothing more (`ReferrerReferral`, `ReferrerStep`), as the apply page promises the
candidate. Each answer says its `view`, and the OpenAPI document shows both as a `oneOf`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.people.models import Role
from app.referrals.models import (
    BonusStatus,
    Candidate,
    Referral,
    ReferralSource,
    ReferralStatus,
)
from app.referrals.pipeline import VISIBLE
from app.web.api import Call


class RecruiterReferral(BaseModel):
    """A referral as recruiters see it: the candidate's details and the cover note."""

    view: Literal["recruiter"] = "recruiter"
    id: int
    job_id: int | None
    job_title: str | None
    referrer_id: int | None
    status: ReferralStatus
    source: ReferralSource
    channel: str
    department: str
    prior_applicant: bool
    duplicate_of_id: int | None
    candidate_name: str
    candidate_email: str | None
    candidate_phone: str
    candidate_linkedin_url: str
    note: str
    has_cv: bool
    created_at: datetime
    submitted_at: datetime | None
    hired_at: datetime | None
    bonus_status: BonusStatus
    bonus_due_at: datetime | None


class ReferrerReferral(BaseModel):
    """A referral as its referrer sees it: the candidate's name, the job, where it stands
    and when, and their own bonus. Never the candidate's contact details, CV or note."""

    view: Literal["referrer"] = "referrer"
    id: int
    job_id: int | None
    job_title: str | None
    status: ReferralStatus
    candidate_name: str
    created_at: datetime
    submitted_at: datetime | None
    interview_at: datetime | None
    offer_at: datetime | None
    hired_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    bonus_status: BonusStatus
    bonus_due_at: datetime | None


ReferralView = Annotated[RecruiterReferral | ReferrerReferral, Field(discriminator="view")]


class RecruiterChange(BaseModel):
    view: Literal["recruiter"] = "recruiter"
    from_status: str
    to_status: str
    actor: str
    source: ReferralSource
    note: str
    occurred_at: datetime


class ReferrerStep(BaseModel):
    """A status the referral went through, and when (no actor, no recruiter's note)."""

    view: Literal["referrer"] = "referrer"
    from_status: str
    to_status: str
    occurred_at: datetime


ChangeView = Annotated[RecruiterChange | ReferrerStep, Field(discriminator="view")]


async def referral_views(
    call: Call, referrals: list[Referral]
) -> list[RecruiterReferral | ReferrerReferral]:
    """Each referral in the view its reader is entitled to (`recruiter_view`)."""
    service = call.services.referrals
    candidates = await service.candidates_of(referrals)
    titles = await service.job_titles(referrals)
    views = []
    for r in referrals:
        shape = recruiter_referral if recruiter_view(call, r) else referrer_referral
        views.append(shape(r, candidates[r.candidate_id], titles))  # type: ignore[attr-defined]
    return views


def recruiter_view(call: Call, referral: Referral) -> bool:
    """Recruiters see a consented referral in full; anyone else (the referrer) sees the
    referrer's view, and so does a recruiter reading their own referral still waiting
    for the candidate's consent."""
    return is_recruiter(call) and referral.status in VISIBLE


def referrer_referral(r: Referral, c: Candidate, titles: dict[int, str]) -> ReferrerReferral:
    return ReferrerReferral(
        id=r.id,
        job_id=r.job_id,
        job_title=titles.get(r.job_id) if r.job_id is not None else None,
        status=r.status,
        candidate_name=c.name,
        created_at=r.created_at,
        submitted_at=r.submitted_at,
        interview_at=r.interview_at,
        offer_at=r.offer_at,
        hired_at=r.hired_at,
        closed_at=r.closed_at,
        updated_at=r.updated_at,
        bonus_status=r.bonus_status,
        bonus_due_at=r.bonus_due_at,
    )


def recruiter_referral(r: Referral, c: Candidate, titles: dict[int, str]) -> RecruiterReferral:
    return RecruiterReferral(
        id=r.id,
        job_id=r.job_id,
        job_title=titles.get(r.job_id) if r.job_id is not None else None,
        referrer_id=r.referrer_id,
        status=r.status,
        source=r.source,
        channel=r.channel,
        department=r.department,
        prior_applicant=r.prior_applicant,
        duplicate_of_id=r.duplicate_of_id,
        candidate_name=c.name,
        candidate_email=c.email,
        candidate_phone=c.phone,
        candidate_linkedin_url=c.linkedin_url,
        note=r.note,
        has_cv=bool(r.cv_file),
        created_at=r.created_at,
        submitted_at=r.submitted_at,
        hired_at=r.hired_at,
        bonus_status=r.bonus_status,
        bonus_due_at=r.bonus_due_at,
    )


def is_recruiter(call: Call) -> bool:
    return call.principal is not None and call.principal.has_role(Role.RECRUITER)
