"""What each kind of Teams activity does (`app/bots/teams/bot.py`): installing links the person
and the policy comes first, another tenant gets one refusal, messages and card submits drive
the conversation (sharing, referring, the shop), the messaging extension inserts my link and
counts a share, and uninstalling stops notifications.
"""

from __future__ import annotations

import json

from app.people.models import ChatIdentity, Employee, EmployeeStatus, Platform, Role
from app.referrals.models import Referral, ReferralStatus, TrackedLink
from tests.bots.teams_support import ADA, RITA, STRANGER, TeamsWorld, _bots_key, joined, submits
from tests.fakes.teams_connector import TENANT
from tests.helpers import make_employee, make_open_job, someone_opens
from tests.web.miniapp_support import open_sign_in_link

# -- joining ---------------------------------------------------------------------------


async def test_install_links_by_roster_email_and_the_policy_comes_first(
    teams: TeamsWorld,
) -> None:
    runtime, fake = teams.runtime, teams.fake
    ada = await make_employee(runtime)
    fake.members[ADA.id] = fake.member(ADA)

    assert await teams.post(teams.install(ADA)) == 200

    policy, prompt = fake.to(ADA.conversation_id)
    assert "Social media policy" in policy.text
    assert {"type": "Action.Submit", "title": "I accept", "data": {"action": "policy:accept"}} in (
        policy.actions()
    )
    assert "accept the social media policy" in prompt.text
    identity = await ChatIdentity.get(platform=Platform.TEAMS)
    assert identity.employee_id == ada.id  # type: ignore[attr-defined]
    assert identity.platform_user_id == f"{TENANT}:{ADA.aad_object_id}"
    assert identity.conversation_reference is not None
    assert identity.conversation_reference["serviceUrl"] == fake.url
    assert identity.conversation_reference["conversation"]["id"] == ADA.conversation_id
    assert (await Employee.get(id=ada.id)).status == EmployeeStatus.ACTIVE
    assert fake.token_requests[0]["scope"] == "https://api.botframework.com/.default"
    assert not fake.rejected  # every call carried the bot's token

    await teams.post(teams.message(ADA, "jobs"))  # nothing works before accepting
    assert "Social media policy" in teams.sent_to(ADA)[2]

    await teams.post(teams.click(ADA, "policy:accept", on=policy.id))
    thanks, welcome = fake.to(ADA.conversation_id)[-2:]
    assert (thanks.method, thanks.reply_to) == ("PUT", policy.id)  # the card is replaced
    assert thanks.text == "Thank you! You can share now."
    assert "Welcome, Ada!" in welcome.text and welcome.method == "POST"
    assert await runtime.policy.has_accepted_current(ada)


async def test_someone_outside_the_roster_joins_with_an_invite_code(teams: TeamsWorld) -> None:
    runtime, fake = teams.runtime, teams.fake
    ada = await make_employee(runtime, "ada.private@example.org")
    await teams.post(teams.message(ADA, "hello"))  # the roster says ada@example.com: no match
    [hello] = teams.sent_to(ADA)
    assert "invitation" in hello
    assert await ChatIdentity.all().count() == 0

    link = await runtime.people.invite(ada.id)
    await teams.post(teams.message(ADA, link.invite.code))
    assert "Social media policy" in teams.sent_to(ADA)[1]
    identity = await ChatIdentity.get(platform=Platform.TEAMS)
    assert identity.employee_id == ada.id  # type: ignore[attr-defined]
    assert identity.conversation_reference is not None
    assert not fake.rejected


async def test_another_tenant_gets_one_refusal_and_nothing_else(teams: TeamsWorld) -> None:
    runtime, fake = teams.runtime, teams.fake
    await make_employee(runtime, STRANGER.email)
    fake.members[STRANGER.id] = fake.member(STRANGER)
    assert await teams.post(teams.install(STRANGER)) == 200
    assert await teams.post(teams.message(STRANGER, "jobs")) == 200
    texts = teams.sent_to(STRANGER)
    assert len(texts) == 2
    assert all("only for the employees of" in text for text in texts)
    assert await ChatIdentity.all().count() == 0
    query = fake.activity(
        "compose_extension_query",
        **{"from": STRANGER.account()},
        conversation=STRANGER.conversation("groupChat"),
        channelData=STRANGER.channel_data(),
    )
    assert await teams.post(query) == 403
    assert len(fake.sent) == 2


async def test_the_refusal_speaks_the_client_language(teams: TeamsWorld) -> None:
    await teams.post(teams.message(STRANGER, "bonjour") | {"locale": "fr-FR"})
    assert teams.sent_to(STRANGER) == ["Ce bot est réservé au personnel de Porte-voix Demo."]


# -- sharing ---------------------------------------------------------------------------


