"""Who may talk to the bot, and the bot's own credentials for talking back.

Incoming activities carry a Bot Framework JWT, checked by botbuilder's
`ConfigurationBotFrameworkAuthentication` against the endpoints of `auth_configuration`
(every one spelled out, so `TEAMS_OPENID_METADATA_URL` can point at a sovereign cloud or
the tests' fake). Two botbuilder pieces are replaced because they block the event loop:
its OpenID key fetcher (`SigningKeys`) and MSAL for the bot's own token
(`BotCredentials`); both fetch with aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from types import SimpleNamespace
from typing import Any

import aiohttp
from botframework.connector.auth import (
    AppCredentials,
    AuthenticationConstants,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from jwt.algorithms import RSAAlgorithm

from app.clock import Clock
from app.settings import Settings

log = logging.getLogger("app.bots.teams")


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
    five minutes when a token names a key we do not know (a rollover). One fetch at a
    time; when the endpoint fails, no other is tried for `retry_seconds`
    (TEAMS_KEYS_RETRY_SECONDS): every token is refused meanwhile, and a flood of forged
    tokens does not become a flood of requests to Microsoft, each waiting its timeout.
    """

    def __init__(self, url: str, retry_seconds: float, clock: Clock) -> None:
        self.url = url
        self.clock = clock
        self.retry_seconds = retry_seconds
        self.keys: list[dict[str, Any]] = []
        self.fetched = 0.0
        self.quiet_until = 0.0
        self._lock = asyncio.Lock()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def get(self, key_id: str) -> SimpleNamespace:
        if not self.keys:
            await self._refresh()
        elif self._now() - self.fetched > 86_400:
            with contextlib.suppress(PermissionError):  # logged; the keys we have still verify
                await self._refresh()
        key = self._find(key_id)
        if key is None and self._now() - self.fetched > 300:
            await self._refresh()
            key = self._find(key_id)
        if key is None:
            raise PermissionError("the token is signed with an unknown key")
        return key

    async def _refresh(self) -> None:
        asked = self._now()
        async with self._lock:
            if self.fetched > asked:  # fetched while this request waited for the lock
                return
            if asked < self.quiet_until:
                raise PermissionError("the signing keys are unreachable; retrying shortly")
            try:
                await self._fetch()
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError) as exc:
                self.quiet_until = self._now() + self.retry_seconds
                log.warning(
                    "teams: signing keys unreachable at %s (%s); next try in %.0fs",
                    self.url, exc or type(exc).__name__, self.retry_seconds,
                )  # fmt: skip
                raise PermissionError("the signing keys are unreachable") from None

    async def _fetch(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(self.url) as response:
                response.raise_for_status()
                jwks_uri = (await response.json(content_type=None))["jwks_uri"]
            async with session.get(jwks_uri) as response:
                response.raise_for_status()
                self.keys = list((await response.json(content_type=None))["keys"])
        self.fetched = self._now()

    def _find(self, key_id: str) -> SimpleNamespace | None:
        for key in self.keys:
            if key.get("kid") == key_id:
                return SimpleNamespace(
                    public_key=RSAAlgorithm.from_jwk(json.dumps(key)),
                    endorsements=key.get("endorsements", []),
                )
        return None


def auth_configuration(settings: Settings) -> SimpleNamespace:
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
