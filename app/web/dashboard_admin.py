"""The dashboard's publishing pages: content (create, target, schedule, publish, close),
broadcasts (push, follow their progress, cancel, retry) and employees' reports.

Same rules as the rest of the dashboard: server-rendered, no JavaScript needed, roles
checked on the server for every page and form, and every form carries the CSRF token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import ValidationError

from app.bots.broadcast import Broadcasts
from app.bots.campaign_report import OUTCOME_WORDS, reason_words
from app.bots.engine import limits_from
from app.bots.models import BroadcastKind
from app.errors import DomainError
from app.i18n import translator
from app.jobs.schemas import ContentFilter, JobCreate, NewsCreate
from app.people.models import Role
from app.web.dashboard import form_of, page, viewer_for
from app.web.keys import RUNTIME


def _list(raw: object) -> list[str]:
    return [part.strip() for part in str(raw or "").split(",") if part.strip()]


def _local_datetime(raw: object, timezone: str) -> datetime | None:
    """A `datetime-local` field, in the company's time zone; empty = None."""
    text = str(raw or "").strip()
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(timezone))


def _problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"])
    return f"{where}: {str(error['msg']).removeprefix('Value error, ')}"


# -- content -------------------------------------------------------------------------------


async def content(request: web.Request, flash: str = "", kind: str = "ok") -> web.Response:
    viewer = await viewer_for(request, Role.RECRUITER)
    runtime = request.app[RUNTIME]
    _ = translator(viewer.language)
    jobs, _total = await runtime.content.search_jobs(ContentFilter(limit=100))
    news, _total = await runtime.content.search_news(ContentFilter(limit=100))
    return page(
        request,
        viewer,
        "dashboard/content.html.j2",
        _("Content"),
        status=422 if kind == "error" else 200,
        jobs=jobs,
        news=news,
        flash=flash,
        flash_kind=kind,
        can_post_news=viewer.has_role(Role.ADMIN),
    )


async def create_content(request: web.Request) -> web.Response:
    what = request.match_info["what"]
    viewer = await viewer_for(request, Role.ADMIN if what == "news" else Role.RECRUITER)
    form = await form_of(request, viewer)
    runtime = request.app[RUNTIME]
    targeting = {
        "target_departments": _list(form.get("departments")),
        "target_locations": _list(form.get("locations")),
        "target_languages": _list(form.get("languages")),
    }
    try:
        if what == "job":
            draft: Any = JobCreate(
                title=str(form.get("title", "")),
                description=str(form.get("body", "")),
                department=str(form.get("department", "")),
                location=str(form.get("location", "")),
                language=str(form.get("language", "en")),  # type: ignore[arg-type]
                apply_url=str(form.get("url") or "") or None,  # type: ignore[arg-type]
                **targeting,
            )
            created: Any = await runtime.content.create_job(draft)
            if form.get("publish"):
                await runtime.content.publish_job(created.id)
        else:
            caption_en, caption_fr = (
                str(form.get("caption_en", "")),
                str(form.get("caption_fr", "")),
            )
            captions = {"default": {k: v for k, v in (("en", caption_en), ("fr", caption_fr)) if v}}
            draft = NewsCreate(
                title=str(form.get("title", "")),
                body=str(form.get("body", "")),
                url=str(form.get("url") or "") or None,  # type: ignore[arg-type]
                language=str(form.get("language", "en")),  # type: ignore[arg-type]
                publish_at=_local_datetime(
                    form.get("publish_at"), runtime.settings.company_timezone
                ),
                captions=captions if captions["default"] else {},
                **targeting,
            )
            created = await runtime.content.create_news(draft)
            if form.get("publish"):
                await runtime.content.publish_news(created.id)
    except ValidationError as exc:
        return await content(request, _problem(exc), "error")
    except (DomainError, ValueError) as exc:
        return await content(request, getattr(exc, "message", str(exc)), "error")
    raise web.HTTPSeeOther(f"/dashboard/content?created={what}:{created.id}")


