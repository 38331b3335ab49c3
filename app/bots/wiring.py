"""Starting the chat channels with the web app: the conversation core, Telegram when its
token is set, Teams when its app id is. (The notices and the pushes on publication are
reactions of every process: app/reactions.py.)"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from app.bots.teams import TeamsChannel
from app.bots.teams.sender import TeamsSender
from app.bots.telegram.channel import TelegramChannel
from app.chat.conversation import Conversation
from app.chat.notify import Notifier
from app.http.errors import error_response
from app.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass
class Bots:
    conversation: Conversation
    notifier: Notifier
    telegram: TelegramChannel | None = None
    teams: TeamsChannel | None = None
    extra: dict[str, object] = field(default_factory=dict)


BOTS = web.AppKey("bots", Bots)
RUNTIME = web.AppKey("runtime", Runtime)  # set by the composition root (app.server)


async def bots_ctx(app: web.Application) -> AsyncIterator[None]:
    runtime = app[RUNTIME]
    conversation = Conversation(runtime)
    bots = Bots(conversation, runtime.reactors.notifier)
    if runtime.settings.telegram_bot_token:
        bots.telegram = TelegramChannel(runtime, conversation)
        await bots.telegram.start()
        mode = "webhook" if bots.telegram.webhook else "polling"
        log.info("telegram bot started (%s)", mode)
    if runtime.settings.teams_app_id or runtime.settings.teams_emulator:
        bots.teams = TeamsChannel(runtime, conversation)
        await bots.teams.start()
        # Notices and pushes from this process go through the same channel (one token).
        runtime.reactors.senders.register("teams", TeamsSender(runtime, bots.teams))
        log.info("teams bot ready on /api/messages (%s)", bots.teams.mode)
    app[BOTS] = bots
    try:
        yield
    finally:
        if bots.telegram is not None:
            await bots.telegram.stop()
        if bots.teams is not None:
            await bots.teams.stop()


async def telegram_webhook(request: web.Request) -> web.StreamResponse:
    bots = request.app.get(BOTS)
    if bots is None or bots.telegram is None or not bots.telegram.webhook:
        return error_response(404, "not_configured", "Telegram webhook mode is not configured.")
    return await bots.telegram.webhook_view(request)


async def teams_messages(request: web.Request) -> web.StreamResponse:
    bots = request.app.get(BOTS)
    if bots is None or bots.teams is None:
        return error_response(404, "not_configured", "The Teams bot is not configured.")
    return await bots.teams.messages_view(request)


def install(app: web.Application) -> None:
    app.cleanup_ctx.append(bots_ctx)
    app.router.add_post("/telegram/webhook", telegram_webhook)
    app.router.add_post("/api/messages", teams_messages)
