"""The Teams channel: `POST /api/messages`, reading a turn, and calls to the connector.

The view authenticates every activity before its turn runs (a 401 with nothing done
otherwise) and hands it to the adapter and `TeamsBot`. The channel says who is speaking
(tenant, chat user, linked by roster e-mail), what they want (an `Intent`, a CV they
sent as a file), answers once per activity, and sends the replies, editing the card
pressed when a reply says so. Connector calls that are throttled or fail upstream
(429/412/502/504) are retried with exponential backoff and jitter; 403/404 mean the
conversation is gone. `push` speaks first through a stored conversation reference.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from botbuilder.core import MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ConversationReference
from botframework.connector.auth import AuthenticationConstants, JwtTokenExtractor
from msrest.exceptions import HttpOperationError

from app.bots.teams.auth import BotCredentials, SigningKeys, auth_configuration
from app.bots.teams.bot import TeamsBot
from app.bots.teams.files import upload_of
from app.bots.teams.referral_card import ReferForm
from app.bots.teams.rendering import as_activities, card_activity
from app.chat.actions import ACTIONS
from app.chat.conversation import Conversation
from app.chat.replies import ChatUser, Intent, Reply
from app.chat.turn import FormStore
from app.i18n import translator
from app.people.models import Platform, Role
from app.runtime import Runtime
from app.web.bodies import read_json

log = logging.getLogger("app.bots.teams")  # one logger name for the whole channel

T = TypeVar("T")
RETRY_STATUSES = frozenset({412, 429, 502, 504})
GONE_STATUSES = frozenset({403, 404})
# Words Teams users pick from the bot's command menu (no slash in Teams): every command
# an employee has.
MENU_COMMANDS = frozenset(
    action.name for action in ACTIONS if action.command and action.role == Role.EMPLOYEE
)


class TeamsChannel:
    tries = 4  # one call and three retries
    backoff_seconds = 0.5  # doubled at each retry, with jitter

    def __init__(self, runtime: Runtime, conversation: Conversation) -> None:
        self.runtime = runtime
        self.conversation = conversation
        settings = runtime.settings
        self.app_id = settings.teams_app_id
        self.tenant_id = settings.teams_tenant_id
        self.credentials = BotCredentials(settings)
        self.auth = ConfigurationBotFrameworkAuthentication(
            auth_configuration(settings), credentials_factory=self.credentials
        )
        self.adapter = CloudAdapter(self.auth)
        self.adapter.on_turn_error = self._on_turn_error
        self.bot = TeamsBot(self)
        self.refer_form = ReferForm(runtime, conversation)

    @property
    def mode(self) -> str:
        return "authenticated" if self.app_id else "emulator, unauthenticated"

    async def start(self) -> None:
        for url in (
            self.runtime.settings.teams_openid_metadata_url,
            AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
        ):
            JwtTokenExtractor.metadataCache[url] = SigningKeys(
                url, self.runtime.settings.teams_keys_retry_seconds, self.runtime.clock
            )

    async def stop(self) -> None:
        return None

    # -- POST /api/messages --------------------------------------------------------------

    async def messages_view(self, request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return _error(415, "unsupported_media_type", "Send a JSON activity.")
        body = await read_json(request)  # 413, 400 or 422 with its JSON error
        try:
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except Exception as exc:  # untrusted input: any parsing failure is a 400
            log.info("teams: unreadable activity: %r", exc)
            activity = None
        if activity is None or not activity.type:
            return _error(400, "bad_activity", "Not a Bot Framework activity.")
        try:
            header = request.headers.get("Authorization") or None
            authenticated = await self.auth.authenticate_request(activity, header)  # type: ignore[arg-type]
        except Exception as exc:  # PermissionError, bad JWT, unknown key: all a 401
            log.info("teams: activity refused: %s", exc or type(exc).__name__)
            return _error(401, "unauthorized", "Missing or invalid Bot Framework token.")
        if not (activity.service_url and activity.conversation and activity.from_property):
            return _error(400, "bad_activity", "The activity lacks its conversation or sender.")
        try:
            invoke = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        except Exception:
            log.exception("teams: activity %s failed", activity.id)
            return _error(400, "activity_failed", "The activity could not be handled.")
        if invoke is None:
            return web.json_response({}, status=200)
        status = int(invoke.status or 200)
        if status >= 500:  # an invoke we do not support, or that failed: logged above
            return _error(400, "unsupported_invoke", f"Cannot handle {activity.name!r}.")
        body_out = invoke.body.serialize() if hasattr(invoke.body, "serialize") else invoke.body
        return web.json_response(body_out if body_out is not None else {}, status=status)

    # -- turns ---------------------------------------------------------------------------

    def tenant_of(self, activity: Activity) -> str:
        conversation = activity.conversation
        tenant = getattr(conversation, "tenant_id", None) if conversation else None
        data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        from_data = (data.get("tenant") or {}).get("id") if isinstance(data, dict) else None
        return str(tenant or from_data or "")

    def allowed(self, activity: Activity) -> bool:
        return not self.tenant_id or self.tenant_of(activity) == self.tenant_id

    def chat_user(self, activity: Activity) -> ChatUser:
        sender = activity.from_property
        tenant = self.tenant_of(activity)
        aad = getattr(sender, "aad_object_id", None)
        personal = getattr(activity.conversation, "conversation_type", None) in (None, "personal")
        reference = None
        if personal:
            reference = TurnContext.get_conversation_reference(activity).serialize()
        return ChatUser(
            platform=Platform.TEAMS.value,
            user_id=f"{tenant}:{aad}" if aad and tenant else str(sender.id),
            name=sender.name or "",
            language=(activity.locale or "")[:2] or None,
            conversation_reference=reference,
        )

    async def first_time(self, activity: Activity) -> bool:
        """Teams resends an activity it timed out on; answer it once (kept a day)."""
        if not activity.id:
            return True
        key = f"teams:activity:{activity.conversation.id}:{activity.id}"
        return bool(await self.runtime.redis.set(key, 1, nx=True, ex=86_400))

    async def link_from_roster(self, context: TurnContext, user: ChatUser) -> None:
        """An unknown user of our tenant is matched by their directory e-mail."""
        activity = context.activity
        if not self.tenant_id or self.tenant_of(activity) != self.tenant_id:
            return  # the e-mail of another (or no) tenant proves nothing
        people = self.runtime.people
        if await people.employee_for_chat(Platform.TEAMS, user.user_id) is not None:
            return
        try:
            member = await self.call(
                lambda: TeamsInfo.get_member(context, activity.from_property.id)
            )
        except Exception as exc:
            log.info("teams: roster look-up failed for %s: %s", user.user_id, exc)
            return
        email = getattr(member, "email", None) or getattr(member, "user_principal_name", "")
        employee = await people.link_by_directory_email(
            email or "", Platform.TEAMS, user.user_id, user.conversation_reference, user.language
        )
        if employee is not None:
            log.info("teams: %s linked to employee %s by e-mail", user.user_id, employee.id)

    async def intent_of(self, activity: Activity, user: ChatUser) -> Intent | None:
        value = activity.value
        if isinstance(value, dict) and isinstance(value.get("action"), str):
            fields = {k: v for k, v in value.items() if k != "action"}  # a form's inputs
            return Intent("action", value["action"][:200], json.dumps(fields) if fields else "")
        upload = upload_of(activity.attachments, self.runtime.settings)
        if upload is not None:
            return Intent("document", upload=upload)
        text = (TurnContext.remove_recipient_mention(activity) or activity.text or "").strip()
        if not text:
            return None
        if text.startswith("/"):
            command, _sep, args = text[1:].partition(" ")
            return Intent("command", command.lower(), args.strip())
        word = text.lower()
        if word in MENU_COMMANDS and (
            word == "cancel" or await FormStore(self.runtime, user).get() is None
        ):
            return Intent("command", word)
        return Intent("text", args=text)

    async def respond(self, user: ChatUser, intent: Intent) -> list[Reply] | list[Activity]:
        form = await self.refer_form.handle(user, intent)
        if isinstance(form, dict):
            return [card_activity(form)]
        if form is not None:
            return form
        return await self.conversation.handle(user, intent)

    async def send(
        self,
        context: TurnContext,
        replies: list[Reply] | list[Activity],
        edit_id: str | None = None,
    ) -> None:
        """Send the replies; the first, if it says so, replaces the card pressed (edit_id)."""
        for index, reply in enumerate(replies):
            activities = as_activities([reply])
            editable = isinstance(reply, Reply) and reply.edit and len(activities) == 1
            if (
                edit_id
                and index == 0
                and editable
                and await self._edit(context, activities[0], edit_id)
            ):
                continue
            for activity in activities:
                await self.call(lambda a=activity: context.send_activity(a))  # type: ignore[misc]

    async def _edit(self, context: TurnContext, activity: Activity, activity_id: str) -> bool:
        activity.id = activity_id
        try:
            await self.call(lambda: context.update_activity(activity))
        except HttpOperationError as exc:  # too old, or not ours: send it anew
            log.info("teams: edit of %s refused (%s); sending anew", activity_id, _status(exc))
            activity.id = None
            return False
        return True

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """A connector call, retried on 429/412/502/504 (Retry-After, or backoff + jitter)."""
        for attempt in range(self.tries):
            try:
                return await make()
            except HttpOperationError as exc:
                status = _status(exc)
                if status not in RETRY_STATUSES or attempt == self.tries - 1:
                    raise
                delay = _retry_after(exc)
                if delay is None:
                    delay = self.backoff_seconds * 2**attempt * random.uniform(0.5, 1.5)
                log.warning(
                    "teams: connector answered %s; retry %s in %.2fs", status, attempt + 1, delay
                )
                await _sleep(delay)
        raise AssertionError("unreachable")

    # -- speaking first ------------------------------------------------------------------

    async def push(self, reference: dict[str, Any], replies: list[Reply]) -> bool:
        """Send through a stored reference; False when the conversation is gone."""
        failure: list[Exception] = []

        async def logic(context: TurnContext) -> None:
            try:
                await self.send(context, replies)
            except Exception as exc:  # the adapter would swallow it: keep it for the caller
                failure.append(exc)

        conversation = ConversationReference().deserialize(reference)
        await self.adapter.continue_conversation(conversation, logic, self.app_id or None)
        if failure:
            if isinstance(failure[0], HttpOperationError) and _status(failure[0]) in GONE_STATUSES:
                return False
            raise failure[0]
        return True

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("teams: turn failed on %s", context.activity.type, exc_info=error)
        if context.activity.type != ActivityTypes.message:
            return
        language = (context.activity.locale or "en")[:2]
        text = translator(language)("Something went wrong, please try again.")
        try:
            await context.send_activity(MessageFactory.text(text))
        except Exception:
            log.warning(
                "teams: could not tell %s about the failure", context.activity.from_property
            )


def _status(exc: HttpOperationError) -> int | None:
    status = getattr(exc.response, "status_code", None)
    return int(status) if status is not None else None


def _retry_after(exc: HttpOperationError) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return min(float(value), 60.0) if value is not None else None
    except ValueError:
        return None


async def _sleep(seconds: float) -> None:
    await asyncio.sleep(seconds)


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
