"""A message prepared for a chat user to send into a chat of their choice: the neutral
words that the mini app (`app.web.miniapp_jobs`) and the channel that stores it
(`app.bots.telegram.prepared`, Telegram's `savePreparedInlineMessage`) share, so that the
web layer depends on this protocol, not on a channel. The composition root
(`app.server`) hands the web layer the channel's implementation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from app.settings import Settings


class PreparedMessageRefused(Exception):
    """The message was not stored (not configured, unreachable, or refused)."""


@dataclass(frozen=True)
class Article:
    """The card that goes into the chat: a text with the link, and a button to open it."""

    id: str
    title: str
    description: str
    text: str
    button: str
    url: str


@dataclass(frozen=True)
class PreparedMessage:
    id: str
    expiration_date: int  # Unix time, as the platform gives it


class SavePreparedMessage(Protocol):
    """Stores `article` for the chat user `user_id` to send (PreparedMessageRefused if
    it cannot); `settings` are read at each call (the bot token may change)."""

    async def __call__(
        self, settings: Settings, user_id: int, article: Article
    ) -> PreparedMessage: ...
