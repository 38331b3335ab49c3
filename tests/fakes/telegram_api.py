"""A local fake of the Telegram Bot API, speaking its wire protocol (aiohttp).

python-telegram-bot talks to it through its real HTTP stack (`base_url` pointed here).
It records every call, answers like Telegram (`{"ok": true, "result": ...}`), serves files
for `getFile`, queues updates for `getUpdates`, and can answer 429 with `retry_after`.
Nothing here reaches the internet.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.helpers import eventually

BOT_ID = 7_000_000_001


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeTelegram:
    token: str = "123456:TEST-TOKEN"
    username: str = "PorteVoixTestBot"
    calls: list[Call] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    updates: list[dict[str, Any]] = field(default_factory=list)
    throttle: list[int] = field(default_factory=list)  # retry_after of the next answers
    blocked: set[int] = field(default_factory=set)  # chats whose user blocked the bot
    prepared: list[str] = field(default_factory=list)  # ids of the prepared messages given
    per_second_limit: int | None = None  # answer 429 above this many sends in a second
    _window: list[float] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))
    _update_ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _server: TestServer | None = None

    # -- server --------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.*}", self._file)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.base_url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}/bot"

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            self.calls.append(Call(f"{request.match_info['method']}#401", {}))
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await _params(request)
        if self.throttle:
            retry_after = self.throttle.pop(0)
            self.calls.append(Call(f"{method}#429", params))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {retry_after}",
                    "parameters": {"retry_after": retry_after},
                },
                status=429,
            )
        if method.startswith("send") and int(params.get("chat_id", 0)) in self.blocked:
            self.calls.append(Call(f"{method}#403", params))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was blocked by the user",
                },
                status=403,
            )
        if method.startswith("send") and self._over_limit():
            self.calls.append(Call(f"{method}#429", params))
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        if method == "savePreparedInlineMessage" and (problem := _unpreparable(params)):
            self.calls.append(Call(f"{method}#400", params))
            return web.json_response(
                {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"},
                status=400,
            )
        self.calls.append(Call(method, params))
        if method == "getUpdates":
            return await self._get_updates(params)
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _over_limit(self) -> bool:
        """Telegram's flood control: more than `per_second_limit` sends in one second."""
        if self.per_second_limit is None:
            return False
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.per_second_limit:
            return True
        self._window.append(now)
        return False

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Porte-voix",
                "username": self.username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if method in ("sendMessage", "sendPhoto", "sendDocument", "editMessageText"):
            chat_id = params.get("chat_id", 0)
            return {
                "message_id": params.get("message_id") or next(self._ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Porte-voix"},
                "text": params.get("text") or params.get("caption") or "",
            }
        if method == "savePreparedInlineMessage":  # a PreparedInlineMessage
            self.prepared.append(f"prepared-{next(self._ids)}")
            return {"id": self.prepared[-1], "expiration_date": int(time.time()) + 86_400}
        if method == "getFile":
            file_id = params["file_id"]
            return {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(self.files.get(file_id, b"")),
                "file_path": f"documents/{file_id}",
            }
        return True

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        while True:
            ready = [u for u in self.updates if u["update_id"] >= offset]
            if ready or time.monotonic() >= deadline:
                return web.json_response({"ok": True, "result": ready})
            await asyncio.sleep(0.05)  # a long poll: Telegram holds getUpdates (not a test's wait)

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            raise web.HTTPNotFound()
        return web.Response(body=self.files[file_id])

    # -- what the bot did ----------------------------------------------------------------

    def sent(self, *methods: str) -> list[dict[str, Any]]:
        wanted = methods or ("sendMessage", "sendPhoto", "editMessageText")
        return [call.params for call in self.calls if call.method in wanted]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [
            str(p.get("text") or p.get("caption") or "")
            for p in self.sent()
            if chat_id is None or int(p.get("chat_id", 0)) == chat_id
        ]

    async def wait_for(self, count: int, *methods: str, within: float = 5.0) -> list[dict]:
        """Wait until at least `count` calls of these methods were made."""

        def made() -> list[dict[str, Any]]:
            sent = self.sent(*methods)
            assert len(sent) >= count, f"expected {count} {methods or 'messages'}, got {sent}"
            return sent

        return await eventually(made, within)

    async def wait_text(
        self, part: str, chat_id: int | None = None, within: float = 5.0
    ) -> dict[str, Any]:
        """Wait for a message containing `part` (notifications may come in between)."""

        def found() -> dict[str, Any]:
            for params in self.sent():
                text = str(params.get("text") or params.get("caption") or "")
                if part in text and (chat_id is None or int(params.get("chat_id", 0)) == chat_id):
                    return params
            raise AssertionError(f"no message with {part!r} in {self.texts()}")

        return await eventually(found, within)

    # -- updates as Telegram sends them --------------------------------------------------

    def _user(self, user_id: int, language: str = "en") -> dict[str, Any]:
        return {
            "id": user_id,
            "is_bot": False,
            "first_name": f"User{user_id}",
            "language_code": language,
        }

    def message(self, user_id: int, text: str, language: str = "en") -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private"},
            "from": self._user(user_id, language),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def document(self, user_id: int, name: str, content: bytes) -> dict[str, Any]:
        file_id = f"doc{next(self._ids)}"
        self.files[file_id] = content
        return {
            "update_id": next(self._update_ids),
            "message": {
                "message_id": next(self._ids),
                "date": int(time.time()),
                "chat": {"id": user_id, "type": "private"},
                "from": self._user(user_id),
                "document": {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_name": name,
                    "file_size": len(content),
                },
            },
        }

    def callback(self, user_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._ids)),
                "from": self._user(user_id),
                "chat_instance": "ci",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "text": "…",
                    "from": {"id": BOT_ID, "is_bot": True, "first_name": "Porte-voix"},
                },
            },
        }

    def inline_query(self, user_id: int, query: str) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "inline_query": {
                "id": str(next(self._ids)),
                "from": self._user(user_id),
                "query": query,
                "offset": "",
            },
        }

    def chosen_inline(self, user_id: int, result_id: str) -> dict[str, Any]:
        return {
            "update_id": next(self._update_ids),
            "chosen_inline_result": {
                "result_id": result_id,
                "from": self._user(user_id),
                "query": "",
            },
        }


def _unpreparable(params: dict[str, Any]) -> str:
    """Why Telegram would refuse this savePreparedInlineMessage ("" if it would not): a
    user, an inline query result with a type, an id and content, and at least one kind of
    chat allowed."""
    result = params.get("result")
    if not isinstance(params.get("user_id"), int):
        return "user_id is required"
    if not isinstance(result, dict) or not result.get("type") or not result.get("id"):
        return "result must be an InlineQueryResult with a type and an id"
    text = (result.get("input_message_content") or {}).get("message_text")
    if result["type"] == "article" and not (result.get("title") and text):
        return "an article needs a title and input_message_content.message_text"
    allowed = ("allow_user_chats", "allow_bot_chats", "allow_group_chats", "allow_channel_chats")
    if not any(params.get(key) for key in allowed):
        return "at least one chat type must be allowed"
    return ""


async def _params(request: web.Request) -> dict[str, Any]:
    """python-telegram-bot posts form fields (multipart with files); values that are
    JSON (reply markups, numbers) are decoded like the real server does."""
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        if isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        else:
            params[key] = value.file.read()  # an uploaded file
    return params
