"""Rendering: the one Jinja2 environment of every page (the public pages render through
`app.web.public.render`), the mini app's and the dashboard's pages in the viewer's
language (`render_page`), and the static files (CSS, JS) served from our own origin (no
CDN): the mini app's and dashboard's under `/app/static`, the public pages' under
`/static`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.i18n import LANGUAGES, translator

HERE = Path(__file__).parent
STATIC = HERE / "static" / "app"
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["j2"]),
)


def language_of(request: web.Request, preferred: str | None = None) -> str:
    """The viewer's language, else the browser's first one we speak, else English."""
    if preferred in LANGUAGES:
        return str(preferred)
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return "en"


def render_page(template: str, language: str, status: int = 200, **context: Any) -> web.Response:
    html = TEMPLATES.get_template(template).render(_=translator(language), lang=language, **context)
    response = web.Response(text=html, status=status, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"  # security headers: `app.web.headers`
    return response


def message_page(
    language: str, title: str, text: str, status: int, company: str, link: str = ""
) -> web.Response:
    return render_page(
        "app/message.html.j2", language, status, title=title, text=text, company=company, link=link
    )


def add_static(app: web.Application) -> None:
    app.router.add_static("/app/static", STATIC, name="app_static")
    app.router.add_static("/static", HERE / "static" / "site", name="site_static")
