"""The tracked-link redirect `GET /r/{code}`, served in front of the application.

A tracked link is the one URL that strangers open, in bursts, and each answer waits
until its click is in Redis: the redirect does the least work it can. Every request
enters through `RedirectDoor.front`: `/r/<code>` is answered here, without aiohttp's
router (150 routes) and the application's middlewares; everything else goes on to the
application. The door does itself, once, what those do for the other routes: the request
id, the metrics (the same Prometheus series, route `/r/{code}`), the access line, the
per-visitor and per-address ceilings (429), the security headers (built once per
status), the 404 and 410 pages (rendered once), the 500 without a traceback. The click
itself goes through `ClickRecorder` (one Lua call per batch of concurrent redirects;
stored directly in the database if Redis does not answer): a 302 is a click stored.
"""

from __future__ import annotations

import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

from app.http.errors import error_response
from app.http.rates import counters_of, wait_seconds
from app.logs import AccessLog, mask_path, request_id
from app.people.sessions import COOKIE as SESSION_COOKIE
from app.referrals.clicks import (
    HEAD_AGENT,
    ClickFacts,
    address_hash,
    agent_of,
    new_click_id,
    visitor_hash,
)
from app.web.errors import unexpected_error
from app.web.headers import SecurityHeaders
from app.web.keys import SERVICES
from app.web.metrics import ACCESS_LOG, HTTP_METRICS, HttpMetrics, request_id_of
from app.web.public import ATTRIBUTION_COOKIE, client_ip
from app.web.ratelimits import redirect_ceilings, too_many_page
from app.web.services import WebServices
from app.web.ui import TEMPLATES

ROUTE = "/r/{code}"  # the route label of its metrics, as the router would name it
PREFIX = "/r/"
HTML = "text/html; charset=utf-8"
Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


class RedirectDoor:
    """Answers `/r/<code>`; hands every other request to the application."""

    def __init__(self, services: WebServices, metrics: HttpMetrics, access: AccessLog) -> None:
        self.services = services
        self.metrics = metrics
        self.access = access
        security = SecurityHeaders(services.settings)
        self.page_headers = {"Content-Type": HTML, **security.for_answer(PREFIX, "text/html")}
        self.json_headers = security.for_answer(PREFIX, "application/json")
        self.redirect_headers = {
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer-when-downgrade",
            **security.for_answer(PREFIX, ""),
        }
        company = services.settings.company_name
        self.not_found = message_page(
            company,
            "Link not found · Lien introuvable",
            "This link does not exist or was mistyped.",
            "Ce lien n'existe pas ou a été mal recopié.",
        )
        self.gone = message_page(
            company,
            "No longer open · Plus disponible",
            "This offer is closed, but others are open.",
            "Cette offre est close, mais d'autres sont ouvertes.",
        )

    def front(self, application: Handler) -> Handler:
        """The server's request handler: this door for `/r/<code>`, else `application`."""

        async def handle(request: web.BaseRequest) -> web.StreamResponse:
            code = code_in(request)
            if code is None:
                return await application(request)
            return await self.answer(request, code)

        return handle

    async def answer(self, request: web.BaseRequest, code: str) -> web.StreamResponse:
        """What the application's middlewares would add to `respond`: the request id,
        metrics, the access line, and a 500 page for the unexpected."""
        started = time.perf_counter()
        rid = request_id_of(request)
        token = request_id.set(rid)
        try:
            response = await self.respond(request, code)
        except Exception:
            response = unexpected_error(request)
            response.headers.update(self.json_headers)
        finally:
            request_id.reset(token)
        response.headers["X-Request-Id"] = rid
        elapsed = time.perf_counter() - started
        status = response.status
        self.metrics.observe(request.method, ROUTE, status, elapsed)
        if self.access.enabled:
            # A 302's code is a link's (10 letters and digits): nothing to mask.
            path = PREFIX + code if status == 302 else mask_path(request.path)
            self.access.line(request.method, path, status, elapsed, rid)
        return response

    async def respond(self, request: web.BaseRequest, code: str) -> web.Response:
        """405, 429, 404, 410 or the 302 once the click is in Redis (or the database)."""
        method = request.method
        if method != "GET" and method != "HEAD":
            response = error_response(405, "method_not_allowed", "This method is not allowed here.")
            response.headers.update(self.json_headers)
            return response
        services = self.services
        settings = services.settings
        now = services.clock.now()
        ip = client_ip(request, settings.proxy_count)
        agent = request.headers.get("User-Agent", "")[:512]
        visitor = visitor_hash(settings.secret_key, ip, agent, now)
        address = address_hash(settings.secret_key, ip, now)
        counters = counters_of(redirect_ceilings(settings, visitor, address), now.timestamp())
        resolved = services.link_resolver.cached(code)
        if resolved is None or resolved.state != "live":
            # Not a live link in the cache: the visit is counted before any lookup, so a
            # script over its ceiling costs no database query.
            if counters and not await services.click_recorder.record(None, counters):
                return self._too_many(now.timestamp())
            counters = []
            resolved = await services.link_resolver.resolve(code) if is_code(code) else None
            if resolved is None:
                return web.Response(status=404, body=self.not_found, headers=self.page_headers)
            if resolved.state == "closed":
                return web.Response(status=410, body=self.gone, headers=self.page_headers)
        head = method == "HEAD"  # a bot whatever its agent: crawlerdetect can wait
        facts = ClickFacts(
            click_id=new_click_id(),
            link_id=resolved.link_id,
            at=now,
            visitor_hash=visitor,
            agent=HEAD_AGENT if head else agent_of(agent),  # never the raw agent
            referrer_host=urlsplit(request.headers.get("Referer", "")).hostname or "",
            head=head,
            session_id=request.cookies.get(SESSION_COOKIE, "")[:64],
            address_hash=address,
        )
        # The visit's count and its click in one call: over a ceiling, no click.
        if not await services.click_recorder.record(facts, counters):
            return self._too_many(now.timestamp())
        return self._found(resolved.destination, code)

    def _found(self, destination: str, code: str) -> web.Response:
        """The 302, with the attribution cookie written out rather than through
        set_cookie's Morsel, which costs more than the rest of the answer (the code is
        plain ASCII letters and digits)."""
        settings = self.services.settings
        secure = settings.public_base_url.startswith("https://")
        cookie = cookie_attributes(settings.attribution_cookie_days, secure)
        return web.Response(
            status=302,
            headers={
                **self.redirect_headers,
                "Location": destination,
                "Set-Cookie": f"{ATTRIBUTION_COOKIE}={code}; {cookie}",
            },
        )

    def _too_many(self, now: float) -> web.Response:
        response = too_many_page(self.services.settings.company_name, wait_seconds(now))
        response.headers.update(self.page_headers)
        return response


