"""HTTP abuse ceilings: tracked links per visitor and per address, sign-in attempts per
client address.

These are not the click classification (a visitor's 11th click in a minute is still
served and recorded, as `rate_limited`): they are a much higher ceiling that only a
script reaches, answered with 429 and `Retry-After` before any work is done. Counters are
fixed one-minute windows in Redis, so every replica shares them: the counters of
concurrent requests are counted by one Lua call (`COUNT_HITS`, through `GroupCommit`),
because as separate INCR and EXPIRE commands in a pipeline, redis-py's work per command
was half the redirect's CPU; the key holds a keyed hash, never an address. If Redis
does not answer, requests are let through (a tracked link must keep working) and Redis
is left alone for a few seconds.

- `/r/{code}` (counted by the redirect's front door, `app.web.redirect`, which serves it
  without this middleware): REDIRECT_LIMIT_PER_MINUTE per visitor, the click pipeline's visitor hash
  (IP + user agent), and REDIRECT_ADDRESS_LIMIT_PER_MINUTE per address alone (hashed),
  so that a script rotating its user agent is stopped all the same (a higher ceiling,
  because an office behind one NAT address shares it);
- sign-in (`/app/auth/...`: Telegram, Teams, OpenID Connect; `GET /app/login/{token}`,
  `POST /dashboard/login`, `/consent/{token}`): SIGN_IN_LIMIT_PER_MINUTE per client
  address (hashed), all together, so guessing tokens or links from one machine is slow
  whatever the user agent says.
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
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.group_commit import GroupCommit
from app.referrals.clicks import address_hash
from app.referrals.redirects import COUNTER_SECONDS, Counter
from app.settings import Settings
from app.web.errors import error_response
from app.web.keys import RUNTIME
from app.web.public import client_ip, render

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
PAUSE_AFTER_REDIS_ERROR = 5.0
SIGN_IN_PATHS = ("/app/auth/", "/app/login/", "/dashboard/login", "/consent/")


@dataclass(frozen=True)
class Ceiling:
    name: str  # part of the Redis key: "redirect", "sign-in"
    per_minute: int  # 0: no ceiling


Counted = tuple[Ceiling, str]  # a ceiling, and whom it counts (a hash)


# KEYS: the counters of a batch of requests; ARGV[1]: their lifetime (s). Returns the
# count of each, this hit included.
COUNT_HITS = """
local counts = {}
for i = 1, #KEYS do
  counts[i] = redis.call('INCR', KEYS[i])
  if counts[i] == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1]) end
end
return counts
"""


class HttpLimiter:
    """Counts hits per (ceiling, hash) in the current minute, in Redis."""

    def __init__(self, redis: Redis) -> None:
        self.counts = GroupCommit(self._count_all)
        self._script = redis.register_script(COUNT_HITS)
        self._quiet_until = 0.0

    async def retry_after(self, counted: list[Counted], now: float) -> int:
        """0 if this hit is allowed by every ceiling, else the seconds until the window
        turns. The ceilings are counted together, in one call."""
        counters = counters_of(counted, now)
        if not counters or time.monotonic() < self._quiet_until:
            return 0
        try:
            counts = await self.counts.submit([key for key, _ in counters])
        except (RedisError, OSError) as exc:
            self._quiet_until = time.monotonic() + PAUSE_AFTER_REDIS_ERROR
            log.warning(
                "rate limits off for %.0fs: redis unreachable (%s)", PAUSE_AFTER_REDIS_ERROR, exc
            )
            return 0
        if all(int(n) <= ceiling for n, (_, ceiling) in zip(counts, counters, strict=True)):
            return 0
        return wait_seconds(now)

    async def _count_all(self, batch: list[list[str]]) -> list[list[int]]:
        """The counters of concurrent requests, in one call; each request's counts."""
        counts = await self._script(
            keys=[key for keys in batch for key in keys], args=[COUNTER_SECONDS]
        )
        each, start = [], 0
        for keys in batch:
            each.append(counts[start : start + len(keys)])
            start += len(keys)
        return each


def counters_of(counted: list[Counted], now: float) -> list[Counter]:
    """The Redis counter of each ceiling (that is on) in this window, with its ceiling:
    what `retry_after` counts, and what the redirect's click batch counts itself."""
    window = int(now // WINDOW_SECONDS)
    return [
        (f"http-limit:{ceiling.name}:{who}:{window}", ceiling.per_minute)
        for ceiling, who in counted
        if ceiling.per_minute > 0
    ]


def wait_seconds(now: float) -> int:
    """How long a request over a ceiling waits: until the window turns (Retry-After)."""
    return max(1, (int(now // WINDOW_SECONDS) + 1) * WINDOW_SECONDS - int(now))


LIMITER = web.AppKey("http_limiter", HttpLimiter)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def redirect_ceilings(settings: Settings, visitor: str, address: str) -> list[Counted]:
    """What a tracked link's visit counts against: the same visitor and address that
    its click will count (`app.web.redirect` checks them, before anything else)."""
    return [
        (Ceiling("redirect", settings.redirect_limit_per_minute), visitor),
        (Ceiling("redirect-address", settings.redirect_address_limit_per_minute), address),
    ]


def ceilings_for(request: web.Request) -> list[Counted]:
    """Which ceilings a request counts against, and whom each counts."""
    settings = request.app[RUNTIME].settings
    path = request.path
    if path.startswith(SIGN_IN_PATHS) and request.method in ("GET", "POST"):
        return [(Ceiling("sign-in", settings.sign_in_limit_per_minute), address_of(request))]
    if path.startswith("/apply/") and request.method == "POST":
        return [(Ceiling("apply", settings.apply_limit_per_minute), address_of(request))]
    return []


def address_of(request: web.Request) -> str:
    """The client address, hashed (never stored as such), for per-address ceilings."""
    runtime = request.app[RUNTIME]
    settings = runtime.settings
    ip = client_ip(request, settings.proxy_count)
    return address_hash(settings.secret_key, ip, runtime.clock.now())


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    counted = ceilings_for(request)
    if not counted:
        return await handler(request)
    now = request.app[RUNTIME].clock.now().timestamp()
    wait = await request.app[LIMITER].retry_after(counted, now)
    if not wait:
        return await handler(request)
    return too_many(request, wait)


def install(app: web.Application) -> None:
    """The middleware, and its limiter once the runtime (and its Redis) is open."""

    async def limiter_ctx(app: web.Application) -> AsyncIterator[None]:
        app[LIMITER] = HttpLimiter(app[RUNTIME].redis)
        yield

    app.cleanup_ctx.append(limiter_ctx)
    app.middlewares.append(rate_limit_middleware)


def too_many(request: web.Request, wait: int) -> web.Response:
    """429: JSON for the app's scripts, a short page for people following a link."""
    if request.path.startswith("/app/auth/") and request.method == "POST":
        response = error_response(
            429, "too_many_requests", f"Too many attempts; try again in {wait} seconds."
        )
        response.headers["Retry-After"] = str(wait)
        response.headers["Cache-Control"] = "no-store"
        return response
    return too_many_page(request.app[RUNTIME].settings.company_name, wait)


def too_many_page(company: str, wait: int) -> web.Response:
    """The 429 page for people following a link, saying when to try again."""
    response = render(
        "message.html.j2",
        429,
        company=company,
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
