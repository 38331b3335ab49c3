"""Signing in with the company's OpenID provider: the relying party's side of OpenID
Connect's authorization code flow with PKCE.

Entra ID, Google Workspace, Okta and Keycloak differ only in configuration: the provider
is found by discovery (`<issuer>/.well-known/openid-configuration`), whose `issuer` must be
the configured one. Authlib builds the authorization request (`state`, `nonce`, the S256
code challenge) and validates the ID token's claims (issuer, audience and authorised
party, expiry, nonce, `at_hash`); joserfc checks its signature with a key of the
provider's JWKS (`signing_keys`). Only asymmetric algorithms are accepted: an HS256 token
"signed" with our client secret or an `alg: none` one proves nothing.

A pending sign-in (nonce, code verifier, where to go next) waits in Redis under its
`state` for ten minutes and is taken once (GETDEL): any replica answers the callback, and
a replayed callback finds nothing.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus

import aiohttp
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jws, jwt
from joserfc.errors import JoseError
from redis.asyncio import Redis

from app.people.signing_keys import KeysUnavailable, SigningKeys

log = logging.getLogger(__name__)

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
PENDING = "oidc:pending:"
PENDING_SECONDS = 600
METADATA_SECONDS = 86_400
MAX_TOKEN_CHARS = 16_384


class SignInFailed(Exception):
    """The provider's answer does not prove who is signing in (the message is for logs
    and for the page: it names no secret)."""


@dataclass(frozen=True)
class OidcClient:
    """This installation as the provider knows it (OIDC_* settings)."""

    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    redirect_uri: str
    leeway_seconds: int = 120


@dataclass(frozen=True)
class PendingSignIn:
    state: str
    nonce: str
    code_verifier: str
    next_path: str


class OpenIdProvider:
    """The provider behind OIDC_ISSUER: its metadata (cached a day) and keys."""

    def __init__(self, client: OidcClient, timeout: float = 10.0) -> None:
        self.client = client
        self.timeout = timeout
        self._metadata: dict[str, Any] | None = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()
        self.keys: SigningKeys | None = None

    @property
    def discovery_url(self) -> str:
        return f"{self.client.issuer}/.well-known/openid-configuration"

    async def metadata(self) -> dict[str, Any]:
        async with self._lock:
            if self._metadata is None or time.monotonic() - self._fetched > METADATA_SECONDS:
                self._metadata = await self._discover()
                self._fetched = time.monotonic()
                self.keys = SigningKeys(str(self._metadata["jwks_uri"]))
        return self._metadata

    async def _discover(self) -> dict[str, Any]:
        try:
            document = await self._get_json(self.discovery_url)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("oidc: discovery at %s failed: %s", self.discovery_url, exc)
            raise SignInFailed("The sign-in provider cannot be reached.") from None
        if not isinstance(document, dict) or document.get("issuer") != self.client.issuer:
            # OpenID Connect Discovery §4.3: the issuer must be exactly the one asked for.
            log.warning("oidc: %s describes another issuer", self.discovery_url)
            raise SignInFailed("The sign-in provider is misconfigured.")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(name), str):
                raise SignInFailed("The sign-in provider is misconfigured.")
        return document

    async def _get_json(self, url: str) -> Any:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as answer:
            answer.raise_for_status()
            return await answer.json(content_type=None)

    async def authorization(self, next_path: str) -> tuple[str, PendingSignIn]:
        """The provider's URL to send the browser to, and what the callback will need."""
        metadata = await self.metadata()
        pending = PendingSignIn(
            state=generate_token(43),
            nonce=generate_token(43),
            code_verifier=generate_token(64),  # RFC 7636: 43 to 128 characters
            next_path=next_path,
        )
        url = prepare_grant_uri(
            metadata["authorization_endpoint"],
            client_id=self.client.client_id,
            response_type="code",
            redirect_uri=self.client.redirect_uri,
            scope=self.client.scopes,
            state=pending.state,
            nonce=pending.nonce,
            code_challenge=create_s256_code_challenge(pending.code_verifier),
            code_challenge_method="S256",
        )
        return url, pending

    async def verified_claims(
        self, code: str, pending: PendingSignIn, now: datetime
    ) -> dict[str, Any]:
        """The claims of the ID token the provider gives for `code`, once checked."""
        metadata = await self.metadata()
        tokens = await self._redeem(metadata, code, pending.code_verifier)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str) or len(id_token) > MAX_TOKEN_CHARS:
            raise SignInFailed("The provider gave no ID token.")
        return await self._check(id_token, pending.nonce, tokens.get("access_token"), now)

    async def _redeem(self, metadata: dict[str, Any], code: str, verifier: str) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.client.redirect_uri,
            "code_verifier": verifier,
            "client_id": self.client.client_id,
        }
        headers = {"Accept": "application/json"}
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if self.client.client_secret:
            if "client_secret_basic" in methods:
                headers["Authorization"] = basic_auth(
                    self.client.client_id, self.client.client_secret
                )
            else:
                form["client_secret"] = self.client.client_secret
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.post(metadata["token_endpoint"], data=form, headers=headers) as answer,
            ):
                payload = await answer.json(content_type=None)
                status = answer.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("oidc: token endpoint failed: %s", exc)
            raise SignInFailed("The sign-in provider cannot be reached.") from None
        if status != 200 or not isinstance(payload, dict):
            error = payload.get("error") if isinstance(payload, dict) else None
            log.info("oidc: the token endpoint refused the code (%s, %s)", status, error)
            raise SignInFailed("The provider refused this sign-in (the code was used or expired).")
        return payload

    async def _check(
        self, id_token: str, nonce: str, access_token: object, now: datetime
    ) -> dict[str, Any]:
        assert self.keys is not None  # set with the metadata
        try:
            header = jws.extract_compact(id_token.encode()).headers()
            keys = await self.keys.for_key(header.get("kid"))
            token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
            claims = CodeIDToken(
                token.claims,
                token.header,
                options={
                    "iss": {"essential": True, "value": self.client.issuer},
                    "aud": {"essential": True, "value": self.client.client_id},
                    "nonce": {"essential": True, "value": nonce},
                },
                params={
                    "nonce": nonce,
                    "client_id": self.client.client_id,
                    "access_token": access_token if isinstance(access_token, str) else None,
                },
            )
            claims.validate(now=int(now.timestamp()), leeway=self.client.leeway_seconds)
        except KeysUnavailable:
            raise SignInFailed("The provider's signing keys cannot be reached.") from None
        except (JoseError, ValueError, TypeError) as exc:
            log.info("oidc: ID token refused: %s", exc)
            raise SignInFailed("The provider's answer could not be verified.") from None
        return dict(claims)


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: each part form-urlencoded, then HTTP Basic."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


class PendingSignIns:
    """Sign-ins on their way through the provider, in Redis, each taken once."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def keep(self, pending: PendingSignIn) -> None:
        value = json.dumps(
            {"nonce": pending.nonce, "verifier": pending.code_verifier, "next": pending.next_path}
        )
        await self.redis.set(PENDING + pending.state, value, ex=PENDING_SECONDS)

    async def take(self, state: str) -> PendingSignIn | None:
        if not state or len(state) > 128:
            return None
        raw = await self.redis.getdel(PENDING + state)
        if raw is None:
            return None
        data = json.loads(raw)
        return PendingSignIn(state, str(data["nonce"]), str(data["verifier"]), str(data["next"]))