async def test_sharing_a_job_gives_my_link_for_the_network(teams: TeamsWorld) -> None:
    runtime = teams.runtime
    ada = await joined(teams)
    job = await make_open_job(runtime, location="Paris")
    await teams.post(teams.message(ADA, "jobs"))
    assert f"job:{job.id}" in submits(teams, ADA)

    await teams.post(teams.click(ADA, f"job:{job.id}"))
    assert f"share:job:{job.id}" in submits(teams, ADA)
    assert f"refer:job:{job.id}" in submits(teams, ADA)
    await teams.post(teams.click(ADA, f"share:job:{job.id}"))
    assert f"net:job:{job.id}:linkedin" in submits(teams, ADA)
    await teams.post(teams.click(ADA, f"net:job:{job.id}:linkedin"))

    shared = teams.fake.to(ADA.conversation_id)[-1]
    link = await TrackedLink.get(employee_id=ada.id, channel="linkedin")
    assert f"https://advocacy.test/r/{link.code}" in shared.text
    [open_linkedin] = shared.actions()
    assert open_linkedin["type"] == "Action.OpenUrl"
    assert open_linkedin["url"].startswith("https://www.linkedin.com/sharing/share-offsite/")
    assert "+5 points for this share once someone opens your link." in shared.text
    await ada.refresh_from_db()
    assert ada.points_balance == 10  # the policy: nobody has seen the post yet
    await someone_opens(runtime, link.code)
    await ada.refresh_from_db()
    assert ada.points_balance == 10 + 1 + 5 + 10  # policy, the visit, the share, the streak
    assert len(teams.fake.token_requests) == 1  # the bot's token is reused until it expires


async def test_the_messaging_extension_inserts_my_teams_link_and_counts_a_share(
    teams: TeamsWorld,
) -> None:
    runtime, fake = teams.runtime, teams.fake
    ada = await joined(teams)
    job = await make_open_job(runtime, "Data Engineer", location="Paris")
    await make_open_job(runtime, "Sales Manager")
    group = {"conversation": ADA.conversation("groupChat") | {"id": "19:friends@thread.v2"}}

    answer = await teams.invoke(
        fake.activity("compose_extension_query", **{"from": ADA.account()}, **group)
    )
    result = answer["composeExtension"]
    assert result["type"] == "result" and result["attachmentLayout"] == "list"
    [item] = result["attachments"]
    link = await TrackedLink.get(employee_id=ada.id, channel="teams", content_id=job.id)
    assert f"/r/{link.code}" in json.dumps(item["content"])
    assert item["preview"]["content"]["tap"]["value"] == {"id": f"job:{job.id}"}
    await ada.refresh_from_db()
    assert ada.points_balance == 10  # listing cards is not sharing

    nothing = await teams.invoke(
        fake.activity(
            "compose_extension_query",
            **{"from": ADA.account()},
            value={"commandId": "searchContent", "parameters": [{"name": "q", "value": "zzz"}]},
            **group,
        )
    )
    assert nothing["composeExtension"] == {
        "type": "message",
        "text": "Nothing matches; try other words.",
    }

    chosen = await teams.invoke(
        fake.activity(
            "compose_extension_select_item",
            **{"from": ADA.account()},
            value={"id": f"job:{job.id}"},
            **group,
        )
    )
    [card] = chosen["composeExtension"]["attachments"]
    assert f"/r/{link.code}" in json.dumps(card["content"])
    await ada.refresh_from_db()
    assert ada.points_balance == 10  # a share, worth its points once someone opens it
    await someone_opens(runtime, link.code)
    await ada.refresh_from_db()
    assert ada.points_balance == 10 + 1 + 5 + 10
    # the group chat is not Ada's conversation with the bot: her reference is untouched
    identity = await ChatIdentity.get(platform=Platform.TEAMS)
    assert identity.conversation_reference["conversation"]["id"] == ADA.conversation_id  # type: ignore[index]


async def test_the_messaging_extension_asks_newcomers_to_join_in_the_chat_first(
    teams: TeamsWorld,
) -> None:
    await make_open_job(teams.runtime)
    answer = await teams.invoke(
        teams.fake.activity("compose_extension_query", **{"from": ADA.account()})
    )
    assert answer["composeExtension"]["type"] == "message"
    assert "join and accept the policy" in answer["composeExtension"]["text"]
    assert await TrackedLink.all().count() == 0


# -- referring -------------------------------------------------------------------------


async def test_the_refer_card_is_checked_like_the_chat_form(teams: TeamsWorld) -> None:
    runtime = teams.runtime
    await joined(teams)
    job = await make_open_job(runtime)
    await teams.post(teams.click(ADA, f"refer:job:{job.id}"))
    form = teams.fake.to(ADA.conversation_id)[-1].card()
    inputs = {e["id"]: e for e in form["body"] if e["type"].startswith("Input.")}
    assert set(inputs) == {"job", "name", "email", "phone", "linkedin", "note"}
    assert inputs["job"]["value"] == str(job.id)

    answers = {"job": str(job.id), "name": "Grace Hopper", "email": "not an email"}
    await teams.post(teams.click(ADA, "refer:form", **answers))
    again = teams.fake.to(ADA.conversation_id)[-1]
    assert "does not look like an e-mail" in again.text
    refilled = {e["id"]: e.get("value") for e in again.card()["body"] if "id" in e}
    assert refilled["name"] == "Grace Hopper"
    assert await Referral.all().count() == 0

    answers |= {"email": "grace@navy.example", "note": "We worked together", "phone": ""}
    await teams.post(teams.click(ADA, "refer:form", **answers))
    [referral] = await Referral.all()
    assert referral.status == ReferralStatus.PENDING_CONSENT
    assert referral.note == "We worked together"
    done = teams.fake.to(ADA.conversation_id)[-1]
    assert "We e-mailed Grace Hopper (grace@navy.example) a link to agree" in done.text
    assert referral.consent_token and referral.consent_token not in json.dumps(done.activity)
    assert not done.actions()


