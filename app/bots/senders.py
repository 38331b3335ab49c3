"""Sending one message to one chat account, for the broadcast engine and notifications.

Each platform's sender classifies what went wrong, so the engine knows whether to retry
later (`Transient`, `Throttled`), or to give up and stop writing to that chat
(`Unreachable`: the user blocked the bot, the chat is gone).
"""

from __future__ import annotations

from typing import Protocol

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from app.bots.aiohttp_request import AiohttpRequest
from app.bots.replies import Reply
from app.bots.telegram import keyboard, split_text
from app.people.models import ChatIdentity


class SendError(Exception):
    pass


class Transient(SendError):
    """Try again later (network, 5xx)."""


class Throttled(SendError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


class Unreachable(SendError):
    """The chat cannot receive messages any more."""


class Sender(Protocol):
    platform: str

    def chat_key(self, identity: ChatIdentity) -> str:
        """Which rate-limit bucket the chat belongs to."""
        ...

    async def send(self, identity: ChatIdentity, reply: Reply) -> None: ...


class TelegramSender:
    platform = "telegram"

    def __init__(self, token: str, base_url: str, pool_size: int = 64) -> None:
        base_file = base_url.replace("/bot", "/file/bot", 1)
        request = AiohttpRequest(pool_size=pool_size)
        self.bot = Bot(token, base_url=base_url, base_file_url=base_file, request=request)

    async def start(self) -> None:
        await self.bot.initialize()

    async def stop(self) -> None:
        await self.bot.shutdown()

    def chat_key(self, identity: ChatIdentity) -> str:
        return f"chat:{identity.chat_id or identity.platform_user_id}"

    async def send(self, identity: ChatIdentity, reply: Reply) -> None:
        chat_id = int(identity.chat_id or identity.platform_user_id)
        parts = split_text(reply.text)
        try:
            for number, part in enumerate(parts):
                last = number == len(parts) - 1
                await self.bot.send_message(
                    chat_id, part, reply_markup=keyboard(reply.buttons) if last else None
                )
        except RetryAfter as exc:
            wait = exc.retry_after
            raise Throttled(
                float(wait if isinstance(wait, int | float) else wait.total_seconds())
            ) from None
        except Forbidden as exc:
            raise Unreachable(str(exc)) from None
        except BadRequest as exc:
            if "chat not found" in str(exc).lower():
                raise Unreachable(str(exc)) from None
            raise Transient(str(exc)) from None
        except (TimedOut, NetworkError) as exc:
            raise Transient(str(exc)) from None
