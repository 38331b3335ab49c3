"""REST resources for referrals: refer, list, move along the pipeline, the ATS webhook,
bonuses, candidate GDPR requests, and the recruiter analytics (funnel, ROI, CSV)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, EmailStr, Field, HttpUrl, TypeAdapter, ValidationError

from app.people.models import Role
from app.referrals.ats import AtsEvent, AtsResult, signature_ok
from app.referrals.funnel import FunnelQuery
from app.referrals.intake import CandidateDetails
from app.referrals.models import (
    BonusStatus,
    Candidate,
    Channel,
    Referral,
    ReferralSource,
    ReferralStatus,
)
from app.referrals.pipeline import Actor
from app.referrals.service import ReferralFilter
from app.web.api import Api, ApiError, Call, within_range
from app.web.errors import validation_error

TAG = "Referrals"
ATS_EVENT: TypeAdapter[Any] = TypeAdapter(AtsEvent)
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


class ReferralOut(BaseModel):
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


class ReferralCreated(BaseModel):
    referral: ReferralOut
    message: str = Field(description="What to tell the referrer, in their language")
    consent_url: str | None = Field(description="The link to forward to the candidate")
    consent_emailed: bool


class ReferralQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ReferralStatus | None = None
    job_id: int | None = None
    employee_id: int | None = Field(default=None, description="The referrer")
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    total: int
    limit: int
    offset: int


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: MOVABLE
    note: str = Field(default="", max_length=500)


class ChangeOut(BaseModel):
    from_status: str
    to_status: str
    actor: str
    source: ReferralSource
    note: str
    occurred_at: datetime


class BonusQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: BonusStatus | None = None


class BonusOut(BaseModel):
    referral_id: int
    employee_id: int | None
    job_id: int | None
    hired_at: datetime | None
    bonus_status: BonusStatus
    bonus_due_at: datetime | None
    bonus_paid_at: datetime | None


class CandidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class Erased(BaseModel):
    erased: bool


class Purged(BaseModel):
    deleted: int


class FunnelParams(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    by: Literal["job", "employee", "department", "channel", "month"]
    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")
    job_id: int | None = None
    employee_id: int | None = None
    department: str | None = Field(default=None, max_length=100)
    channel: Channel | None = None

    def query(self) -> FunnelQuery:
        return FunnelQuery(
            self.by,
            self.start,
            self.end,
            self.job_id,
            self.employee_id,
            self.department,
            self.channel,
        )


class RoiParams(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")
    department: str | None = Field(default=None, max_length=100)


class FunnelRowOut(BaseModel):
    key: str
    label: str
    clicks: int
    applications: int
    interviews: int
    offers: int
    hires: int
    avg_days_to_hire: float | None


class RoiOut(BaseModel):
    hires: int
    job_board_cost_per_hire: float
    referral_cost_per_hire: float
    savings: float
    currency: str


async def referral_outs(call: Call, referrals: list[Referral]) -> list[ReferralOut]:
    service = call.runtime.referrals
    candidates = await service.candidates_of(referrals)
    titles = await service.job_titles(referrals)
    return [referral_out(r, candidates[r.candidate_id], titles) for r in referrals]  # type: ignore[attr-defined]


def referral_out(r: Referral, c: Candidate, titles: dict[int, str]) -> ReferralOut:
    return ReferralOut(
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


def csv_response(text: str, filename: str) -> web.Response:
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def is_recruiter(call: Call) -> bool:
    return call.principal is not None and call.principal.has_role(Role.RECRUITER)


def register(api: Api) -> None:
    register_referrals(api)
    register_webhook(api)
    register_bonuses(api)
    register_candidates(api)
    register_analytics(api)


def register_referrals(api: Api) -> None:
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
        "consent (`pending_consent`); forward them `consent_url` (also e-mailed when SMTP is "
        "configured). A candidate already referred for this job by a colleague within the "
        "ownership window makes a `duplicate`, and `message` says why. Referring yourself "
        "is refused (403 self_referral).",
    )
    async def create_referral(call: Call) -> ReferralCreated:
        request: ReferralCreate = call.body
        employee = await call.acting_employee(request.employee_id)
        outcome = await call.runtime.referrals.intake.refer(
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
        [out] = await referral_outs(call, [outcome.referral])
        return ReferralCreated(
            referral=out,
            message=outcome.message,
            consent_url=outcome.consent_url,
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
        "candidate's consent, never a duplicate); employees see the ones they made.",
    )
    async def list_referrals(call: Call) -> ReferralPage:
        q: ReferralQuery = call.query
        recruiter = is_recruiter(call)
        assert call.principal is not None
        referrer = q.employee_id if recruiter else (call.principal.employee_id or -1)
        items, total = await call.runtime.referrals.search(
            ReferralFilter(q.status, q.job_id, referrer, q.limit, q.offset), recruiter=recruiter
        )
        return ReferralPage(
            items=await referral_outs(call, items), total=total, limit=q.limit, offset=q.offset
        )

    @api.operation(
        "GET",
        r"/referrals/{referral_id:\d+}",
        summary="Get a referral",
        tag=TAG,
        role=Role.EMPLOYEE,
        response=ReferralOut,
    )
    async def get_referral(call: Call) -> ReferralOut:
        referral = await visible_referral(call)
        [out] = await referral_outs(call, [referral])
        return out

    @api.operation(
        "GET",
        r"/referrals/{referral_id:\d+}/history",
        summary="A referral's history: every status, who, when, from where",
        tag=TAG,
        role=Role.EMPLOYEE,
        response=list[ChangeOut],
    )
    async def referral_history(call: Call) -> list[ChangeOut]:
        referral = await visible_referral(call)
        changes = await call.runtime.referrals.pipeline.history(referral.id)
        return [ChangeOut.model_validate(c, from_attributes=True) for c in changes]

    @api.operation(
        "POST",
        r"/referrals/{referral_id:\d+}/status",
        summary="Move a referral along the pipeline",
        tag=TAG,
        role=Role.RECRUITER,
        body=StatusChange,
        response=ReferralOut,
        errors=(409,),
        description="submitted → screening → interview → offer → hired, one step at a time; "
        "rejected or withdrawn from any open status. Anything else is 409 "
        "invalid_transition, with the moves that are allowed.",
    )
    async def move_referral(call: Call) -> ReferralOut:
        change: StatusChange = call.body
        referral = await visible_referral(call)
        assert call.principal is not None
        moved = await call.runtime.referrals.pipeline.move(
            referral.id,
            ReferralStatus(change.status),
            Actor.employee(call.principal.employee_id, ReferralSource.API),
            change.note,
        )
        [out] = await referral_outs(call, [moved])
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
        path = call.runtime.referrals.cv_store.path(referral.cv_file)
        if path is None or not path.exists():
            raise ApiError(404, "no_cv", "This referral has no CV.")
        kind = path.suffix.removeprefix(".")
        return web.FileResponse(
            path,
            headers={
                "Content-Type": CV_TYPES[kind],
                "Content-Disposition": f'attachment; filename="referral-{referral.id}.{kind}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

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
        return Purged(deleted=await call.runtime.referrals.candidates.purge_unconsented())


async def visible_referral(call: Call) -> Referral:
    assert call.principal is not None
    return await call.runtime.referrals.get(
        call.path["referral_id"],
        recruiter=is_recruiter(call),
        employee_id=call.principal.employee_id,
    )


def register_webhook(api: Api) -> None:
    @api.operation(
        "POST",
        "/webhooks/ats",
        summary="Applicant tracking system events",
        tag="Webhooks",
        role=None,
        body_doc=AtsEvent,
        response=AtsResult,
        errors=(401, 404, 409),
        description="Signed with HMAC-SHA256 of the raw body, hex, in header "
        "`X-Signature: sha256=<hex>`, key ATS_WEBHOOK_SECRET; a missing or wrong signature "
        "is 401 and nothing is written. `application.created` creates the application "
        "(attributed to the employee whose tracked link code is in `ref`); "
        "`candidate.stage_changed` moves it, the ATS stage mapped by config/ats.toml (an "
        "unknown stage is 422 unknown_stage). An event id already applied answers "
        '`"outcome": "replayed"` and changes nothing.',
    )
    async def ats_webhook(call: Call) -> AtsResult:
        raw = await call.request.read()
        settings = call.runtime.settings
        if not signature_ok(
            settings.ats_webhook_secret, raw, call.request.headers.get("X-Signature", "")
        ):
            raise ApiError(401, "bad_signature", "The X-Signature header does not match the body.")
        try:
            data = json.loads(raw)
        except ValueError:
            raise ApiError(400, "bad_json", "The body is not valid JSON.") from None
        try:
            event = ATS_EVENT.validate_python(data)
        except ValidationError as exc:
            raise validation_error(exc, "body") from None
        within_range(event, "body")
        return await call.runtime.referrals.ats.handle(event)


def register_bonuses(api: Api) -> None:
    @api.operation(
        "GET",
        "/referrals/bonuses",
        summary="Referral bonuses",
        tag="Bonuses",
        role=Role.ADMIN,
        query=BonusQuery,
        response=list[BonusOut],
        description="A hire's bonus is `waiting` for REFERRAL_BONUS_WAITING_DAYS, then `due` "
        "if the referrer is still employed (`forfeited` otherwise), then `paid`.",
    )
    async def list_bonuses(call: Call) -> list[BonusOut]:
        rows = await call.runtime.referrals.bonuses.listing(call.query.status)
        return [
            BonusOut(
                referral_id=r.id,
                employee_id=r.referrer_id,
                job_id=r.job_id,
                hired_at=r.hired_at,
                bonus_status=r.bonus_status,
                bonus_due_at=r.bonus_due_at,
                bonus_paid_at=r.bonus_paid_at,
            )
            for r in rows
        ]

    @api.operation(
        "GET",
        "/referrals/bonuses.csv",
        summary="Due bonuses, as CSV for payroll",
        tag="Bonuses",
        role=Role.ADMIN,
        response=str,
        response_media="text/csv",
    )
    async def due_bonuses_csv(call: Call) -> web.Response:
        return csv_response(await call.runtime.referrals.bonuses.due_csv(), "bonuses-due.csv")

    @api.operation(
        "POST",
        r"/referrals/{referral_id:\d+}/bonus/paid",
        summary="Mark a due bonus paid",
        tag="Bonuses",
        role=Role.ADMIN,
        response=BonusOut,
        errors=(409,),
    )
    async def mark_bonus_paid(call: Call) -> BonusOut:
        r = await call.runtime.referrals.bonuses.mark_paid(call.path["referral_id"])
        return BonusOut(
            referral_id=r.id,
            employee_id=r.referrer_id,
            job_id=r.job_id,
            hired_at=r.hired_at,
            bonus_status=r.bonus_status,
            bonus_due_at=r.bonus_due_at,
            bonus_paid_at=r.bonus_paid_at,
        )


def register_candidates(api: Api) -> None:
    @api.operation(
        "POST",
        "/candidates/erase",
        summary="Erase a candidate (GDPR)",
        tag="Candidates",
        role=Role.ADMIN,
        body=CandidateRequest,
        response=Erased,
        errors=(404,),
        description="Name, e-mail, phone, LinkedIn, messages and CV files are deleted; the "
        "anonymised referrals stay, so the funnel stays true.",
    )
    async def erase_candidate(call: Call) -> Erased:
        await call.runtime.referrals.candidates.erase(str(call.body.email))
        return Erased(erased=True)

    @api.operation(
        "POST",
        "/candidates/export",
        summary="Export what is held about a candidate (GDPR)",
        tag="Candidates",
        role=Role.ADMIN,
        body=CandidateRequest,
        response=dict[str, Any],
        errors=(404,),
    )
    async def export_candidate(call: Call) -> dict[str, Any]:
        return await call.runtime.referrals.candidates.export(str(call.body.email))


def register_analytics(api: Api) -> None:
    @api.operation(
        "GET",
        "/analytics/funnel",
        summary="The referral funnel: clicks → applications → interviews → offers → hires",
        tag="Analytics",
        role=Role.RECRUITER,
        query=FunnelParams,
        response=list[FunnelRowOut],
        description="by=job|employee|department|channel|month over from..to (company time "
        "zone). Clicks are unique clicks on job links; the other stages count consented, "
        "attributed referrals that reached them. avg_days_to_hire runs from submission.",
    )
    async def referral_funnel(call: Call) -> list[FunnelRowOut]:
        rows = await call.runtime.referrals.funnel.rows(call.query.query())
        return [FunnelRowOut.model_validate(r, from_attributes=True) for r in rows]

    @api.operation(
        "GET",
        "/analytics/funnel.csv",
        summary="The referral funnel, as CSV",
        tag="Analytics",
        role=Role.RECRUITER,
        query=FunnelParams,
        response=str,
        response_media="text/csv",
    )
    async def referral_funnel_csv(call: Call) -> web.Response:
        funnel = call.runtime.referrals.funnel
        rows = await funnel.rows(call.query.query())
        return csv_response(funnel.funnel_csv(rows), f"funnel-by-{call.query.by}.csv")

    @api.operation(
        "GET",
        "/analytics/roi",
        summary="What referral hires saved against job boards",
        tag="Analytics",
        role=Role.RECRUITER,
        query=RoiParams,
        response=RoiOut,
        description="Hires through referrals in the period × (JOB_BOARD_COST_PER_HIRE − "
        "REFERRAL_COST_PER_HIRE).",
    )
    async def referral_roi(call: Call) -> RoiOut:
        q: RoiParams = call.query
        roi = await call.runtime.referrals.funnel.roi(
            FunnelQuery("job", q.start, q.end, department=q.department)
        )
        return RoiOut.model_validate(roi, from_attributes=True)

    @api.operation(
        "GET",
        "/analytics/referrals.csv",
        summary="Every consented referral, as CSV",
        tag="Analytics",
        role=Role.RECRUITER,
        response=str,
        response_media="text/csv",
    )
    async def referrals_csv(call: Call) -> web.Response:
        return csv_response(await call.runtime.referrals.referrals_csv(), "referrals.csv")
