"""The Telegram channel: python-telegram-bot 22 inside our aiohttp server.

Webhook mode when TELEGRAM_WEBHOOK_SECRET is set (`POST /telegram/webhook`, the secret
header checked, the update queued and 200 answered at once); long polling otherwise.
Updates are translated to intents for the conversation core, and its replies rendered
as messages with inline keyboards. An update id seen before (a retry, another replica)
is dropped through a Redis key; one user flooding is slowed down; 429s are honoured.

The channel takes the conversation core, its settings and the Redis it keeps update ids
and flood counters in; it declares what Telegram shows beyond text and buttons (inline
sharing, the mini app as a Web App when PUBLIC_BASE_URL is https) in `capabilities`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from redis.asyncio import Redis
from telegram import (
    BotCommand,
    Document,
    InlineQueryResultArticle,
    InputTextMessageContent,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram import User as TelegramUser
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from app.bots.telegram.rendering import MAX_CAPTION, MAX_TEXT, keyboard
from app.chat.actions import command_menu
from app.chat.conversation import Conversation
from app.chat.replies import Capabilities, ChatUser, Intent, Reply, Upload, split_text
from app.clock import Clock
from app.http.bodies import read_json
from app.http.errors import error_response
from app.http.rates import Ceiling, RateCounter
from app.i18n import DEFAULT_LANGUAGE, LANGUAGES, translator
from app.referrals.cv import too_large
from app.settings import Settings

log = logging.getLogger(__name__)

UPDATE_TYPES = ["message", "callback_query", "inline_query", "chosen_inline_result"]
FLOOD_PER_MINUTE = 30


@dataclass
class _UserTurns:
    """One user's updates, handled one at a time in arrival order."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    queued: int = 0


def capabilities(settings: Settings) -> Capabilities:
    """Inline sharing in any chat; Telegram opens a Web App only over https."""
    return Capabilities(
        inline_share=True,
        web_app=settings.public_base_url.startswith("https://"),
        inline_channel="telegram",
    )


