"""SCIM tokens: how the company's identity provider (Entra ID, Okta) proves it is the one
calling `/scim/v2`.

A token of its own kind, not an API token: it can provision and deprovision employees
and nothing else, and an API token (even the admin's) opens nothing under `/scim/v2`.
Made with `portevoix scim-token create`, shown once, stored as its SHA-256 (tokens are
256-bit random strings, so a fast hash is enough and a leaked table gives nothing
usable), revoked with `portevoix scim-token revoke`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.clock import Clock
from app.people.errors import ScimTokenNotFound
from app.people.models import ScimToken

PREFIX = "pvscim_"  # says what the secret is when it turns up in a paste or a scanner


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ScimTokens:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def issue(self, name: str) -> str:
        """A new token, returned once: only its hash is kept."""
        token = PREFIX + secrets.token_urlsafe(32)
        await ScimToken.create(name=name, token_hash=hash_token(token), created_at=self.clock.now())
        return token

    async def authenticate(self, token: str) -> ScimToken | None:
        """The live token row for this bearer token, or None.

        The row is found by the hash of what was sent (so the lookup's timing says
        nothing about the secret), and the hashes are compared once more in constant
        time."""
        if not token.startswith(PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        row = await ScimToken.get_or_none(token_hash=digest, revoked_at=None)
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        now = self.clock.now()
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            # Once a minute at most: a full sync sends thousands of requests.
            await ScimToken.filter(id=row.id).update(last_used_at=now)
        return row

    async def all(self) -> list[ScimToken]:
        return list(await ScimToken.all().order_by("id"))

    async def revoke(self, token_id: int) -> ScimToken:
        """Stop a token working at once (idempotent)."""
        row = await ScimToken.get_or_none(id=token_id)
        if row is None:
            raise ScimTokenNotFound(f"No SCIM token with id {token_id}.")
        if row.revoked_at is None:
            row.revoked_at = self.clock.now()
            await row.save(update_fields=["revoked_at"])
        return row
