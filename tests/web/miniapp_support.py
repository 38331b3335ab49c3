"""Helpers for the mini app tests: Telegram initData signed the way Telegram signs it, and
sessions opened through the real sign-in routes."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp.test_utils import TestClient

from app.people.sessions import COOKIE

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


async def open_sign_in_link(client: TestClient, url: str, base: str) -> dict[str, Any]:
    """Follow a one-time sign-in link as a browser would (the link must be `base` once,
    then `/app/login/<token>`), and return what the signed-in mini app shows."""
    assert url.startswith(f"{base}/app/login/"), url
    path = url.removeprefix(base)
    assert path.count("/") == 3 and "://" not in path, url  # /app/login/<token>, nothing more
    signed = await client.get(path, allow_redirects=False)
    assert signed.status == 302, await signed.text()
    assert signed.headers["Location"] == "/app"
    cookie = {"Cookie": f"{COOKIE}={signed.cookies[COOKIE].value}"}
    page = await client.get("/app", headers=cookie)
    assert page.status == 200 and '"csrf": "' in await page.text()
    home = await client.get("/app/api/home", headers=cookie)
    assert home.status == 200
    return dict(await home.json())
