"""Our replies in Telegram's terms: inline keyboards, and the Bot API's size limits.

Shared by the channel (replies to updates) and the sender (notices and pushes), so a
process that only sends never loads the channel.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from app.chat.buttons import CALLBACK_LIMIT
from app.chat.replies import Button

MAX_TEXT = 4096  # characters of a message
MAX_CAPTION = 1024  # characters of a photo's caption


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    rows = []
    for row in buttons:
        converted = [_button(b) for b in row]
        if converted:
            rows.append(converted)
    return InlineKeyboardMarkup(rows) if rows else None


def _button(button: Button) -> InlineKeyboardButton:
    if button.url:
        return InlineKeyboardButton(button.label, url=button.url)
    if button.web_app:
        return InlineKeyboardButton(button.label, web_app=WebAppInfo(button.web_app))
    if button.switch_inline is not None:
        return InlineKeyboardButton(button.label, switch_inline_query=button.switch_inline)
    return InlineKeyboardButton(
        button.label, callback_data=(button.action or "noop")[:CALLBACK_LIMIT]
    )
