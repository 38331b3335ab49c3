"""The dashboard's pipeline board (`/dashboard/pipeline`): consented referrals in one
column per status, each card with what a recruiter needs before moving it (when it was
submitted, by whom, the candidate's contact, the CV and the history, behind one
disclosure) and the moves allowed from its status.

A move goes through `Pipeline.move` with `Actor.employee(id, WEB)`: the history and the
`ReferralStatusChanged` event (which tells the referrer) are the API's. The CV is served
after the same checks as the API's download: a recruiter, a referral recruiters may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from app.errors import DomainError
from app.i18n import translator
from app.i18n.formats import formats_for
from app.referrals.models import (
    Candidate,
    Referral,
    ReferralChange,
    ReferralSource,
    ReferralStatus,
    RejectionReason,
)
from app.referrals.pipeline import Actor, allowed_moves
from app.referrals.service import ReferralFilter
from app.web.dashboard import form_of, page, viewer_for
from app.web.keys import SERVICES
from app.web.referrals_api import cv_download
from app.web.ui import message_page

BOARD = ("submitted", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
BOARD_SIZE = 500


@dataclass(frozen=True)
class Step:
    """A line of a card's history."""

    at: datetime
    to_status: str
    by: str
    note: str


def _employee_of(actor: str) -> int | None:
    """ "employee:12" → 12; the other actors ("candidate", "ats", "system") → None."""
    kind, _sep, ident = actor.partition(":")
    return int(ident) if kind == "employee" and ident.isdigit() else None


def _actor_name(actor: str, names: dict[int, str], _: Any) -> str:
    """An employee by their name; the other actors by what they are."""
    if (employee_id := _employee_of(actor)) is not None:
        return names.get(employee_id, _("a former employee"))
    kind = actor.partition(":")[0]
    words = {"candidate": _("the candidate"), "ats": _("the ATS"), "system": _("Porte-voix")}
    return words.get(kind, actor)


def _card(
    referral: Referral,
    candidate: Candidate,
    job: str,
    names: dict[int, str],
    history: list[ReferralChange],
    _: Any,
) -> dict[str, Any]:
    return {
        "id": referral.id,
        "candidate": candidate.name,
        "email": candidate.email or "",
        "phone": candidate.phone,
        "linkedin": candidate.linkedin_url if candidate.linkedin_url.startswith("https://") else "",
        "job": job,
        "referrer": names.get(referral.referrer_id) if referral.referrer_id else None,
        "since": referral.submitted_at or referral.created_at,
        "has_cv": bool(referral.cv_file),
        "history": [
            Step(c.occurred_at, c.to_status, _actor_name(c.actor, names, _), c.note)
            for c in history
        ],
        "moves": [m.value for m in allowed_moves(referral.status)],
    }


async def pipeline(request: web.Request, flash: str = "", kind: str = "ok") -> web.Response:
    viewer = await viewer_for(request)
    service = request.app[SERVICES].referrals
    _ = translator(viewer.language)
    rows, _total = await service.search(ReferralFilter(limit=BOARD_SIZE), recruiter=True)
    candidates = await service.candidates_of(rows)
    titles = await service.job_titles(rows)
    histories = await service.pipeline.histories([r.id for r in rows])
    actors = {_employee_of(c.actor) for changes in histories.values() for c in changes}
    people = {r.referrer_id for r in rows if r.referrer_id} | {a for a in actors if a is not None}
    names = await request.app[SERVICES].people.names_by_id(people)
    columns: dict[str, list[dict[str, Any]]] = {status: [] for status in BOARD}
    for r in rows:
        job = titles.get(r.job_id, "") if r.job_id else _("General referral")
        candidate = candidates[r.candidate_id]  # type: ignore[attr-defined]
        columns[r.status.value].append(_card(r, candidate, job, names, histories.get(r.id, []), _))
    fmt = formats_for(viewer.language, request.app[SERVICES].settings.company_timezone)
    return page(
        request,
        viewer,
        "dashboard/pipeline.html.j2",
        _("Pipeline"),
        status=409 if kind == "error" else 200,
        columns=[(status, fmt.status(status), columns[status]) for status in BOARD],
        flash=flash,
        flash_kind=kind,
    )


async def move_referral(request: web.Request) -> web.Response:
    viewer = await viewer_for(request)
    form = await form_of(request, viewer)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    referral_id = int(request.match_info["referral_id"])
    # "rejected:not_a_real_candidate" is a rejection with its reason (one select, no JS).
    status, _sep, reason = str(form.get("status", "")).partition(":")
    try:
        target = ReferralStatus(status)
        why = RejectionReason(reason) if reason else None
        await services.referrals.get(referral_id, recruiter=True, employee_id=None)
        await services.referrals.pipeline.move(
            referral_id,
            target,
            Actor.employee(viewer.employee_id, ReferralSource.WEB),
            str(form.get("note", ""))[:500],
            why,
        )
    except ValueError:
        return await pipeline(request, _("Choose a status."), "error")
    except DomainError as exc:
        return await pipeline(request, exc.message, "error")
    raise web.HTTPSeeOther(f"/dashboard/pipeline?moved={referral_id}")


async def referral_cv(request: web.Request) -> web.StreamResponse:
    """The candidate's CV, for a recruiter, of a referral recruiters may see."""
    viewer = await viewer_for(request)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    missing = message_page(
        viewer.language,
        _("No CV"),
        _("This referral has no CV."),
        404,
        services.settings.company_name,
        "/dashboard/pipeline",
    )
    try:
        referral = await services.referrals.get(
            int(request.match_info["referral_id"]), recruiter=True, employee_id=None
        )
    except DomainError:
        return missing
    return cv_download(services, referral) or missing


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/dashboard/pipeline", pipeline)
    router.add_post(r"/dashboard/referrals/{referral_id:[0-9]{1,9}}/move", move_referral)
    router.add_get(r"/dashboard/referrals/{referral_id:[0-9]{1,9}}/cv", referral_cv)
