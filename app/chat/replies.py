"""Platform-neutral chat vocabulary: who is talking, what they asked, what we answer.

The conversation core speaks only these types; each channel (Telegram, Teams, the
terminal) translates them to and from its own API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.errors import DomainError

IntentKind = Literal["command", "action", "text", "document", "inline_query", "inline_chosen"]


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show beyond text and action buttons. Each channel declares its
    own; the core asks these, never which platform it talks to."""

    inline_share: bool = False  # a button that picks a chat and inserts an inline search
    web_app: bool = False  # a button that opens the mini app inside the chat client
    inline_channel: str = ""  # the share channel of a card inserted by an inline search


@dataclass(frozen=True)
class ChatUser:
    platform: str  # the identity's namespace: "telegram" | "teams" | "console"
    user_id: str
    chat_id: str | None = None
    name: str = ""
    language: str | None = None  # what the client says (Telegram language_code)
    conversation_reference: dict[str, Any] | None = None  # Teams, to speak first later
    can: Capabilities = Capabilities()  # what the channel this user speaks through shows


@dataclass(frozen=True)
class Upload:
    """A file the user sent (a CV). Nothing is downloaded until a step of the core takes
    it (`open()` streams it): the channel knows where the file lives, the core decides
    whether anyone may send one now, so a stranger's file, or one sent outside the
    referral form, is never fetched."""

    name: str
    open: Callable[[], AsyncIterator[bytes]]

    @classmethod
    def of(cls, name: str, content: bytes) -> Upload:
        """A file already in memory (the terminal reads it from disk)."""

        async def chunks() -> AsyncIterator[bytes]:
            yield content

        return cls(name, chunks)


class UploadUnavailable(DomainError):
    """The channel could not (or would not) fetch the file: say so, let them retry."""

    def __init__(self) -> None:
        super().__init__("I could not fetch that file. Send it again, or Skip.")


@dataclass(frozen=True)
class Intent:
    kind: IntentKind
    name: str = ""  # the command, or the action of a button
    args: str = ""  # the command's argument, the button's payload, or the text typed
    upload: Upload | None = None


@dataclass(frozen=True)
class Button:
    label: str
    action: str | None = None  # comes back as Intent("action", ...)
    url: str | None = None  # opens a link
    switch_inline: str | None = None  # Telegram: pick a chat and insert an inline query
    web_app: str | None = None  # opens the mini app inside the chat client


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    title: str = ""  # with `image_url`, channels may render a card
    image_url: str = ""
    edit: bool = False  # replace the message the button was on, rather than add one


@dataclass(frozen=True)
class InlineResult:
    """One card of an inline (Telegram) or messaging-extension (Teams) search."""

    id: str
    title: str
    description: str
    text: str
    url: str
    buttons: list[list[Button]] = field(default_factory=list)


def split_text(text: str, limit: int) -> list[str]:
    """`text` in parts of at most `limit` characters (a channel's message size), cut at
    a line break where one is in the second half of the part."""
    parts: list[str] = []
    rest = text or "…"
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    parts.append(rest)
    return parts
