"""The recruiters' and admins' dashboard at `/dashboard`: server-rendered pages that work
without JavaScript.

- overview: KPIs (reach, unique clicks, applications, hires, savings), the funnel, clicks
  over time by channel, top advocates and top content;
- tables: the funnel per job, per department and per channel, with CSV exports;
- pipeline: consented referrals as a board, each card with the moves allowed from its
  status (a move publishes `ReferralStatusChanged`, which is what tells the referrer);
- redemptions (admins): the approval queue.

Roles are checked on the server for every page and every form; forms carry the session's
CSRF token.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from app.errors import DomainError
from app.gamification.models import RedemptionStatus
from app.i18n import translator
from app.parsing import whole_number
from app.people.models import Employee, Role
from app.referrals.analytics import ClickQuery
from app.referrals.figures import Period
from app.referrals.funnel import STAGE_NAMES, FunnelQuery, conversions
from app.referrals.models import Channel, ReferralSource, ReferralStatus, RejectionReason
from app.referrals.pipeline import Actor, allowed_moves
from app.referrals.service import ReferralFilter
from app.runtime import Runtime
from app.web.api import csv_response
from app.web.charts import funnel_chart, line_chart
from app.web.glossary import definitions
from app.web.keys import RUNTIME
from app.web.session_auth import Viewer, check_csrf, current_viewer
from app.web.ui import message_page, render_page

PERIODS = (7, 30, 90, 365)
BOARD = ("submitted", "screening", "interview", "offer", "hired", "rejected", "withdrawn")
TABLES = ("job", "department", "channel")
DECISIONS = ("approve", "reject", "fulfil")


async def viewer_for(request: web.Request, role: Role = Role.RECRUITER) -> Viewer:
    """The signed-in recruiter or admin; else the sign-in page, or a 403 page."""
    viewer = await current_viewer(request)
    if viewer is None:
        raise web.HTTPFound("/dashboard/login")
    if not viewer.has_role(role):
        _ = translator(viewer.language)
        raise _html_error(
            message_page(
                viewer.language,
                _("Not allowed"),
                _("This page is for the {role} role.").format(role=_(role.value)),
                403,
                request.app[RUNTIME].settings.company_name,
            )
        )
    return viewer


def _html_error(response: web.Response) -> web.HTTPException:
    return _Page(response)


class _Page(web.HTTPException):
    """An HTML page raised from a guard (the errors middleware lets text/html through)."""

    def __init__(self, response: web.Response) -> None:
        self.status_code = response.status
        super().__init__(text=response.text, content_type="text/html")


async def form_of(request: web.Request, viewer: Viewer) -> Any:
    form = await request.post()
    check_csrf(viewer, str(form.get("csrf", "")))
    return form


def page(
    request: web.Request, viewer: Viewer, template: str, title: str, status: int = 200, **ctx: Any
) -> web.Response:
    _ = translator(viewer.language)
    nav = [
        ("/dashboard", _("Overview")),
        ("/dashboard/tables", _("Tables")),
        ("/dashboard/pipeline", _("Pipeline")),
        ("/dashboard/content", _("Content")),
        ("/dashboard/broadcasts", _("Broadcasts")),
    ]
    if viewer.has_role(Role.ADMIN):
        nav.append(("/dashboard/redemptions", _("Redemptions")))
        nav.append(("/dashboard/reports", _("Reports")))
    return render_page(
        template,
        viewer.language,
        status,
        title=title,
        company=request.app[RUNTIME].settings.company_name,
        nav=nav,
        current=request.path,
        csrf=viewer.csrf,
        viewer_name=viewer.name,
        viewer_role=_(viewer.role.value),
        **ctx,
    )


def period_of(request: web.Request, runtime: Runtime) -> tuple[int, Period]:
    """The period picked on the page: the last 7, 30 (default), 90 or 365 local days."""
    raw = request.query.get("days", "30")
    asked = whole_number(raw)
    days = asked if asked is not None and asked in PERIODS else 30
    return days, runtime.figures.last_days(days, runtime.clock.now())


# -- overview ------------------------------------------------------------------------------


async def overview(request: web.Request) -> web.Response:
    viewer = await viewer_for(request)
    runtime = request.app[RUNTIME]
    _ = translator(viewer.language)
    days, period = period_of(request, runtime)
    analytics = runtime.analytics
    figures = await runtime.figures.overview(period)
    stages = [
        (c.stage, _(STAGE_NAMES[c.stage]), c.count, c.rate) for c in conversions(figures.funnel)
    ]
    labels = [day.isoformat() for day in period.days]
    series: dict[str, list[int]] = {}
    per_day = await analytics.clicks(
        ClickQuery(by="channel_day", start=period.start, end=period.end, limit=days * len(Channel))
    )
    for row in sorted(per_day, key=lambda r: r["key"]["day"]):
        line = series.setdefault(_channel_name(str(row["key"]["channel"])), [0] * days)
        line[labels.index(str(row["key"]["day"]))] = row["unique"]
    series = dict(sorted(series.items(), key=lambda item: -sum(item[1])))
    return page(
        request,
        viewer,
        "dashboard/overview.html.j2",
        _("Overview"),
        days=days,
        periods=PERIODS,
        start=period.start,
        end=period.end,
        glossary=definitions(_, runtime.settings.company_timezone),
        kpis=[
            ("reach", _("Reach (all clicks)"), figures.reach),
            ("unique", _("Unique clicks"), figures.unique_clicks),
            ("applications", _("Applications"), figures.funnel.applications),
            ("hires", _("Hires"), figures.funnel.hires),
            ("savings", _("Savings"), f"{figures.roi.savings:,.0f} {figures.roi.currency}"),
        ],
        roi=figures.roi,
        funnel_svg=funnel_chart([s[1:] for s in stages], _("Referral funnel")),
        stages=stages,
        clicks_svg=line_chart([d[5:] for d in labels], series, _("Unique clicks by channel")),
        advocates=await analytics.clicks(
            ClickQuery(by="employee", start=period.start, end=period.end, order="unique", limit=10)
        ),
        top_content=await analytics.clicks(
            ClickQuery(by="content", start=period.start, end=period.end, order="unique", limit=10)
        ),
    )


def _channel_name(channel: str) -> str:
    names = {
        Channel.LINKEDIN.value: "LinkedIn",
        Channel.X.value: "X",
        Channel.WHATSAPP.value: "WhatsApp",
        Channel.EMAIL.value: "E-mail",
    }
    return names.get(channel, channel.capitalize())


# -- tables and exports --------------------------------------------------------------------


async def tables(request: web.Request) -> web.Response:
    viewer = await viewer_for(request)
    runtime = request.app[RUNTIME]
    _ = translator(viewer.language)
    days, period = period_of(request, runtime)
    funnel = runtime.referrals.funnel
    groups = {by: await funnel.rows(FunnelQuery(by, period.start, period.end)) for by in TABLES}  # type: ignore[arg-type]
    titles = {"job": _("Per job"), "department": _("Per department"), "channel": _("Per channel")}
    return page(
        request,
        viewer,
        "dashboard/tables.html.j2",
        _("Tables"),
        days=days,
        periods=PERIODS,
        groups=[(by, titles[by], groups[by]) for by in TABLES],
        glossary=definitions(_, runtime.settings.company_timezone),
    )


async def export_funnel(request: web.Request) -> web.Response:
    await viewer_for(request)
    runtime = request.app[RUNTIME]
    by = request.match_info["by"]
    _days, period = period_of(request, runtime)
    funnel = runtime.referrals.funnel
    rows = await funnel.rows(FunnelQuery(by, period.start, period.end))  # type: ignore[arg-type]
    return csv_response(funnel.funnel_csv(rows), f"funnel-by-{by}.csv")


async def export_referrals(request: web.Request) -> web.Response:
    await viewer_for(request)
    return csv_response(request.app[RUNTIME].referrals.referrals_csv(), "referrals.csv")


# -- the referral pipeline -----------------------------------------------------------------


async def pipeline(request: web.Request, flash: str = "", kind: str = "ok") -> web.Response:
    viewer = await viewer_for(request)
    service = request.app[RUNTIME].referrals
    _ = translator(viewer.language)
    rows, _total = await service.search(ReferralFilter(limit=500), recruiter=True)
    candidates = await service.candidates_of(rows)
    titles = await service.job_titles(rows)
    referrers = dict(
        await Employee.filter(id__in={r.referrer_id for r in rows}).values_list("id", "name")
    )
    columns: dict[str, list[dict[str, Any]]] = {status: [] for status in BOARD}
    for r in rows:
        columns[r.status.value].append(
            {
                "id": r.id,
                "candidate": candidates[r.candidate_id].name,  # type: ignore[attr-defined]
                "job": titles.get(r.job_id) if r.job_id else _("General referral"),
                "referrer": referrers.get(r.referrer_id, "—"),
                "moves": [m.value for m in allowed_moves(r.status)],
            }
        )
    return page(
        request,
        viewer,
        "dashboard/pipeline.html.j2",
        _("Pipeline"),
        status=409 if kind == "error" else 200,
        columns=[(status, _(status), columns[status]) for status in BOARD],
        flash=flash,
        flash_kind=kind,
    )


async def move_referral(request: web.Request) -> web.Response:
    viewer = await viewer_for(request)
    form = await form_of(request, viewer)
    runtime = request.app[RUNTIME]
    _ = translator(viewer.language)
    referral_id = int(request.match_info["referral_id"])
    # "rejected:not_a_real_candidate" is a rejection with its reason (one select, no JS).
    status, _sep, reason = str(form.get("status", "")).partition(":")
    try:
        target = ReferralStatus(status)
        why = RejectionReason(reason) if reason else None
        await runtime.referrals.get(referral_id, recruiter=True, employee_id=None)
        await runtime.referrals.pipeline.move(
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


# -- redemptions ---------------------------------------------------------------------------


async def redemptions(request: web.Request, flash: str = "", kind: str = "ok") -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    shop = request.app[RUNTIME].shop
    _ = translator(viewer.language)
    waiting = await shop.redemptions(status=RedemptionStatus.REQUESTED, limit=200)
    approved = await shop.redemptions(status=RedemptionStatus.APPROVED, limit=200)
    people = dict(
        await Employee.filter(id__in={r.employee_id for r in [*waiting, *approved]}).values_list(
            "id", "name"
        )
    )
    return page(
        request,
        viewer,
        "dashboard/redemptions.html.j2",
        _("Redemptions"),
        status=409 if kind == "error" else 200,
        waiting=waiting,
        approved=approved,
        people=people,
        flash=flash,
        flash_kind=kind,
    )


async def decide_redemption(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    form = await form_of(request, viewer)
    action = request.match_info["action"]
    try:
        await request.app[RUNTIME].shop.move(
            int(request.match_info["redemption_id"]),
            action,
            by=viewer.employee_id,
            note=str(form.get("note", ""))[:500],
        )
    except DomainError as exc:
        return await redemptions(request, exc.message, "error")
    raise web.HTTPSeeOther(f"/dashboard/redemptions?done={action}")


def add_routes(app: web.Application) -> None:
    router = app.router
    router.add_get("/dashboard", overview)
    router.add_get("/dashboard/", overview)
    router.add_get("/dashboard/tables", tables)
    router.add_get(r"/dashboard/exports/funnel-by-{by:job|department|channel|employee|month}.csv",
                   export_funnel)  # fmt: skip
    router.add_get("/dashboard/exports/referrals.csv", export_referrals)
    router.add_get("/dashboard/pipeline", pipeline)
    router.add_post(r"/dashboard/referrals/{referral_id:[0-9]{1,9}}/move", move_referral)
    router.add_get("/dashboard/redemptions", redemptions)
    router.add_post(
        r"/dashboard/redemptions/{redemption_id:[0-9]{1,9}}/{action:approve|reject|fulfil}",
        decide_redemption,
    )
