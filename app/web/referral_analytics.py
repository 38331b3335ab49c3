"""The recruiters' referral analytics: the funnel from clicks to hires (JSON and CSV),
what referral hires saved against job boards, and every consented referral as CSV."""

from __future__ import annotations

from datetime import date
from typing import Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from app.people.models import Role
from app.referrals.funnel import FunnelQuery
from app.referrals.models import Channel
from app.web.api import Api, Call, csv_response


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


def register(api: Api) -> None:
    @api.operation(
        "GET",
        "/analytics/funnel",
        summary="The referral funnel: clicks → applications → interviews → offers → hires",
        tag="Analytics",
        role=Role.RECRUITER,
        query=FunnelParams,
        response=list[FunnelRowOut],
        description="by=job|employee|department|channel|month over from..to (whole days in "
        "the company's time zone). Clicks are unique clicks on job links; the other stages "
        "count consented, attributed referrals, each on the day it reached the stage (a "
        "hire counts in the period of the hire). avg_days_to_hire: from submission to hire "
        "of the period's hires. Definitions: docs/glossary.md.",
    )
    async def referral_funnel(call: Call) -> list[FunnelRowOut]:
        rows = await call.services.referrals.funnel.rows(call.query.query())
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
        funnel = call.services.referrals.funnel
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
        roi = await call.services.referrals.funnel.roi(
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
        return csv_response(call.services.referrals.referrals_csv(), "referrals.csv")
