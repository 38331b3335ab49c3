"""Helpers for the mini app tests: Telegram initData signed the way Telegram signs it, and
sessions opened through the real sign-in routes."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from urllib.parse import urlencode

BOT_TOKEN = "123456:TEST-bot-token-for-the-mini-app"


def telegram_init_data(
    user_id: int, auth_date: datetime, bot_token: str = BOT_TOKEN, language: str = "en"
) -> str:
    """initData as a Telegram client passes it to a Web App (written from Telegram's
    documentation, independently of the code under test)."""
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(
            {"id": user_id, "first_name": "Ada", "language_code": language},
            separators=(",", ":"),
        ),
        "auth_date": str(int(auth_date.timestamp())),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)
