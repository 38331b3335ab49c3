"""The referrals CSV (`app/referrals/exports.py`): the database writes its cells and it is
streamed a page at a time; what a recruiter opens must be what the ORM holds, with the
same protection against formulas as every other export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from app.csv_export import neutral
from app.jobs.models import JobOffer
from app.people.models import Employee
from app.referrals.exports import HEADER, TIMES
from app.referrals.models import Candidate, Referral, ReferralSource, ReferralStatus
from app.referrals.pipeline import VISIBLE
from app.runtime import Runtime
from tests.helpers import make_employee, make_open_job

S = ReferralStatus


async def export(runtime: Runtime, page_size: int = 5_000) -> list[str]:
    return [piece async for piece in runtime.referrals.referrals_csv(page_size)]


def parsed(pieces: list[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(pieces))))


async def a_referral(
    runtime: Runtime,
    n: int,
    status: ReferralStatus,
    *,
    name: str = "",
    email: str | None = "",
    referrer: Employee | None = None,
    job: JobOffer | None = None,
    department: str = "",
    at: datetime | None = None,
) -> Referral:
    """A referral written as the app writes them, with the oddities an export meets."""
    at = at or runtime.clock.now()
    candidate = await Candidate.create(
        email=f"c{n}@example.org" if email == "" else email,
        name=name or f"Candidate {n}",
        created_at=at,
    )
    reached = status not in (S.PENDING_CONSENT,)
    return await Referral.create(
        candidate=candidate,
        job_id=job.id if job else None,
        referrer_id=referrer.id if referrer else None,
        department=department,
        channel="linkedin" if referrer else "",
        source=ReferralSource.WEB,
        status=status,
        prior_applicant=n % 2 == 0,
        created_at=at,
        updated_at=at,
        submitted_at=at if reached else None,
        interview_at=at if status in (S.INTERVIEW, S.HIRED) else None,
        hired_at=at if status == S.HIRED else None,
    )


async def expected_rows(referrals: list[Referral]) -> list[list[str]]:
    """What the export said before it was streamed: built from ORM objects, each cell
    through `neutral`, as text the way the csv module writes it."""
    rows = [HEADER]
    for r in sorted(referrals, key=lambda r: r.id):
        if r.status not in VISIBLE:
            continue
        candidate = await Candidate.get(id=r.candidate_id)  # type: ignore[attr-defined]
        job = await JobOffer.get_or_none(id=r.job_id) if r.job_id else None
        referrer = await Employee.get_or_none(id=r.referrer_id) if r.referrer_id else None
        cells = [
            r.id, r.job_id, job.title if job else "", r.referrer_id,
            referrer.name if referrer else "", r.department, r.channel, r.source.value,
            r.status.value, r.prior_applicant, candidate.name, candidate.email,
            *(getattr(r, t).isoformat() if getattr(r, t) else "" for t in TIMES),
            r.bonus_status.value,
        ]  # fmt: skip
        rows.append([str(neutral(cell)) for cell in cells])
    return rows


async def test_the_export_holds_every_visible_referral_as_stored(runtime: Runtime) -> None:
    ada = await make_employee(runtime, department="=Sales")
    job = await make_open_job(runtime, "+Growth hacker")
    fraction = datetime(2026, 11, 2, 9, 30, 15, 120_000, tzinfo=UTC)  # .120000: all 6 digits
    referrals = [
        await a_referral(runtime, 1, S.HIRED, referrer=ada, job=job, department="=Sales"),
        await a_referral(runtime, 2, S.SUBMITTED, name='=HYPERLINK("http://evil.example")'),
        await a_referral(runtime, 3, S.INTERVIEW, name="  -2+3", email=None, at=fraction),
        await a_referral(runtime, 4, S.PENDING_CONSENT, referrer=ada),  # never exported
        await a_referral(runtime, 5, S.DUPLICATE, referrer=ada),  # never exported
        await a_referral(runtime, 6, S.REJECTED, name='Zoë, "the" O\'Brien', job=job),
        await a_referral(runtime, 7, S.SCREENING, name="@risk\tof\nnewlines"),
    ]
    rows = parsed(await export(runtime))
    assert rows == await expected_rows(referrals)
    names = {row[10] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example")' in names and "'  -2+3" in names
    assert all(row[8] not in ("pending_consent", "duplicate") for row in rows[1:])


async def test_a_big_export_is_read_and_sent_a_page_at_a_time(runtime: Runtime) -> None:
    for n in range(1, 8):
        await a_referral(runtime, n, S.SUBMITTED if n != 4 else S.PENDING_CONSENT)
    whole = await export(runtime)
    paged = await export(runtime, page_size=2)
    # the header, then 6 visible referrals in pages of 2: nothing ever held all of them
    assert len(paged) == 1 + 3
    assert [len(piece.splitlines()) for piece in paged] == [1, 2, 2, 2]
    assert "".join(paged) == "".join(whole)
    assert [row[0] for row in parsed(paged)[1:]] == ["1", "2", "3", "5", "6", "7"]


async def test_an_empty_export_is_its_header(runtime: Runtime) -> None:
    assert parsed(await export(runtime)) == [HEADER]
