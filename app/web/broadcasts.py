"""REST resources for broadcasts (pushes): create, follow, cancel, retry."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.bots.broadcast import Broadcasts
from app.bots.engine import limits_from
from app.bots.models import Broadcast, BroadcastKind, BroadcastStatus
from app.people.models import Role
from app.web.api import Api, Call


class BroadcastCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: BroadcastKind
    content_id: int | None = Field(default=None, ge=1)
    text: str = Field(default="", max_length=4000)
    employee_ids: list[int] | None = Field(
        default=None, max_length=100_000, description="Default: the content's targeting"
    )
    send_at: datetime | None = Field(default=None, description="Default: now")

    @model_validator(mode="after")
    def _complete(self) -> BroadcastCreate:
        if self.kind in (BroadcastKind.JOB, BroadcastKind.NEWS) and self.content_id is None:
            raise ValueError("content_id is required for a job or news broadcast")
        if self.kind == BroadcastKind.ANNOUNCEMENT and not self.text.strip():
            raise ValueError("text is required for an announcement")
        return self


class BroadcastOut(BaseModel):
    id: int
    kind: BroadcastKind
    content_id: int | None
    status: BroadcastStatus
    send_at: datetime
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]
    skipped: dict[str, int]


class Changed(BaseModel):
    changed: int


def _service(call: Call) -> Broadcasts:
    return Broadcasts(call.runtime, limits_from(call.runtime.settings))


async def _out(service: Broadcasts, broadcast: Broadcast) -> BroadcastOut:
    return BroadcastOut(
        id=broadcast.id,
        kind=broadcast.kind,
        content_id=broadcast.content_id,
        status=broadcast.status,
        send_at=broadcast.send_at,
        created_at=broadcast.created_at,
        finished_at=broadcast.finished_at,
        counts=await service.counts(broadcast.id),
        skipped=await service.skipped_reasons(broadcast.id),
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
            await call.runtime.content.job(body.content_id)
        if body.kind == BroadcastKind.NEWS and body.content_id is not None:
            await call.runtime.content.news(body.content_id)
        assert call.principal is not None
        broadcast = await service.create(
            body.kind,
            content_id=body.content_id,
            text=body.text,
            employee_ids=body.employee_ids,
            send_at=body.send_at,
            created_by=call.principal.token_name,
        )
        return await _out(service, broadcast)

    @api.operation(
        "GET",
        "/broadcasts",
        summary="Latest broadcasts with their progress",
        tag="Broadcasts",
        role=Role.RECRUITER,
        response=list[BroadcastOut],
    )
    async def list_broadcasts(call: Call) -> list[BroadcastOut]:
        service = _service(call)
        rows = await Broadcast.all().order_by("-created_at", "-id").limit(50)
        return [await _out(service, b) for b in rows]

    @api.operation(
        "GET",
        r"/broadcasts/{broadcast_id:\d+}",
        summary="A broadcast's progress",
        tag="Broadcasts",
        role=Role.RECRUITER,
        response=BroadcastOut,
    )
    async def get_broadcast(call: Call) -> BroadcastOut:
        service = _service(call)
        return await _out(service, await service.get(call.path["broadcast_id"]))

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
