"""The dashboard's content pages: job offers and news posts with what each targets and
when it shows; a form to create or edit each with every field the API has; publish,
close and reopen from the list.

Recruiters handle jobs, news is for admins (as in the API). A form is validated by the
API's schemas and saved by the same services; a refused form comes back with what was
typed and each refusal beside its field, and nothing is written (saving and publishing
are one transaction, their push announced only once it commits).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from app.errors import DomainError
from app.i18n import translator
from app.i18n.formats import CHANNELS, CONTRACTS, WORKPLACES
from app.jobs.models import EmploymentType, JobOffer, JobStatus, NewsPost, NewsStatus, Workplace
from app.jobs.schemas import NETWORKS, ContentFilter, JobCreate, JobUpdate, NewsCreate, NewsUpdate
from app.people.models import Role
from app.web.admin_forms import (
    CSRF_REFUSED,
    TARGET_FIELDS,
    Errors,
    Timing,
    at_value,
    chosen,
    closing_day,
    closing_day_value,
    content_audience,
    field_errors,
    local_text,
    posted,
    targeting_choices,
    timing_of,
    typed,
    zone_label,
)
from app.web.dashboard import page, viewer_for
from app.web.errors import STATUS_OF_KIND
from app.web.keys import SERVICES
from app.web.services import WebServices
from app.web.session_auth import Viewer
from app.web.ui import message_page

ROLE_FOR = {"job": Role.RECRUITER, "news": Role.ADMIN}
JOB_FIELDS = ("title", "description", "department", "location", "workplace",
              "employment_type", "language", "apply_url", "referral_points")  # fmt: skip
NEWS_FIELDS = ("title", "body", "url", "image_url", "language")
OPTIONAL = ("apply_url", "url", "image_url", "referral_points")  # empty = none
DONE = {
    "saved": "Saved.",
    "published": "Published: it is pushed to the people it targets.",
    "scheduled": "Scheduled: it shows, and is pushed, at the time given.",
    "closed": "Job offer closed: its links now lead to the open jobs.",
    "reopened": "Job offer reopened.",
    "archived": "News post archived.",
}
Item = JobOffer | NewsPost


# -- the list ------------------------------------------------------------------------------


async def content(request: web.Request, flash: str = "", status: int = 200) -> web.Response:
    viewer = await viewer_for(request, Role.RECRUITER)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    jobs, _total = await services.content.search_jobs(ContentFilter(limit=100))
    news, _total = await services.content.search_news(ContentFilter(limit=100))
    done = request.query.get("done", "")
    zone = services.settings.company_timezone
    return page(
        request,
        viewer,
        "dashboard/content.html.j2",
        _("Content"),
        status=status,
        jobs=jobs,
        news=news,
        flash=flash or (_(DONE[done]) if done in DONE else ""),
        flash_kind="error" if status >= 400 else "ok",
        can_post_news=viewer.has_role(Role.ADMIN),
        when=lambda moment: local_text(moment, zone, viewer.language),
        zone=zone_label(zone, services.clock.now()),
        now=services.clock.now(),
        workplaces=WORKPLACES,
        contracts=CONTRACTS,
        audience=lambda item: content_audience(item, _),
    )


async def change_content(request: web.Request) -> web.Response:
    """The list's buttons: publish (or reopen) and close (or archive)."""
    what, action = request.match_info["what"], request.match_info["action"]
    viewer = await viewer_for(request, ROLE_FOR[what])
    _ = translator(viewer.language)
    if await posted(request, viewer) is None:
        return await content(request, _(CSRF_REFUSED), 403)
    service = request.app[SERVICES].content
    content_id = int(request.match_info["content_id"])
    try:
        if what == "job" and action == "publish":
            was_closed = (await service.job(content_id)).status == JobStatus.CLOSED
            await service.publish_job(content_id)
            done = "reopened" if was_closed else "published"
        elif what == "job":
            await service.close_job(content_id)
            done = "closed"
        elif action == "publish":
            await service.publish_news(content_id)
            done = "published"
        else:
            await service.archive_news(content_id)
            done = "archived"
    except DomainError as exc:
        return await content(request, _(exc.message), STATUS_OF_KIND[exc.kind])
    raise web.HTTPSeeOther(f"/dashboard/content?done={done}#{what}-{content_id}")


# -- the form ------------------------------------------------------------------------------


async def content_form(request: web.Request) -> web.Response:
    """A new job or news post, or one to edit, filled with what is stored."""
    what = request.match_info["what"]
    viewer = await viewer_for(request, ROLE_FOR[what])
    services = request.app[SERVICES]
    item = await _stored(request, services, viewer)
    values = _values_of(item, services.settings.company_timezone) if item else {}
    return await _form_page(request, viewer, item, values, {})


async def save_content(request: web.Request) -> web.Response:
    """Create or update, and publish or schedule when asked: all of it or nothing."""
    what = request.match_info["what"]
    viewer = await viewer_for(request, ROLE_FOR[what])
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    item = await _stored(request, services, viewer)
    form = await posted(request, viewer)
    if form is None:
        stored = _values_of(item, services.settings.company_timezone) if item else {}
        return await _form_page(request, viewer, item, stored, {}, _(CSRF_REFUSED), 403)
    values = typed(form)
    errors: Errors = {}
    timing, fields = await _fields(form, what, item, services, errors, _)
    schema: Any = {
        ("job", True): JobCreate,
        ("job", False): JobUpdate,
        ("news", True): NewsCreate,
        ("news", False): NewsUpdate,
    }[(what, item is None)]
    try:
        draft = schema.model_validate(fields)
    except ValidationError as exc:
        errors = {**field_errors(exc, _), **errors}
    if errors:
        return await _form_page(request, viewer, item, values, errors, status=422)
    try:
        publish = timing.when == "now" or (what == "news" and timing.when == "later")
        saved = await services.content.save(item.id if item else None, draft, publish=publish)
    except DomainError as exc:
        errors = {"closes_at" if what == "job" else "at": _(exc.message)}
        return await _form_page(request, viewer, item, values, errors, status=422)
    done = {"draft": "saved", "keep": "saved", "later": "scheduled"}.get(timing.when, "published")
    raise web.HTTPSeeOther(f"/dashboard/content?done={done}#{what}-{saved.id}")


