"""The pipeline board's cards (issue 18: they said "Referred by —" and showed no date,
contact, CV or history) and the CV download behind them."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.i18n.formats import formats_for
from app.people.models import Employee, Role
from app.referrals.intake import CandidateDetails
from app.referrals.models import Referral, ReferralStatus
from app.referrals.pipeline import Actor
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.referrals.factories import MARIE, consented, later, refer, team
from tests.web.test_miniapp_auth import dashboard_cookie

PDF = b"%PDF-1.4\n% a CV\n"


def card(page: str, referral_id: int) -> str:
    match = re.search(rf'<article id="referral-{referral_id}">(.*?)</article>', page, re.S)
    assert match, f"no card for referral {referral_id}"
    return match.group(1)


async def recruiter(client: TestClient, runtime: Runtime, language: str = "en") -> dict:
    rita = await make_employee(
        runtime, "rita@example.com", "Rita", role=Role.RECRUITER, language=language
    )
    return await dashboard_cookie(client, runtime, rita.id)


async def with_cv(runtime: Runtime, referral: Referral) -> None:
    name = "c" * 32 + ".pdf"
    folder = runtime.settings.data_dir / "cv"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(PDF)
    await Referral.filter(id=referral.id).update(cv_file=name)


async def consented_with_cv(
    client: TestClient, runtime: Runtime
) -> tuple[Employee, Referral, dict]:
    """Ada's referral of Marie, consented, with a CV; and a recruiter's session."""
    ada, _bob, job = await team(runtime)
    referral = await consented(runtime, await refer(runtime, ada, job))
    await with_cv(runtime, referral)
    return ada, referral, await recruiter(client, runtime)


async def test_a_card_shows_the_date_referrer_contact_cv_and_history(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    ada, _bob, job = await team(runtime)
    pending = await refer(runtime, ada, job)
    later(clock, 3)  # the candidate agrees three days later: the card's date
    referral = await consented(runtime, pending)
    await with_cv(runtime, referral)
    later(clock, 5)
    cookie = await recruiter(client, runtime)
    await runtime.referrals.pipeline.move(
        referral.id, ReferralStatus.SCREENING, Actor.employee(ada.id, referral.source)
    )
    shown = card(
        await (await client.get("/dashboard/pipeline", headers=cookie)).text(), referral.id
    )
    assert "Referred by Ada Lovelace" in shown
    submitted = (await Referral.get(id=referral.id)).submitted_at
    assert submitted is not None and submitted.date() != pending.referral.created_at.date()
    day = formats_for("en", runtime.settings.company_timezone).day(submitted)
    when = f'datetime="{submitted.isoformat()}" title="Submitted">{day}</time>'
    assert f'<time class="meta" {when}' in shown
    assert 'href="mailto:marie.curie@example.org"' in shown.lower()
    assert "+33 1 23 45 67 89" in shown
    assert f'href="/dashboard/referrals/{referral.id}/cv"' in shown
    history = re.findall(r"<li><time[^>]*>[^<]+</time> · ([^<]+)</li>", shown)
    assert [line.split(" · ")[:2] for line in history] == [
        ["Waiting for consent", "Ada Lovelace"],
        ["Submitted", "the candidate"],
        ["Screening", "Ada Lovelace"],
    ]


async def test_a_direct_application_says_so_in_french_too(
    client: TestClient, runtime: Runtime
) -> None:
    _ada, _bob, job = await team(runtime)
    outcome = await runtime.referrals.intake.apply(
        job.id, CandidateDetails("Léa Martin", "lea@example.org", "", ""), None
    )
    cookie = await recruiter(client, runtime, "fr")
    page = await (await client.get("/dashboard/pipeline", headers=cookie)).text()
    shown = card(page, outcome.referral.id)
    assert "Candidature directe" in shown and "—" not in shown
    assert '<h2 id="col-submitted">Transmise' in page
    assert "Aucun" in shown  # no CV
    assert ">Refusée : pas un vrai candidat</option>" in shown


async def test_a_recruiter_downloads_the_cv_and_nobody_else_does(
    client: TestClient, runtime: Runtime
) -> None:
    ada, referral, cookie = await consented_with_cv(client, runtime)
    cv = await client.get(f"/dashboard/referrals/{referral.id}/cv", headers=cookie)
    assert (cv.status, await cv.read()) == (200, PDF)
    assert cv.headers["Content-Disposition"] == f'attachment; filename="referral-{referral.id}.pdf"'
    assert cv.headers["Content-Type"] == "application/pdf"
    # The referrer is an employee: the dashboard is not theirs, their candidate's CV neither.
    theirs = await dashboard_cookie(client, runtime, ada.id)
    refused = await client.get(f"/dashboard/referrals/{referral.id}/cv", headers=theirs)
    assert refused.status == 403 and PDF not in await refused.read()
    signed_out = await client.get(f"/dashboard/referrals/{referral.id}/cv", allow_redirects=False)
    assert signed_out.headers["Location"] == "/dashboard/login"


async def test_a_cv_that_is_not_there_is_a_page_saying_so(
    client: TestClient, runtime: Runtime
) -> None:
    ada, _bob, job = await team(runtime)
    cookie = await recruiter(client, runtime)
    pending = await refer(runtime, ada, job, MARIE)  # no consent yet: not the recruiters'
    await with_cv(runtime, pending.referral)
    for referral_id in (pending.referral.id, 999_999):
        missing = await client.get(f"/dashboard/referrals/{referral_id}/cv", headers=cookie)
        assert missing.status == 404
        assert "This referral has no CV." in await missing.text()
