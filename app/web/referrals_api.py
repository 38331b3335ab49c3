"""REST resources for referrals themselves: refer a candidate, list and read referrals,
their history, move them along the pipeline, download the CV, purge the unconsented.

Each answer is in the view its reader is entitled to (`referral_views`: the recruiter's
or the referrer's).

Bonuses, candidate GDPR requests, the ATS webhook and the recruiter analytics live in
their own modules (`bonuses`, `candidates`, `ats_webhook`, `referral_analytics`)."""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    ValidationInfo,
    field_validator,
)

from app.people.models import Role
from app.referrals.intake import CandidateDetails
from app.referrals.models import Referral, ReferralSource, ReferralStatus, RejectionReason
from app.referrals.pipeline import Actor
from app.referrals.service import ReferralFilter
from app.web.api import Api, ApiError, Call
from app.web.referral_views import (
    ChangeView,
    RecruiterChange,
    RecruiterReferral,
    ReferralView,
    ReferrerReferral,
    ReferrerStep,
    is_recruiter,
    recruiter_view,
    referral_views,
    referrer_referral,
)
from app.web.services import WebServices

TAG = "Referrals"
CV_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MOVABLE = Literal["screening", "interview", "offer", "hired", "rejected", "withdrawn"]


class ReferralCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job_id: int | None = Field(default=None, ge=1, description="None: a general referral")
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str = Field(default="", max_length=40)
    linkedin_url: HttpUrl | None = None
    note: str = Field(default="", max_length=2000, description="How you know them")
    employee_id: int | None = Field(default=None, description="Recruiters and admins only")


class ReferralCreated(BaseModel):
    referral: ReferrerReferral
    message: str = Field(description="What to tell the referrer, in their language")
    consent_emailed: bool = Field(
        description="The candidate was e-mailed the link to agree (the link itself is "
        "never returned: only the candidate may consent)"
    )


class ReferralQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ReferralStatus | None = None
    job_id: int | None = None
    employee_id: int | None = Field(default=None, description="The referrer")
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class ReferralPage(BaseModel):
    items: list[ReferralView]
    total: int
    limit: int
    offset: int


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MOVABLE
    note: str = Field(default="", max_length=500)
    reason: RejectionReason | None = Field(
        default=None,
        description="With `rejected` only: `not_a_real_candidate` (a fake, or someone who "
        "never heard of the referral) takes back the points the referral earned",
    )

    @field_validator("reason")
    @classmethod
    def _reason_with_rejection(
        cls, reason: RejectionReason | None, info: ValidationInfo
    ) -> RejectionReason | None:
        if reason is not None and info.data.get("status") != "rejected":
            raise ValueError("a reason is given only with status rejected")
        return reason


class Purged(BaseModel):
    deleted: int


