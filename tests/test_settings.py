"""Settings: defaults from config/default.toml, the environment on top, one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.runtime import open_runtime
from app.settings import SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "PORT",
        "HOST",
        "PUBLIC_BASE_URL",
        "SECRET_KEY",
        "LOG_FORMAT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))


def test_defaults_come_from_the_config_file() -> None:
    settings = load_settings()
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.embedded


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "9090")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://advocacy.example.com/")
    settings = load_settings()
    assert settings.port == 9090
    assert settings.public_base_url == "https://advocacy.example.com"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (None, "http://127.0.0.1:8099"),
        ("0.0.0.0", "http://127.0.0.1:8099"),  # every address: reached locally on 127.0.0.1
        ("192.168.1.20", "http://192.168.1.20:8099"),
        ("::1", "http://[::1]:8099"),
    ],
)
def test_public_base_url_follows_host_and_port_unless_set(
    monkeypatch: pytest.MonkeyPatch, host: str | None, expected: str
) -> None:
    monkeypatch.setenv("PORT", "8099")
    if host is not None:
        monkeypatch.setenv("HOST", host)
    assert load_settings().public_base_url == expected
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://advocacy.example.com")
    assert load_settings().public_base_url == "https://advocacy.example.com"


async def test_sign_in_links_point_at_the_port_the_server_listens_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "8099")
    async with open_runtime(load_settings(), migrate=True) as runtime:
        link = await runtime.logins.create(1)
    assert link.startswith("http://127.0.0.1:8099/app/login/")


def test_embedded_mode_keeps_a_generated_secret_across_restarts(tmp_path: Path) -> None:
    first = load_settings().secret_key
    assert len(first) >= 32
    assert load_settings().secret_key == first


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("PORT", "abc", "invalid setting PORT"),
        ("PORT", "70000", "invalid setting PORT: must be between 0 and 65535"),
        ("DATABASE_URL", "mysql://db/x", "invalid setting DATABASE_URL: expected postgres://"),
        ("DATABASE_URL", "postgres://", "invalid setting DATABASE_URL"),
        ("REDIS_URL", "http://cache", "invalid setting REDIS_URL"),
        ("LOG_FORMAT", "xml", "invalid setting LOG_FORMAT"),
        ("COMPANY_TIMEZONE", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_a_bad_value_gives_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert expected in message
    assert "\n" not in message


def test_servers_need_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app@db.internal:5432/portevoix")
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        load_settings()
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    assert not load_settings().embedded


def test_a_credential_in_a_bad_url_is_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "http://user:hunter2@cache")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "hunter2" not in str(error.value)
