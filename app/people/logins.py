"""Ways into the mini app and the dashboard: one-time sign-in links, and Telegram's signed
Web App `initData`.

A sign-in link is what the bot's `/app` command sends (Teams, or a browser): a random
token kept in Redis for a few minutes and deleted by the first visit (GETDEL), so a link
forwarded or found in a chat history later opens nothing. Inside Telegram, the client
hands the page `initData`, signed with the bot token; `verify_init_data` checks it as
Telegram documents for Web Apps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from redis.asyncio import Redis

PREFIX = "login:"
DESTINATIONS = ("/app", "/dashboard")


@dataclass(frozen=True)
class LoginGrant:
    employee_id: int
    destination: str  # "/app" or "/dashboard"


class LoginLinks:
    def __init__(self, redis: Redis, ttl_seconds: int, public_base_url: str) -> None:
        self.redis = redis
        self.ttl_seconds = ttl_seconds
        self.public_base_url = public_base_url

    async def create(self, employee_id: int, destination: str = "/app") -> str:
        """A one-time URL that signs `employee_id` in and opens `destination`."""
        if destination not in DESTINATIONS:
            raise ValueError(f"destination must be one of {DESTINATIONS}")
        token = secrets.token_urlsafe(32)
        value = json.dumps({"employee_id": employee_id, "destination": destination})
        await self.redis.set(PREFIX + token, value, ex=self.ttl_seconds)
        return f"{self.public_base_url}/app/login/{token}"

    async def consume(self, token: str) -> LoginGrant | None:
        """The grant behind a link, once; None if unknown, expired or already used."""
        if not token or len(token) > 64:
            return None
        raw = await self.redis.getdel(PREFIX + token)
        if raw is None:
            return None
        data = json.loads(raw)
        return LoginGrant(int(data["employee_id"]), str(data["destination"]))


# -- Telegram Web App initData -------------------------------------------------------------


class InvalidInitData(Exception):
    """initData that is malformed, not signed by our bot, or too old (the reason says)."""


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str
    language_code: str
    auth_date: datetime


def init_data_hash(fields: dict[str, str], bot_token: str) -> str:
    """Telegram's signature of Web App data: HMAC-SHA256 of the data-check-string (the
    fields but `hash`, sorted, `key=value` joined by newlines), keyed with
    HMAC-SHA256("WebAppData", bot_token)."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")
    return hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()


def verify_init_data(
    init_data: str, bot_token: str, now: datetime, max_age_seconds: int, max_skew_seconds: int = 0
) -> TelegramUser:
    """The Telegram user in `init_data`, if our bot signed it at most `max_age_seconds`
    ago and at most `max_skew_seconds` in the future (clocks differ a little; a date far
    ahead would make a captured initData usable for years)."""
    if not bot_token:
        raise InvalidInitData("Telegram sign-in is not configured (TELEGRAM_BOT_TOKEN).")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidInitData("initData is not a query string.") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("initData repeats a field.")
    received = fields.get("hash", "")
    if not hmac.compare_digest(init_data_hash(fields, bot_token).encode(), received.encode()):
        raise InvalidInitData("initData is not signed by this bot.")
    try:
        auth_date = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError, OverflowError, OSError):  # a date out of range too
        raise InvalidInitData("initData lacks auth_date or user.") from None
    age = (now - auth_date).total_seconds()
    if age > max_age_seconds:
        raise InvalidInitData("initData is too old; open the app again from Telegram.")
    if -age > max_skew_seconds:
        raise InvalidInitData("initData is dated in the future; check the server's clock.")
    return TelegramUser(
        id=user_id,
        first_name=str(user.get("first_name", "")),
        language_code=str(user.get("language_code", "")),
        auth_date=auth_date,
    )
