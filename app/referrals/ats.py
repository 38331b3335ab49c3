"""The ATS webhook: signed events that create referrals and move them along.

The body is signed with HMAC-SHA256 over the raw bytes, sent as
`X-Signature: sha256=<hex>` with `ATS_WEBHOOK_SECRET`. Two events:
`application.created` (with the `ref` code of the tracked link the candidate came
through: the referral is attributed) and `candidate.stage_changed` (the ATS stage is
mapped to ours by config/ats.toml, where `"rejected:not_a_real_candidate"` is a
rejection that takes back the referrer's points). Each event id is applied once: a
replay changes nothing, and so do copies of one event delivered at the same moment
(the event id is claimed first, in the transaction that applies it).
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field
from tortoise.exceptions import IntegrityError

from app.clock import Clock
from app.db import transaction
from app.errors import DomainError, NotFound
from app.events import EventBus
from app.jobs.models import JobOffer
from app.referrals.intake import CandidateDetails, Intake
from app.referrals.models import (
    AtsDelivery,
    Referral,
    ReferralSource,
    ReferralStatus,
    RejectionReason,
)
from app.referrals.pipeline import ATS, Pipeline


class UnknownStage(DomainError):
    code = "unknown_stage"


class UnknownApplication(NotFound):
    code = "unknown_application"


class AtsCandidate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str = Field(default="", max_length=40)
    linkedin_url: str = Field(default="", max_length=500)


class ApplicationCreatedData(BaseModel):
    application_id: str = Field(min_length=1, max_length=200)
    job_id: int | None = Field(default=None, description="Our job offer id, if the ATS knows it")
    job_external_id: str | None = Field(
        default=None, max_length=200, description="The ATS's own job id (imported jobs)"
    )
    ref: str = Field(
        default="", max_length=16, description="The tracked link code the candidate came with"
    )
    candidate: AtsCandidate


class StageChangedData(BaseModel):
    application_id: str = Field(min_length=1, max_length=200)
    stage: str = Field(min_length=1, max_length=100, description="The ATS's stage name")


class ApplicationCreated(BaseModel):
    model_config = ConfigDict(title="AtsApplicationCreated")

    id: str = Field(min_length=1, max_length=200, description="Unique event id (replays)")
    type: Literal["application.created"]
    occurred_at: datetime | None = None
    data: ApplicationCreatedData


class StageChanged(BaseModel):
    model_config = ConfigDict(title="AtsStageChanged")

    id: str = Field(min_length=1, max_length=200, description="Unique event id (replays)")
    type: Literal["candidate.stage_changed"]
    occurred_at: datetime | None = None
    data: StageChangedData


# The webhook body: one event, told apart by its `type`.
AtsEvent = Annotated[ApplicationCreated | StageChanged, Field(discriminator="type")]


class AtsResult(BaseModel):
    event_id: str
    outcome: Literal["applied", "replayed", "unchanged"]
    referral_id: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class StageTarget:
    """Where an ATS stage puts a referral: a status and, for a rejection, why."""

    status: ReferralStatus
    reason: RejectionReason | None = None

    @classmethod
    def parse(cls, value: str) -> StageTarget:
        """`"interview"`, or `"rejected:not_a_real_candidate"`; a bad value raises."""
        status, _, reason = str(value).partition(":")
        target = cls(ReferralStatus(status), RejectionReason(reason) if reason else None)
        if target.reason is not None and target.status != ReferralStatus.REJECTED:
            raise ValueError(f"{value!r}: only a rejection has a reason")
        return target


def load_stage_map(path: Path) -> dict[str, StageTarget]:
    """config/ats.toml's [stages], keys folded to lower case; a bad value fails loudly."""
    if not path.exists():
        return {}
    with path.open("rb") as file:
        stages = tomllib.load(file).get("stages", {})
    return {str(k).strip().casefold(): StageTarget.parse(v) for k, v in stages.items()}


