"""The Telegram bot's @username, which invite deep links (`t.me/<username>?start=<code>`)
need.

TELEGRAM_BOT_USERNAME when the operator sets it; else, with TELEGRAM_BOT_TOKEN, what
Telegram answers to `getMe` for that token, kept in Redis for a day (every process and
replica asks once) and in memory; else no name, and the reason. A link to a bot the
operator does not own would send their employees' invite codes to a stranger, so there is
no default name.

This module imports no Runtime: the composition root builds it before the services that
use it (`PeopleService` takes its `resolve`).
"""

from __future__ import annotations

import hashlib
import logging
import time

import aiohttp
from redis.asyncio import Redis

from app.people.service import TelegramBot
from app.settings import Settings

log = logging.getLogger(__name__)
CACHE_SECONDS = 86_400
TIMEOUT_SECONDS = 10.0
RETRY_AFTER_FAILURE_SECONDS = 60.0  # an import inviting 500 people asks once, not 500 times


class TelegramBotName:
    def __init__(self, settings: Settings, redis: Redis) -> None:
        self.settings = settings
        self.redis = redis
        self._known = ""
        self._failure: tuple[str, float, str] | None = None  # (cache key, until, problem)

    @property
    def cache_key(self) -> str:
        """Per token: a new token may be another bot."""
        digest = hashlib.sha256(self.settings.telegram_bot_token.encode()).hexdigest()[:16]
        return f"telegram:bot-username:{digest}"

    async def resolve(self) -> TelegramBot:
        settings = self.settings
        if settings.telegram_bot_username:
            return TelegramBot(settings.telegram_bot_username.lstrip("@"))
        if not settings.telegram_bot_token:
            return TelegramBot(
                missing="TELEGRAM_BOT_TOKEN is not set; set it (the bot's name is then "
                "asked from Telegram) or TELEGRAM_BOT_USERNAME"
            )
        if not self._known:
            cached = await self.redis.get(self.cache_key)
            if cached:
                self._known = cached.decode() if isinstance(cached, bytes) else str(cached)
        if not self._known:
            username, problem = await self._ask_once_a_minute()
            if not username:
                return TelegramBot(
                    missing=f"Telegram did not give the bot's name ({problem}); check "
                    "TELEGRAM_BOT_TOKEN or set TELEGRAM_BOT_USERNAME"
                )
            self._known = username
            await self.redis.set(self.cache_key, username, ex=CACHE_SECONDS)
        return TelegramBot(self._known)

    async def _ask_once_a_minute(self) -> tuple[str, str]:
        """Ask Telegram, unless it failed for this token less than a minute ago (a failure
        is not kept longer: the operator may be fixing it)."""
        failure = self._failure
        if failure and failure[0] == self.cache_key and failure[1] > time.monotonic():
            return "", failure[2]
        username, problem = await self._ask_telegram()
        if not username:
            self._failure = (
                self.cache_key,
                time.monotonic() + RETRY_AFTER_FAILURE_SECONDS,
                problem,
            )
        return username, problem

    async def _ask_telegram(self) -> tuple[str, str]:
        """(username, "") from getMe, or ("", what went wrong). The token is part of the
        URL, so neither the URL nor an exception text that may hold it is repeated."""
        settings = self.settings
        url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token}/getMe"
        try:
            timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(url) as response,
            ):
                status = response.status
                body = await response.json(content_type=None) if status == 200 else {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("telegram getMe failed: %s", type(exc).__name__)
            return "", f"getMe failed: {type(exc).__name__}"
        if status != 200:
            return "", f"getMe answered HTTP {status}"
        username = str((body.get("result") or {}).get("username") or "")
        return (username, "") if username else ("", "getMe gave no username")
