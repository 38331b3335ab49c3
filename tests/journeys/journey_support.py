"""What the journey tests need around the real processes: a local SMTP inbox (aiosmtpd),
a browser with its own cookies, the ATS's signed webhook, and a search of the whole
database for a person's values."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from email import message_from_bytes
from email.message import Message
from typing import Any

import aiohttp
import pytest
from aiosmtpd.controller import Controller

from app.referrals.ats import sign
from app.runtime import Runtime
from tests.conftest import ADMIN_TOKEN
from tests.processes import free_port

ATS_SECRET = "journey-ats-secret"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Inbox:
    """What the local SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
async def smtp() -> AsyncIterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    await asyncio.to_thread(controller.start)
    yield inbox, controller.port
    await asyncio.to_thread(controller.stop)


def body_of(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} field in the page"
    return found.group(1)


def browser() -> aiohttp.ClientSession:
    """A person's browser: keeps the cookies of our 127.0.0.1 servers."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


async def api(
    base: str, method: str, path: str, body: object = None, headers: dict[str, str] = ADMIN
) -> Any:
    async with (
        aiohttp.ClientSession() as client,
        client.request(method, f"{base}/api/v1{path}", json=body, headers=headers) as response,
    ):
        text = await response.text()
        assert response.status < 300, f"{method} {path}: {response.status} {text}"
        return json.loads(text) if text else None


async def ats_event(base: str, event: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", "X-Signature": sign(ATS_SECRET, body)}
    async with (
        aiohttp.ClientSession() as client,
        client.post(f"{base}/api/v1/webhooks/ats", data=body, headers=headers) as response,
    ):
        answer = await response.json()
        assert response.status == 200, answer
        return dict(answer)


async def rows_holding(runtime: Runtime, *values: str) -> list[str]:
    """Every row of every table where one of `values` appears (case-insensitive)."""
    connection = runtime.db.db()
    if runtime.settings.effective_database_url().startswith("sqlite"):
        sql = "SELECT name AS t FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'"
    found = []
    wanted = [v.casefold() for v in values]
    for table in [row["t"] for row in await connection.execute_query_dict(sql)]:
        for row in await connection.execute_query_dict(f'SELECT * FROM "{table}"'):
            text = json.dumps(row, default=str).casefold()
            found += [f"{table}: {row}" for value in wanted if value in text]
    return found