def signature_ok(secret: str, body: bytes, header: str) -> bool:
    if not secret:
        return False
    scheme, _, given = header.strip().partition("=")
    if scheme != "sha256" or not given:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def sign(secret: str, body: bytes) -> str:
    """The header value an ATS sends (used by tests and by whoever wires an ATS)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _Replayed(Exception):
    """Another delivery of the same event id committed first."""


class AtsWebhook:
    def __init__(
        self,
        clock: Clock,
        events: EventBus,
        intake: Intake,
        pipeline: Pipeline,
        stages: dict[str, StageTarget],
    ) -> None:
        self.clock = clock
        self.events = events
        self.intake = intake
        self.pipeline = pipeline
        self.stages = stages

    async def handle(self, event: ApplicationCreated | StageChanged) -> AtsResult:
        """Apply an event once. Its id is claimed first, inside the transaction that
        applies it: a concurrent copy waits on that row (PostgreSQL's unique index,
        SQLite's single writer) until this one commits, then finds the id taken and
        answers `replayed`; if this one fails, nothing is recorded and the copy applies
        it. What the services announce is published only after the commit."""
        if await AtsDelivery.exists(event_id=event.id):
            return AtsResult(event_id=event.id, outcome="replayed")
        try:
            async with self.events.held(), transaction():
                try:
                    async with transaction():  # a savepoint: the claim alone may fail
                        await AtsDelivery.create(
                            event_id=event.id, event_type=event.type, received_at=self.clock.now()
                        )
                except IntegrityError:
                    raise _Replayed from None
                if isinstance(event, ApplicationCreated):
                    return await self._application_created(event)
                return await self._stage_changed(event)
        except _Replayed:
            return AtsResult(event_id=event.id, outcome="replayed")

    async def _application_created(self, event: ApplicationCreated) -> AtsResult:
        data = event.data
        existing = await Referral.get_or_none(ats_application_id=data.application_id)
        if existing is not None:
            return _result(event.id, "unchanged", existing)
        job_id = await self._job_id(data)
        attribution = await self.intake.attribution(data.ref)
        outcome = await self.intake.apply(
            job_id,
            CandidateDetails(
                data.candidate.name,
                str(data.candidate.email),
                data.candidate.phone,
                data.candidate.linkedin_url,
            ),
            attribution,
            source=ReferralSource.ATS,
            ats_application_id=data.application_id,
        )
        return _result(event.id, "applied", outcome.referral)

    async def _stage_changed(self, event: StageChanged) -> AtsResult:
        target = self.stages.get(event.data.stage.strip().casefold())
        if target is None:
            known = ", ".join(sorted(self.stages)) or "none configured"
            raise UnknownStage(
                f"Unknown ATS stage {event.data.stage!r}: map it in config/ats.toml "
                f"(known: {known})."
            )
        referral = await Referral.get_or_none(ats_application_id=event.data.application_id)
        if referral is None:
            raise UnknownApplication(
                f"No referral for ATS application {event.data.application_id!r}."
            )
        entered = await self.pipeline.advance_to(
            referral.id, target.status, ATS, f"ATS stage: {event.data.stage}"[:500], target.reason
        )
        referral = await self.pipeline.get(referral.id)
        return _result(event.id, "applied" if entered else "unchanged", referral)

    async def _job_id(self, data: ApplicationCreatedData) -> int | None:
        if data.job_id is not None:
            if not await JobOffer.exists(id=data.job_id):
                raise NotFound(f"No job offer with id {data.job_id}.")
            return data.job_id
        if data.job_external_id:
            job = await JobOffer.get_or_none(external_id=data.job_external_id)
            if job is None:
                raise NotFound(f"No job offer with external id {data.job_external_id!r}.")
            return job.id
        return None


def _result(event_id: str, outcome: str, referral: Referral) -> AtsResult:
    return AtsResult(
        event_id=event_id,
        outcome=outcome,  # type: ignore[arg-type]
        referral_id=referral.id,
        status=referral.status.value,
    )