async def change_content(request: web.Request) -> web.Response:
    what, action = request.match_info["what"], request.match_info["action"]
    viewer = await viewer_for(request, Role.ADMIN if what == "news" else Role.RECRUITER)
    await form_of(request, viewer)
    service = request.app[RUNTIME].content
    content_id = int(request.match_info["content_id"])
    actions: dict[tuple[str, str], Callable[[int], Awaitable[object]]] = {
        ("job", "publish"): service.publish_job,
        ("job", "close"): service.close_job,
        ("news", "publish"): service.publish_news,
        ("news", "close"): service.archive_news,
    }
    try:
        await actions[(what, action)](content_id)
    except DomainError as exc:
        return await content(request, exc.message, "error")
    raise web.HTTPSeeOther(f"/dashboard/content?done={action}")


# -- broadcasts ----------------------------------------------------------------------------


def _broadcasts(request: web.Request) -> Broadcasts:
    runtime = request.app[RUNTIME]
    return Broadcasts(runtime, limits_from(runtime.settings))


async def broadcasts(request: web.Request, flash: str = "", kind: str = "ok") -> web.Response:
    viewer = await viewer_for(request, Role.RECRUITER)
    _ = translator(viewer.language)
    reports = await _broadcasts(request).latest(30)
    return page(
        request,
        viewer,
        "dashboard/broadcasts.html.j2",
        _("Broadcasts"),
        status=422 if kind == "error" else 200,
        reports=reports,
        outcome_words=OUTCOME_WORDS,
        reason_words=reason_words,
        flash=flash,
        flash_kind=kind,
        is_admin=viewer.has_role(Role.ADMIN),
    )


async def create_broadcast(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.RECRUITER)
    form = await form_of(request, viewer)
    runtime = request.app[RUNTIME]
    text = str(form.get("text", "")).strip()
    if not text or len(text) > 4000:
        return await broadcasts(
            request,
            translator(viewer.language)("Write the announcement (up to 4,000 characters)."),
            "error",
        )
    try:
        send_at = _local_datetime(form.get("send_at"), runtime.settings.company_timezone)
    except ValueError:
        return await broadcasts(request, "send_at: not a date and time", "error")
    await _broadcasts(request).create(
        BroadcastKind.ANNOUNCEMENT,
        text=text,
        send_at=send_at,
        created_by=viewer.name,
        employee_ids=None,
    )
    raise web.HTTPSeeOther("/dashboard/broadcasts?created=1")


async def change_broadcast(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    await form_of(request, viewer)
    service = _broadcasts(request)
    broadcast_id = int(request.match_info["broadcast_id"])
    try:
        if request.match_info["action"] == "cancel":
            await service.cancel(broadcast_id)
        else:
            await service.retry_failed(broadcast_id)
    except DomainError as exc:
        return await broadcasts(request, exc.message, "error")
    raise web.HTTPSeeOther("/dashboard/broadcasts?done=1")


# -- reports -------------------------------------------------------------------------------


async def reports(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    _ = translator(viewer.language)
    rows = await request.app[RUNTIME].people.open_reports(limit=200)
    return page(request, viewer, "dashboard/reports.html.j2", _("Reports"), reports=rows)


async def handle_report(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    await form_of(request, viewer)
    await request.app[RUNTIME].people.close_report(int(request.match_info["report_id"]))
    raise web.HTTPSeeOther("/dashboard/reports?done=1")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/dashboard/content", content)
    router.add_post(r"/dashboard/content/{what:job|news}", create_content)
    router.add_post(r"/dashboard/content/{what:job|news}/{content_id:[0-9]{1,9}}/"
                    r"{action:publish|close}", change_content)  # fmt: skip
    router.add_get("/dashboard/broadcasts", broadcasts)
    router.add_post("/dashboard/broadcasts", create_broadcast)
    router.add_post(r"/dashboard/broadcasts/{broadcast_id:[0-9]{1,9}}/{action:cancel|retry}",
                    change_broadcast)  # fmt: skip
    router.add_get("/dashboard/reports", reports)
    router.add_post(r"/dashboard/reports/{report_id:[0-9]{1,9}}/handled", handle_report)
