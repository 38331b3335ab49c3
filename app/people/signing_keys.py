"""A provider's token-signing keys (a JWKS document), fetched with aiohttp and cached.

Both single sign-ons use it: the OpenID provider's `jwks_uri` and the Teams tab's
`TEAMS_SSO_JWKS_URL`. The keys are kept a day; a token naming a key we do not know (a
rollover) refetches them, at most every five minutes. One fetch at a time; when the
endpoint fails, no other is tried for `retry_seconds` and every token is refused
meanwhile, so a flood of forged tokens never becomes a flood of requests to the provider.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)

KEEP_SECONDS = 86_400
ROLLOVER_SECONDS = 300


class KeysUnavailable(Exception):
    """The keys could not be fetched (the provider is down or answered nonsense)."""


class SigningKeys:
    def __init__(self, url: str, retry_seconds: float = 30.0, timeout: float = 10.0) -> None:
        self.url = url
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        self.keys: KeySet | None = None
        self.kids: frozenset[str] = frozenset()
        self.fetched = 0.0
        self.quiet_until = 0.0
        self._lock = asyncio.Lock()

    async def for_key(self, kid: str | None) -> KeySet:
        """The key set, fresh enough to hold `kid` if the provider publishes it."""
        now = time.monotonic()
        if self.keys is None or now - self.fetched > KEEP_SECONDS:
            try:
                await self._refresh()
            except KeysUnavailable:
                if self.keys is None:
                    raise  # the keys we have (a day old) still verify meanwhile
        elif kid not in self.kids and now - self.fetched > ROLLOVER_SECONDS:
            await self._refresh()
        assert self.keys is not None
        return self.keys

    async def _refresh(self) -> None:
        asked = time.monotonic()
        async with self._lock:
            if self.fetched > asked:  # fetched while this request waited for the lock
                return
            if asked < self.quiet_until:
                raise KeysUnavailable("the signing keys are unreachable; retrying shortly")
            try:
                document = await self._fetch()
                keys = KeySet.import_key_set(document)
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError,
                    JoseError) as exc:  # fmt: skip
                self.quiet_until = time.monotonic() + self.retry_seconds
                log.warning(
                    "sso: signing keys unreachable at %s (%s); next try in %.0fs",
                    self.url, exc or type(exc).__name__, self.retry_seconds,
                )  # fmt: skip
                raise KeysUnavailable("the signing keys are unreachable") from None
            self.keys = keys
            self.kids = frozenset(str(key.kid) for key in keys if key.kid)
            self.fetched = time.monotonic()

    async def _fetch(self) -> Any:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(self.url) as response,
        ):
            response.raise_for_status()
            document = await response.json(content_type=None)
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWKS document")
        return document