def register(api: Api) -> None:
    @api.operation(
        "POST",
        "/referrals",
        summary="Refer a candidate",
        tag=TAG,
        role=Role.EMPLOYEE,
        body=ReferralCreate,
        response=ReferralCreated,
        status=201,
        errors=(403, 409),
        description="The service the bots call. The referral waits for the candidate's "
        "consent (`pending_consent`): the link to agree is e-mailed to the candidate and "
        "never returned here. A candidate already referred for this job by a colleague "
        "within the ownership window makes a `duplicate`, and `message` says why. "
        "Referring yourself, under any spelling of your address, is refused (403 "
        "self_referral), and so is an address at the company's own domains (403 "
        "company_address). Points come when a recruiter screens the candidate.",
    )
    async def create_referral(call: Call) -> ReferralCreated:
        request: ReferralCreate = call.body
        employee = await call.acting_employee(request.employee_id)
        outcome = await call.services.referrals.intake.refer(
            employee,
            request.job_id,
            CandidateDetails(
                request.name,
                str(request.email),
                request.phone,
                str(request.linkedin_url) if request.linkedin_url else "",
            ),
            request.note,
            source=ReferralSource.API,
        )
        service = call.services.referrals
        candidates = await service.candidates_of([outcome.referral])
        return ReferralCreated(
            referral=referrer_referral(
                outcome.referral,
                candidates[outcome.referral.candidate_id],  # type: ignore[attr-defined]
                await service.job_titles([outcome.referral]),
            ),
            message=outcome.message,
            consent_emailed=outcome.consent_emailed,
        )

    @api.operation(
        "GET",
        "/referrals",
        summary="List referrals",
        tag=TAG,
        role=Role.EMPLOYEE,
        query=ReferralQuery,
        response=ReferralPage,
        description="Recruiters see consented referrals only (never one waiting for the "
        "candidate's consent, never a duplicate), in the recruiter's view; employees see "
        "the ones they made, in the referrer's view (the candidate's name, the job, the "
        "status and the dates).",
    )
    async def list_referrals(call: Call) -> ReferralPage:
        q: ReferralQuery = call.query
        recruiter = is_recruiter(call)
        assert call.principal is not None
        referrer = q.employee_id if recruiter else (call.principal.employee_id or -1)
        items, total = await call.services.referrals.search(
            ReferralFilter(q.status, q.job_id, referrer, q.limit, q.offset), recruiter=recruiter
        )
        return ReferralPage(
            items=await referral_views(call, items), total=total, limit=q.limit, offset=q.offset
        )

    @api.operation(
        "GET",
        r"/referrals/{referral_id:\d+}",
        summary="Get a referral",
        tag=TAG,
        role=Role.EMPLOYEE,
        response=ReferralView,
        description="The recruiter's view for recruiters, the referrer's view (the "
        "candidate's name, the job, the status and the dates) for the referrer.",
    )
    async def get_referral(call: Call) -> RecruiterReferral | ReferrerReferral:
        referral = await visible_referral(call)
        [out] = await referral_views(call, [referral])
        return out

    @api.operation(
        "GET",
        r"/referrals/{referral_id:\d+}/history",
        summary="A referral's history: every status, who, when, from where",
        tag=TAG,
        role=Role.EMPLOYEE,
        response=list[ChangeView],
        description="Recruiters see who made each change, from where, and their notes; "
        "the referrer sees the statuses and their dates only.",
    )
    async def referral_history(call: Call) -> list[RecruiterChange | ReferrerStep]:
        referral = await visible_referral(call)
        changes = await call.services.referrals.pipeline.history(referral.id)
        shape = RecruiterChange if recruiter_view(call, referral) else ReferrerStep
        return [shape.model_validate(c, from_attributes=True) for c in changes]

    @api.operation(
        "POST",
        r"/referrals/{referral_id:\d+}/status",
        summary="Move a referral along the pipeline",
        tag=TAG,
        role=Role.RECRUITER,
        body=StatusChange,
        response=RecruiterReferral,
        errors=(409,),
        description="submitted → screening → interview → offer → hired, one step at a time; "
        "rejected or withdrawn from any open status. Anything else is 409 "
        "invalid_transition, with the moves that are allowed. A rejection with `reason: "
        "not_a_real_candidate` takes back, in one correction entry, every point the "
        "referral earned its referrer.",
    )
    async def move_referral(call: Call) -> RecruiterReferral:
        change: StatusChange = call.body
        referral = await visible_referral(call)
        assert call.principal is not None
        moved = await call.services.referrals.pipeline.move(
            referral.id,
            ReferralStatus(change.status),
            Actor.employee(call.principal.employee_id, ReferralSource.API),
            change.note,
            change.reason,
        )
        [out] = await referral_views(call, [moved])
        assert isinstance(out, RecruiterReferral)  # a recruiter, a referral in the pipeline
        return out

    @api.operation(
        "GET",
        r"/referrals/{referral_id:\d+}/cv",
        summary="Download the candidate's CV",
        tag=TAG,
        role=Role.RECRUITER,
        response=str,
        response_media="application/octet-stream",
        description="PDF, DOC or DOCX as uploaded; 404 when there is none (or it was erased).",
    )
    async def referral_cv(call: Call) -> web.StreamResponse:
        referral = await visible_referral(call)
        download = cv_download(call.services, referral)
        if download is None:
            raise ApiError(404, "no_cv", "This referral has no CV.")
        return download

    @api.operation(
        "POST",
        "/referrals/purge",
        summary="Delete referrals whose candidate never consented",
        tag=TAG,
        role=Role.ADMIN,
        response=Purged,
        description="Referrals still waiting for consent after REFERRAL_CONSENT_DAYS are "
        "deleted with their CV files.",
    )
    async def purge_unconsented(call: Call) -> Purged:
        return Purged(deleted=await call.services.referrals.candidates.purge_unconsented())


def cv_download(services: WebServices, referral: Referral) -> web.FileResponse | None:
    """The referral's CV as an attachment (the API's and the dashboard's download, after
    their own role checks); None when it has none or it was erased."""
    path = services.referrals.cv_store.path(referral.cv_file)
    if path is None or not path.exists():
        return None
    kind = path.suffix.removeprefix(".")
    return web.FileResponse(
        path,
        headers={
            "Content-Type": CV_TYPES[kind],
            "Content-Disposition": f'attachment; filename="referral-{referral.id}.{kind}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def visible_referral(call: Call) -> Referral:
    assert call.principal is not None
    return await call.services.referrals.get(
        call.path["referral_id"],
        recruiter=is_recruiter(call),
        employee_id=call.principal.employee_id,
    )
