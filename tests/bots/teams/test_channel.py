"""The Teams channel's calls to the connector (`app/bots/teams/channel.py`): speaking first
through the stored conversation reference, a conversation gone marks the account inactive,
throttled calls are retried, and a replayed activity is answered once.
"""

from __future__ import annotations

from app.people.models import ChatIdentity, Platform, Role
from app.referrals.models import ReferralStatus
from tests.bots.teams_support import ADA, RITA, TeamsWorld, _bots_key, joined
from tests.helpers import make_open_job

# -- speaking first --------------------------------------------------------------------


async def test_the_referrer_hears_in_teams_when_a_recruiter_moves_the_referral(
    teams: TeamsWorld,
) -> None:
    from app.referrals.intake import CandidateDetails
    from app.referrals.models import ReferralSource
    from app.referrals.pipeline import Actor

    runtime, fake = teams.runtime, teams.fake
    ada = await joined(teams)
    rita = await joined(teams, RITA, role=Role.RECRUITER)
    job = await make_open_job(runtime)
    outcome = await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace Hopper", "grace@navy.example")
    )
    assert outcome.referral.consent_token
    await runtime.referrals.consent.give(outcome.referral.consent_token)
    assert any("agreed to be referred" in t for t in teams.sent_to(ADA))

    await runtime.referrals.pipeline.move(
        outcome.referral.id,
        ReferralStatus.SCREENING,
        Actor.employee(rita.id, ReferralSource.API),
    )
    told = teams.sent_to(ADA)[-1]
    assert told == (
        "Recruiters are reviewing Grace Hopper's application for Data Engineer: your "
        "referral points are on their way."
    )
    assert not fake.rejected
    assert teams.sent_to(RITA) == []


async def test_a_conversation_gone_marks_the_account_inactive(teams: TeamsWorld) -> None:
    fake = teams.fake
    ada = await joined(teams)
    fake.gone.add(ADA.conversation_id)
    bots = teams.client.app[_bots_key()]
    sent = await bots.notifier.tell(ada.id, lambda _language: "Hello")
    assert sent == 0
    identity = await ChatIdentity.get(platform=Platform.TEAMS)
    assert identity.active is False
    assert fake.sent == []


async def test_a_published_job_reaches_teams_through_the_push_engine(teams: TeamsWorld) -> None:
    from app.broadcasts.models import Broadcast, Delivery

    runtime, fake = teams.runtime, teams.fake
    await joined(teams)
    rita = await joined(teams, RITA)
    fake.gone.add(RITA.conversation_id)  # Rita left the conversation with the bot
    engine = runtime.push_engine
    await engine.start()
    job = await make_open_job(runtime)
    [broadcast] = await Broadcast.all()
    assert broadcast.content_id == job.id
    await engine.broadcasts.expand_due()
    assert await engine.sender.drain() == 2
    [push] = fake.to(ADA.conversation_id)
    assert "New job: Data Engineer" in push.text
    assert f"share:job:{job.id}" in [
        a["data"]["action"] for a in push.actions() if a["type"] == "Action.Submit"
    ]
    statuses = {d.employee_id: (d.status.value, d.reason) for d in await Delivery.all()}
    assert statuses[rita.id] == ("failed", "unreachable")
    identity = await ChatIdentity.get(employee_id=rita.id)
    assert identity.active is False


# -- calling the connector -------------------------------------------------------------


async def test_a_throttled_connector_is_retried(teams: TeamsWorld) -> None:
    fake = teams.fake
    await joined(teams)
    fake.throttle += [429, 502]
    assert await teams.post(teams.message(ADA, "help")) == 200
    assert "/jobs" in teams.sent_to(ADA)[0]
    assert [r.split()[0] for r in fake.rejected] == ["429", "502"]

    fake.throttle += [429] * 10  # it gives up after a few tries, and says nothing twice
    assert await teams.post(teams.message(ADA, "help")) == 200
    assert len(teams.sent_to(ADA)) == 1


async def test_a_replayed_activity_gets_one_reply(teams: TeamsWorld) -> None:
    await joined(teams)
    activity = teams.message(ADA, "help")
    for _ in range(3):
        assert await teams.post(activity) == 200  # answered once the turn is over
    assert len(teams.sent_to(ADA)) == 1
