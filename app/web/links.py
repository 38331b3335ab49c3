"""REST resources for tracked links, share intents and click analytics."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.people.models import Role
from app.referrals.analytics import ClickQuery
from app.referrals.links import Share
from app.referrals.models import Channel, ContentType
from app.web.api import Api, Call


class ShareRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: ContentType
    content_id: int = Field(ge=1)
    channels: list[Channel] | None = Field(default=None, description="Default: every channel")
    employee_id: int | None = Field(default=None, description="Recruiters and admins only")


class ShareOut(BaseModel):
    channel: Channel
    code: str
    url: str
    caption: str
    share_url: str


class AnalyticsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: Literal["link", "employee", "content", "channel", "department", "day"]
    start: date | None = Field(default=None, alias="from")
    end: date | None = Field(default=None, alias="to")
    employee_id: int | None = None
    content_type: ContentType | None = None
    content_id: int | None = None
    channel: Channel | None = None
    department: str | None = Field(default=None, max_length=100)
    order: Literal["key", "unique"] = "key"
    limit: int = Field(default=100, ge=1, le=1000)


class ClickRow(BaseModel):
    key: dict[str, str | int]
    label: str
    raw: int
    unique: int


def share_out(share: Share) -> ShareOut:
    return ShareOut(
        channel=share.channel,
        code=share.code,
        url=share.url,
        caption=share.caption,
        share_url=share.share_url,
    )


def register(api: Api) -> None:
    @api.operation(
        "POST",
        "/links",
        summary="My tracked links and share intents for a content",
        tag="Links",
        role=Role.EMPLOYEE,
        body=ShareRequest,
        response=list[ShareOut],
        errors=(404, 410),
        description="One stable link per (employee, content, channel); the answer carries "
        "the caption in the employee's language and the URL of each network's share dialog. "
        "Needs the current social media policy accepted.",
    )
    async def create_links(call: Call) -> list[ShareOut]:
        request: ShareRequest = call.body
        employee = await call.acting_employee(request.employee_id)
        # Asking for one network is a share (the user picked it); asking for several is
        # looking at the options.
        picked = request.channels is not None and len(request.channels) == 1
        shares = await call.services.links.shares(
            employee, request.content_type, request.content_id, request.channels, record=picked
        )
        return [share_out(s) for s in shares]

    @api.operation(
        "GET",
        "/analytics/clicks",
        summary="Raw and unique clicks, grouped",
        tag="Analytics",
        role=Role.EMPLOYEE,
        query=AnalyticsQuery,
        response=list[ClickRow],
        description="by=link|employee|content|channel|department|day, over from..to (days in "
        "the company's time zone). order=unique gives top advocates or top content. Employees "
        "only see their own clicks.",
    )
    async def click_analytics(call: Call) -> list[ClickRow]:
        q: AnalyticsQuery = call.query
        employee_id = q.employee_id
        assert call.principal is not None
        if not call.principal.has_role(Role.RECRUITER):
            employee_id = call.principal.employee_id or -1
        rows = await call.services.analytics.clicks(
            ClickQuery(
                by=q.by,
                start=q.start,
                end=q.end,
                employee_id=employee_id,
                content_type=q.content_type.value if q.content_type else None,
                content_id=q.content_id,
                channel=q.channel.value if q.channel else None,
                department=q.department,
                order=q.order,
                limit=q.limit,
            )
        )
        return [ClickRow.model_validate(row) for row in rows]
