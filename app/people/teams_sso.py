"""The Teams tab's single sign-on token: who is opening the personal tab.

TeamsJS's `authentication.getAuthToken()` gives the tab an Entra ID access token for our
app (the manifest's `webApplicationInfo`). It is accepted when it is RS256-signed by a
key of TEAMS_SSO_JWKS_URL, issued by Entra ID for our tenant (`iss` is
`https://login.microsoftonline.com/<tid>/v2.0` for v2 tokens, `https://sts.windows.net/
<tid>/` for v1), to our app (`aud` is `api://<PUBLIC_BASE_URL host>/<TEAMS_APP_ID>`, the
manifest's resource, or the bare app id), with `tid` = TEAMS_TENANT_ID, and within its
`nbf`/`exp` give or take five minutes. No Graph call and no on-behalf-of exchange are
needed: the token itself says who the person is (`tid`, `oid`, `preferred_username`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwt import JWTClaimsRegistry

from app.people.signing_keys import KeysUnavailable, SigningKeys

log = logging.getLogger(__name__)

LEEWAY_SECONDS = 300
MAX_TOKEN_CHARS = 16_384


class TeamsTokenRefused(Exception):
    """The token does not prove a person of our tenant opened our tab."""


@dataclass(frozen=True)
class TeamsUser:
    tenant_id: str
    object_id: str
    username: str  # the UPN, usually the work e-mail
    name: str

    @property
    def account(self) -> str:
        """The Teams account id, as the bot stores it (`<tenant id>:<AAD object id>`)."""
        return f"{self.tenant_id}:{self.object_id}"


class TeamsTokens:
    def __init__(self, app_id: str, tenant_id: str, public_host: str, keys: SigningKeys) -> None:
        self.keys = keys
        self.tenant_id = tenant_id
        self.audiences = [f"api://{public_host}/{app_id}", app_id]
        self.issuers = [
            f"https://login.microsoftonline.com/{tenant_id}/v2.0",
            f"https://sts.windows.net/{tenant_id}/",
        ]

    async def user_of(self, token: str, now: datetime) -> TeamsUser:
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise TeamsTokenRefused("No token, or one too long.")
        try:
            header = jws.extract_compact(token.encode()).headers()
            keys = await self.keys.for_key(header.get("kid"))
            decoded = jwt.decode(token, keys, algorithms=["RS256"])
            JWTClaimsRegistry(
                now=int(now.timestamp()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "values": self.issuers},
                aud={"essential": True, "values": self.audiences},
                tid={"essential": True, "value": self.tenant_id},
                oid={"essential": True},
                exp={"essential": True},
            ).validate(decoded.claims)
        except KeysUnavailable:
            raise TeamsTokenRefused("Microsoft's signing keys cannot be reached.") from None
        except (JoseError, ValueError, TypeError) as exc:
            log.info("teams sso: token refused: %s", exc)
            raise TeamsTokenRefused("This Teams token is not valid for this app.") from None
        claims = decoded.claims
        username = claims.get("preferred_username") or claims.get("upn") or ""
        return TeamsUser(
            tenant_id=str(claims["tid"]),
            object_id=str(claims["oid"]),
            username=str(username),
            name=str(claims.get("name") or ""),
        )
