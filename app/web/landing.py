"""The front door `/`: what this server is and where each of its pages is, in the
visitor's language (their browser's, French or English), server-rendered.

`PAGES` is the one list of the pages a person opens directly: the landing page links
them, and `portevoix run` prints them in its start banner.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from app.i18n import translator
from app.web.keys import SERVICES
from app.web.public import render
from app.web.ui import language_of


@dataclass(frozen=True)
class Page:
    path: str
    title: str  # English source text, translated on the landing page
    about: str


PAGES = (
    Page("/jobs", "Open jobs", "The positions open now, to apply for or to pass on."),
    Page(
        "/app",
        "Mini app",
        "For employees: your jobs and news to share, your links, referrals, points and "
        "rewards. It opens inside Telegram and Teams, or with the one-time link the bot's "
        "/app command sends.",
    ),
    Page(
        "/dashboard",
        "Dashboard",
        "For recruiters and admins: the funnel, candidates, content, broadcasts, rewards "
        "and reports. Sign in with an API token.",
    ),
    Page(
        "/api/docs",
        "API docs",
        "The REST API, browsable, and its OpenAPI document.",
    ),
)


async def landing(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    language = language_of(request)
    open_jobs = len(await services.content.open_jobs())  # what /jobs lists
    _ = translator(language)
    response = render(
        "landing.html.j2",
        company=services.settings.company_name,
        title=_("Employee advocacy and referrals"),
        lang=language,
        _=_,
        pages=PAGES,
        open_jobs=open_jobs,
    )
    response.headers["Vary"] = "Accept-Language"
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", landing)
