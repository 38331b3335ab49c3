"""Settings: defaults from config/default.toml, the environment on top, one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.runtime import CLI_PROCESS, open_runtime
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
    async with open_runtime(load_settings(), CLI_PROCESS, migrate=True) as runtime:
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
        ("TEAMS_APP_ID", "not-a-guid", "invalid setting TEAMS_APP_ID: expected a GUID"),
        ("TEAMS_TENANT_ID", "contoso", "invalid setting TEAMS_TENANT_ID: expected a GUID"),
        ("INVITE_VALID_DAYS", "-3", "INVITE_VALID_DAYS: must be more than 0 (got '-3')"),
        ("PUSH_DAILY_CAP", "0", "invalid setting PUSH_DAILY_CAP: must be more than 0"),
        ("SESSION_TTL_HOURS", "0", "invalid setting SESSION_TTL_HOURS: must be more than 0"),
        ("TELEGRAM_MESSAGES_PER_SECOND", "-1", "TELEGRAM_MESSAGES_PER_SECOND: must be more"),
        ("PROXY_COUNT", "-1", "invalid setting PROXY_COUNT: must be 0 or more"),
        ("CLICK_WORKER_WAIT_MS", "-5", "invalid setting CLICK_WORKER_WAIT_MS: must be 0 or more"),
        ("DIGEST_HOUR", "24", "invalid setting DIGEST_HOUR: must be between 0 and 23"),
        ("DIGEST_WEEKDAY", "7", "invalid setting DIGEST_WEEKDAY: must be between 0 (Monday)"),
        ("SMTP_PORT", "99999", "invalid setting SMTP_PORT: must be between 0 and 65535"),
        ("TELEGRAM_API_BASE_URL", "api.telegram.org", "TELEGRAM_API_BASE_URL: expected an"),
        ("TEAMS_TOKEN_URL", "ftp://login", "invalid setting TEAMS_TOKEN_URL: expected an http"),
        ("TELEGRAM_BOT_USERNAME", "my bot", "invalid setting TELEGRAM_BOT_USERNAME: expected"),
        ("TELEGRAM_WEBHOOK_SECRET", "a b", "invalid setting TELEGRAM_WEBHOOK_SECRET: Telegram"),
        ("ADMIN_TOKEN", "short", "invalid setting ADMIN_TOKEN: must be 16 characters or more"),
        ("CURRENCY", "euro", "invalid setting CURRENCY: expected a 3-letter ISO 4217 code"),
        ("SMTP_FROM", "jobs", "invalid setting SMTP_FROM: expected an e-mail address"),
        ("SELF_SERVICE_DOMAINS", "acme.com, acme fr", "'acme fr' is not a domain"),
        ("COMPANY_NAME", "  ", "invalid setting COMPANY_NAME: must not be empty"),
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


def test_well_formed_values_are_accepted_as_operators_write_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEAMS_APP_ID", " 0D2F5C1E-7A41-4B8E-9C55-3F1B2A6D7E90 ")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@AcmeAdvocacyBot")
    monkeypatch.setenv("REDIRECT_LIMIT_PER_MINUTE", "0")  # 0 = off, as documented
    monkeypatch.setenv("SMTP_FROM", "Porte-voix <jobs@acme.example>")
    monkeypatch.setenv("SELF_SERVICE_DOMAINS", "acme.example, @acme-group.fr")
    settings = load_settings()
    assert settings.teams_app_id == "0D2F5C1E-7A41-4B8E-9C55-3F1B2A6D7E90"
    assert settings.telegram_bot_username == "AcmeAdvocacyBot"
    assert settings.redirect_limit_per_minute == 0


def test_the_digest_day_and_hour_are_refused_out_of_their_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value, said in (
        ("DIGEST_WEEKDAY", "7", "between 0 (Monday) and 6 (Sunday)"),
        ("DIGEST_HOUR", "24", "between 0 and 23"),
    ):
        monkeypatch.setenv(name, value)
        with pytest.raises(SettingsError, match=said.replace("(", r"\(").replace(")", r"\)")):
            load_settings()
        monkeypatch.setenv(name, "6")
    assert (load_settings().digest_weekday, load_settings().digest_hour) == (6, 6)


def test_the_cv_limit_is_said_from_its_setting_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CV_MAX_BYTES", str(2 * 1024 * 1024))
    assert load_settings().cv_max_mb == 2
    # No form, chat message or catalog spells the default size beside the setting.
    app = Path(__file__).parent.parent / "app"
    for path in [*app.rglob("*.py"), *app.rglob("*.js"), *app.rglob("*.j2"), *app.rglob("*.po")]:
        assert not re.search(r"\b5 (MB|Mo)\b", path.read_text(encoding="utf-8")), path
