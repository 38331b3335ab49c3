"""`/consent/{token}`: the referred candidate agrees or declines, without JavaScript."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from app.referrals.models import Candidate, Referral
from app.referrals.models import ReferralStatus as S
from app.runtime import Runtime
from tests.helpers import make_open_job
from tests.referrals.factories import MARIE, emailed_link, refer, team
from tests.web.test_apply import Browser, hidden


async def consent_path(runtime: Runtime, language: str = "en") -> tuple[str, int]:
    ada, _, _ = await team(runtime)
    job = await make_open_job(runtime, "Ingénieur·e données", language=language)
    outcome = await refer(runtime, ada, job)
    link = emailed_link(runtime, MARIE.email)  # the candidate's mailbox
    return link.removeprefix("https://advocacy.test"), outcome.referral.id


async def test_the_candidate_agrees_and_the_referral_enters_the_pipeline(
    client: TestClient, runtime: Runtime
) -> None:
    path, referral_id = await consent_path(runtime)
    browser = Browser(client)
    status, page = await browser.get(path)
    assert status == 200
    assert "Ada Lovelace recommended you to Porte-voix Demo for Ingénieur·e données." in page
    assert "deleted in 30 days" in page
    status, answer = await browser.post(path, {"csrf": hidden(page, "csrf"), "decision": "accept"})
    assert status == 200 and "Thank you!" in answer
    assert (await Referral.get(id=referral_id)).status == S.SUBMITTED
    status, page = await browser.get(path)
    assert status == 200 and "Your answer is recorded." in page  # no second form


async def test_the_candidate_declines_and_their_details_are_deleted(
    client: TestClient, runtime: Runtime
) -> None:
    path, referral_id = await consent_path(runtime, language="fr")
    browser = Browser(client)
    _, page = await browser.get(path)
    assert "Avant que nos recruteurs voient vos informations" in page
    status, answer = await browser.post(path, {"csrf": hidden(page, "csrf"), "decision": "decline"})
    assert status == 200 and "Vos informations sont supprimées" in answer
    assert (await Referral.get(id=referral_id)).status == S.WITHDRAWN
    assert (await Candidate.get()).email is None
    status, _ = await browser.get(path)
    assert status == 404  # the link is spent


async def test_forged_or_unknown_consent_requests_change_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    path, referral_id = await consent_path(runtime)
    browser = Browser(client)
    _, page = await browser.get(path)
    status, _ = await browser.post(path, {"csrf": "f" * 64, "decision": "accept"})
    assert status == 403
    status, _ = await Browser(client).post(
        path, {"csrf": hidden(page, "csrf"), "decision": "accept"}
    )
    assert status == 403  # no CSRF cookie: posted from another site
    status, _ = await browser.post(path, {"csrf": hidden(page, "csrf"), "decision": "maybe"})
    assert status == 400
    assert (await Referral.get(id=referral_id)).status == S.PENDING_CONSENT
    for unknown in ("/consent/nope", "/consent/" + "x" * 100):
        status, text = await Browser(client).get(unknown)
        assert status == 404 and "This link has expired or was already used." in text
