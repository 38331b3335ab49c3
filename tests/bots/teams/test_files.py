"""A file sent to the Teams bot (issue 15, finding 9): its `downloadUrl` comes inside an
activity, so it is fetched only for a linked employee at the CV step of a referral, only
from TEAMS_FILE_ORIGINS (the tests' fake connector stands for OneDrive here; by default
only https on *.sharepoint.com / *.sharepoint.us), redirects included, and never beyond
CV_MAX_BYTES."""

from __future__ import annotations

from typing import Any

from app.referrals.models import Referral
from tests.bots.teams_support import ADA, TeamsWorld, joined
from tests.fakes.teams_connector import TeamsUser
from tests.helpers import make_open_job

PDF = b"%PDF-1.4 a real enough pdf"
NOT_FETCHED = "I could not fetch that file. Send it again, or Skip."


def file_message(teams: TeamsWorld, user: TeamsUser, url: str) -> dict[str, Any]:
    return teams.message(user) | {
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.teams.file.download.info",
                "name": "cv.pdf",
                "content": {"downloadUrl": url, "fileType": "pdf"},
            }
        ]
    }


async def at_the_cv_step(teams: TeamsWorld) -> None:
    job = await make_open_job(teams.runtime)
    steps = [
        teams.click(ADA, "refer:steps"),
        teams.click(ADA, f"refer:job:{job.id}"),
        teams.message(ADA, "Grace Hopper"),
        teams.message(ADA, "grace@navy.example"),
        teams.click(ADA, "refer:skip"),
        teams.click(ADA, "refer:skip"),
    ]
    for step in steps:
        assert await teams.post(step) == 200
    assert "Their CV?" in teams.sent_to(ADA)[-1]


async def test_a_cv_sent_as_a_teams_file_joins_the_chat_form(teams: TeamsWorld) -> None:
    fake = teams.fake
    await joined(teams)
    await at_the_cv_step(teams)
    fake.files["cv.pdf"] = PDF
    assert await teams.post(file_message(teams, ADA, f"{fake.url}files/cv.pdf")) == 200
    await teams.post(teams.click(ADA, "refer:skip"))
    assert "CV attached" in teams.sent_to(ADA)[-1]
    await teams.post(teams.click(ADA, "refer:confirm"))
    [referral] = await Referral.all()
    assert referral.cv_file and referral.cv_file.endswith(".pdf")


async def test_a_file_from_a_host_that_is_not_microsofts_is_never_fetched(
    teams: TeamsWorld,
) -> None:
    fake = teams.fake
    await joined(teams)
    await at_the_cv_step(teams)
    fake.files["cv.pdf"] = PDF
    teams.runtime.settings.teams_file_origins = "https://*.sharepoint.com,https://*.sharepoint.us"
    assert await teams.post(file_message(teams, ADA, f"{fake.url}files/cv.pdf")) == 200
    assert fake.fetched == []
    assert teams.sent_to(ADA)[-1].startswith(NOT_FETCHED)
    # The form still waits for the CV: sending it from an allowed place works.
    teams.runtime.settings.teams_file_origins = fake.url.rstrip("/")
    assert await teams.post(file_message(teams, ADA, f"{fake.url}files/cv.pdf")) == 200
    assert fake.fetched == ["/files/cv.pdf"]
    assert "How do you know them?" in teams.sent_to(ADA)[-1]


async def test_a_redirect_away_from_the_allowed_hosts_is_not_followed(teams: TeamsWorld) -> None:
    fake = teams.fake
    await joined(teams)
    await at_the_cv_step(teams)
    fake.moved["cv.pdf"] = "http://127.0.0.1:9/internal/secret"
    assert await teams.post(file_message(teams, ADA, f"{fake.url}files/cv.pdf")) == 200
    assert fake.fetched == ["/files/cv.pdf"]
    assert teams.sent_to(ADA)[-1].startswith(NOT_FETCHED)


async def test_a_file_from_someone_the_bot_does_not_know_is_never_fetched(
    teams: TeamsWorld,
) -> None:
    fake = teams.fake
    fake.files["cv.pdf"] = PDF
    nobody = TeamsUser(id="29:nobody", aad_object_id="00000000-0000-0000-0000-0000000000d4")
    assert await teams.post(file_message(teams, nobody, f"{fake.url}files/cv.pdf")) == 200
    assert fake.fetched == []
    assert "invitation" in teams.sent_to(nobody)[-1]


async def test_a_file_sent_outside_the_referral_form_is_never_fetched(teams: TeamsWorld) -> None:
    fake = teams.fake
    fake.files["cv.pdf"] = PDF
    await joined(teams)
    assert await teams.post(file_message(teams, ADA, f"{fake.url}files/cv.pdf")) == 200
    assert fake.fetched == []


async def test_a_file_above_the_cv_limit_is_refused_and_not_stored(teams: TeamsWorld) -> None:
    runtime, fake = teams.runtime, teams.fake
    await joined(teams)
    await at_the_cv_step(teams)
    runtime.settings.cv_max_bytes = runtime.referrals.cv_store.max_bytes = 1024 * 1024
    fake.files["cv.pdf"] = PDF + b"\0" * (3 * 1024 * 1024)
    assert await teams.post(file_message(teams, ADA, f"{fake.url}files/cv.pdf")) == 200
    assert teams.sent_to(ADA)[-1].startswith("The CV is larger than 1 MB.")
    assert list((runtime.settings.data_dir / "cv").glob("*")) == []
    await teams.post(teams.click(ADA, "refer:skip"))
    await teams.post(teams.click(ADA, "refer:skip"))
    await teams.post(teams.click(ADA, "refer:confirm"))
    [referral] = await Referral.all()
    assert referral.cv_file == ""
