"""Who may do what in the chat, whatever the entry: a button, a Teams card or a form
answer reaches exactly what the command does (issue 15, finding 7). The registry-wide
table (every action × every role) is in tests/security/test_authorization_matrix.py."""

from __future__ import annotations

from app.jobs.models import JobOffer
from app.people.models import Role
from app.referrals.intake import CandidateDetails
from app.referrals.models import Referral, ReferralStatus
from tests.bots.teams_support import ADA as TEAMS_ADA
from tests.bots.teams_support import TeamsWorld, joined
from tests.bots.telegram.test_channel import joined as joined_telegram
from tests.channel_fixtures import TelegramWorld
from tests.helpers import make_open_job
from tests.referrals.factories import consented

ADA, RITA = 1001, 2002
REFUSED = "This is for recruiters and admins."


async def test_a_stats_button_from_a_plain_employee_is_refused_like_the_command(
    telegram: TelegramWorld,
) -> None:
    fake = telegram.fake
    await joined_telegram(telegram, ADA)
    await telegram.send(fake.callback(ADA, "stats"))
    await fake.wait_for(1, "sendMessage")
    await telegram.send(fake.message(ADA, "/stats"))
    await fake.wait_for(2, "sendMessage")
    assert fake.texts(ADA) == [REFUSED, REFUSED]
    assert not any("This week" in text for text in fake.texts())


async def test_a_recruiter_gets_the_weekly_figures_from_the_button(
    telegram: TelegramWorld,
) -> None:
    fake = telegram.fake
    await joined_telegram(telegram, RITA, email="rita@example.com", role=Role.RECRUITER)
    await telegram.send(fake.callback(RITA, "stats"))
    await fake.wait_text("This week (", chat_id=RITA)


async def test_a_plain_employee_cannot_move_a_candidate_with_a_forged_button(
    telegram: TelegramWorld,
) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    ada = await joined_telegram(telegram, ADA)
    job = await make_open_job(runtime)
    outcome = await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace Hopper", "grace@navy.example")
    )
    await consented(runtime, outcome)
    await fake.wait_text("agreed to be referred", chat_id=ADA)
    await telegram.send(fake.callback(ADA, f"mv:{outcome.referral.id}:hired"))
    await fake.wait_text(REFUSED, chat_id=ADA)
    referral = await Referral.get(id=outcome.referral.id)
    assert referral.status == ReferralStatus.SUBMITTED


async def test_a_teams_card_submit_is_checked_like_the_command(teams: TeamsWorld) -> None:
    await joined(teams)
    assert await teams.post(teams.click(TEAMS_ADA, "stats")) == 200
    assert await teams.post(teams.click(TEAMS_ADA, "rd:1:approve")) == 200
    assert teams.sent_to(TEAMS_ADA) == [REFUSED, "This is for admins."]


async def test_a_form_opened_before_a_demotion_cannot_be_finished(
    telegram: TelegramWorld,
) -> None:
    """A recruiter starts publishing a job, is demoted, then answers: nothing is published."""
    fake = telegram.fake
    rita = await joined_telegram(telegram, RITA, email="rita@example.com", role=Role.RECRUITER)
    await telegram.send(fake.message(RITA, "/post_job"))
    await fake.wait_text("Title?", chat_id=RITA)
    rita.role = Role.EMPLOYEE
    await rita.save()
    steps = [
        fake.message(RITA, "Spy"),
        fake.message(RITA, "A job nobody approved"),
        fake.callback(RITA, "post:everyone"),
        fake.callback(RITA, "post:publish"),
    ]
    for step in steps:
        await telegram.send(step)
    await fake.wait_for(5, "sendMessage")
    assert fake.texts(RITA)[1] == REFUSED  # the form ended with the role
    assert not await JobOffer.filter(title="Spy").exists()
    assert await JobOffer.all().count() == 0


def test_every_action_name_and_button_verb_is_declared_once() -> None:
    """A second declaration would silently replace the first, role included."""
    from app.chat.actions import ACTIONS, BY_BUTTON, BY_NAME

    assert len(BY_NAME) == len(ACTIONS)
    assert len(BY_BUTTON) == sum(len(action.buttons) for action in ACTIONS)
