"""The senders of one process: one per configured platform, shared by the notices
(`notify.Notifier`) and the pushes (`engine.PushEngine`).

Any process may have to speak first in a chat: the web process when a recruiter moves a
referral, the worker when a click earns a badge, a CLI command when it publishes. None
of them needs the Telegram poller or the Teams endpoint for that: a Bot API call
(`senders.TelegramSender`) or a proactive Teams message (`teams_sender.TeamsSender`)
is enough. They are built when first needed, from the settings of that moment, so a
process that never speaks imports neither python-telegram-bot's sender nor botbuilder.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.broadcasts.sending import Sender
    from app.runtime import Runtime

log = logging.getLogger(__name__)


class ChatSenders:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._senders: dict[str, Sender] | None = None

    def get(self, platform: str) -> Sender | None:
        return self.all().get(platform)

    def all(self) -> dict[str, Sender]:
        if self._senders is None:
            self._senders = self._configured()
        return self._senders

    def register(self, platform: str, sender: Sender) -> None:
        """Use this sender for the platform (a test's fake, a benchmark's counter)."""
        self.all()[platform] = sender

    def _configured(self) -> dict[str, Sender]:
        settings = self.runtime.settings
        senders: dict[str, Sender] = {}
        if settings.telegram_bot_token:
            from app.bots.telegram.sender import TelegramSender

            senders["telegram"] = TelegramSender(
                settings.telegram_bot_token, settings.telegram_api_base_url
            )
        if settings.teams_app_id or settings.teams_emulator:
            from app.bots.teams.sender import TeamsSender

            senders["teams"] = TeamsSender(self.runtime)
        return senders

    async def aclose(self) -> None:
        for platform, sender in (self._senders or {}).items():
            stop = getattr(sender, "stop", None)
            if stop is None:
                continue
            try:
                await stop()
            except Exception:  # closing one must not keep the others open
                log.exception("closing the %s sender failed", platform)