def code_in(request: web.BaseRequest) -> str | None:
    """The `<code>` of `/r/<code>`, or None for any other path (`/r/`, `/r/a/b`, which
    the application answers). The raw path is enough unless it is percent-encoded."""
    raw = request.raw_path
    if raw.startswith(PREFIX) and "%" not in raw:
        path = raw.partition("?")[0]
    elif raw.startswith("/") and not raw.startswith(PREFIX):
        return None
    else:  # encoded, or an absolute URL in the request line
        path = request.path
        if not path.startswith(PREFIX):
            return None
    code = path[len(PREFIX) :]
    return code if code and "/" not in code else None


def is_code(text: str) -> bool:
    return text.isascii() and text.isalnum()


@functools.lru_cache(maxsize=4)
def cookie_attributes(days: int, secure: bool) -> str:
    """The attribution cookie's attributes: ATTRIBUTION_COOKIE_DAYS, readable by the
    apply page only (HttpOnly), sent when a visitor follows a link to us (Lax)."""
    return f"HttpOnly; Max-Age={days * 86400}; Path=/; SameSite=Lax" + (
        "; Secure" if secure else ""
    )


def message_page(company: str, title: str, english: str, french: str) -> bytes:
    """A 404 or 410 page, rendered once: it says the same to every visitor."""
    return (
        TEMPLATES.get_template("message.html.j2")
        .render(
            company=company,
            title=title,
            lines=[english, french],
            action="See our open jobs · Voir nos offres",
        )
        .encode()
    )


DOOR = web.AppKey("redirect_door", RedirectDoor)


def install(app: web.Application) -> None:
    """The door, built once the services are open."""

    async def door_ctx(app: web.Application) -> AsyncIterator[None]:
        app[DOOR] = RedirectDoor(app[SERVICES], app[HTTP_METRICS], app[ACCESS_LOG])
        yield

    app.cleanup_ctx.append(door_ctx)

    async def through_router(request: web.Request) -> web.StreamResponse:
        # Served by a plain `AppRunner` (another runner, a test server), the links still
        # work: the same answer, with the router's and middlewares' cost.
        return await app[DOOR].respond(request, request.match_info["code"])

    app.router.add_get(ROUTE, through_router)


class DoorRunner(web.AppRunner):
    """An `AppRunner` whose server sends every request through the redirect's door
    first: `portevoix run` and the tests serve the application with it."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()  # the application has started: its door is built
        server.request_handler = self.app[DOOR].front(server.request_handler)
        return server
