"""REST resources for broadcasts (pushes): create, follow, cancel, retry."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.broadcasts.campaigns import Broadcasts, Recipients
from app.broadcasts.models import BroadcastKind, BroadcastStatus
from app.broadcasts.report import CampaignReport, Outcome
from app.jobs.schemas import Targeting
from app.people.models import Role
from app.web.api import Api, Call


class BroadcastTargeting(Targeting):
    """An announcement's recipients: content's targeting, plus roles."""

    roles: list[Role] = Field(default_factory=list)

    def recipients(self) -> Recipients:
        return Recipients(
            tuple(self.target_departments),
            tuple(self.target_locations),
            tuple(self.target_languages),
            tuple(role.value for role in self.roles),
        )


class BroadcastCreate(BaseModel):
    """What the API and the dashboard's broadcast form both validate."""

    model_config = ConfigDict(extra="forbid")

    kind: BroadcastKind
    content_id: int | None = Field(default=None, ge=1)
    text: str = Field(default="", max_length=4000)
    employee_ids: list[int] | None = Field(
        default=None, max_length=100_000, description="Default: the content's targeting"
    )
    targeting: BroadcastTargeting | None = Field(
        default=None,
        description="Announcements only: who gets it, matched when it is sent "
        "(empty lists do not restrict); it must match someone now",
    )
    send_at: datetime | None = Field(default=None, description="Default: now")

    @model_validator(mode="after")
    def _complete(self) -> BroadcastCreate:
        if self.targeting is not None and self.kind != BroadcastKind.ANNOUNCEMENT:
            raise ValueError("targeting is for announcements; content follows its own")
        if self.targeting is not None and self.employee_ids is not None:
            raise ValueError("give employee_ids or targeting, not both")
        if self.kind in (BroadcastKind.JOB, BroadcastKind.NEWS) and self.content_id is None:
            raise ValueError("content_id is required for a job or news broadcast")
        if self.kind == BroadcastKind.ANNOUNCEMENT and not self.text.strip():
            raise ValueError("text is required for an announcement")
        return self


class BroadcastOut(BaseModel):
    id: int
    kind: BroadcastKind
    content_id: int | None
    title: str = Field(description="The job's or news post's title, or the announcement")
    status: BroadcastStatus = Field(description="The sender's state: done once nothing waits")
    outcome: Outcome = Field(
        description="What the campaign did: a done campaign that sent nothing reached nobody"
    )
    send_at: datetime
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = Field(description="Deliveries by status")
    reached: int = Field(description="Deliveries sent")
    skipped: dict[str, int] = Field(description="Skipped deliveries by reason")
    failed: dict[str, int] = Field(description="Failed deliveries by reason")
    waiting: dict[str, int] = Field(
        description="Deliveries still to send, by why they wait (quiet hours, daily cap...)"
    )
    summary: str = Field(description="The same in one line, as `portevoix broadcast` says it")
    targeting: dict[str, list[str]] | None = Field(
        description="An announcement's recipients (departments, locations, languages, roles)"
    )


class Changed(BaseModel):
    changed: int


def _service(call: Call) -> Broadcasts:
    return call.services.broadcasts


def _out(report: CampaignReport) -> BroadcastOut:
    return BroadcastOut(
        id=report.broadcast_id,
        kind=report.kind,
        content_id=report.content_id,
        title=report.title,
        status=report.status,
        outcome=report.outcome,
        send_at=report.send_at,
        created_at=report.created_at,
        finished_at=report.finished_at,
        counts=report.statuses,
        reached=report.sent,
        skipped=report.skipped,
        failed=report.failed,
        waiting=report.waiting,
        summary=report.summary(),
        targeting=report.targeting,
    )


def register(api: Api) -> None:
    @api.operation(
        "POST",
        "/broadcasts",
        summary="Push a job, news or announcement",
        tag="Broadcasts",
        role=Role.RECRUITER,
        body=BroadcastCreate,
        response=BroadcastOut,
        status=201,
        errors=(404,),
        description="Deliveries are created when send_at comes, one per "
        "recipient and chat account, and sent by the workers within the "
        "platforms' rate limits, quiet hours and the daily cap.",
    )
    async def create_broadcast(call: Call) -> BroadcastOut:
        body: BroadcastCreate = call.body
        service = _service(call)
        if body.kind == BroadcastKind.JOB and body.content_id is not None:
            await call.services.content.job(body.content_id)
        if body.kind == BroadcastKind.NEWS and body.content_id is not None:
            await call.services.content.news(body.content_id)
        assert call.principal is not None
        broadcast = await service.create(
            body.kind,
            content_id=body.content_id,
            text=body.text,
            employee_ids=body.employee_ids,
            recipients=body.targeting.recipients() if body.targeting else None,
            send_at=body.send_at,
            created_by=call.principal.token_name,
        )
        return _out(await service.report(broadcast.id))

    @api.operation(
        "GET",
        "/broadcasts",
        summary="Latest broadcasts with their progress",
        tag="Broadcasts",
        role=Role.RECRUITER,
        response=list[BroadcastOut],
    )
    async def list_broadcasts(call: Call) -> list[BroadcastOut]:
        return [_out(report) for report in await _service(call).latest(50)]

    @api.operation(
        "GET",
        r"/broadcasts/{broadcast_id:\d+}",
        summary="A broadcast's progress",
        tag="Broadcasts",
        role=Role.RECRUITER,
        response=BroadcastOut,
    )
    async def get_broadcast(call: Call) -> BroadcastOut:
        return _out(await _service(call).report(call.path["broadcast_id"]))

    @api.operation(
        "POST",
        r"/broadcasts/{broadcast_id:\d+}/cancel",
        summary="Cancel: pending deliveries are not sent",
        tag="Broadcasts",
        role=Role.ADMIN,
        response=Changed,
        errors=(409,),
    )
    async def cancel_broadcast(call: Call) -> Changed:
        return Changed(changed=await _service(call).cancel(call.path["broadcast_id"]))

    @api.operation(
        "POST",
        r"/broadcasts/{broadcast_id:\d+}/retry-failed",
        summary="Send the failed deliveries again",
        tag="Broadcasts",
        role=Role.ADMIN,
        response=Changed,
        errors=(409,),
    )
    async def retry_broadcast(call: Call) -> Changed:
        return Changed(changed=await _service(call).retry_failed(call.path["broadcast_id"]))
