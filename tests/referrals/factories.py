"""Referrals made through the real services, for the referral tests."""

from __future__ import annotations

import re
import uuid
from email import message_from_bytes
from pathlib import Path

from app.clock import FrozenClock
from app.jobs.models import JobOffer
from app.people.models import Employee, Role
from app.referrals.intake import CandidateDetails, Outcome
from app.referrals.models import Candidate, Referral, ReferralSource, ReferralStatus
from app.runtime import Runtime
from tests.helpers import bearer, make_employee, make_open_job

MARIE = CandidateDetails("Marie Curie", "Marie.Curie@Example.org", "+33 1 23 45 67 89")


async def referral_in(
    runtime: Runtime, status: ReferralStatus, referrer: Employee | None = None
) -> Referral:
    """A referral sitting in `status`, with its first history line."""
    now = runtime.clock.now()
    candidate = await Candidate.create(
        email=f"candidate-{uuid.uuid4().hex[:12]}@example.org",
        name="Candidate",
        created_at=now,
    )
    referral = await Referral.create(
        candidate=candidate,
        job_id=None,
        referrer_id=referrer.id if referrer else None,
        source=ReferralSource.API,
        status=status,
        created_at=now,
        updated_at=now,
        submitted_at=None if status == ReferralStatus.PENDING_CONSENT else now,
    )
    return referral


async def refer(
    runtime: Runtime,
    referrer: Employee,
    job: JobOffer | None,
    details: CandidateDetails = MARIE,
    source: ReferralSource = ReferralSource.BOT,
) -> Outcome:
    return await runtime.referrals.intake.refer(
        referrer, job.id if job else None, details, "We worked together at Radium Ltd.", source
    )


def outbox(runtime: Runtime) -> list[Path]:
    """The e-mails written to the operator's outbox (no SMTP server in the tests)."""
    return sorted((runtime.settings.data_dir / "outbox").glob("*.eml"))


def emailed_link(runtime: Runtime, to: str) -> str:
    """The consent link in the last e-mail to `to`, as the candidate reads it."""
    for path in reversed(outbox(runtime)):
        mail = message_from_bytes(path.read_bytes())
        if mail["To"] == to:
            body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
            [link] = re.findall(r"https://\S+/consent/\S+", body)
            return str(link)
    raise AssertionError(f"no e-mail to {to} in the outbox")


def consent_link(outcome: Outcome) -> str:
    """The link the candidate was e-mailed (never given to the referrer)."""
    return f"https://advocacy.test/consent/{outcome.referral.consent_token}"


async def consented(runtime: Runtime, outcome: Outcome) -> Referral:
    assert outcome.referral.consent_token is not None
    referral = await runtime.referrals.consent.give(outcome.referral.consent_token)
    assert referral is not None
    return referral


async def recruiter_headers(runtime: Runtime) -> dict[str, str]:
    rita = await make_employee(runtime, "rita@example.com", "Rita Recruiter", role=Role.RECRUITER)
    return await bearer(runtime, Role.RECRUITER, rita)


def seen(runtime: Runtime, kind: type) -> list:  # type: ignore[type-arg]
    """The events of `kind` published from now on, as they arrive."""
    events: list = []  # type: ignore[type-arg]

    async def keep(event: object) -> None:
        events.append(event)

    runtime.events.subscribe(kind, keep)
    return events


async def team(runtime: Runtime) -> tuple[Employee, Employee, JobOffer]:
    """Two employees of different departments and one open job."""
    ada = await make_employee(runtime, "ada@example.com", "Ada Lovelace", department="Engineering")
    bob = await make_employee(
        runtime, "bob@example.com", "Bob Martin", department="Sales", language="fr"
    )
    job = await make_open_job(runtime, "Data Engineer")
    return ada, bob, job


def later(clock: FrozenClock, days: float) -> None:
    from datetime import timedelta

    clock.advance(timedelta(days=days))
