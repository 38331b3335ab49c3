"""Our replies as Teams activities: an Adaptive Card when a reply has buttons or fits one
(`app/bots/teams/cards.py` builds it), plain text split to Teams' limit otherwise; and the
messaging extension's list of cards.
"""

from __future__ import annotations

from typing import Any

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment
from botbuilder.schema.teams import (
    MessagingExtensionAttachment,
    MessagingExtensionResponse,
    MessagingExtensionResult,
)

from app.bots.teams import cards
from app.chat.replies import Reply, split_text


def as_activities(replies: list[Reply] | list[Activity]) -> list[Activity]:
    activities: list[Activity] = []
    for reply in replies:
        if isinstance(reply, Activity):
            activities.append(reply)
        elif cards.needs_card(reply) and len(reply.text) <= cards.MAX_TEXT:
            activities.append(card_activity(cards.card(reply)))
        else:
            activities += [
                MessageFactory.text(part) for part in split_text(reply.text, cards.MAX_TEXT)
            ]
    return activities


def card_activity(card: dict[str, Any]) -> Activity:
    return MessageFactory.attachment(Attachment(content_type=cards.CONTENT_TYPE, content=card))


def extension_result(
    attachments: list[MessagingExtensionAttachment],
) -> MessagingExtensionResponse:
    return MessagingExtensionResponse(
        compose_extension=MessagingExtensionResult(
            type="result", attachment_layout="list", attachments=attachments
        )
    )
