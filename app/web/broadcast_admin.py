"""The dashboard's broadcasts page: announcements targeted and scheduled with the same
controls as content, and what every campaign did, from its delivery rows.

The figures are `Broadcasts.latest`'s reports, the ones `portevoix broadcast list` and
`/api/v1/broadcasts` print (one definition: `app.broadcasts.report`). The admins'
daily reminders are internal notes, not campaigns: they are not listed here. The form
is validated by the API's `BroadcastCreate`; a refusal comes back beside its field with
what was typed, and nothing is created.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import ValidationError

from app.broadcasts.campaigns import Broadcasts
from app.broadcasts.models import BroadcastKind
from app.broadcasts.report import OUTCOME_WORDS, reason_words
from app.errors import DomainError
from app.i18n import translator
from app.people.models import Role
from app.web.admin_forms import (
    CSRF_REFUSED,
    TARGET_FIELDS,
    Errors,
    audience_text,
    chosen,
    field_errors,
    local_text,
    posted,
    targeting_choices,
    timing_of,
    typed,
    zone_label,
)
from app.web.broadcasts import BroadcastCreate
from app.web.dashboard import page, viewer_for
from app.web.errors import STATUS_OF_KIND
from app.web.keys import SERVICES

DONE = {
    "created": "Announcement created: it is sent at the time given, within the push hours.",
    "cancelled": "Broadcast cancelled: what was still waiting will not be sent.",
    "retried": "The failed deliveries will be sent again.",
}

KIND_WORDS = {
    "job": "Job offer",
    "news": "News",
    "digest": "Weekly digest",
    "announcement": "Announcement",
}


def _service(request: web.Request) -> Broadcasts:
    return request.app[SERVICES].broadcasts


async def broadcasts(
    request: web.Request,
    values: dict[str, list[str]] | None = None,
    errors: Errors | None = None,
    flash: str = "",
    status: int = 200,
) -> web.Response:
    viewer = await viewer_for(request, Role.RECRUITER)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    zone = services.settings.company_timezone
    done = request.query.get("done", "")
    if errors and not flash:
        flash = _("Nothing was sent: correct the fields marked below.")
    return page(
        request,
        viewer,
        "dashboard/broadcasts.html.j2",
        _("Broadcasts"),
        status=status,
        reports=await _service(request).latest(30, reminders=False),
        outcome_words=OUTCOME_WORDS,
        reason_words=reason_words,
        flash=flash or (_(DONE[done]) if done in DONE else ""),
        flash_kind="error" if status >= 400 else "ok",
        is_admin=viewer.has_role(Role.ADMIN),
        values=values or {"when": ["now"]},
        errors=errors or {},
        choices=await targeting_choices(services),
        zone=zone_label(zone, services.clock.now()),
        when_text=lambda moment: local_text(moment, zone, viewer.language),
        audience=lambda targeting: audience_text(targeting, _),
        kind_words=KIND_WORDS,
    )


async def create_broadcast(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.RECRUITER)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    form = await posted(request, viewer)
    if form is None:
        return await broadcasts(request, flash=_(CSRF_REFUSED), status=403)
    values = typed(form)
    errors: Errors = {}
    picked = chosen(form, await targeting_choices(services), (*TARGET_FIELDS, "roles"), errors, _)
    zone = services.settings.company_timezone
    timing = timing_of(form, ("now", "later"), zone, services.clock.now(), errors, _)
    draft = _validated(form, picked, timing.at, errors, _)
    if draft is None or errors:
        return await broadcasts(request, values, errors, status=422)
    assert draft.targeting is not None
    try:
        await _service(request).create(
            BroadcastKind.ANNOUNCEMENT,
            text=draft.text,
            recipients=draft.targeting.recipients(),
            send_at=draft.send_at,
            created_by=viewer.name,
        )
    except DomainError as exc:
        return await broadcasts(request, values, {"targeting": _(exc.message)}, status=422)
    raise web.HTTPSeeOther("/dashboard/broadcasts?done=created")


def _validated(
    form: Any, picked: dict[str, list[str]], send_at: Any, errors: Errors, _: Any
) -> BroadcastCreate | None:
    """The API's body for this announcement; its refusals go to `errors` (the one about
    the whole body concerns the text: the only thing the form leaves free)."""
    body = {
        "kind": BroadcastKind.ANNOUNCEMENT.value,
        "text": str(form.get("text", "")).strip(),
        "send_at": send_at,
        "targeting": picked,
    }
    try:
        return BroadcastCreate.model_validate(body)
    except ValidationError as exc:
        found = field_errors(exc, _)
        if "" in found:
            found["text"] = _("Write the announcement.")
            del found[""]
        errors.update(found)
        return None


async def change_broadcast(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    _ = translator(viewer.language)
    if await posted(request, viewer) is None:
        return await broadcasts(request, flash=_(CSRF_REFUSED), status=403)
    service = _service(request)
    broadcast_id = int(request.match_info["broadcast_id"])
    try:
        if request.match_info["action"] == "cancel":
            await service.cancel(broadcast_id)
            done = "cancelled"
        else:
            await service.retry_failed(broadcast_id)
            done = "retried"
    except DomainError as exc:
        return await broadcasts(request, flash=_(exc.message), status=STATUS_OF_KIND[exc.kind])
    raise web.HTTPSeeOther(f"/dashboard/broadcasts?done={done}")
