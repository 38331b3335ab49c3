"""Public pages: the open jobs and news pages, and what the public doors share (the
message page, the client's address). The tracked-link redirect `/r/{code}` has its own
path: `app.web.redirect`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.errors import NotFound
from app.web.keys import RUNTIME

ATTRIBUTION_COOKIE = "pv_ref"  # the tracked link a visitor came through, for the apply page
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


def client_ip(request: web.BaseRequest, proxy_count: int) -> str:
    """The visitor's address: with N trusted proxies in front, the Nth from the right of
    X-Forwarded-For (entries further left are whatever the client chose to send)."""
    if proxy_count > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxy_count:
            return hops[-proxy_count]
    return request.remote or ""


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
    app.router.add_get("/jobs", open_jobs)
    # At most 9 digits: every id fits an INTEGER column, a longer one is a plain 404.
    app.router.add_get(r"/jobs/{job_id:[0-9]{1,9}}", job_page)
    app.router.add_get(r"/news/{news_id:[0-9]{1,9}}", news_page)
