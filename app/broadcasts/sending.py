"""Sending one message to one chat account: the protocol every channel's sender meets,
and what can go wrong, classified so the broadcast engine knows whether to retry later
(`Transient`, `Throttled`), or to give up and stop writing to that chat (`Unreachable`:
the user blocked the bot, the chat is gone). The channels implement it
(`app/bots/telegram/sender.py`, `app/bots/teams/sender.py`).
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from app.people.models import ChatIdentity

# What a sender sends: the channels send the chat core's `Reply`; this domain never
# looks inside a message, it only carries it from a renderer to a sender.
Message = TypeVar("Message", contravariant=True)


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


class Sender(Protocol[Message]):
    platform: str

    def chat_key(self, identity: ChatIdentity) -> str:
        """Which rate-limit bucket the chat belongs to."""
        ...

    async def send(self, identity: ChatIdentity, message: Message, /) -> None: ...


class Senders(Protocol[Message]):
    """The process's sender for each platform (`app/bots/chat_senders.py`), None for a
    platform it does not speak on."""

    def get(self, platform: str, /) -> Sender[Message] | None: ...


class Refused(SendError):
    """The Bot API refused the bot itself (a wrong token): no message can go, so this
    is not caught per delivery; the batch fails loudly and its leases expire."""
