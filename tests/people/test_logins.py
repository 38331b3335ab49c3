"""One-time sign-in links and Telegram Web App initData."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from app.people.logins import InvalidInitData, verify_init_data
from app.runtime import Runtime
from tests.conftest import START
from tests.web.miniapp_support import BOT_TOKEN, telegram_init_data


def test_init_data_signed_by_the_bot_gives_its_user() -> None:
    user = verify_init_data(telegram_init_data(77, START, language="fr"), BOT_TOKEN, START, 60)
    assert (user.id, user.first_name, user.language_code) == (77, "Ada", "fr")
    assert user.auth_date == START


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda f: {**f, "auth_date": str(int(f["auth_date"]) + 1)}, "not signed"),
        (lambda f: {**f, "hash": f["hash"].upper()}, "not signed"),
        (lambda f: {k: v for k, v in f.items() if k != "hash"}, "not signed"),
        (lambda f: {**f, "extra": "1"}, "not signed"),
    ],
)
def test_any_change_to_signed_init_data_is_refused(change: object, reason: str) -> None:
    fields = dict(parse_qsl(telegram_init_data(77, START)))
    tampered = urlencode(change(fields))  # type: ignore[operator]
    with pytest.raises(InvalidInitData, match=reason):
        verify_init_data(tampered, BOT_TOKEN, START, 60)


def test_init_data_is_refused_when_too_old_repeated_or_without_a_bot_token() -> None:
    data = telegram_init_data(77, START - timedelta(seconds=61))
    with pytest.raises(InvalidInitData, match="too old"):
        verify_init_data(data, BOT_TOKEN, START, 60)
    with pytest.raises(InvalidInitData, match="repeats"):
        verify_init_data(data + "&user=%7B%7D", BOT_TOKEN, START, 3600)
    with pytest.raises(InvalidInitData, match="not configured"):
        verify_init_data(data, "", START, 3600)
    with pytest.raises(InvalidInitData, match="query string"):
        verify_init_data("no-equals-sign", BOT_TOKEN, START, 3600)


async def test_a_login_link_works_once(runtime: Runtime) -> None:
    url = await runtime.logins.create(12, "/dashboard")
    token = url.rsplit("/", 1)[1]
    grant = await runtime.logins.consume(token)
    assert grant is not None and (grant.employee_id, grant.destination) == (12, "/dashboard")
    assert await runtime.logins.consume(token) is None
    assert await runtime.logins.consume("") is None
    assert await runtime.logins.consume("x" * 65) is None
    with pytest.raises(ValueError):
        await runtime.logins.create(12, "https://evil.example/")
