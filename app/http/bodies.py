"""The one way every endpoint reads a JSON body: the REST API, the mini app, Telegram
sign-in, and the webhooks (Telegram updates, Teams activities, the ATS).

Same limits and same answers everywhere, as `{"error": {...}}`: a body over
MAX_BODY_BYTES is 413 `body_too_large`, bytes that are not JSON are 400 `bad_json`, a
document nested deeper than MAX_JSON_DEPTH is 422 `too_deep`. Nothing is written in any
of these cases, and none of them can escape as a 500. The caller passes its limits (the
settings), read at each request: an operator's change needs no other wiring.
"""

from __future__ import annotations

from typing import Any, Protocol

from aiohttp import web

from app.http.errors import ApiError
from app.parsing import JsonTooDeep, json_loads


class BodyLimits(Protocol):
    """What a body is measured against (`Settings` has both)."""

    max_body_bytes: int  # also the application's client_max_size, which enforces it
    max_json_depth: int


async def read_bytes(request: web.Request, limits: BodyLimits) -> bytes:
    """The raw body (a signed webhook checks its signature over these bytes first)."""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(
            413, "body_too_large", f"The request body is larger than {limits.max_body_bytes} bytes."
        ) from None


def parse_json(raw: bytes, limits: BodyLimits, empty: Any = None) -> Any:
    """The document in `raw`; `empty` when there is no body at all (when not None)."""
    if empty is not None and not raw.strip():
        return empty
    max_depth = limits.max_json_depth
    try:
        return json_loads(raw, max_depth)
    except JsonTooDeep:
        raise ApiError(
            422, "too_deep", f"The JSON body nests more than {max_depth} levels."
        ) from None
    except ValueError:
        raise ApiError(400, "bad_json", "The body is not valid JSON.") from None


async def read_json(request: web.Request, limits: BodyLimits, empty: Any = None) -> Any:
    """The request's JSON body (see the module's docstring for the errors)."""
    return parse_json(await read_bytes(request, limits), limits, empty)
