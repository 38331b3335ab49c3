"""A message the mini app's user sends into a Telegram chat of their choice: the server
stores it with the Bot API's `savePreparedInlineMessage` (for that Telegram user only),
and the mini app hands the returned id to Telegram (`web_app_send_prepared_message`,
`Telegram.WebApp.shareMessage` in Telegram's own script), which lets the user pick the
chat. The message is an inline article, like the cards of the bot's inline mode
(`app.chat.prepared`: the web layer knows only that protocol).

Spoken with aiohttp in the Bot API's JSON form (as `telegram_name` does for getMe): one
call per share, no python-telegram-bot application needed in the web process.
"""

from __future__ import annotations

import logging

import aiohttp

from app.chat.prepared import Article, PreparedMessage, PreparedMessageRefused
from app.settings import Settings

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
MAX_TEXT = 4096  # a message's text, in characters


async def save_prepared_message(
    settings: Settings, user_id: int, article: Article
) -> PreparedMessage:
    """Store `article` for the Telegram user `user_id` to send to a person, a group or a
    channel (not to a bot). The token is part of the URL: neither the URL nor an
    exception text that may hold it is logged."""
    if not settings.telegram_bot_token:
        raise PreparedMessageRefused("Telegram is not configured (TELEGRAM_BOT_TOKEN).")
    url = f"{settings.telegram_api_base_url}{settings.telegram_bot_token}/savePreparedInlineMessage"
    body = {
        "user_id": user_id,
        "result": {
            "type": "article",
            "id": article.id,
            "title": article.title[:256],
            "description": article.description[:256],
            "input_message_content": {"message_text": article.text[:MAX_TEXT]},
            "reply_markup": {"inline_keyboard": [[{"text": article.button, "url": article.url}]]},
            "url": article.url,
        },
        "allow_user_chats": True,
        "allow_group_chats": True,
        "allow_channel_chats": True,
    }
    try:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=body) as response,
        ):
            answer = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        log.warning("telegram savePreparedInlineMessage failed: %s", type(exc).__name__)
        raise PreparedMessageRefused("Telegram could not be reached; try again.") from None
    result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") else None
    if not isinstance(result, dict) or not isinstance(result.get("id"), str):
        described = answer.get("description", "") if isinstance(answer, dict) else ""
        log.warning("telegram refused savePreparedInlineMessage: %s", described)
        raise PreparedMessageRefused(f"Telegram refused the message: {described or 'no reason'}.")
    return PreparedMessage(result["id"], int(result.get("expiration_date", 0)))
