"""Test signing keys for Bot Framework JWTs: a local RSA key, its JWKS, and tokens.

The Bot Framework signs every activity it posts to a bot with a key published in its
OpenID metadata; these helpers play that part offline (the fake connector serves the
metadata and the JWKS), so the bot's real validation code runs in the tests.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class SigningKey:
    key_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    private_key: rsa.RSAPrivateKey = field(default_factory=_new_key)
    endorsements: tuple[str, ...] = ("msteams", "emulator")

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {
            **public,
            "kid": self.key_id,
            "use": "sig",
            "alg": "RS256",
            "endorsements": list(self.endorsements),
        }

    def token(
        self,
        app_id: str,
        service_url: str,
        *,
        issuer: str = ISSUER,
        lifetime: int = 3600,
        issued_ago: int = 0,
    ) -> str:
        """A channel-to-bot token as the Bot Framework issues it (audience = the bot)."""
        now = int(time.time()) - issued_ago
        claims = {
            "iss": issuer,
            "aud": app_id,
            "serviceurl": service_url,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.key_id})
