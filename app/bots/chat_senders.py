"""The senders of one process: one per configured platform, shared by the notices
(`app/chat/notify.py`) and the pushes (`app/worker/engine.py`); the composition root
(`app/runtime.py`) builds one `ChatSenders` per process and gives it to both.

Any process may have to speak first in a chat: the web process when a recruiter moves a
referral, the worker when a click earns a badge, a CLI command when it publishes. None
of them needs the Telegram poller or the Teams endpoint for that: a Bot API call
(`telegram.sender.TelegramSender`) or a proactive Teams message (`teams.sender.TeamsSender`,
through the process's one `TeamsChannel`) is enough. They are built when first needed,
from the settings of that moment, so a process that never speaks imports neither
python-telegram-bot's sender nor botbuilder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.settings import Settings

if TYPE_CHECKING:
    from app.bots.teams import TeamsChannel
    from app.broadcasts.sending import Sender
    from app.chat.replies import Reply

log = logging.getLogger(__name__)


class ChatSenders:
    """`teams_channel` gives the process's Teams channel (built once, by the root), which
    a proactive message goes through."""

    def __init__(self, settings: Settings, teams_channel: Callable[[], TeamsChannel]) -> None:
        self.settings = settings
        self.teams_channel = teams_channel
        self._senders: dict[str, Sender[Reply]] | None = None

    def get(self, platform: str) -> Sender[Reply] | None:
        return self.all().get(platform)

    def all(self) -> dict[str, Sender[Reply]]:
        if self._senders is None:
            self._senders = self._configured()
        return self._senders

    def register(self, platform: str, sender: Sender[Reply]) -> None:
        """Use this sender for the platform (a test's fake, a benchmark's counter)."""
        self.all()[platform] = sender

    def _configured(self) -> dict[str, Sender[Reply]]:
        settings = self.settings
        senders: dict[str, Sender[Reply]] = {}
        if settings.telegram_bot_token:
            from app.bots.telegram.sender import TelegramSender

            senders["telegram"] = TelegramSender(
                settings.telegram_bot_token, settings.telegram_api_base_url
            )
        if settings.teams_app_id or settings.teams_emulator:
            from app.bots.teams.sender import TeamsSender

            senders["teams"] = TeamsSender(self.teams_channel())
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
