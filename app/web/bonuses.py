"""REST resources for referral bonuses: what HR owes referrers of hires, the payroll CSV,
and marking a bonus paid."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict

from app.people.models import Role
from app.referrals.models import BonusStatus, Referral
from app.web.api import Api, Call, csv_response


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

    @classmethod
    def of(cls, r: Referral) -> BonusOut:
        return cls(
            referral_id=r.id,
            employee_id=r.referrer_id,
            job_id=r.job_id,
            hired_at=r.hired_at,
            bonus_status=r.bonus_status,
            bonus_due_at=r.bonus_due_at,
            bonus_paid_at=r.bonus_paid_at,
        )


def register(api: Api) -> None:
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
        rows = await call.services.referrals.bonuses.listing(call.query.status)
        return [BonusOut.of(r) for r in rows]

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
        return csv_response(await call.services.referrals.bonuses.due_csv(), "bonuses-due.csv")

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
        r = await call.services.referrals.bonuses.mark_paid(call.path["referral_id"])
        return BonusOut.of(r)
