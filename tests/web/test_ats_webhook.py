"""`POST /api/v1/webhooks/ats`: signed events create and move referrals; forged ones are
401 and write nothing; a replay changes nothing; an unknown stage is refused."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient

from app.events import ReferralStatusChanged
from app.people.models import Employee
from app.referrals.ats import StageTarget, sign
from app.referrals.models import (
    AtsDelivery,
    Candidate,
    Channel,
    ContentType,
    Referral,
    ReferralChange,
    ReferralStatus,
)
from app.runtime import Runtime
from tests.helpers import make_employee, make_open_job, make_sharer
from tests.referrals.factories import MARIE, refer

SECRET = "ats-webhook-secret-for-tests"
URL = "/api/v1/webhooks/ats"


def created(event_id: str, job_id: int, ref: str = "", application: str = "app-1") -> dict:  # type: ignore[type-arg]
    return {
        "id": event_id,
        "type": "application.created",
        "occurred_at": "2026-11-26T10:00:00Z",
        "data": {
            "application_id": application,
            "job_id": job_id,
            "ref": ref,
            "candidate": {"name": "Marie Curie", "email": "marie.curie@example.org"},
        },
    }


def stage(event_id: str, name: str, application: str = "app-1") -> dict:  # type: ignore[type-arg]
    return {
        "id": event_id,
        "type": "candidate.stage_changed",
        "data": {"application_id": application, "stage": name},
    }


async def deliver(
    client: TestClient, event: Any, secret: str = SECRET, signature: str | None = None
) -> tuple[int, dict]:  # type: ignore[type-arg]
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if signature is None:
        signature = sign(secret, body)
    if signature:
        headers["X-Signature"] = signature
    response = await client.post(URL, data=body, headers=headers)
    return response.status, await response.json()


async def sharer_code(runtime: Runtime) -> tuple[int, int, str]:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime, apply_url="https://ats.example.com/jobs/42")
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    return ada.id, job.id, share.code


async def test_an_application_with_a_ref_code_becomes_an_attributed_referral(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    ada_id, job_id, code = await sharer_code(runtime)
    status, answer = await deliver(client, created("evt-1", job_id, code))
    assert status == 200, answer
    assert answer["outcome"] == "applied" and answer["status"] == "submitted"
    referral = await Referral.get(id=answer["referral_id"])
    assert referral.referrer_id == ada_id
    assert referral.channel == "linkedin"
    assert referral.ats_application_id == "app-1"
    history = await runtime.referrals.pipeline.history(referral.id)
    assert [(h.to_status, h.actor, h.source.value) for h in history] == [
        ("submitted", "ats", "ats")
    ]


async def test_stage_changes_move_the_referral_through_the_configured_map(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    ada_id, job_id, code = await sharer_code(runtime)
    await deliver(client, created("evt-1", job_id, code))
    changes: list[ReferralStatusChanged] = []

    async def keep(event: ReferralStatusChanged) -> None:
        changes.append(event)

    runtime.events.subscribe(ReferralStatusChanged, keep)
    status, answer = await deliver(client, stage("evt-2", "Phone Screen"))
    assert (status, answer["status"]) == (200, "screening")
    status, answer = await deliver(client, stage("evt-3", "  OFFER extended "))
    assert (status, answer["status"]) == (200, "offer")  # through interview
    assert [(c.new_status, c.employee_id, c.source) for c in changes] == [
        ("screening", ada_id, "ats"),
        ("interview", ada_id, "ats"),
        ("offer", ada_id, "ats"),
    ]
    status, answer = await deliver(client, stage("evt-4", "Offer"))
    assert (status, answer["outcome"]) == (200, "unchanged")
    assert len(changes) == 3


async def test_a_replayed_event_changes_nothing(client: TestClient, runtime: Runtime) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    _, job_id, code = await sharer_code(runtime)
    await deliver(client, created("evt-1", job_id, code))
    await deliver(client, stage("evt-2", "Interview"))
    await deliver(client, stage("evt-3", "Rejected"))
    before = await ReferralChange.all().count()
    for event in (created("evt-1", job_id, code), stage("evt-2", "Interview")):
        status, answer = await deliver(client, event)
        assert (status, answer["outcome"]) == (200, "replayed")
    assert await Referral.all().count() == 1
    assert (await Referral.get()).status == ReferralStatus.REJECTED
    assert await ReferralChange.all().count() == before
    # the same application under a new event id is still one application
    status, answer = await deliver(client, created("evt-9", job_id, code))
    assert (status, answer["outcome"]) == (200, "unchanged")
    assert await Referral.all().count() == 1


COPIES = 8


async def test_concurrent_copies_of_one_event_apply_it_once_and_answer_replayed(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    ada_id, job_id, code = await sharer_code(runtime)
    after_policy = (await Employee.get(id=ada_id)).points_balance
    for event in (
        created("evt-1", job_id, code),
        stage("evt-2", "Phone screen"),
        stage("evt-3", "Interview"),
    ):
        answers = await asyncio.gather(*(deliver(client, event) for _ in range(COPIES)))
        assert [status for status, _ in answers] == [200] * COPIES, answers
        outcomes = sorted(answer["outcome"] for _, answer in answers)
        assert outcomes == ["applied"] + ["replayed"] * (COPIES - 1), answers
    [referral] = await Referral.all()
    assert referral.status == ReferralStatus.INTERVIEW
    history = await runtime.referrals.pipeline.history(referral.id)
    assert [h.to_status for h in history] == ["submitted", "screening", "interview"]
    assert await AtsDelivery.all().count() == 3
    points = runtime.gamification.rules.points
    assert (await Employee.get(id=ada_id)).points_balance == (
        after_policy + points.application + points.interview  # each once
    )


async def test_forged_or_missing_signatures_are_401_and_write_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    _, job_id, code = await sharer_code(runtime)
    event = created("evt-1", job_id, code)
    body = json.dumps(event).encode()
    attempts = [
        ("", None),  # no header
        (sign("another-secret", body), None),
        ("sha256=" + "0" * 64, None),
        (sign(SECRET, body).replace("sha256=", "sha1="), None),
        (sign(SECRET, body + b" "), None),  # signed another body
    ]
    for signature, _ in attempts:
        status, answer = await deliver(client, event, signature=signature)
        assert status == 401, signature
        assert answer["error"]["code"] == "bad_signature"
    runtime.settings.ats_webhook_secret = ""  # not configured: nothing is accepted
    status, _ = await deliver(client, event, secret="")
    assert status == 401
    assert await Referral.all().count() == 0
    assert await Candidate.all().count() == 0
    assert await AtsDelivery.all().count() == 0


async def test_an_unknown_stage_is_refused_and_changes_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    _, job_id, code = await sharer_code(runtime)
    await deliver(client, created("evt-1", job_id, code))
    status, answer = await deliver(client, stage("evt-2", "Culture Fit Lunch"))
    assert status == 422
    assert answer["error"]["code"] == "unknown_stage"
    assert "config/ats.toml" in answer["error"]["message"]
    assert (await Referral.get()).status == ReferralStatus.SUBMITTED
    assert not await AtsDelivery.exists(event_id="evt-2")  # can be resent once mapped
    runtime.referrals.ats.stages["culture fit lunch"] = StageTarget(ReferralStatus.INTERVIEW)
    status, answer = await deliver(client, stage("evt-2", "Culture Fit Lunch"))
    assert (status, answer["status"]) == (200, "interview")


async def test_bad_payloads_are_clear_4xx(client: TestClient, runtime: Runtime) -> None:
    runtime.settings.ats_webhook_secret = SECRET
    status, answer = await deliver(client, b"{not json")
    assert (status, answer["error"]["code"]) == (400, "bad_json")
    status, answer = await deliver(client, {"id": "e", "type": "candidate.hired", "data": {}})
    assert status == 422
    status, answer = await deliver(client, stage("evt-1", "Interview", application="nope"))
    assert (status, answer["error"]["code"]) == (404, "unknown_application")
    status, answer = await deliver(client, created("evt-2", 999))
    assert status == 404
    assert await Referral.all().count() == 0
    assert await AtsDelivery.all().count() == 0


async def test_the_webhook_payload_is_in_the_openapi_document(client: TestClient) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    webhook = document["paths"]["/api/v1/webhooks/ats"]["post"]
    assert "security" not in webhook
    assert "X-Signature" in webhook["description"]
    assert {"200", "401", "422"} <= set(webhook["responses"])
    schema = webhook["requestBody"]["content"]["application/json"]["schema"]
    names = {ref["$ref"].rsplit("/", 1)[-1] for ref in schema["oneOf"]}
    assert names == {"ApplicationCreated", "StageChanged"}
    created_schema = document["components"]["schemas"]["ApplicationCreatedData"]
    assert {"application_id", "candidate"} <= set(created_schema["required"])


async def test_the_ats_application_of_an_owned_candidate_moves_the_first_referral(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET

    _, job_id, code = await sharer_code(runtime)  # Ada shares the job on LinkedIn
    bob = await make_employee(runtime, "bob@example.com", "Bob")
    job = await runtime.content.job(job_id)
    first = await refer(runtime, bob, job, MARIE)  # Bob referred Marie from chat first
    status, answer = await deliver(client, created("evt-1", job_id, code))
    assert status == 200
    duplicate = await Referral.get(id=answer["referral_id"])
    assert duplicate.status == ReferralStatus.DUPLICATE  # Ada's link came second
    owner = await Referral.get(id=first.referral.id)
    assert owner.status == ReferralStatus.SUBMITTED  # applying was Marie's consent
    assert owner.ats_application_id == "app-1"
    status, answer = await deliver(client, stage("evt-2", "Interview"))
    assert (status, answer["referral_id"], answer["status"]) == (200, owner.id, "interview")


async def test_the_ats_reporting_a_direct_application_links_it(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.ats_webhook_secret = SECRET

    job = await make_open_job(runtime)
    direct = await runtime.referrals.intake.apply(job.id, MARIE, None)
    status, answer = await deliver(client, created("evt-1", job.id))
    assert (status, answer["referral_id"]) == (200, direct.referral.id)
    status, answer = await deliver(client, stage("evt-2", "Screening"))
    assert (status, answer["status"]) == (200, "screening")
    assert await Referral.all().count() == 1
