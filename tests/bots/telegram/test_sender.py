"""The Telegram sender against the fake Bot API: what it posts, and what each refusal
means for the broadcast engine (try later, stop writing to the chat, or stop at all)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

from app.bots.telegram.sender import TelegramSender, refusal
from app.broadcasts.sending import Refused, Throttled, Transient, Unreachable
from app.chat.replies import Button, Reply
from app.people.models import ChatIdentity, Platform
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def sender(fake: FakeTelegram) -> AsyncIterator[TelegramSender]:
    telegram = TelegramSender(fake.token, fake.base_url)
    await telegram.start()
    yield telegram
    await telegram.stop()


def chat(chat_id: int) -> ChatIdentity:
    return ChatIdentity(platform=Platform.TELEGRAM, platform_user_id=str(chat_id), chat_id=None)


async def test_a_long_text_goes_in_parts_with_the_buttons_under_the_last(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    text = "\n".join(f"Line {n} " + "x" * 90 for n in range(60))  # about 6,000 characters
    await sender.send(chat(5001), Reply(text, buttons=[[Button("Share", action="share:1")]]))
    first, last = fake.sent("sendMessage")
    assert first["chat_id"] == last["chat_id"] == 5001
    assert first["text"] + "\n" + last["text"] == text
    assert "reply_markup" not in first
    assert last["reply_markup"] == {
        "inline_keyboard": [[{"text": "Share", "callback_data": "share:1"}]]
    }


async def test_a_429_says_how_long_to_wait(fake: FakeTelegram, sender: TelegramSender) -> None:
    fake.throttle.append(7)
    with pytest.raises(Throttled) as caught:
        await sender.send(chat(5001), Reply("Hi"))
    assert caught.value.retry_after == 7.0
    assert fake.sent("sendMessage") == []


async def test_a_user_who_blocked_the_bot_is_unreachable(
    fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.blocked.add(5001)
    with pytest.raises(Unreachable):
        await sender.send(chat(5001), Reply("Hi"))


async def test_a_wrong_token_stops_the_sender_rather_than_each_delivery(
    fake: FakeTelegram,
) -> None:
    wrong = TelegramSender("999:WRONG", fake.base_url)  # not started: getMe would refuse
    try:
        with pytest.raises(Refused):
            await wrong.send(chat(5001), Reply("Hi"))
    finally:
        await wrong.stop()


async def test_an_unreachable_server_is_transient(fake: FakeTelegram) -> None:
    gone = TelegramSender(fake.token, "http://127.0.0.1:9/bot")  # nothing listens there
    try:
        with pytest.raises(Transient):
            await gone.send(chat(5001), Reply("Hi"))
    finally:
        await gone.stop()


@pytest.mark.parametrize(
    ("status", "answer", "meaning"),
    [
        (400, {"description": "Bad Request: chat not found"}, Unreachable),
        (400, {"description": "Bad Request: message text is empty"}, Transient),
        (403, {"description": "Forbidden: bot was kicked from the group chat"}, Unreachable),
        (429, {"parameters": {"retry_after": 3}}, Throttled),
        (502, {"description": "Bad Gateway"}, Transient),
        (401, {"description": "Unauthorized"}, Refused),
    ],
)
def test_each_refusal_means_what_telegram_meant(
    status: int, answer: dict[str, object], meaning: type[Exception]
) -> None:
    assert type(refusal(status, json.dumps({"ok": False, **answer}).encode())) is meaning


def test_an_answer_that_is_not_json_is_still_classified() -> None:
    assert isinstance(refusal(502, b"<html>Bad Gateway</html>"), Transient)
