"""A local fake of the Bot Framework connector and of its sign-in side (aiohttp).

The bot talks to it through botbuilder's real HTTP stack: activities name it as their
`serviceUrl`, so replies (`POST /v3/conversations/{id}/activities[/{replyTo}]`), edits,
new conversations and roster look-ups (`GET .../members/{userId}`) land here and are
recorded. It also serves what Microsoft serves around it: the OpenID metadata and JWKS
that channel-to-bot tokens are checked against, and a client-credentials token endpoint
for the bot's own calls (which must then carry that token). It can answer 429 (or any
status) to the next calls, and 403 for conversations the user left. Nothing here reaches
the internet. Activity builders start from recorded payloads (`tests/bots/payloads`).
"""

from __future__ import annotations

import copy
import itertools
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.fakes.jwt_keys import ISSUER, SigningKey

PAYLOADS = Path(__file__).resolve().parent.parent / "bots" / "payloads"
APP_ID = "5c4b2a10-9d3e-4f61-8a7b-0e1d2c3b4a59"  # a GUID, like every Microsoft app id
APP_PASSWORD = "test-app-password"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


@dataclass
class Sent:
    conversation_id: str
    activity: dict[str, Any]
    reply_to: str | None = None
    method: str = "POST"
    id: str = ""  # what the connector answered: the message's id, for edits and replies

    @property
    def text(self) -> str:
        """The message text, or the text blocks of its Adaptive Card, one per line."""
        if self.activity.get("text"):
            return str(self.activity["text"])
        lines = []
        for attachment in self.activity.get("attachments") or []:
            lines += _texts(attachment.get("content") or {})
        return "\n".join(lines)

    def card(self) -> dict[str, Any]:
        [attachment] = self.activity["attachments"]
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        content: dict[str, Any] = attachment["content"]
        return content

    def actions(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for attachment in self.activity.get("attachments") or []:
            found += _actions(attachment.get("content") or {})
        return found


def _texts(element: Any) -> list[str]:
    if isinstance(element, dict):
        own = [str(element["text"])] if element.get("type") == "TextBlock" else []
        return own + [t for value in element.values() for t in _texts(value)]
    if isinstance(element, list):
        return [t for item in element for t in _texts(item)]
    return []


def _actions(element: Any) -> list[dict[str, Any]]:
    if isinstance(element, dict):
        own = [element] if str(element.get("type", "")).startswith("Action.") else []
        return own + [a for value in element.values() for a in _actions(value)]
    if isinstance(element, list):
        return [a for item in element for a in _actions(item)]
    return []


@dataclass
class FakeConnector:
    key: SigningKey = field(default_factory=SigningKey)
    sent: list[Sent] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> roster
    files: dict[str, bytes] = field(default_factory=dict)
    fetched: list[str] = field(default_factory=list)  # paths of the file downloads asked
    moved: dict[str, str] = field(default_factory=dict)  # file name -> where it redirects
    throttle: list[int] = field(default_factory=list)  # statuses of the next /v3 answers
    gone: set[str] = field(default_factory=set)  # conversations answering 403
    rejected: list[str] = field(default_factory=list)  # "<status> <path>" of refused calls
    token_requests: list[dict[str, str]] = field(default_factory=list)
    access_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    require_token: bool = True
    keys_down: bool = False  # the OpenID metadata answers 503, as in an outage
    key_fetches: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _server: TestServer | None = None

    # -- server --------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application(middlewares=[self._v3_guard])
        app.router.add_post("/v3/conversations", self._create_conversation)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v1/.well-known/openidconfiguration", self._openid)
        app.router.add_get("/v1/.well-known/keys", self._keys)
        app.router.add_post("/oauth2/v2.0/token", self._token)
        app.router.add_get("/files/{name}", self._file)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        """The `serviceUrl` of the activities, with its trailing slash as Teams sends it."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}/"

    @property
    def openid_url(self) -> str:
        return f"{self.url}v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return f"{self.url}oauth2/v2.0/token"

    @web.middleware
    async def _v3_guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith("/v3/"):
            return await handler(request)
        wanted = f"Bearer {self.access_token}"
        if self.require_token and request.headers.get("Authorization") != wanted:
            self.rejected.append(f"401 {request.path}")
            return _error(401, "Unauthorized", "Missing or wrong bearer token.")
        if self.throttle:
            status = self.throttle.pop(0)
            self.rejected.append(f"{status} {request.path}")
            return _error(status, "Throttled", "Slow down.", {"Retry-After": "0"})
        cid = request.match_info.get("cid", "")
        if cid in self.gone:
            self.rejected.append(f"403 {request.path}")
            return _error(403, "BotNotInConversationRoster", "The user left the conversation.")
        return await handler(request)

    async def _send(self, request: web.Request) -> web.Response:
        activity = await request.json()
        reply_to = request.match_info.get("aid")
        message_id = reply_to if request.method == "PUT" and reply_to else self._next()
        cid = request.match_info["cid"]
        self.sent.append(Sent(cid, activity, reply_to, request.method, message_id))
        return web.json_response({"id": message_id})

    async def _create_conversation(self, request: web.Request) -> web.Response:
        params = await request.json()
        cid = f"a:created-{self._next()}"
        if params.get("activity"):
            self.sent.append(Sent(cid, params["activity"]))
        return web.json_response({"id": cid, "serviceUrl": self.url, "activityId": self._next()})

    async def _member(self, request: web.Request) -> web.Response:
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return _error(404, "MemberNotFoundInConversation", "Not a member.")
        return web.json_response(member)

    async def _openid(self, request: web.Request) -> web.Response:
        self.key_fetches += 1
        if self.keys_down:
            return web.Response(status=503)
        return web.json_response(
            {
                "issuer": ISSUER,
                "authorization_endpoint": "https://invalid.example/authorize",
                "jwks_uri": f"{self.url}v1/.well-known/keys",
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.key.jwk()]})

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_requests.append({k: str(v) for k, v in form.items()})
        if form.get("client_id") != APP_ID or form.get("client_secret") != APP_PASSWORD:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": self.access_token}
        )

    async def _file(self, request: web.Request) -> web.Response:
        self.fetched.append(request.path_qs)
        if request.match_info["name"] in self.moved:
            raise web.HTTPFound(self.moved[request.match_info["name"]])
        content = self.files.get(request.match_info["name"])
        if content is None:
            raise web.HTTPNotFound()
        return web.Response(body=content, content_type="application/octet-stream")

    def _next(self) -> str:
        return f"m{next(self._ids)}"

    # -- what the bot sent ---------------------------------------------------------------

    def to(self, conversation_id: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation_id == conversation_id]

    def texts(self, conversation_id: str | None = None) -> list[str]:
        return [s.text for s in self.sent if conversation_id in (None, s.conversation_id)]

    # -- activities as Teams posts them --------------------------------------------------

    def activity(self, name: str, **changes: Any) -> dict[str, Any]:
        """A recorded payload, sent from this connector, with `changes` applied."""
        data = copy.deepcopy(payload(name))
        data["serviceUrl"] = self.url
        data["id"] = f"{data['id']}-{self._next()}"
        data.update(changes)
        return data

    def member(self, user: TeamsUser) -> dict[str, Any]:
        roster = payload("member")
        roster.update(
            id=user.id,
            name=user.name,
            aadObjectId=user.aad_object_id,
            email=user.email,
            userPrincipalName=user.email.lower(),
            tenantId=user.tenant,
        )
        return roster


@dataclass(frozen=True)
class TeamsUser:
    """A Teams user chatting with the bot in their personal conversation."""

    id: str = "29:1a2b3c-user"
    aad_object_id: str = "00000000-0000-0000-0000-0000000000a1"
    name: str = "Ada Lovelace"
    email: str = "ada@example.com"
    tenant: str = TENANT

    @property
    def conversation_id(self) -> str:
        return f"a:1personal-{self.id}"

    def account(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}

    def conversation(self, kind: str = "personal") -> dict[str, Any]:
        return {"conversationType": kind, "tenantId": self.tenant, "id": self.conversation_id}

    def channel_data(self) -> dict[str, Any]:
        return {"tenant": {"id": self.tenant}}


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(
        {"error": {"code": code, "message": message}}, status=status, headers=headers
    )
