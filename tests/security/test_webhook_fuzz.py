"""Fuzzing what strangers can post: the Telegram webhook, the ATS webhook, Teams'
/api/messages and Telegram's Web App initData.

For each: whatever the body and headers, never a 5xx; and without the right secret or
signature, no effect at all (no row written, no message sent, no session opened).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import hypothesis
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import strategies as st

from app.people.logins import InvalidInitData, verify_init_data
from app.people.models import ChatIdentity
from app.people.sessions import COOKIE
from app.referrals.ats import sign
from app.referrals.models import AtsDelivery, Candidate, Channel, ContentType, Referral
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.channel_fixtures import SECRET, TelegramWorld
from tests.helpers import AppServer, make_employee, make_open_job, make_sharer
from tests.security.support import run_beside_loop

TELEGRAM_SECRET = SECRET  # the shared `telegram` fixture's
ATS_SECRET = "ats-webhook-secret-for-fuzzing"
BOT_TOKEN = "123456:FUZZ-bot-token"
FUZZ = hypothesis.settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)

# JSON documents of any shape, and text that is mostly not JSON.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
header_text = st.text(st.characters(codec="latin-1", exclude_categories=["Cc"]), max_size=80)


def body_of(value: Any) -> bytes:
    return json.dumps(value).encode()


def mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with some keys replaced by anything, at the top level and one level down."""

    def mutate(changes: dict[str, Any], inner: dict[str, Any]) -> dict[str, Any]:
        out = {**base, **changes}
        for key, value in inner.items():
            if isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
        return out

    keys = st.sampled_from(sorted(base))
    nested = st.dictionaries(st.sampled_from(sorted(_inner_keys(base)) or ["x"]), json_values)
    return st.builds(
        mutate,
        st.dictionaries(keys, json_values, max_size=2),
        st.dictionaries(keys, nested, max_size=2),
    )


def _inner_keys(base: dict[str, Any]) -> set[str]:
    return {k for value in base.values() if isinstance(value, dict) for k in value}


Post = Callable[[Awaitable[Any]], Any]


# -- Telegram ------------------------------------------------------------------------------


async def test_telegram_updates_without_the_secret_do_nothing(
    telegram: TelegramWorld, runtime: Runtime
) -> None:
    client, fake = telegram.client, telegram.fake
    await make_employee(runtime, telegram_id="4242")
    identities = await ChatIdentity.all().count()
    calls = len(fake.calls)
    statuses: list[int] = []
    update = fake.message(4242, "/start")

    async def post(body: bytes, secret: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with client.post("/telegram/webhook", data=body, headers=headers) as response:
            return response.status

    def search(on_loop: Post) -> None:
        @FUZZ
        @hypothesis.given(
            body=st.one_of(mutated(update).map(body_of), json_values.map(body_of), st.binary()),
            secret=st.none() | header_text.filter(lambda s: s.strip() != TELEGRAM_SECRET),
        )
        def check(body: bytes, secret: str | None) -> None:
            statuses.append(on_loop(post(body, secret)))

        check()

    await run_beside_loop(search)
    assert set(statuses) == {403}
    assert len(fake.calls) == calls, fake.calls[calls:]
    assert await ChatIdentity.all().count() == identities
    assert not [key async for key in runtime.redis.scan_iter("tg:update:*")]


async def test_telegram_updates_with_the_secret_never_get_a_5xx(
    telegram: TelegramWorld, runtime: Runtime
) -> None:
    client, fake = telegram.client, telegram.fake
    await make_employee(runtime, telegram_id="4242")
    update = fake.message(4242, "hello")
    statuses: list[int] = []
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}

    async def post(body: bytes) -> int:
        async with client.post("/telegram/webhook", data=body, headers=headers) as response:
            return response.status

    def search(on_loop: Post) -> None:
        @FUZZ
        @hypothesis.given(
            body=st.one_of(mutated(update).map(body_of), json_values.map(body_of), st.binary())
        )
        def check(body: bytes) -> None:
            status = on_loop(post(body))
            assert status in (200, 400), status
            statuses.append(status)

        check()

    await run_beside_loop(search)
    assert 400 in statuses


# -- ATS -----------------------------------------------------------------------------------


@pytest.fixture
async def ats_client(settings: Settings, runtime: Runtime) -> AsyncIterator[TestClient]:
    settings.ats_webhook_secret = ATS_SECRET
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        yield client


async def _ats_rows() -> tuple[int, int, int]:
    return (
        await Referral.all().count(),
        await AtsDelivery.all().count(),
        await Candidate.all().count(),
    )


def _ats_event(job_id: int, ref: str) -> dict[str, Any]:
    return {
        "id": "evt_1",
        "type": "application.created",
        "data": {
            "application_id": "A-1",
            "job_id": job_id,
            "ref": ref,
            "candidate": {"name": "Marie Curie", "email": "marie@example.org"},
        },
    }


async def test_ats_events_without_a_valid_signature_write_nothing(
    ats_client: TestClient, runtime: Runtime
) -> None:
    job = await make_open_job(runtime)
    before = await _ats_rows()
    statuses: list[int] = []
    event = _ats_event(job.id, "")

    async def post(body: bytes, signature: str | None) -> int:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Signature"] = signature
        async with ats_client.post("/api/v1/webhooks/ats", data=body, headers=headers) as response:
            return response.status

    def search(on_loop: Post) -> None:
        @FUZZ
        @hypothesis.given(
            body=st.one_of(mutated(event).map(body_of), json_values.map(body_of), st.binary()),
            signature=st.none()
            | header_text
            | header_text.map(lambda s: "sha256=" + s)
            | st.binary(min_size=1).map(lambda b: sign("another-secret", b)),
            same_body_other_key=st.booleans(),
        )
        def check(body: bytes, signature: str | None, same_body_other_key: bool) -> None:
            if same_body_other_key:
                signature = sign("another-secret", body)
            statuses.append(on_loop(post(body, signature)))

        check()

    await run_beside_loop(search)
    assert set(statuses) == {401}
    assert await _ats_rows() == before


