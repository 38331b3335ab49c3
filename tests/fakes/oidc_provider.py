"""A local OpenID provider that speaks the real protocol, for the single sign-on tests
and for trying SSO by hand.

It serves discovery (`/.well-known/openid-configuration`), its JWKS (`/keys`, its own RSA
key), an authorize endpoint that signs in whoever `user` says at once and redirects back
with a code, and a token endpoint that checks the client's credentials, the redirect URI
and the PKCE verifier, takes each code once, and issues an RS256-signed ID token. The
`tamper` knobs make it misbehave the way a forged or stale answer would (another nonce,
issuer or audience, an expired token, a signature by a key it does not publish).

The same keys also sign Teams tab tokens (`teams_token`), so `/keys` doubles as
TEAMS_SSO_JWKS_URL.

Run it alone: `python -m tests.fakes.oidc_provider --port 8765 --email ada@example.com
--groups pv-recruiters`
(then OIDC_ISSUER=http://127.0.0.1:8765 OIDC_CLIENT_ID=porte-voix
OIDC_CLIENT_SECRET=secret).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "porte-voix"
CLIENT_SECRET = "provider-secret"


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class FakeOpenIdProvider:
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    user: dict[str, Any] = field(default_factory=lambda: {"email": "ada@example.com"})
    tamper: dict[str, Any] = field(default_factory=dict)
    now: Callable[[], float] = time.time
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, {"kid": uuid.uuid4().hex})
    )
    rogue_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048))
    url: str = ""
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: int = 0

    @property
    def issuer(self) -> str:
        return self.url

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/keys", self.keys)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/keys",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }
        )

    async def keys(self, request: web.Request) -> web.Response:
        public = self.key.as_dict(private=False)
        return web.json_response({"keys": [{**public, "use": "sig", "alg": "RS256"}]})

    async def authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if (
            query.get("client_id") != self.client_id
            or query.get("response_type") != "code"
            or "openid" not in query.get("scope", "").split()
            or query.get("code_challenge_method") != "S256"
        ):
            return web.Response(status=400, text="bad authorization request")
        code = secrets.token_urlsafe(24)
        self.grants[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            challenge=query.get("code_challenge", ""),
            nonce=query.get("nonce", ""),
            claims=dict(self.user),
        )
        back = {"code": code, "state": query.get("state", "")}
        raise web.HTTPFound(f"{query['redirect_uri']}?{urlencode(back)}")

    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if not self._client_ok(request):
            return web.json_response({"error": "invalid_client"}, status=401)
        grant = self.grants.pop(str(form.get("code", "")), None)  # each code works once
        verifier = str(form.get("code_verifier", ""))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("redirect_uri") != grant.redirect_uri
            or challenge.rstrip(b"=").decode() != grant.challenge
        ):
            return web.json_response({"error": "invalid_grant"}, status=400)
        access_token = secrets.token_urlsafe(32)
        return web.json_response(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": self.id_token(grant),
            }
        )

    def _client_ok(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user == self.client_id and password == self.client_secret

    def id_token(self, grant: Grant) -> str:
        now = int(self.now())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": grant.claims.get("sub", "subject-" + str(grant.claims.get("email"))),
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": grant.nonce,
            **grant.claims,
        }
        claims.update(self.tamper.get("claims", {}))
        key = self.rogue_key if self.tamper.get("forge") else self.key
        header = {"alg": "RS256", "kid": self.key.kid}
        return jwt.encode(header, claims, key)

    def teams_token(self, tenant_id: str, audience: str, **claims: Any) -> str:
        """An Entra ID access token as Teams gives the tab (v2: iss .../<tid>/v2.0)."""
        now = int(self.now())
        body: dict[str, Any] = {
            "iss": f"https://login.microsoftonline.com/{tenant_id}/v2.0",
            "aud": audience,
            "tid": tenant_id,
            "oid": str(uuid.uuid4()),
            "preferred_username": "ada@example.com",
            "name": "Ada Lovelace",
            "scp": "access_as_user",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
            **claims,
        }
        key = self.rogue_key if self.tamper.get("forge") else self.key
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, body, key)


async def start(provider: FakeOpenIdProvider, port: int = 0) -> web.AppRunner:
    """Serve it on 127.0.0.1 (a free port unless one is given); `provider.url` is set."""
    runner = web.AppRunner(provider.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    bound = runner.addresses[0][1]
    provider.url = f"http://127.0.0.1:{bound}"
    return runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--email", default="ada@example.com")
    parser.add_argument("--groups", default="", help="comma-separated, for OIDC_ROLE_GROUPS")
    parser.add_argument("--client-secret", default="secret")
    args = parser.parse_args()
    user: dict[str, Any] = {"email": args.email, "name": args.email.split("@")[0]}
    if args.groups:
        user["groups"] = [group.strip() for group in args.groups.split(",")]
    provider = FakeOpenIdProvider(client_secret=args.client_secret, user=user)
    provider.url = f"http://127.0.0.1:{args.port}"
    web.run_app(provider.app(), host="127.0.0.1", port=args.port)


if __name__ == "__main__":
    main()
