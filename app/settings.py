"""Settings: config/default.toml holds every setting with its default, the environment wins.

A bad value stops the program with one line naming the setting (`SettingsError`), so an
operator never has to read a traceback to find a typo in `PORT` or `DATABASE_URL`.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from app.i18n import Language

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WILDCARD_HOSTS = ("", "0.0.0.0", "::")
# The settings that take a value between two bounds: (lowest, highest, what to say).
RANGES = {
    "digest_weekday": (0, 6, "must be between 0 (Monday) and 6 (Sunday)"),
    "digest_hour": (0, 23, "must be between 0 and 23"),
}

ROLES = ("employee", "recruiter", "admin")
GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def config_dir() -> Path:
    return Path(os.environ.get("PORTEVOIX_CONFIG_DIR", PROJECT_ROOT / "config"))


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    database_url: str = ""
    redis_url: str = ""
    data_dir: Path = Path("data")
    redis_timeout_seconds: float = 2.0
    redis_max_connections: int = 50
    embedded_redis_idle_seconds: float = 5.0
    embedded_redis_snapshot_seconds: float = 1.0

    host: str = "127.0.0.1"
    port: int = 8080
    public_base_url: str = ""  # empty: http://HOST:PORT (see _default_public_base_url)
    max_body_bytes: int = 1_048_576
    max_json_depth: int = 64
    hsts_max_age_seconds: int = 31_536_000
    miniapp_frame_ancestors: str = (
        "https://web.telegram.org https://*.telegram.org "
        "https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft "
        "https://*.microsoft365.com https://*.office.com "
        "https://outlook.office.com https://outlook.office365.com"
    )
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    event_loop: Literal["asyncio", "uvloop"] = "asyncio"

    secret_key: str = ""
    admin_token: str = ""

    company_name: str = "Porte-voix Demo"
    company_logo: str = ""  # https URL, or an image file (relative: under data_dir)
    default_language: Language = "en"
    company_timezone: str = "Europe/Paris"
    invite_valid_days: int = 14
    demo_on_empty: bool = True

    link_cache_seconds: float = 5.0
    attribution_cookie_days: int = 30
    click_repeat_window_hours: int = 24
    click_visitor_limit_per_minute: int = 10
    click_link_limit_per_minute: int = 300
    click_address_limit_per_minute: int = 30
    click_address_unique_per_sharer_per_day: int = 10
    proxy_count: int = 0
    session_ttl_hours: int = 720
    miniapp_auth_max_age_seconds: int = 86400
    miniapp_auth_clock_skew_seconds: int = 300
    login_link_minutes: int = 15
    click_worker_batch: int = 500
    click_worker_wait_ms: int = 200
    redirect_limit_per_minute: int = 120
    redirect_address_limit_per_minute: int = 240
    sign_in_limit_per_minute: int = 60
    apply_limit_per_minute: int = 10

    broadcast_on_publish: bool = True
    push_daily_cap: int = 3
    broadcast_lease_seconds: int = 60
    broadcast_max_attempts: int = 5
    telegram_messages_per_second: float = 30
    telegram_chat_messages_per_second: float = 1
    telegram_group_messages_per_minute: float = 20
    telegram_jitter_ms: float = 25
    digest_weekday: int = 0
    digest_hour: int = 9

    telegram_bot_token: str = ""
    telegram_bot_username: str = ""  # empty: asked from Telegram (getMe) with the token
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_secret: str = ""

    teams_app_id: str = ""
    teams_app_password: str = ""
    teams_tenant_id: str = ""
    teams_emulator: bool = False
    teams_openid_metadata_url: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration"
    )
    teams_token_url: str = ""
    teams_keys_retry_seconds: float = 30.0
    teams_sso_jwks_url: str = "https://login.microsoftonline.com/common/discovery/v2.0/keys"
    teams_file_origins: str = "https://*.sharepoint.com,https://*.sharepoint.us"

    ats_webhook_secret: str = ""

    # Single sign-on with OpenID Connect (app/people/oidc.py): on when OIDC_ISSUER is set.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_provider_name: str = ""  # the button's "Sign in with <name>"; empty: generic words
    oidc_scopes: str = "openid email profile"
    oidc_email_claim: str = "email"
    oidc_groups_claim: str = "groups"
    oidc_role_groups: str = ""  # "group=role,group=role"; empty: groups are not read
    oidc_roles_can_raise: bool = False
    oidc_clock_skew_seconds: int = 120

    referral_ownership_days: int = 180
    referral_consent_days: int = 30
    referral_bonus_waiting_days: int = 90
    cv_max_bytes: int = 5_242_880
    cv_max_zip_entries: int = 1000
    cv_max_unzipped_bytes: int = 104_857_600
    import_max_bytes: int = 20_971_520
    job_board_cost_per_hire: float = 4000.0
    referral_cost_per_hire: float = 1500.0
    currency: str = "EUR"

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = ""
    self_service_domains: str = ""
    company_email_domains: str = ""
    self_service_create: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_dir() / "default.toml")
        return (init_settings, env_settings, toml)

    @field_validator("database_url")
    @classmethod
    def _database_url_is_supported(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme in ("postgres", "postgresql"):
            if not parts.hostname or not parts.path.strip("/"):
                raise ValueError("expected postgres://USER@HOST:PORT/DATABASE")
            return value
        if parts.scheme == "sqlite" and value.startswith("sqlite://") and len(value) > 9:
            return value
        raise ValueError("expected postgres://USER@HOST:PORT/DATABASE or sqlite:///path/to/file")

    @field_validator("redis_url")
    @classmethod
    def _redis_url_is_supported(cls, value: str) -> str:
        if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError("expected redis://HOST:PORT/DB")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url_is_http(cls, value: str) -> str:
        if not value:
            return value
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an http(s) URL such as https://advocacy.example.com")
        return value.rstrip("/")

    @field_validator("port", "smtp_port")
    @classmethod
    def _port_in_range(cls, value: int) -> int:
        if not 0 <= value <= 65535:
            raise ValueError("must be between 0 and 65535")
        return value

    @field_validator(
        "redis_timeout_seconds", "redis_max_connections", "max_body_bytes",
        "invite_valid_days", "attribution_cookie_days", "click_repeat_window_hours",
        "click_visitor_limit_per_minute", "click_link_limit_per_minute", "session_ttl_hours",
        "miniapp_auth_max_age_seconds", "login_link_minutes", "click_worker_batch",
        "push_daily_cap", "broadcast_lease_seconds", "broadcast_max_attempts",
        "telegram_messages_per_second", "telegram_chat_messages_per_second",
        "telegram_group_messages_per_minute", "referral_ownership_days",
        "referral_consent_days", "cv_max_bytes",
    )  # fmt: skip
    @classmethod
    def _positive(cls, value: float) -> float:
        """A duration, limit or size of 0 or less would make the product refuse all."""
        if value <= 0:
            raise ValueError("must be more than 0")
        return value

    @field_validator(
        "link_cache_seconds", "proxy_count", "redirect_limit_per_minute", "click_worker_wait_ms",
        "sign_in_limit_per_minute", "telegram_jitter_ms", "referral_bonus_waiting_days",
        "job_board_cost_per_hire", "referral_cost_per_hire", "oidc_clock_skew_seconds",
    )  # fmt: skip
    @classmethod
    def _not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @field_validator(*RANGES)
    @classmethod
    def _in_range(cls, value: int, info: ValidationInfo) -> int:
        low, high, message = RANGES[str(info.field_name)]
        if not low <= value <= high:
            raise ValueError(message)
        return value

    @field_validator("teams_app_id", "teams_tenant_id")
    @classmethod
    def _guid(cls, value: str) -> str:
        """Microsoft ids are GUIDs: anything else would only fail at the first message."""
        if value and not GUID.fullmatch(value.strip()):
            raise ValueError("expected a GUID such as 00000000-0000-0000-0000-000000000000")
        return value.strip()

    @field_validator(
        "telegram_api_base_url", "teams_openid_metadata_url", "teams_token_url",
        "teams_sso_jwks_url",
    )  # fmt: skip
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc):
            raise ValueError("expected an http(s) URL")
        return value

    @field_validator("oidc_issuer")
    @classmethod
    def _issuer(cls, value: str) -> str:
        """Tokens are only as safe as the channel their keys come through: https, except
        on this machine (a local provider in a test or a trial)."""
        value = value.strip().rstrip("/")
        parts = urlsplit(value)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if value and not (parts.scheme == "https" or (parts.scheme == "http" and local)):
            raise ValueError("expected the provider's https URL, as its tokens' `iss` says")
        return value

    @field_validator("oidc_role_groups")
    @classmethod
    def _role_groups(cls, value: str) -> str:
        for pair in (p.strip() for p in value.split(",")):
            group, equals, role = pair.rpartition("=")
            if pair and (not equals or not group.strip() or role.strip() not in ROLES):
                raise ValueError(f"{pair!r}: expected group=role with a role of {', '.join(ROLES)}")
        return value

    @field_validator("telegram_bot_username")
    @classmethod
    def _bot_username(cls, value: str) -> str:
        name = value.strip().removeprefix("@")
        if name and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{4,31}", name):
            raise ValueError("expected the bot's @username: 5 to 32 letters, digits or _")
        return name

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError("Telegram accepts 1 to 256 letters, digits, _ and -")
        return value

    @field_validator("admin_token")
    @classmethod
    def _admin_token_long_enough(cls, value: str) -> str:
        if value and len(value) < 16:
            raise ValueError("must be 16 characters or more (it grants every right)")
        return value

    @field_validator("smtp_from")
    @classmethod
    def _mail_address(cls, value: str) -> str:
        from email.utils import parseaddr

        if value and "@" not in parseaddr(value)[1]:
            raise ValueError("expected an e-mail address such as Porte-voix <jobs@example.com>")
        return value

    @field_validator("self_service_domains")
    @classmethod
    def _domains(cls, value: str) -> str:
        for domain in (d.strip().lstrip("@") for d in value.split(",")):
            if domain and not re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", domain):
                raise ValueError(f"{domain!r} is not a domain: expected example.com,example.fr")
        return value

    @field_validator("company_name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty: people read it in every invite")
        return value.strip()

    @field_validator("company_logo")
    @classmethod
    def _logo(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("http://"):
            raise ValueError("an http:// logo would be blocked on https pages: use https://")
        return value

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise ValueError("expected a 3-letter ISO 4217 code such as EUR")
        return value

    @field_validator("company_timezone")
    @classmethod
    def _timezone_exists(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _default_public_base_url(self) -> Settings:
        """Links (tracked, consent, sign-in) point where this server listens unless the
        operator says where the public reaches it; a server listening on every address
        is reached locally through 127.0.0.1."""
        if not self.public_base_url:
            host = "127.0.0.1" if self.host in WILDCARD_HOSTS else self.host
            if ":" in host:  # an IPv6 address
                host = f"[{host}]"
            self.public_base_url = f"http://{host}:{self.port}"
        return self

    @model_validator(mode="after")
    def _oidc_needs_a_client(self) -> Settings:
        if self.oidc_issuer and not self.oidc_client_id:
            raise ValueError("OIDC_CLIENT_ID must be set with OIDC_ISSUER")
        return self

    @model_validator(mode="after")
    def _production_needs_a_secret(self) -> Settings:
        if not self.embedded and len(self.secret_key) < 16:
            raise ValueError(
                "SECRET_KEY must be set (16+ characters) when DATABASE_URL or REDIS_URL "
                "points at a server"
            )
        return self

    @property
    def embedded(self) -> bool:
        """Embedded mode: SQLite and the data directory's own Redis (`app.store_host`), one
        server process does everything."""
        return not self.redis_url and not self.database_url.startswith("postgres")

    @property
    def cv_max_mb(self) -> int:
        """`cv_max_bytes` in whole megabytes, as the forms and the chat say it."""
        return self.cv_max_bytes // (1024 * 1024)

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def teams_sso_enabled(self) -> bool:
        """The tab's single sign-on needs the app (the audience) and the tenant."""
        return bool(self.teams_app_id and self.teams_tenant_id and self.teams_sso_jwks_url)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "portevoix.sqlite3"

    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite://{self.sqlite_path}"


def load_settings(**overrides: object) -> Settings:
    """Read config/default.toml and the environment; raise SettingsError with one line."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
    if settings.embedded and not settings.secret_key:
        settings.secret_key = _embedded_secret(settings.data_dir)
    return settings


def _one_line(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name = str(error["loc"][0]).upper() if error["loc"] else "SECRET_KEY"
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:
        return f"invalid settings: {message}"
    if any(word in name for word in ("SECRET", "TOKEN", "PASSWORD", "_URL")):
        return f"invalid setting {name}: {message}"  # may hold a credential: never echoed
    return f"invalid setting {name}: {message} (got {error.get('input')!r})"


def _embedded_secret(data_dir: Path) -> str:
    """A stable secret for embedded mode, created once and kept beside the SQLite file."""
    path = data_dir / "secret_key"
    try:
        if path.exists():
            return path.read_text().strip()
        data_dir.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_urlsafe(32)
        path.write_text(secret)
        path.chmod(0o600)
    except OSError as exc:
        raise SettingsError(
            f"invalid setting DATA_DIR: cannot use {data_dir}: {exc.strerror or exc}"
        ) from None
    return secret