async def _fields(
    form: Any, what: str, item: Item | None, services: WebServices, errors: Errors, _: Any
) -> tuple[Timing, dict[str, Any]]:
    """The schema's input from the form, and when to publish (only a draft chooses)."""
    zone = services.settings.company_timezone
    names = JOB_FIELDS if what == "job" else NEWS_FIELDS
    # A field the form did not send keeps the schema's default (or, on an edit, its value).
    fields: dict[str, Any] = {name: str(form[name]).strip() for name in names if name in form}
    for name in OPTIONAL:  # empty: none; on an edit, an emptied address is removed
        if name in fields and not fields[name] and (item is None or name == "referral_points"):
            fields[name] = None
    choices = await targeting_choices(services)
    fields.update(chosen(form, choices, TARGET_FIELDS, errors, _))
    if what == "job":
        raw = str(form.get("closes_at", "")).strip()
        fields["closes_at"] = closing_day(raw, zone) if raw else None
        if raw and fields["closes_at"] is None:
            errors["closes_at"] = _("Not a date (YYYY-MM-DD).")
    else:
        fields["captions"] = _captions(form)
    if item is not None and item.status.value != "draft":
        return Timing("keep"), fields
    allowed = ("draft", "now") if what == "job" else ("draft", "now", "later")
    timing = timing_of(form, allowed, zone, services.clock.now(), errors, _)
    if what == "news":
        fields["publish_at"] = timing.at if timing.when == "later" else None
    return timing, fields


def _captions(form: Any) -> dict[str, dict[str, str]]:
    """`captions.<network>.<language>` fields, the empty ones left out."""
    captions: dict[str, dict[str, str]] = {}
    for key in form:
        parts = key.split(".")
        text = str(form.get(key, "")).strip()
        if len(parts) == 3 and parts[0] == "captions" and text:
            captions.setdefault(parts[1], {})[parts[2]] = text
    return captions


async def _stored(request: web.Request, services: WebServices, viewer: Viewer) -> Item | None:
    raw = request.match_info.get("content_id")
    if raw is None:
        return None
    getter = services.content.job if request.match_info["what"] == "job" else services.content.news
    try:
        return await getter(int(raw))
    except DomainError as exc:
        _ = translator(viewer.language)
        company = services.settings.company_name
        html = message_page(viewer.language, _("Not found"), _(exc.message), 404, company)
        raise web.HTTPNotFound(text=html.text, content_type="text/html") from exc


def _values_of(item: Item, zone: str) -> dict[str, list[str]]:
    """The form's values for what is stored."""
    names = JOB_FIELDS if isinstance(item, JobOffer) else NEWS_FIELDS
    values = {name: [str(getattr(item, name) or "")] for name in names}
    for name in TARGET_FIELDS:
        values[name] = list(getattr(item, name))
    if isinstance(item, JobOffer):
        values["closes_at"] = [closing_day_value(item.closes_at, zone)]
    else:
        for network, texts in item.captions.items():
            for language, text in texts.items():
                values[f"captions.{network}.{language}"] = [text]
        if item.publish_at is not None:
            values["when"], values["at"] = ["later"], [at_value(item.publish_at, zone)]
    values.setdefault("when", ["draft"])
    return values


async def _form_page(
    request: web.Request,
    viewer: Viewer,
    item: Item | None,
    values: dict[str, list[str]],
    errors: Errors,
    flash: str = "",
    status: int = 200,
) -> web.Response:
    what = request.match_info["what"]
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    zone = services.settings.company_timezone
    titles = {
        ("job", True): _("New job offer"),
        ("job", False): _("Edit job offer"),
        ("news", True): _("New news post"),
        ("news", False): _("Edit news post"),
    }
    if errors and not flash:
        flash = _("Nothing was saved: correct the fields marked below.")
    return page(
        request,
        viewer,
        "dashboard/content_form.html.j2",
        titles[(what, item is None)],
        status=status,
        what=what,
        item=item,
        values=values or {"when": ["now"], "language": [viewer.language]},
        errors=errors,
        flash=flash,
        flash_kind="error" if flash else "ok",
        choices=await targeting_choices(services),
        workplace_options=[(w.value, _(WORKPLACES[w])) for w in Workplace],
        contract_options=[(c.value, _(CONTRACTS[c])) for c in EmploymentType],
        networks=[n for n in NETWORKS if n != "default"],
        network_names={code: _(CHANNELS[code]) for code in NETWORKS if code in CHANNELS},
        captions_open=any(
            key.startswith("captions.") and not key.startswith("captions.default.")
            for key in [*(k for k, v in values.items() if any(v)), *errors]
        ),
        is_draft=item is None or item.status in (JobStatus.DRAFT, NewsStatus.DRAFT),
        zone=zone_label(zone, services.clock.now()),
        when_text=lambda moment: local_text(moment, zone, viewer.language),
    )
