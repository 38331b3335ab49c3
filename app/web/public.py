"""Public pages: the tracked-link redirect `/r/{code}` and the open jobs and news pages.

The redirect does the least work before answering: a cached link lookup, one stream
append, the 302. Unknown codes get a friendly 404 page, closed content a 410 page that
points to the open jobs.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.errors import NotFound
from app.people.sessions import COOKIE as SESSION_COOKIE
from app.referrals.clicks import (
    HEAD_AGENT,
    ClickFacts,
    address_hash,
    agent_of,
    new_click_id,
    visitor_hash,
)
from app.web.keys import RUNTIME

ATTRIBUTION_COOKIE = "pv_ref"
VISITOR = web.RequestKey("visitor", tuple[str, str])
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["j2"]),
)


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    return web.Response(
        text=TEMPLATES.get_template(template).render(**context),
        status=status,
        content_type="text/html",
    )


def client_ip(request: web.Request, proxy_count: int) -> str:
    """The visitor's address: with N trusted proxies in front, the Nth from the right of
    X-Forwarded-For (entries further left are whatever the client chose to send)."""
    if proxy_count > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxy_count:
            return hops[-proxy_count]
    return request.remote or ""


def visitor_of(request: web.Request) -> tuple[str, str]:
    """The visitor (address and browser) and the address alone of this request, both
    hashed, computed once: the rate limits and the click need them."""
    cached = request.get(VISITOR)
    if cached is None:
        runtime = request.app[RUNTIME]
        settings = runtime.settings
        ip = client_ip(request, settings.proxy_count)
        now = runtime.clock.now()
        cached = request[VISITOR] = (
            visitor_hash(settings.secret_key, ip, user_agent(request), now),
            address_hash(settings.secret_key, ip, now),
        )
    return cached


def user_agent(request: web.Request) -> str:
    return request.headers.get("User-Agent", "")[:512]


def _is_code(text: str) -> bool:
    return text.isascii() and text.isalnum()


async def redirect(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    settings = runtime.settings
    company = settings.company_name
    code = request.match_info["code"]
    resolved = await runtime.link_resolver.resolve(code) if _is_code(code) else None
    if resolved is None:
        return render(
            "message.html.j2",
            404,
            company=company,
            title="Link not found · Lien introuvable",
            lines=[
                "This link does not exist or was mistyped.",
                "Ce lien n'existe pas ou a été mal recopié.",
            ],
            action="See our open jobs · Voir nos offres",
        )
    if resolved.state == "closed":
        return render(
            "message.html.j2",
            410,
            company=company,
            title="No longer open · Plus disponible",
            lines=[
                "This offer is closed, but others are open.",
                "Cette offre est close, mais d'autres sont ouvertes.",
            ],
            action="See our open jobs · Voir nos offres",
        )
    visitor, address = visitor_of(request)
    head = request.method == "HEAD"  # a bot whatever its agent: crawlerdetect can wait
    await runtime.click_recorder.record(
        ClickFacts(
            click_id=new_click_id(),
            link_id=resolved.link_id,
            at=runtime.clock.now(),
            visitor_hash=visitor,
            agent=HEAD_AGENT if head else agent_of(user_agent(request)),  # never the raw agent
            referrer_host=urlsplit(request.headers.get("Referer", "")).hostname or "",
            head=head,
            session_id=request.cookies.get(SESSION_COOKIE, "")[:64],
            address_hash=address,
        )
    )
    return web.Response(
        status=302,
        headers={
            "Location": resolved.destination,
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer-when-downgrade",
            # Written out rather than through set_cookie's Morsel, which costs more than
            # the rest of the answer; the code is plain ASCII letters and digits.
            "Set-Cookie": f"{ATTRIBUTION_COOKIE}={code}; "
            + cookie_attributes(
                settings.attribution_cookie_days, settings.public_base_url.startswith("https://")
            ),
        },
    )


@functools.lru_cache(maxsize=4)
def cookie_attributes(days: int, secure: bool) -> str:
    """The attribution cookie's attributes: ATTRIBUTION_COOKIE_DAYS, readable by the
    apply page only (HttpOnly), sent when a visitor follows a link to us (Lax)."""
    return f"HttpOnly; Max-Age={days * 86400}; Path=/; SameSite=Lax" + (
        "; Secure" if secure else ""
    )


async def open_jobs(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    jobs = await runtime.content.open_jobs()
    return render(
        "jobs.html.j2",
        company=runtime.settings.company_name,
        title="Open positions · Nos offres",
        jobs=jobs,
    )


async def job_page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        job = await runtime.content.job(int(request.match_info["job_id"]))
    except NotFound:
        job = None
    if job is None or not runtime.content.job_is_open(job):
        return render(
            "message.html.j2",
            404 if job is None else 410,
            company=runtime.settings.company_name,
            title="No longer open · Plus disponible",
            lines=["This offer is not open.", "Cette offre n'est pas ouverte."],
            action="See our open jobs · Voir nos offres",
        )
    return render(
        "job.html.j2",
        company=runtime.settings.company_name,
        title=job.title,
        job=job,
        lang=job.language,
    )


async def news_page(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    try:
        post = await runtime.content.news(int(request.match_info["news_id"]))
    except NotFound:
        post = None
    if post is None or not runtime.content.news_is_live(post):
        return render(
            "message.html.j2",
            404,
            company=runtime.settings.company_name,
            title="Not found · Introuvable",
            lines=["This page does not exist."],
            action="See our open jobs · Voir nos offres",
        )
    return render(
        "news.html.j2",
        company=runtime.settings.company_name,
        title=post.title,
        post=post,
        lang=post.language,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/r/{code}", redirect)
    app.router.add_get("/jobs", open_jobs)
    # At most 9 digits: every id fits an INTEGER column, a longer one is a plain 404.
    app.router.add_get(r"/jobs/{job_id:[0-9]{1,9}}", job_page)
    app.router.add_get(r"/news/{news_id:[0-9]{1,9}}", news_page)
