"""A candidate's GDPR requests, made by an admin on their behalf: export what is held
about them, or erase it (the anonymised referrals stay, so the funnel stays true)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, EmailStr

from app.people.models import Role
from app.web.api import Api, Call


class CandidateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class Erased(BaseModel):
    erased: bool


def register(api: Api) -> None:
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
        await call.services.referrals.candidates.erase(str(call.body.email))
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
        return await call.services.referrals.candidates.export(str(call.body.email))
