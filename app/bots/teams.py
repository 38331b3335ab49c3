"""The Microsoft Teams channel: botbuilder's CloudAdapter inside our aiohttp server.

`POST /api/messages` takes Bot Framework activities. With TEAMS_APP_ID set every
activity's JWT is checked (signature against the OpenID metadata's keys, issuer, audience,
service URL, expiry) and a missing or bad token is a 401 with nothing done; without it
the endpoint exists only when TEAMS_EMULATOR is on (the Bot Framework Emulator's local,
unauthenticated mode). With TEAMS_TENANT_ID set, any other tenant gets one refusal.

Messages and card submits become intents for the conversation core, its replies go back
as Adaptive Cards (`app/bots/cards.py`); the messaging extension searches jobs and news;
notifications reach people through the conversation reference stored on install and
refreshed on every message. Calls to the connector that are throttled or fail upstream
(429/412/502/504) are retried with exponential backoff and jitter; 403/404 mean the
conversation is gone. This is the only module that imports botbuilder, so a move to the
Microsoft 365 Agents SDK rewrites this file alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler, TeamsInfo
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    ConversationReference,
    ThumbnailCard,
)
from botbuilder.schema.teams import (
    MessagingExtensionAttachment,
    MessagingExtensionQuery,
    MessagingExtensionResponse,
    MessagingExtensionResult,
)
from botframework.connector.auth import (
    AppCredentials,
    AuthenticationConstants,
    JwtTokenExtractor,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from jwt.algorithms import RSAAlgorithm
from msrest.exceptions import HttpOperationError

from app.bots import cards
from app.bots.conversation import Conversation
from app.bots.referral_card import ReferForm
from app.bots.replies import ChatUser, Intent, Reply, Upload
from app.bots.roster import link_by_email
from app.bots.turn import FormStore
from app.i18n import translator
from app.people.models import ChatIdentity, Platform
from app.runtime import Runtime
from app.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")
RETRY_STATUSES = frozenset({412, 429, 502, 504})
GONE_STATUSES = frozenset({403, 404})
FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
MAX_CV_BYTES = 5 * 1024 * 1024
# Words Teams users pick from the bot's command menu (no slash in Teams).
MENU_COMMANDS = frozenset(
    {"start", "menu", "help", "jobs", "news", "refer", "me", "leaderboard", "rewards"}
    | {"settings", "app", "policy", "report", "cancel", "badges"}
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
            _auth_configuration(settings), credentials_factory=self.credentials
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
            JwtTokenExtractor.metadataCache[url] = SigningKeys(url)

    async def stop(self) -> None:
        return None

    # -- POST /api/messages --------------------------------------------------------------

    async def messages_view(self, request: web.Request) -> web.StreamResponse:
        if request.content_type != "application/json":
            return _error(415, "unsupported_media_type", "Send a JSON activity.")
        try:
            body = await request.json()
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
        employee = await link_by_email(
            self.runtime, Platform.TEAMS, user.user_id, email or "", user.conversation_reference
        )
        if employee is not None:
            log.info("teams: %s linked to employee %s by e-mail", user.user_id, employee.id)

    async def intent_of(self, activity: Activity, user: ChatUser) -> Intent | None:
        value = activity.value
        if isinstance(value, dict) and isinstance(value.get("action"), str):
            fields = {k: v for k, v in value.items() if k != "action"}  # a form's inputs
            return Intent("action", value["action"][:200], json.dumps(fields) if fields else "")
        upload = await self._upload(activity)
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

    async def _upload(self, activity: Activity) -> Upload | None:
        for attachment in activity.attachments or []:
            content = attachment.content if isinstance(attachment.content, dict) else {}
            url = content.get("downloadUrl")
            if attachment.content_type != FILE_INFO or not isinstance(url, str):
                continue
            name = attachment.name or "cv"
            timeout = aiohttp.ClientTimeout(total=30)
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(url) as response,
            ):
                response.raise_for_status()
                data = await response.content.read(MAX_CV_BYTES + 1)
            return Upload(name, data)
        return None

    async def respond(self, user: ChatUser, intent: Intent) -> list[Reply] | list[Activity]:
        form = await self.refer_form.handle(user, intent)
        if isinstance(form, dict):
            return [_card_activity(form)]
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
            activities = _activities([reply])
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

    async def send_text(self, identity: ChatIdentity, text: str) -> bool:
        """A notification (the Notifier's sender for the "teams" platform)."""
        if not identity.conversation_reference:
            raise LookupError(f"no conversation reference for Teams identity {identity.id}")
        return await self.push(identity.conversation_reference, [Reply(text)])

    async def _on_turn_error(self, context: TurnContext, error: Exception) -> None:
        log.error("teams: turn failed on %s", context.activity.type, exc_info=error)
        if context.activity.type != ActivityTypes.message:
            return
        language = (context.activity.locale or "en")[:2]
        text = translator(language if language in ("en", "fr") else "en")(
            "Something went wrong, please try again."
        )
        try:
            await context.send_activity(MessageFactory.text(text))
        except Exception:
            log.warning(
                "teams: could not tell %s about the failure", context.activity.from_property
            )


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
            _ = translator(language if language in ("en", "fr") else "en")
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
        return _extension_result(attachments)

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
        return _extension_result(attachments)


class BotCredentials(ServiceClientCredentialsFactory):
    """The bot's own token for the connector: client credentials, fetched with aiohttp.

    (botbuilder's default asks MSAL synchronously, blocking the event loop.) The endpoint
    is Microsoft's unless TEAMS_TOKEN_URL says otherwise (a sovereign cloud, the tests).
    """

    def __init__(self, settings: Settings) -> None:
        self.app_id = settings.teams_app_id
        self.password = settings.teams_app_password
        tenant = settings.teams_tenant_id or "botframework.com"
        self.token_url = (
            settings.teams_token_url
            or f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
        )
        self._tokens: dict[str, tuple[str, float]] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self.app_id) and app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if not self.app_id:
            return MicrosoftAppCredentials.empty()
        if app_id != self.app_id:
            raise PermissionError("Invalid app id")
        return _BearerToken(app_id, await self._token(oauth_scope))

    async def _token(self, scope: str) -> str:
        cached = self._tokens.get(scope)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        form = {
            "grant_type": "client_credentials",
            "client_id": self.app_id,
            "client_secret": self.password,
            "scope": scope.rstrip("/") + "/.default",
        }
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.token_url, data=form) as response,
        ):
            payload = await response.json(content_type=None)
            if response.status != 200 or "access_token" not in payload:
                raise PermissionError(f"token endpoint answered {response.status}")
        lifetime = float(payload.get("expires_in", 3600))
        self._tokens[scope] = (payload["access_token"], time.monotonic() + lifetime - 300)
        return str(payload["access_token"])