async def test_the_step_by_step_form_works_in_teams_too(teams: TeamsWorld) -> None:
    runtime = teams.runtime
    await joined(teams)
    job = await make_open_job(runtime)
    await teams.post(teams.click(ADA, "refer:steps"))
    assert f"refer:job:{job.id}" in submits(teams, ADA)
    steps = [
        teams.click(ADA, f"refer:job:{job.id}"),  # in the chat form: no card this time
        teams.message(ADA, "Grace Hopper"),
        teams.message(ADA, "grace@navy.example"),
        teams.click(ADA, "refer:skip"),
        teams.click(ADA, "refer:skip"),
        teams.click(ADA, "refer:skip"),
        teams.message(ADA, "Navy"),
        teams.click(ADA, "refer:confirm"),
    ]
    for step in steps:
        assert await teams.post(step) == 200
    assert "full name" in teams.sent_to(ADA)[1]
    [referral] = await Referral.all()
    assert referral.status == ReferralStatus.PENDING_CONSENT
    assert referral.note == "Navy"


async def test_a_recruiter_moves_a_referral_from_the_cards(teams: TeamsWorld) -> None:
    from app.referrals.intake import CandidateDetails

    runtime = teams.runtime
    ada = await joined(teams)
    await joined(teams, RITA, role=Role.RECRUITER)
    job = await make_open_job(runtime)
    outcome = await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace Hopper", "grace@navy.example")
    )
    assert outcome.referral.consent_token
    await runtime.referrals.consent.give(outcome.referral.consent_token)
    await teams.post(teams.message(RITA, "/referrals"))
    move = f"mv:{outcome.referral.id}:screening"
    assert move in submits(teams, RITA)
    await teams.post(teams.click(RITA, move))
    assert "Recruiters are reviewing Grace Hopper" in teams.sent_to(ADA)[-1]
    referral = await Referral.get(id=outcome.referral.id)
    assert referral.status == ReferralStatus.SCREENING


async def test_the_app_command_link_opens_the_signed_in_mini_app(teams: TeamsWorld) -> None:
    await joined(teams)
    await teams.post(teams.message(ADA, "app"))
    [sign_in] = teams.fake.to(ADA.conversation_id)[-1].actions()
    assert sign_in["type"] == "Action.OpenUrl"
    home = await open_sign_in_link(teams.client, sign_in["url"], "https://advocacy.test")
    assert home["name"] == ADA.name
    again = await teams.client.get(sign_in["url"].removeprefix("https://advocacy.test"))
    assert again.status == 410  # the link works once


# -- the shop --------------------------------------------------------------------------


async def test_redeeming_a_reward_from_a_card(teams: TeamsWorld) -> None:
    from app.gamification.ledger import Award
    from app.gamification.shop import RewardDraft

    runtime = teams.runtime
    ada = await joined(teams)
    await runtime.gamification.ledger.award(
        Award(ada.id, 200, "adjustment", "test", "seed:ada", runtime.clock.now(), note="test")
    )
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=50))
    await teams.post(teams.message(ADA, "rewards"))
    assert f"buy:{mug.id}" in submits(teams, ADA)
    await teams.post(teams.click(ADA, f"buy:{mug.id}"))
    assert f"buy!:{mug.id}" in submits(teams, ADA)
    await teams.post(teams.click(ADA, f"buy!:{mug.id}"))
    assert "Done!" in teams.sent_to(ADA)[-1]
    await ada.refresh_from_db()
    assert ada.points_balance == 10 + 200 - 50


# -- leaving ---------------------------------------------------------------------------


async def test_uninstalling_stops_notifications_and_reinstalling_links_again(
    teams: TeamsWorld,
) -> None:
    ada = await joined(teams)
    removal = teams.install(ADA) | {"type": "installationUpdate", "action": "remove"}
    del removal["membersAdded"]
    assert await teams.post(removal) == 200
    identity = await ChatIdentity.get(platform=Platform.TEAMS)
    assert identity.active is False
    bots = teams.client.app[_bots_key()]
    assert await bots.notifier.tell(ada.id, lambda _language: "Hello") == 0
    assert teams.fake.sent == []

    assert await teams.post(teams.install(ADA)) == 200
    await identity.refresh_from_db()
    assert identity.active is True
    assert "Welcome, Ada!" in teams.sent_to(ADA)[-1]