class TelegramChannel:
    def __init__(
        self, conversation: Conversation, settings: Settings, redis: Redis, clock: Clock
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.redis = redis
        self.conversation = conversation
        self.capabilities = capabilities(settings)
        self.webhook = bool(settings.telegram_webhook_secret)
        base = settings.telegram_api_base_url
        builder = (
            Application.builder()
            .token(settings.telegram_bot_token)
            .base_url(base)
            .base_file_url(base.replace("/bot", "/file/bot", 1) if base.endswith("/bot") else base)
            .concurrent_updates(16)
        )
        if self.webhook:
            builder = builder.updater(None)
        self.application = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self._turns: dict[int, _UserTurns] = {}
        self._counter = RateCounter(redis)
        self.application.add_error_handler(self._on_error)

    # -- life cycle ----------------------------------------------------------------------

    async def start(self) -> None:
        await self.application.initialize()
        await self.application.start()
        await self._configure()
        if not self.webhook and self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=UPDATE_TYPES)

    async def stop(self) -> None:
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        await self.application.stop()
        await self.application.shutdown()

    async def _configure(self) -> None:
        settings = self.settings
        bot = self.application.bot
        if self.webhook:
            await bot.set_webhook(
                f"{settings.public_base_url}/telegram/webhook",
                secret_token=settings.telegram_webhook_secret,
                allowed_updates=UPDATE_TYPES,
            )
        for language in LANGUAGES:  # the default is every other language's too
            commands = [BotCommand(name, text) for name, text in command_menu(language)]
            await bot.set_my_commands(
                commands, language_code=None if language == DEFAULT_LANGUAGE else language
            )
        if settings.public_base_url.startswith("https://"):
            await bot.set_chat_menu_button(
                menu_button=MenuButtonWebApp(
                    "Porte-voix", WebAppInfo(f"{settings.public_base_url}/app")
                )
            )

    # -- webhook -------------------------------------------------------------------------

    async def webhook_view(self, request: web.Request) -> web.Response:
        secret = self.settings.telegram_webhook_secret
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return error_response(403, "forbidden", "Wrong secret token.")
        # 413, 400 or 422 with its JSON error:
        data = await read_json(request, self.settings)
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:  # untrusted input: any parsing failure is a 400, logged
            log.warning("telegram webhook: unreadable update: %r", exc)
            return error_response(400, "bad_update", "Not a Telegram update.")
        if update is None:
            return error_response(400, "bad_update", "Not a Telegram update.")
        await self.application.update_queue.put(update)
        return web.json_response({"ok": True})

    # -- updates -------------------------------------------------------------------------

    async def _first_time(self, update: Update) -> bool:
        """True once per update id across replicas and retries (kept a day)."""
        key = f"tg:update:{update.update_id}"
        return bool(await self.redis.set(key, 1, nx=True, ex=86_400))

    async def _flooding(self, user_id: int) -> bool:
        flood = [(Ceiling("telegram-flood", FLOOD_PER_MINUTE), str(user_id))]
        return await self._counter.retry_after(flood, self.clock.now().timestamp()) > 0

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender = update.effective_user
        if sender is None or sender.is_bot:
            return
        # Updates are handled concurrently, but one user's in the order they came (the
        # lock is taken before any await): a form answer must not overtake the button
        # press that opened the form.
        turns = self._turns.setdefault(sender.id, _UserTurns())
        turns.queued += 1
        try:
            async with turns.lock:
                await self._handle(update, sender)
        finally:
            turns.queued -= 1
            if not turns.queued:  # nobody of this user waits: forget the lock
                del self._turns[sender.id]

    async def _handle(self, update: Update, sender: TelegramUser) -> None:
        if not await self._first_time(update):
            return
        user = ChatUser(
            platform="telegram",
            user_id=str(sender.id),
            chat_id=str(update.effective_chat.id) if update.effective_chat else None,
            name=sender.full_name,
            language=sender.language_code,
            can=self.capabilities,
        )
        if update.inline_query is not None:
            await self._inline(user, update)
            return
        if update.chosen_inline_result is not None:
            await self.conversation.inline_chosen(user, update.chosen_inline_result.result_id)
            return
        if await self._flooding(sender.id):
            log.info(
                "telegram: user %s is flooding; update %s dropped", sender.id, update.update_id
            )
            return
        intent, edit_message_id = await self._intent(update)
        if intent is None:
            return
        replies = await self.conversation.handle(user, intent)
        if user.chat_id is not None:
            await self.deliver(int(user.chat_id), replies, edit_message_id)

    async def _intent(self, update: Update) -> tuple[Intent | None, int | None]:
        if update.callback_query is not None:
            query = update.callback_query
            await self._call(query.answer)
            message_id = query.message.message_id if query.message else None
            return Intent("action", query.data or ""), message_id
        message = update.message
        if message is None:
            return None, None
        if message.document is not None:
            document = message.document
            upload = Upload(document.file_name or "cv", lambda: self._download(document))
            return Intent("document", upload=upload), None
        text = (message.text or "").strip()
        if text.startswith("/"):
            command, _sep, args = text[1:].partition(" ")
            return Intent("command", command.split("@", 1)[0].lower(), args.strip()), None
        return Intent("text", args=text), None

    async def _download(self, document: Document) -> AsyncIterator[bytes]:
        """A document's bytes, fetched from Telegram only when the core takes the file."""
        max_bytes = self.settings.cv_max_bytes
        if (document.file_size or 0) > max_bytes:
            raise too_large(max_bytes)
        file = await self._call(document.get_file)
        yield bytes(await file.download_as_bytearray())

    async def _inline(self, user: ChatUser, update: Update) -> None:
        query = update.inline_query
        assert query is not None
        results = await self.conversation.inline(user, query.query)
        articles = [
            InlineQueryResultArticle(
                id=result.id,
                title=result.title,
                description=result.description,
                input_message_content=InputTextMessageContent(result.text[:MAX_TEXT]),
                reply_markup=keyboard(result.buttons),
            )
            for result in results
        ]
        await self._call(query.answer, articles, cache_time=0, is_personal=True)

    # -- sending -------------------------------------------------------------------------

    async def deliver(
        self, chat_id: int, replies: list[Reply], edit_message_id: int | None = None
    ) -> None:
        bot = self.application.bot
        for index, reply in enumerate(replies):
            markup = keyboard(reply.buttons)
            if (
                reply.edit
                and edit_message_id is not None
                and index == 0
                and len(reply.text) <= MAX_TEXT
            ):
                try:
                    await self._call(
                        bot.edit_message_text,
                        reply.text,
                        chat_id=chat_id,
                        message_id=edit_message_id,
                        reply_markup=markup,
                    )
                    continue
                except BadRequest as exc:  # too old to edit, or unchanged: send anew
                    log.info("telegram: edit refused (%s); sending a new message", exc)
            if reply.image_url and len(reply.text) <= MAX_CAPTION:
                await self._call(
                    bot.send_photo,
                    chat_id,
                    reply.image_url,
                    caption=reply.text,
                    reply_markup=markup,
                )
                continue
            parts = split_text(reply.text, MAX_TEXT)
            for number, part in enumerate(parts):
                last = number == len(parts) - 1
                await self._call(
                    bot.send_message, chat_id, part, reply_markup=markup if last else None
                )

    async def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the Bot API, waiting as long as Telegram asks on 429 (three tries)."""
        for attempt in range(3):
            try:
                return await function(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait if isinstance(wait, int | float) else wait.total_seconds()
                log.warning("telegram: 429, retrying after %ss (attempt %s)", seconds, attempt + 1)
                await asyncio.sleep(float(seconds))
        return await function(*args, **kwargs)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        update_id = getattr(update, "update_id", "?")
        log.error("telegram: update %s failed", update_id, exc_info=context.error)
        chat = getattr(update, "effective_chat", None)
        if (
            chat is not None
            and isinstance(context.error, Exception)
            and not isinstance(context.error, TelegramError)
        ):
            language = getattr(getattr(update, "effective_user", None), "language_code", None)
            text = translator(language)("Something went wrong, please try again.")
            try:
                await self.application.bot.send_message(chat.id, text)
            except TelegramError:
                log.warning("telegram: could not tell chat %s about the failure", chat.id)
