"""The broadcast engine's sender for Teams: a push through the stored conversation reference.

Throttling (429/412/502/504) is already retried with backoff inside `TeamsChannel.call`;
what still fails is `Transient`, so the engine tries later without pausing the Telegram
buckets (its `Throttled` is Telegram's bot-wide pause). A conversation the user left
(403/404) is `Unreachable`, and the engine stops writing to that account.
"""

from __future__ import annotations

import logging

from app.bots.teams import TeamsChannel
from app.broadcasts.sending import Transient, Unreachable
from app.chat.conversation import Conversation
from app.chat.replies import Reply
from app.people.models import ChatIdentity
from app.runtime import Runtime

log = logging.getLogger(__name__)


class TeamsSender:
    platform = "teams"

    def __init__(self, runtime: Runtime, channel: TeamsChannel | None = None) -> None:
        """`channel`: the web process's own (one bot token for replies and pushes);
        other processes get one of their own, which never serves /api/messages."""
        self.channel = channel or TeamsChannel(
            Conversation(runtime), runtime.settings, runtime.redis, runtime.clock, runtime.people
        )

    async def start(self) -> None:
        await self.channel.start()

    async def stop(self) -> None:
        await self.channel.stop()

    def chat_key(self, identity: ChatIdentity) -> str:
        return f"teams:{identity.platform_user_id}"

    async def send(self, identity: ChatIdentity, reply: Reply) -> None:
        if not identity.conversation_reference:
            raise Unreachable("no conversation reference: the app was never installed")
        try:
            delivered = await self.channel.push(identity.conversation_reference, [reply])
        except Exception as exc:  # network, throttled after retries, token endpoint down
            log.warning("teams: push to %s failed: %s", identity.platform_user_id, exc)
            raise Transient(str(exc) or type(exc).__name__) from None
        if not delivered:
            raise Unreachable("the conversation is gone")
