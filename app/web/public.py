"""Public pages: the open jobs and news pages with their link preview cards, and what
the public doors share (the message page, the client's address). A job or news page, and
its card image, are public exactly while the content is (`public_job`, `public_news`);
each page speaks its content's language and carries its preview tags
(`app.web.previews`). The tracked-link redirect `/r/{code}` has its own path:
`app.web.redirect`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from babel.dates import format_date

from app.errors import NotFound
from app.i18n import translator
from app.i18n.formats import LOCALES
from app.jobs.models import JobOffer, NewsPost, NewsStatus
from app.settings import Settings
from app.web.keys import SERVICES
from app.web.previews import card_for, card_response, job_facts, job_preview, news_preview
from app.web.services import WebServices
from app.web.ui import TEMPLATES, language_of

ATTRIBUTION_COOKIE = "pv_ref"  # the tracked link a visitor came through, for the apply page


def render(template: str, status: int = 200, **context: Any) -> web.Response:
    """A public page; its words in `lang` (English if unset) unless `_` is given."""
    context.setdefault("_", translator(context.get("lang")))
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
    services = request.app[SERVICES]
    language = language_of(request)
    _ = translator(language)
    jobs = await services.content.open_jobs()
    response = render(
        "jobs.html.j2",
        company=services.settings.company_name,
        title=_("Open jobs"),
        jobs=[(job, job_facts(job, _)) for job in jobs],
        lang=language,
        _=_,
    )
    response.headers["Vary"] = "Accept-Language"
    return response


async def public_job(services: WebServices, job_id: int) -> JobOffer | int:
    """The job if the public may see it, else why not: 404 for a job that does not exist
    or was never published (a draft stays secret), 410 for one that closed."""
    try:
        job = await services.content.job(job_id)
    except NotFound:
        return 404
    if services.content.job_is_open(job):
        return job
    return 404 if job.published_at is None else 410


async def public_news(services: WebServices, news_id: int) -> NewsPost | int:
    """The news post if it is live, else 404 (unknown, draft, scheduled) or 410 (archived)."""
    try:
        post = await services.content.news(news_id)
    except NotFound:
        return 404
    if services.content.news_is_live(post):
        return post
    return 410 if post.status == NewsStatus.ARCHIVED else 404


def not_public(request: web.Request, status: int) -> web.Response:
    """The friendly page for a job or news post that is not (or no longer) public."""
    language = language_of(request)
    _ = translator(language)
    gone = status == 410
    response = render(
        "message.html.j2",
        status,
        company=request.app[SERVICES].settings.company_name,
        title=_("No longer available") if gone else _("Page not found"),
        lines=[
            _("This offer or post has closed, but other jobs are open.")
            if gone
            else _("This page does not exist, or is not public.")
        ],
        action=_("See our open jobs"),
        lang=language,
    )
    response.headers["Vary"] = "Accept-Language"
    return response


async def job_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    job = await public_job(services, int(request.match_info["job_id"]))
    if isinstance(job, int):
        return not_public(request, job)
    _ = translator(job.language)
    return render(
        "job.html.j2",
        company=services.settings.company_name,
        title=job.title,
        job=job,
        facts=job_facts(job, _),
        preview=job_preview(job, services.settings, _),
        lang=job.language,
        _=_,
    )


async def news_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    post = await public_news(services, int(request.match_info["news_id"]))
    if isinstance(post, int):
        return not_public(request, post)
    _ = translator(post.language)
    return render(
        "news.html.j2",
        company=services.settings.company_name,
        title=post.title,
        post=post,
        published=published_on(post, services.settings),
        preview=news_preview(post, services.settings, _),
        lang=post.language,
        _=_,
    )


def published_on(post: NewsPost, settings: Settings) -> str:
    """The post's date as its readers write it ("7 décembre 2026", "7 December 2026")."""
    if post.published_at is None:
        return ""
    local = post.published_at.astimezone(ZoneInfo(settings.company_timezone))
    return format_date(local, format="long", locale=LOCALES.get(post.language, "en_GB"))


def card_image(
    find: Callable[[WebServices, int], Awaitable[JobOffer | NewsPost | int]], key: str
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The handler of a content's preview card: served while `find` says it is public."""

    async def handler(request: web.Request) -> web.Response:
        services = request.app[SERVICES]
        content = await find(services, int(request.match_info[key]))
        if isinstance(content, int):
            return card_refused(content)
        card = card_for(content, services.settings, translator(content.language))
        return await card_response(request, card)

    return handler


def card_refused(status: int) -> web.Response:
    text = "This content is no longer public." if status == 410 else "No such public content."
    return web.Response(status=status, text=text, headers={"Cache-Control": "no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/jobs", open_jobs)
    # At most 9 digits: every id fits an INTEGER column, a longer one is a plain 404.
    app.router.add_get(r"/jobs/{job_id:[0-9]{1,9}}", job_page)
    app.router.add_get(r"/news/{news_id:[0-9]{1,9}}", news_page)
    app.router.add_get(r"/jobs/{job_id:[0-9]{1,9}}/preview.png", card_image(public_job, "job_id"))
    app.router.add_get(
        r"/news/{news_id:[0-9]{1,9}}/preview.png", card_image(public_news, "news_id")
    )
