"""The activity handler: what each kind of Teams activity does.

A message or card submit becomes an intent for the conversation core and its replies go
back through the channel; installing the app in a personal scope links the person and
says hello, uninstalling it stops notifications; the messaging extension searches jobs
and news and records the card put into a chat as a share. Activities from another tenant
get one refusal and nothing else.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    ThumbnailCard,
)
from botbuilder.schema.teams import (
    MessagingExtensionAttachment,
    MessagingExtensionQuery,
    MessagingExtensionResponse,
    MessagingExtensionResult,
)

from app.bots.teams import cards
from app.bots.teams.rendering import extension_result
from app.chat.replies import ChatUser, Intent
from app.i18n import translator
from app.people.models import ChatIdentity, Platform

if TYPE_CHECKING:
    from app.bots.teams.channel import TeamsChannel

log = logging.getLogger("app.bots.teams")  # one logger name for the whole channel


class TeamsBot(TeamsActivityHandler):
    """Activities in, intents to the core, cards out."""

    def __init__(self, channel: TeamsChannel) -> None:
        self.channel = channel

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not self.channel.allowed(activity):
            await self._refuse(turn_context)
            return
        await super().on_turn(turn_context)

    async def _refuse(self, context: TurnContext) -> None:
        activity = context.activity
        log.info("teams: activity from tenant %r refused", self.channel.tenant_of(activity))
        if activity.type == ActivityTypes.invoke:
            refused = InvokeResponse(status=403)
            await context.send_activity(Activity(type=ActivityTypes.invoke_response, value=refused))
            return
        if activity.type in (ActivityTypes.message, ActivityTypes.conversation_update):
            settings = self.channel.runtime.settings
            language = (activity.locale or settings.default_language)[:2]
            _ = translator(language)
            text = _("This bot is only for the employees of {company}.").format(
                company=settings.company_name
            )
            await self.channel.call(lambda: context.send_activity(MessageFactory.text(text)))

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        channel = self.channel
        if not await channel.first_time(turn_context.activity):
            return
        user = channel.chat_user(turn_context.activity)
        await channel.link_from_roster(turn_context, user)
        activity = turn_context.activity
        intent = await channel.intent_of(activity, user)
        if intent is None:
            return
        pressed = activity.reply_to_id if activity.value is not None else None
        await channel.send(turn_context, await channel.respond(user, intent), pressed)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Installed in a personal scope: link, store the reference, say hello."""
        channel = self.channel
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        added = [m.id for m in activity.members_added or []]
        personal = getattr(activity.conversation, "conversation_type", None) in (None, "personal")
        if not personal or bot_id not in added or not await channel.first_time(activity):
            return
        user = channel.chat_user(activity)
        await channel.link_from_roster(turn_context, user)
        replies = await channel.conversation.handle(user, Intent("command", "start"))
        await channel.send(turn_context, replies)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        """Uninstalled from the personal scope: stop writing there (a reinstall relinks)."""
        activity = turn_context.activity
        if getattr(activity.conversation, "conversation_type", None) not in (None, "personal"):
            return
        user = self.channel.chat_user(activity)
        await ChatIdentity.filter(platform=Platform.TEAMS, platform_user_id=user.user_id).update(
            active=False
        )
        log.info("teams: %s removed the app; account inactive", user.user_id)

    async def on_teams_messaging_extension_query(
        self, turn_context: TurnContext, query: MessagingExtensionQuery
    ) -> MessagingExtensionResponse:
        user = self.channel.chat_user(turn_context.activity)
        await self.channel.link_from_roster(turn_context, user)
        words = ""
        for parameter in query.parameters or []:
            if parameter.name != "initialRun" and isinstance(parameter.value, str):
                words = parameter.value
        results = await self.channel.conversation.inline(user, words)
        if not results:
            return await self._nothing_to_insert(user)
        attachments = []
        for result in results:
            preview = ThumbnailCard(
                title=result.title,
                text=result.description,
                tap=CardAction(type="invoke", value={"id": result.id}),
            )
            attachments.append(
                MessagingExtensionAttachment(
                    content_type=cards.CONTENT_TYPE,
                    content=cards.result_card(result),
                    preview=Attachment(
                        content_type="application/vnd.microsoft.card.thumbnail", content=preview
                    ),
                )
            )
        return extension_result(attachments)

    async def _nothing_to_insert(self, user: ChatUser) -> MessagingExtensionResponse:
        """No cards: say whether the search found nothing or the person must join first."""
        channel = self.channel
        turn = await channel.conversation.turn(user)
        joined = turn.employee is not None and await channel.runtime.policy.has_accepted_current(
            turn.employee
        )
        text = (
            turn._("Nothing matches; try other words.")
            if joined
            else turn._("Open the Porte-voix chat first: join and accept the policy there.")
        )
        return MessagingExtensionResponse(
            compose_extension=MessagingExtensionResult(type="message", text=text)
        )

    async def on_teams_messaging_extension_select_item(
        self, turn_context: TurnContext, query: Any
    ) -> MessagingExtensionResponse:
        """The card goes into the chat: that is a share (recorded once per link)."""
        user = self.channel.chat_user(turn_context.activity)
        result_id = str(query.get("id", "")) if isinstance(query, dict) else ""
        await self.channel.conversation.inline_chosen(user, result_id)
        words = result_id.replace(":", " ")
        chosen = [
            r for r in await self.channel.conversation.inline(user, words) if r.id == result_id
        ]
        attachments = [
            MessagingExtensionAttachment(
                content_type=cards.CONTENT_TYPE, content=cards.result_card(result)
            )
            for result in chosen
        ]
        return extension_result(attachments)
