"""HTTP abuse ceilings: tracked links per visitor and per address, sign-in attempts per
client address.

These are not the click classification (a visitor's 11th click in a minute is still
served and recorded, as `rate_limited`): they are a much higher ceiling that only a
script reaches, answered with 429 and `Retry-After` before any work is done. They are
counted by `app.http.rates.RateCounter` (fixed one-minute windows in Redis, shared by
every replica, let through when Redis does not answer); the key holds a keyed hash,
never an address.

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

from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from app.http.errors import error_response
from app.http.rates import Ceiling, Counted, RateCounter
from app.referrals.clicks import address_hash
from app.settings import Settings
from app.web.keys import SERVICES
from app.web.public import client_ip, render

SIGN_IN_PATHS = ("/app/auth/", "/app/login/", "/dashboard/login", "/consent/")

LIMITER = web.AppKey("http_limiter", RateCounter)
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
    settings = request.app[SERVICES].settings
    path = request.path
    if path.startswith(SIGN_IN_PATHS) and request.method in ("GET", "POST"):
        return [(Ceiling("sign-in", settings.sign_in_limit_per_minute), address_of(request))]
    if path.startswith("/apply/") and request.method == "POST":
        return [(Ceiling("apply", settings.apply_limit_per_minute), address_of(request))]
    return []


def address_of(request: web.Request) -> str:
    """The client address, hashed (never stored as such), for per-address ceilings."""
    services = request.app[SERVICES]
    settings = services.settings
    ip = client_ip(request, settings.proxy_count)
    return address_hash(settings.secret_key, ip, services.clock.now())


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    counted = ceilings_for(request)
    if not counted:
        return await handler(request)
    now = request.app[SERVICES].clock.now().timestamp()
    wait = await request.app[LIMITER].retry_after(counted, now)
    if not wait:
        return await handler(request)
    return too_many(request, wait)


def install(app: web.Application) -> None:
    """The middleware, and its limiter once the services (and their Redis) are open."""

    async def limiter_ctx(app: web.Application) -> AsyncIterator[None]:
        app[LIMITER] = RateCounter(app[SERVICES].redis)
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
    return too_many_page(request.app[SERVICES].settings.company_name, wait)


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