async def test_signed_ats_events_of_any_shape_never_get_a_5xx(
    ats_client: TestClient, runtime: Runtime
) -> None:
    sharer = await make_sharer(runtime, "sam@example.com")
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(sharer, ContentType.JOB, job.id, [Channel.LINKEDIN])
    event = _ats_event(job.id, share.code)
    statuses: list[int] = []

    async def post(body: bytes) -> int:
        headers = {"Content-Type": "application/json", "X-Signature": sign(ATS_SECRET, body)}
        async with ats_client.post("/api/v1/webhooks/ats", data=body, headers=headers) as response:
            return response.status

    def search(on_loop: Post) -> None:
        stage = {"id": "evt_2", "type": "candidate.stage_changed",
                 "data": {"application_id": "A-1", "stage": "Phone Screen"}}  # fmt: skip

        @FUZZ
        @hypothesis.given(
            body=st.one_of(
                mutated(event).map(body_of),
                mutated(stage).map(body_of),
                json_values.map(body_of),
                st.binary(),
            )
        )
        def check(body: bytes) -> None:
            status = on_loop(post(body))
            assert status < 500, (status, body)
            statuses.append(status)

        check()

    await run_beside_loop(search)
    assert any(400 <= status < 500 for status in statuses)


# -- Telegram Web App initData -------------------------------------------------------------


def signed_init_data(fields: dict[str, str], bot_token: str = BOT_TOKEN) -> str:
    """initData signed as Telegram documents it (written independently of app code)."""
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    return urlencode(
        {**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()}
    )


init_fields = st.dictionaries(
    st.sampled_from(["user", "auth_date", "query_id", "chat_type", "start_param", "x"]),
    st.text(max_size=30) | st.integers().map(str) | json_values.map(json.dumps),
    max_size=5,
)
# Shaped like Telegram's: a user object and a Unix time, each of any value.
shaped_fields = st.fixed_dictionaries(
    {
        "user": st.fixed_dictionaries(
            {"id": st.integers() | json_values}, optional={"first_name": json_values}
        ).map(json.dumps),
        "auth_date": st.integers().map(str),
    },
    optional={"query_id": st.text(max_size=20)},
)


@FUZZ
@hypothesis.given(
    init_data=st.text(max_size=300)
    | init_fields.map(urlencode)
    | init_fields.map(lambda f: signed_init_data(f, "999:another-bot"))
)
def test_init_data_not_signed_by_our_bot_is_always_refused_cleanly(init_data: str) -> None:
    from datetime import UTC, datetime

    with pytest.raises(InvalidInitData):
        verify_init_data(init_data, BOT_TOKEN, datetime(2026, 11, 26, tzinfo=UTC), 86400)


@FUZZ
@hypothesis.given(fields=init_fields | shaped_fields)
def test_init_data_signed_by_our_bot_either_verifies_or_is_refused_cleanly(
    fields: dict[str, str],
) -> None:
    from datetime import UTC, datetime

    try:
        user = verify_init_data(
            signed_init_data(fields), BOT_TOKEN, datetime(2026, 11, 26, tzinfo=UTC), 86400
        )
    except InvalidInitData:
        return
    assert str(user.id) in fields["user"]


async def test_the_sign_in_endpoint_opens_no_session_for_bad_init_data(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.telegram_bot_token = BOT_TOKEN
    runtime.settings.sign_in_limit_per_minute = 0  # the ceiling is tested on its own
    await make_employee(runtime, telegram_id="4242")
    now = runtime.clock.now()
    good_user = json.dumps({"id": 4242, "first_name": "Ada"})
    statuses: list[int] = []

    async def post(body: bytes) -> tuple[int, bool]:
        client.session.cookie_jar.clear()
        async with client.post(
            "/app/auth/telegram", data=body, headers={"Content-Type": "application/json"}
        ) as response:
            return response.status, COOKIE in response.cookies

    def search(on_loop: Post) -> None:
        @FUZZ
        @hypothesis.given(
            init_data=st.text(max_size=200)
            | init_fields.map(urlencode)
            | init_fields.map(lambda f: signed_init_data(f, "999:another-bot"))
            | st.builds(  # ours, but stale or from the future
                lambda age: signed_init_data(
                    {
                        "user": good_user,
                        "auth_date": str(int((now - timedelta(seconds=age)).timestamp())),
                    },
                    "999:another-bot",
                ),
                st.integers(-(10**6), 10**6),
            ),
            wrap=st.sampled_from(["object", "raw", "other"]),
        )
        def check(init_data: str, wrap: str) -> None:
            body = {
                "object": body_of({"init_data": init_data}),
                "raw": init_data.encode(),
                "other": body_of([init_data]),
            }[wrap]
            status, session = on_loop(post(body))
            assert 400 <= status < 500 and not session, (status, init_data)
            statuses.append(status)

        check()

    await run_beside_loop(search)
    assert await runtime.redis.keys("session:*") == []
