"""The Telegram sender: one message to one chat over the Bot API, for the broadcast
engine and the notices. Errors are classified as `app/broadcasts/sending.py` defines."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from telegram import Bot
from telegram.error import NetworkError, TimedOut

from app.bots.telegram.aiohttp_request import AiohttpRequest
from app.bots.telegram.rendering import MAX_TEXT, keyboard
from app.broadcasts.sending import Refused, SendError, Throttled, Transient, Unreachable
from app.chat.replies import Reply, split_text
from app.people.models import ChatIdentity


class TelegramSender:
    """sendMessage as JSON over the Bot API, answers read as JSON.

    python-telegram-bot's `send_message` builds request objects and parses each answer
    into a `Message` the broadcast never reads: most of its CPU per message, more than
    the whole engine around it. The `Bot` is still here for the token check at start
    (getMe), and the keyboard is PTB's."""

    platform = "telegram"

    def __init__(self, token: str, base_url: str, pool_size: int = 64) -> None:
        base_file = base_url.replace("/bot", "/file/bot", 1)
        self.http = AiohttpRequest(pool_size=pool_size)
        self.bot = Bot(token, base_url=base_url, base_file_url=base_file, request=self.http)
        self.send_url = f"{base_url}{token}/sendMessage"

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()
        await self.http.shutdown()  # also when the bot never started (sends open it)

    def chat_key(self, identity: ChatIdentity) -> str:
        return f"chat:{identity.chat_id or identity.platform_user_id}"

    async def send(self, identity: ChatIdentity, reply: Reply) -> None:
        chat_id = int(identity.chat_id or identity.platform_user_id)
        parts = split_text(reply.text, MAX_TEXT)
        markup = keyboard(reply.buttons)
        for number, part in enumerate(parts):
            payload: dict[str, Any] = {"chat_id": chat_id, "text": part}
            if markup is not None and number == len(parts) - 1:
                payload["reply_markup"] = markup.to_dict()
            try:
                status, body = await self.http.post_json(self.send_url, payload)
            except (TimedOut, NetworkError) as exc:
                raise Transient(str(exc)) from None
            if status != HTTPStatus.OK:
                raise refusal(status, body)


def refusal(status: int, body: bytes) -> SendError:
    """What a Bot API error answer means for the sender (as PTB would classify it)."""
    try:
        answer = json.loads(body)
        description = str(answer.get("description") or status)
        retry_after = (answer.get("parameters") or {}).get("retry_after")
    except (ValueError, AttributeError):
        description, retry_after = f"{status}: {body[:200]!r}", None
    if status == HTTPStatus.TOO_MANY_REQUESTS or retry_after is not None:
        return Throttled(float(retry_after or 1))
    if status == HTTPStatus.FORBIDDEN:  # blocked by the user, kicked from the group
        return Unreachable(description)
    if status == HTTPStatus.BAD_REQUEST and "chat not found" in description.lower():
        return Unreachable(description)
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND):
        return Refused(description)
    return Transient(description)  # other bad requests, 5xx: try again later
