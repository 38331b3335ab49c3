"""HTTP abuse ceilings: tracked links per visitor, sign-in attempts per client address.

These are not the click classification (a visitor's 11th click in a minute is still
served and recorded, as `rate_limited`): they are a much higher ceiling that only a
script reaches, answered with 429 and `Retry-After` before any work is done. Counters are
fixed one-minute windows in Redis (INCR + EXPIRE, sent with the other requests' Redis
commands in one pipeline: `PipelinedCalls`), so every replica
shares them; the key holds the visitor hash, never an address. If Redis does not answer,
requests are let through (a tracked link must keep working) and Redis is left alone for
a few seconds.

- `/r/{code}`: REDIRECT_LIMIT_PER_MINUTE per visitor, the click pipeline's visitor hash
  (IP + user agent);
- sign-in (`POST /app/auth/telegram`, `GET /app/login/{token}`, `POST /dashboard/login`,
  `/consent/{token}`): SIGN_IN_LIMIT_PER_MINUTE per client address (hashed), all together,
  so guessing tokens or links from one machine is slow whatever the user agent says.
  (Every credential is long and random, so this is a brake, not the defence; it is
  generous because an office behind one NAT address shares it.)
- applications (`POST /apply/{job}`, public, with a CV of up to CV_MAX_BYTES):
  APPLY_LIMIT_PER_MINUTE per client address (hashed), refused before the upload is read,
  so one machine cannot fill the disk or the recruiters' pipeline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from app.referrals.clicks import visitor_hash
from app.store import PipelinedCalls
from app.web.errors import error_response
from app.web.keys import RUNTIME
from app.web.public import client_ip, render, visitor_of

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
PAUSE_AFTER_REDIS_ERROR = 5.0
SIGN_IN_PATHS = ("/app/auth/telegram", "/app/login/", "/dashboard/login", "/consent/")


@dataclass(frozen=True)
class Ceiling:
    name: str  # part of the Redis key: "redirect", "sign-in"
    per_minute: int  # 0: no ceiling


class HttpLimiter:
    """Counts hits per (ceiling, visitor) in the current minute, in Redis."""

    def __init__(self, pipelined: PipelinedCalls) -> None:
        self.pipelined = pipelined
        self._quiet_until = 0.0

    async def retry_after(self, ceiling: Ceiling, visitor: str, now: float) -> int:
        """0 if this hit is allowed, else the seconds until the window turns."""
        if ceiling.per_minute <= 0 or time.monotonic() < self._quiet_until:
            return 0
        window = int(now // WINDOW_SECONDS)
        key = f"http-limit:{ceiling.name}:{visitor}:{window}"

        def count_hit(pipe: Pipeline) -> None:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS * 2)

        try:
            count, _ = await self.pipelined.call(count_hit)
            if isinstance(count, Exception):
                raise count
        except (RedisError, OSError) as exc:
            self._quiet_until = time.monotonic() + PAUSE_AFTER_REDIS_ERROR
            log.warning(
                "rate limits off for %.0fs: redis unreachable (%s)", PAUSE_AFTER_REDIS_ERROR, exc
            )
            return 0
        if int(count) <= ceiling.per_minute:
            return 0
        return max(1, (window + 1) * WINDOW_SECONDS - int(now))


LIMITER = web.AppKey("http_limiter", HttpLimiter)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def ceiling_for(request: web.Request) -> tuple[Ceiling, str] | None:
    """Which ceiling a request counts against, and the visitor it counts for."""
    runtime = request.app[RUNTIME]
    settings = runtime.settings
    path = request.path
    if path.startswith("/r/"):  # the same visitor the click will be counted for
        return Ceiling("redirect", settings.redirect_limit_per_minute), visitor_of(request)
    if path.startswith(SIGN_IN_PATHS) and request.method in ("GET", "POST"):
        return Ceiling("sign-in", settings.sign_in_limit_per_minute), address_of(request)
    if path.startswith("/apply/") and request.method == "POST":
        return Ceiling("apply", settings.apply_limit_per_minute), address_of(request)
    return None


def address_of(request: web.Request) -> str:
    """The client address, hashed (never stored as such), for per-address ceilings."""
    runtime = request.app[RUNTIME]
    settings = runtime.settings
    ip = client_ip(request, settings.proxy_count)
    return visitor_hash(settings.secret_key, ip, "address", runtime.clock.now())


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    found = ceiling_for(request)
    if found is None:
        return await handler(request)
    ceiling, visitor = found
    now = request.app[RUNTIME].clock.now().timestamp()
    wait = await request.app[LIMITER].retry_after(ceiling, visitor, now)
    if not wait:
        return await handler(request)
    return too_many(request, wait)


def install(app: web.Application) -> None:
    """The middleware, and its limiter once the runtime (and its Redis) is open."""

    async def limiter_ctx(app: web.Application) -> AsyncIterator[None]:
        app[LIMITER] = HttpLimiter(app[RUNTIME].pipelined)
        yield

    app.cleanup_ctx.append(limiter_ctx)
    app.middlewares.append(rate_limit_middleware)


def too_many(request: web.Request, wait: int) -> web.Response:
    """429: JSON for the app's scripts, a short page for people following a link."""
    if request.path.startswith("/app/auth/"):
        response = error_response(
            429, "too_many_requests", f"Too many attempts; try again in {wait} seconds."
        )
    else:
        response = render(
            "message.html.j2",
            429,
            company=request.app[RUNTIME].settings.company_name,
            title="Too many requests · Trop de requêtes",
            lines=[
                f"Please wait {wait} seconds and try again.",
                f"Merci de patienter {wait} secondes avant de réessayer.",
            ],
            action="See our open jobs · Voir nos offres",
        )
    response.headers["Retry-After"] = str(wait)
    response.headers["Cache-Control"] = "no-store"
    return response