class _BearerToken(AppCredentials):  # type: ignore[misc]
    def __init__(self, app_id: str, token: str) -> None:
        super().__init__(app_id=app_id)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


class SigningKeys:
    """The channel's token-signing keys, from its OpenID metadata, fetched with aiohttp.

    Installed in botbuilder's metadata cache in place of its own fetcher, which calls
    `requests` without a timeout on the event loop. Refreshed daily, and at most every
    five minutes when a token names a key we do not know (a rollover).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.keys: list[dict[str, Any]] = []
        self.fetched = 0.0

    async def get(self, key_id: str) -> SimpleNamespace:
        if not self.keys or time.monotonic() - self.fetched > 86_400:
            await self._refresh()
        key = self._find(key_id)
        if key is None and time.monotonic() - self.fetched > 300:
            await self._refresh()
            key = self._find(key_id)
        if key is None:
            raise PermissionError("the token is signed with an unknown key")
        return key

    async def _refresh(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(self.url) as response:
                response.raise_for_status()
                jwks_uri = (await response.json(content_type=None))["jwks_uri"]
            async with session.get(jwks_uri) as response:
                response.raise_for_status()
                self.keys = list((await response.json(content_type=None))["keys"])
        self.fetched = time.monotonic()

    def _find(self, key_id: str) -> SimpleNamespace | None:
        for key in self.keys:
            if key.get("kid") == key_id:
                return SimpleNamespace(
                    public_key=RSAAlgorithm.from_jwk(json.dumps(key)),
                    endorsements=key.get("endorsements", []),
                )
        return None


def _auth_configuration(settings: Settings) -> SimpleNamespace:
    """Every endpoint spelled out, so botbuilder takes its configurable code path."""
    return SimpleNamespace(
        APP_ID=settings.teams_app_id,
        VALIDATE_AUTHORITY=True,
        TO_CHANNEL_FROM_BOT_LOGIN_URL=AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
        OAUTH_URL=AuthenticationConstants.OAUTH_URL,
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.teams_openid_metadata_url,
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=(
            AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
        ),
        CALLER_ID="urn:botframework:azure",
    )


def _activities(replies: list[Reply] | list[Activity]) -> list[Activity]:
    activities: list[Activity] = []
    for reply in replies:
        if isinstance(reply, Activity):
            activities.append(reply)
        elif cards.needs_card(reply) and len(reply.text) <= cards.MAX_TEXT:
            activities.append(_card_activity(cards.card(reply)))
        else:
            activities += [MessageFactory.text(part) for part in cards.split_text(reply.text)]
    return activities


def _card_activity(card: dict[str, Any]) -> Activity:
    return MessageFactory.attachment(Attachment(content_type=cards.CONTENT_TYPE, content=card))


def _extension_result(
    attachments: list[MessagingExtensionAttachment],
) -> MessagingExtensionResponse:
    return MessagingExtensionResponse(
        compose_extension=MessagingExtensionResult(
            type="result", attachment_layout="list", attachments=attachments
        )
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
