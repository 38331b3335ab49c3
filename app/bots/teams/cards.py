"""Adaptive Cards for Teams: the conversation core's neutral replies, rendered as JSON.

No botbuilder here: a card is a plain dict (schema 1.5, what Teams renders on desktop,
web and mobile), so the rendering can be read and tested without the SDK. Buttons with
an action become `Action.Submit` whose data `{"action": ...}` comes back as a message
activity's `value`; links and the mini app become `Action.OpenUrl`; Telegram's
"share in a chat" buttons have no Teams meaning and are dropped (the messaging
extension does that job in Teams).
"""

from __future__ import annotations

from typing import Any

from app.chat.buttons import CANCEL, Press
from app.chat.replies import Button, InlineResult, Reply

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses messages above about 28 KB; cards carry JSON around the text.
MAX_TEXT = 20_000
REFER_FORM = Press("refer:form")  # the referral card sent whole (its inputs beside)
REFER_STEPS = Press("refer:steps")  # "Step by step": the core's chat form instead


def needs_card(reply: Reply) -> bool:
    return bool(reply.title or reply.image_url or actions_of(reply.buttons))


def card(reply: Reply) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(_text(reply.title, weight="Bolder", size="Medium"))
    if reply.image_url:
        body.append({"type": "Image", "url": reply.image_url, "size": "Stretch"})
    text = reply.text
    if reply.title and text.startswith(reply.title):
        text = text[len(reply.title) :].lstrip("\n")  # the title is shown above already
    body += _paragraphs(text)
    for row in reply.buttons:
        actions = [a for a in (action_of(b) for b in row) if a is not None]
        if actions:
            body.append({"type": "ActionSet", "actions": actions})
    return _card(body)


def action_of(button: Button) -> dict[str, Any] | None:
    if button.url:
        return {"type": "Action.OpenUrl", "title": button.label, "url": button.url}
    if button.web_app:
        return {"type": "Action.OpenUrl", "title": button.label, "url": button.web_app}
    if button.action:
        return {"type": "Action.Submit", "title": button.label, "data": {"action": button.action}}
    return None  # switch_inline: a Telegram gesture


def actions_of(rows: list[list[Button]]) -> list[dict[str, Any]]:
    return [a for row in rows for a in (action_of(b) for b in row) if a is not None]


def result_card(result: InlineResult) -> dict[str, Any]:
    """What a messaging-extension pick inserts in a chat: the text and my link."""
    body = [_text(result.title, weight="Bolder", size="Medium"), *_paragraphs(result.text)]
    actions = actions_of(result.buttons) or [
        {"type": "Action.OpenUrl", "title": "Open", "url": result.url}
    ]
    body.append({"type": "ActionSet", "actions": actions})
    return _card(body)


def refer_form(
    texts: dict[str, str],
    jobs: list[tuple[int, str]],
    values: dict[str, str] | None = None,
    error: str = "",
) -> dict[str, Any]:
    """Refer a friend in one card: every field at once, sent with one Action.Submit.

    `texts` holds the translated labels; `values` refills the form after a refusal,
    whose reason is `error`.
    """
    values = values or {}
    choices = [{"title": title, "value": str(job_id)} for job_id, title in jobs]
    choices.append({"title": texts["general"], "value": "general"})
    body: list[dict[str, Any]] = [_text(texts["title"], weight="Bolder", size="Medium")]
    if error:
        body.append(_text(error, color="Attention"))
    body.append(
        {
            "type": "Input.ChoiceSet",
            "id": "job",
            "label": texts["job"],
            "choices": choices,
            "value": values.get("job") or choices[0]["value"],
            "isRequired": True,
        }
    )
    fields = [
        ("name", texts["name"], True, "Text"),
        ("email", texts["email"], True, "Email"),
        ("phone", texts["phone"], False, "Tel"),
        ("linkedin", texts["linkedin"], False, "Url"),
        ("note", texts["note"], False, "Text"),
    ]
    for name, label, required, style in fields:
        field: dict[str, Any] = {
            "type": "Input.Text",
            "id": name,
            "label": label,
            "style": style,
            "isRequired": required,
            "value": values.get(name, ""),
            "maxLength": 1000 if name == "note" else 500,
        }
        if name == "note":
            field["isMultiline"] = True
        if required:
            field["errorMessage"] = texts["required"]
        body.append(field)
    body.append(_text(texts["cv"], isSubtle=True))
    body.append(
        {
            "type": "ActionSet",
            "actions": [
                {"type": "Action.Submit", "title": texts["send"], "data": {"action": REFER_FORM()}},
                {
                    "type": "Action.Submit",
                    "title": texts["steps"],
                    "data": {"action": REFER_STEPS()},
                    "associatedInputs": "none",
                },
                {
                    "type": "Action.Submit",
                    "title": texts["cancel"],
                    "data": {"action": CANCEL()},
                    "associatedInputs": "none",
                },
            ],
        }
    )
    return _card(body)


def _card(body: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "msteams": {"width": "Full"},
    }


def _paragraphs(text: str) -> list[dict[str, Any]]:
    # One TextBlock per line: Teams collapses single line breaks inside a TextBlock.
    lines = text[:MAX_TEXT].split("\n")
    blocks: list[dict[str, Any]] = []
    gap = False
    for line in lines:
        if not line.strip():
            gap = True
            continue
        blocks.append(_text(line, spacing="Medium" if gap and blocks else "Small"))
        gap = False
    return blocks


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}
