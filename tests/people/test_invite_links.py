"""Invite deep links open the operator's own bot: TELEGRAM_BOT_USERNAME, else the name
Telegram gives for TELEGRAM_BOT_TOKEN (getMe, asked once and shared through Redis), else
no link and a clear reason, never somebody else's bot."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient

from app.bots.telegram.name import TelegramBotName
from app.runtime import Runtime
from app.settings import Settings
from tests.channel_fixtures import use_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import make_employee
from tests.test_cli import portevoix


@pytest.fixture
def fake(fake: FakeTelegram) -> FakeTelegram:
    """The shared fake Bot API, as the company's bot (the name in the t.me links)."""
    fake.username = "AcmeAdvocacyBot"
    return fake


def with_bot(settings: Settings, fake: FakeTelegram) -> None:
    use_telegram(settings, fake)


async def test_without_a_token_there_is_no_link_and_the_reason_says_what_to_set(
    runtime: Runtime,
) -> None:
    ada = await make_employee(runtime, language="fr")
    link = await runtime.people.invite(ada.id)
    assert link.telegram_link is None
    assert "TELEGRAM_BOT_TOKEN is not set" in link.telegram.missing
    assert "TELEGRAM_BOT_USERNAME" in link.telegram.missing
    message = link.message("Acme")
    assert link.invite.code in message and "t.me" not in message
    assert message.startswith("Bonjour Ada Lovelace")


async def test_the_name_comes_from_get_me_once_and_is_shared_through_redis(
    runtime: Runtime, settings: Settings, fake: FakeTelegram
) -> None:
    with_bot(settings, fake)
    ada = await make_employee(runtime)
    first = await runtime.people.invite(ada.id)
    second = await runtime.people.invite(ada.id)
    assert first.telegram_link == f"https://t.me/AcmeAdvocacyBot?start={first.invite.code}"
    assert second.telegram_link == f"https://t.me/AcmeAdvocacyBot?start={second.invite.code}"
    assert len(fake.sent("getMe")) == 1
    assert str(first.telegram_link) in first.message("Acme")
    another_process = TelegramBotName(settings, runtime.redis)  # same Redis, fresh memory
    assert (await another_process.resolve()).username == "AcmeAdvocacyBot"
    assert len(fake.sent("getMe")) == 1


async def test_the_configured_username_wins_without_asking_telegram(
    runtime: Runtime, settings: Settings, fake: FakeTelegram
) -> None:
    with_bot(settings, fake)
    settings.telegram_bot_username = "@OurOwnBot"
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    assert link.telegram_link == f"https://t.me/OurOwnBot?start={link.invite.code}"
    assert fake.sent("getMe") == []


async def test_a_refused_token_gives_no_link_asked_once_a_minute_until_fixed(
    runtime: Runtime, settings: Settings, fake: FakeTelegram
) -> None:
    with_bot(settings, fake)
    settings.telegram_bot_token = "999:WRONG"
    ada = await make_employee(runtime)
    link = await runtime.people.invite(ada.id)
    assert link.telegram_link is None
    assert (
        "HTTP 401" in link.telegram.missing and "check TELEGRAM_BOT_TOKEN" in link.telegram.missing
    )
    for _ in range(5):  # an import inviting many people does not ask for each of them
        assert (await runtime.people.invite(ada.id)).telegram_link is None
    assert fake.sent("getMe#401") and len(fake.calls) == 1
    settings.telegram_bot_token = fake.token  # fixed: nothing wrong was kept for this token
    assert (await runtime.people.invite(ada.id)).telegram_link is not None


async def test_the_api_says_why_an_invite_has_no_telegram_link(
    client: TestClient, runtime: Runtime, admin_headers: dict
) -> None:
    ada = await make_employee(runtime)
    response = await client.post(f"/api/v1/employees/{ada.id}/invites", headers=admin_headers)
    body = await response.json()
    assert response.status == 201 and body["telegram_link"] is None
    assert "TELEGRAM_BOT_TOKEN" in body["telegram_link_missing"]
    [pending] = await (await client.get("/api/v1/invites", headers=admin_headers)).json()
    assert pending["telegram_link"] is None and pending["telegram_link_missing"]


async def test_the_invite_command_prints_the_operators_bot_or_what_is_missing(
    runtime: Runtime, settings: Settings, fake: FakeTelegram
) -> None:
    alone = portevoix("invite", "zoe@example.com", "--name", "Zoé", settings=settings)
    assert alone.returncode == 0, alone.stderr
    assert "t.me/" not in alone.stdout
    assert "Telegram: no link: TELEGRAM_BOT_TOKEN is not set" in alone.stdout
    listing = portevoix("invites", settings=settings)
    assert "t.me/" not in listing.stdout and "code " in listing.stdout
    assert "no Telegram links: TELEGRAM_BOT_TOKEN is not set" in listing.stderr

    bot = {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}
    # In a thread: the fake Bot API answers on this test's event loop.
    again = await asyncio.to_thread(
        portevoix, "invite", "zoe@example.com", "--name", "Zoé", settings=settings, env=bot
    )
    assert again.returncode == 0, again.stderr
    assert "Telegram: https://t.me/AcmeAdvocacyBot?start=" in again.stdout
    exported = await asyncio.to_thread(
        portevoix, "invites", "--format", "csv", settings=settings, env=bot
    )
    assert "https://t.me/AcmeAdvocacyBot?start=" in exported.stdout
    assert "PorteVoixBot" not in alone.stdout + again.stdout + exported.stdout
