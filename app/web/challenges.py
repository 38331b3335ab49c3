"""REST resources of team challenges: a department's target for a period, with its
progress, and the bonus points everyone in it earns when it is reached."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from app.gamification.challenges import ChallengeDraft
from app.people.models import Role
from app.web.api import Api, Call


class ChallengeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    department: str
    metric: str
    target: int
    progress: int
    starts_on: date
    ends_on: date
    bonus_points: int
    reached_at: datetime | None


def register(api: Api) -> None:
    @api.operation(
        "GET",
        "/challenges",
        summary="Team challenges (mine; admins: all)",
        tag="Challenges",
        role=Role.EMPLOYEE,
        response=list[ChallengeOut],
    )
    async def list_challenges(call: Call) -> list[ChallengeOut]:
        assert call.principal is not None
        if call.principal.has_role(Role.ADMIN) and call.principal.employee_id is None:
            rows = await call.services.challenges.all()
        else:
            me = await call.acting_employee(None)
            rows = await call.services.challenges.for_department(me.department)
        return [ChallengeOut.model_validate(c) for c in rows]

    @api.operation(
        "POST",
        "/challenges",
        summary="Set a team challenge",
        tag="Challenges",
        role=Role.ADMIN,
        body=ChallengeDraft,
        response=ChallengeOut,
        status=201,
    )
    async def create_challenge(call: Call) -> ChallengeOut:
        challenge = await call.services.challenges.create(call.body)
        return ChallengeOut.model_validate(await call.services.challenges.refresh(challenge))
