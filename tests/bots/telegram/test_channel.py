"""The Telegram bot end to end: python-telegram-bot's real HTTP stack against the fake
Bot API, updates posted to our webhook as Telegram would."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestClient

from app.gamification.models import PointsEntry
from app.people.models import ChatIdentity, Employee, EmployeeStatus
from app.referrals.models import Referral, ReferralStatus, TrackedLink
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.channel_fixtures import TelegramWorld, use_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import AppServer, eventually, make_employee, make_open_job, someone_opens
from tests.web.miniapp_support import open_sign_in_link

ADA = 1001


async def joined(world: TelegramWorld, user_id: int = ADA, **kwargs: object) -> Employee:
    """An employee who used their invite and accepted the policy in Telegram."""
    employee = await make_employee(world.runtime, telegram_id=str(user_id), **kwargs)  # type: ignore[arg-type]
    await world.runtime.policy.accept(employee, "telegram")
    return employee


def buttons(params: dict) -> list[dict]:
    markup = params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_start_configures_webhook_commands_in_two_languages(
    telegram: TelegramWorld,
) -> None:
    [webhook] = telegram.fake.sent("setWebhook")
    assert webhook["url"] == "https://advocacy.test/telegram/webhook"
    assert webhook["secret_token"] == "webhook-secret-for-tests"
    assert set(webhook["allowed_updates"]) >= {"message", "callback_query", "inline_query"}
    commands = telegram.fake.sent("setMyCommands")
    assert {c.get("language_code") for c in commands} == {None, "fr"}
    assert telegram.fake.sent("setChatMenuButton")[0]["menu_button"]["web_app"]["url"] == (
        "https://advocacy.test/app"
    )


async def test_an_invite_links_the_account_and_the_policy_comes_first(
    telegram: TelegramWorld,
) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    assert await telegram.send(fake.message(ADA, f"/start {link.invite.code}")) == 200
    policy, _prompt = await fake.wait_for(2)
    assert policy["text"].startswith("# Social media policy")
    assert buttons(policy)[0]["callback_data"] == "policy:accept"
    identity = await ChatIdentity.get(platform_user_id=str(ADA))
    assert identity.employee_id == ada.id  # type: ignore[attr-defined]
    assert (await Employee.get(id=ada.id)).status == EmployeeStatus.ACTIVE

    await telegram.send(fake.message(ADA, "/jobs"))  # nothing works before accepting
    await fake.wait_for(4)
    assert fake.texts()[2].startswith("# Social media policy")

    await telegram.send(fake.callback(ADA, "policy:accept", message_id=5))
    await fake.wait_for(6)
    assert "Welcome, Ada!" in fake.texts()[-1]
    assert await runtime.policy.has_accepted_current(ada)


async def test_an_unknown_user_is_told_how_to_join_and_can_ask_for_access(
    telegram: TelegramWorld,
) -> None:
    from app.people.models import Report

    fake = telegram.fake
    await telegram.send(fake.message(555, "/start"))
    [hello] = await fake.wait_for(1)
    assert "invitation" in hello["text"]
    await telegram.send(fake.callback(555, "access:request"))
    await telegram.send(fake.message(555, "Zoé, zoe@example.com, Sales"))
    await fake.wait_for(3)
    [request] = await Report.all()
    assert request.text == "Zoé, zoe@example.com, Sales" and request.kind == "access_request"


async def test_sharing_a_job_gives_my_link_for_the_network(telegram: TelegramWorld) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    ada = await joined(telegram)
    job = await make_open_job(runtime, location="Paris")
    await telegram.send(fake.message(ADA, "/jobs"))
    [listing] = await fake.wait_for(1)
    assert buttons(listing)[0]["callback_data"] == f"job:{job.id}"
    await telegram.send(fake.callback(ADA, f"share:job:{job.id}"))
    await telegram.send(fake.callback(ADA, f"net:job:{job.id}:linkedin"))
    shared = await fake.wait_text("Your personal link")
    link = await TrackedLink.get(employee_id=ada.id, channel="linkedin")
    assert f"https://advocacy.test/r/{link.code}" in shared["text"]
    assert "+5 points for this share once someone opens your link." in shared["text"]
    [open_linkedin] = buttons(shared)
    assert open_linkedin["url"].startswith("https://www.linkedin.com/sharing/share-offsite/")
    await ada.refresh_from_db()
    assert ada.points_balance == 10  # the policy: nobody has seen the post yet
    await someone_opens(runtime, link.code)
    await fake.wait_text("New badge: First share!", chat_id=ADA)  # told in the chat
    await ada.refresh_from_db()
    assert ada.points_balance == 10 + 1 + 5 + 10  # policy, the visit, the share, the streak
    # Sharing it again: its points came already, and the message no longer promises them.
    await telegram.send(fake.callback(ADA, f"net:job:{job.id}:x"))

    def two_links() -> list[str]:
        links = [t for t in fake.texts() if "Your personal link" in t]
        return links if len(links) >= 2 else []

    links = await eventually(two_links)
    assert len(links) == 2 and "points" not in links[-1]


async def test_inline_mode_lists_my_cards_and_a_chosen_card_is_a_share(
    telegram: TelegramWorld,
) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    ada = await joined(telegram)
    job = await make_open_job(runtime, "Data Engineer", location="Paris")
    await make_open_job(runtime, "Sales Manager")
    await telegram.send(fake.inline_query(ADA, "data"))
    [answer] = await fake.wait_for(1, "answerInlineQuery")
    [result] = answer["results"]
    link = await TrackedLink.get(employee_id=ada.id, channel="telegram", content_id=job.id)
    assert f"/r/{link.code}" in result["input_message_content"]["message_text"]
    await ada.refresh_from_db()
    assert ada.points_balance == 10  # listing cards is not sharing
    await telegram.send(fake.chosen_inline(ADA, result["id"]))
    shares = PointsEntry.filter(employee_id=ada.id, reason="share")
    await eventually(shares.exists)  # the card in a chat is a share, worth 0 until opened
    assert await shares.values_list("points", flat=True) == [0]
    await someone_opens(runtime, link.code)
    await ada.refresh_from_db()
    assert ada.points_balance == 10 + 1 + 5 + 10


async def test_the_app_command_link_opens_the_signed_in_mini_app(
    telegram: TelegramWorld,
) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    await joined(telegram)
    await telegram.send(fake.message(ADA, "/app"))
    reply = await fake.wait_text("Your personal link")
    [[sign_in], [inside]] = reply["reply_markup"]["inline_keyboard"]
    assert inside["web_app"]["url"] == "https://advocacy.test/app"
    home = await open_sign_in_link(telegram.client, sign_in["url"], "https://advocacy.test")
    assert home["name"] == "Ada Lovelace" and home["balance"] == 10
    assert await runtime.redis.keys("login:*") == []  # spent by the visit


async def test_the_refer_form_with_a_cv(telegram: TelegramWorld) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    await joined(telegram)
    job = await make_open_job(runtime)
    steps = [
        fake.callback(ADA, f"refer:job:{job.id}"),
        fake.message(ADA, "Grace Hopper"),
        fake.message(ADA, "not an email"),
        fake.message(ADA, "grace@navy.example"),
        fake.callback(ADA, "refer:skip"),
        fake.message(ADA, "https://www.linkedin.com/in/grace"),
        fake.document(ADA, "cv.pdf", b"%PDF-1.4 a real enough pdf"),
        fake.message(ADA, "We worked together"),
    ]
    for count, update in enumerate(steps, start=1):
        await telegram.send(update)
        await fake.wait_for(count)
    assert "does not look like an e-mail" in fake.texts()[2]
    summary = fake.sent()[-1]
    assert "Grace Hopper" in summary["text"] and "CV attached" in summary["text"]
    await telegram.send(fake.callback(ADA, "refer:confirm"))
    messages = await fake.wait_for(len(steps) + 1)
    [referral] = await Referral.all()
    assert referral.status == ReferralStatus.PENDING_CONSENT
    assert referral.cv_file and referral.cv_file.endswith(".pdf")
    # The candidate is asked by e-mail; the referrer's chat never carries the link.
    reply = messages[-1]
    assert reply["text"].startswith("Thank you! We e-mailed Grace Hopper (grace@navy.example)")
    assert referral.consent_token and referral.consent_token not in json.dumps(reply)
    assert not buttons(reply)


async def test_a_recruiter_hires_and_the_referrer_hears_it_and_earns(
    telegram: TelegramWorld,
) -> None:
    from app.referrals.intake import CandidateDetails

    runtime, fake = telegram.runtime, telegram.fake
    ada = await joined(telegram)
    from app.people.models import Role

    await joined(telegram, 2002, email="rita@example.com", name="Rita", role=Role.RECRUITER)
    job = await make_open_job(runtime)
    outcome = await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace Hopper", "grace@navy.example")
    )
    assert outcome.referral.consent_token
    await runtime.referrals.consent.give(outcome.referral.consent_token)
    await fake.wait_text("agreed to be referred", chat_id=ADA)
    for status in ("screening", "interview", "offer", "hired"):
        await telegram.send(fake.callback(2002, f"mv:{outcome.referral.id}:{status}"))
    await fake.wait_text("Referral #1 is now hired", chat_id=2002)
    await fake.wait_text("Grace Hopper was hired as Data Engineer", chat_id=ADA)
    await fake.wait_text("New badge: First hire!", chat_id=ADA)
    await ada.refresh_from_db()
    assert ada.points_balance == 10 + 20 + 50 + 100 + 500


async def test_forged_or_missing_secret_is_refused_and_nothing_is_sent(
    telegram: TelegramWorld,
) -> None:
    fake = telegram.fake
    before = len(fake.calls)
    assert await telegram.send(fake.message(ADA, "/help"), secret="wrong") == 403
    response = await telegram.client.post("/telegram/webhook", json=fake.message(ADA, "/help"))
    assert response.status == 403
    await telegram.settled()
    assert len(fake.calls) == before


async def test_a_replayed_update_gets_one_reply(telegram: TelegramWorld) -> None:
    fake = telegram.fake
    await joined(telegram)
    update = fake.message(ADA, "/help")
    for _ in range(3):
        assert await telegram.send(update) == 200
    await telegram.settled()
    assert len(fake.sent()) == 1


async def test_malformed_updates_are_refused_without_a_5xx(telegram: TelegramWorld) -> None:
    for body in (b"{not json", b"[]", b'{"update_id": "x", "message": 5}', b""):
        response = await telegram.client.post(
            "/telegram/webhook",
            data=body,
            headers={
                "X-Telegram-Bot-Api-Secret-Token": "webhook-secret-for-tests",
                "Content-Type": "application/json",
            },
        )
        assert response.status < 500, body


async def test_switching_language(telegram: TelegramWorld) -> None:
    fake = telegram.fake
    ada = await joined(telegram)
    await telegram.send(fake.callback(ADA, "lang:fr"))
    await telegram.send(fake.message(ADA, "/jobs"))
    await fake.wait_for(2)
    assert fake.texts()[0] == "Je parlerai français désormais."
    assert fake.texts()[1] == "Aucune offre ouverte pour vous en ce moment."
    await ada.refresh_from_db()
    assert ada.language == "fr"


async def test_a_429_is_waited_out(telegram: TelegramWorld) -> None:
    fake = telegram.fake
    await joined(telegram)
    fake.throttle.append(1)
    await telegram.send(fake.message(ADA, "/help"))
    await fake.wait_for(1, within=8)
    assert [c.method for c in fake.calls][-2:] == ["sendMessage#429", "sendMessage"]


async def test_redeeming_a_reward_from_the_chat(telegram: TelegramWorld) -> None:
    from app.gamification.models import Redemption
    from app.gamification.shop import RewardDraft

    runtime, fake = telegram.runtime, telegram.fake
    ada = await joined(telegram)  # 10 points for the policy
    await runtime.gamification.adjust(ada.id, 50, "Welcome", by="test")
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=40))
    await telegram.send(fake.message(ADA, "/rewards"))
    shop = await fake.wait_text("You have 60 points")
    assert buttons(shop)[0]["callback_data"] == f"buy:{mug.id}"
    await telegram.send(fake.callback(ADA, f"buy:{mug.id}"))
    confirm = await fake.wait_text("Spend 40 points on Mug?")
    assert buttons(confirm)[0]["callback_data"] == f"buy!:{mug.id}"
    await telegram.send(fake.callback(ADA, f"buy!:{mug.id}"))
    await fake.wait_text("An admin will approve it soon")
    [redemption] = await Redemption.all()
    assert redemption.employee_id == ada.id
    await ada.refresh_from_db()
    assert ada.points_balance == 20
    await telegram.send(fake.callback(ADA, f"buy!:{mug.id}"))  # not enough left
    await fake.wait_text("You do not have enough points for this.")
    assert await Redemption.all().count() == 1


async def test_polling_mode_reads_updates_from_get_updates(
    settings: Settings, runtime: Runtime, fake: FakeTelegram
) -> None:
    use_telegram(settings, fake)  # no secret: long polling
    ada = await make_employee(runtime, telegram_id=str(ADA))
    await runtime.policy.accept(ada, "telegram")
    fake.updates.append(fake.message(ADA, "/help"))
    async with TestClient(AppServer(create_app(settings, runtime))):
        await fake.wait_text("/jobs", within=10)
        assert fake.sent("setWebhook") == []
        assert fake.sent("getUpdates")


async def test_a_document_is_fetched_only_when_the_refer_form_takes_a_cv(
    telegram: TelegramWorld,
) -> None:
    runtime, fake = telegram.runtime, telegram.fake
    await joined(telegram)
    await telegram.send(fake.document(ADA, "cv.pdf", b"%PDF-1.4 sent out of the blue"))
    await fake.wait_for(1, "sendMessage")
    assert fake.sent("getFile") == []  # no form wants a file: nothing downloaded
    job = await make_open_job(runtime)
    runtime.settings.cv_max_bytes = 1024 * 1024
    steps = [
        fake.callback(ADA, f"refer:job:{job.id}"),
        fake.message(ADA, "Grace Hopper"),
        fake.message(ADA, "grace@navy.example"),
        fake.callback(ADA, "refer:skip"),
        fake.callback(ADA, "refer:skip"),
        fake.document(ADA, "cv.pdf", b"%PDF-1.4" + bytes(2 * 1024 * 1024)),
    ]
    for update in steps:
        await telegram.send(update)
    await fake.wait_text("The CV is larger than 1 MB.", chat_id=ADA)
    assert fake.sent("getFile") == []  # refused by its declared size, before any download
