"""The recruiters' and admins' dashboard at `/dashboard`: server-rendered pages that work
without JavaScript.

- overview: KPIs (reach, unique clicks, applications, hires, savings), the funnel, clicks
  over time by channel, top advocates and top content;
- tables: the funnel per job, per department and per channel, with CSV exports;
- pipeline (`app/web/pipeline_board.py`): consented referrals as a board;
- redemptions (admins): the approval queue.

Roles are checked on the server for every page and every form; forms carry the session's
CSRF token. The shell (`dashboard/base.html.j2`, `/static/dashboard.css`) carries the
company's brand and the sections; every page formats its numbers, dates and codes with
`app.i18n.formats` in the viewer's language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from app.errors import DomainError
from app.gamification.models import RedemptionStatus
from app.i18n import translator
from app.i18n.formats import Formats, formats_for
from app.parsing import whole_number
from app.people.models import Role
from app.referrals.analytics import ClickQuery
from app.referrals.figures import Period
from app.referrals.funnel import STAGE_NAMES, FunnelQuery, FunnelRow, conversions
from app.web.api import csv_response
from app.web.branding import branding_of
from app.web.charts import funnel_chart, line_chart
from app.web.glossary import definitions
from app.web.keys import SERVICES
from app.web.services import WebServices
from app.web.session_auth import Viewer, check_csrf, current_viewer
from app.web.ui import message_page, render_page

PERIODS = (7, 30, 90, 365)
TABLES = ("job", "department", "channel")


async def viewer_for(request: web.Request, role: Role = Role.RECRUITER) -> Viewer:
    """The signed-in recruiter or admin; else the sign-in page, or a 403 page."""
    viewer = await current_viewer(request)
    if viewer is None:
        raise web.HTTPFound("/dashboard/login")
    if not viewer.has_role(role):
        _ = translator(viewer.language)
        settings = request.app[SERVICES].settings
        named = formats_for(viewer.language, settings.company_timezone).role(role.value)
        raise _html_error(
            message_page(
                viewer.language,
                _("Not allowed"),
                _("This page is for the {role} role.").format(role=named.lower()),
                403,
                settings.company_name,
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
    """A dashboard page: the shell (brand, the viewer, the sections they may open) around
    `template`, which gets `fmt` to format numbers, dates and codes in their language."""
    _ = translator(viewer.language)
    settings = request.app[SERVICES].settings
    fmt = formats_for(viewer.language, settings.company_timezone)
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
        brand=branding_of(settings),
        nav=nav,
        current=request.path,
        csrf=viewer.csrf,
        viewer_name=viewer.name,
        viewer_role=fmt.role(viewer.role.value),
        fmt=fmt,
        **ctx,
    )


def period_of(request: web.Request, services: WebServices) -> tuple[int, Period]:
    """The period picked on the page: the last 7, 30 (default), 90 or 365 local days."""
    raw = request.query.get("days", "30")
    asked = whole_number(raw)
    days = asked if asked is not None and asked in PERIODS else 30
    return days, services.figures.last_days(days, services.clock.now())


# -- overview ------------------------------------------------------------------------------


async def overview(request: web.Request) -> web.Response:
    viewer = await viewer_for(request)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    fmt = formats_for(viewer.language, services.settings.company_timezone)
    days, period = period_of(request, services)
    analytics = services.analytics
    figures = await services.figures.overview(period)
    stages = [
        (c.stage, _(STAGE_NAMES[c.stage]), c.count, c.rate) for c in conversions(figures.funnel)
    ]
    per_channel = await services.figures.unique_clicks_per_channel_day(period)
    series = {fmt.channel(code): values for code, values in per_channel.items()}
    return page(
        request,
        viewer,
        "dashboard/overview.html.j2",
        _("Overview"),
        days=days,
        periods=PERIODS,
        start=period.start,
        end=period.end,
        glossary=definitions(_, services.settings.company_timezone),
        kpis=[
            ("reach", _("Reach (all clicks)"), fmt.number(figures.reach)),
            ("unique", _("Unique clicks"), fmt.number(figures.unique_clicks)),
            ("applications", _("Applications"), fmt.number(figures.funnel.applications)),
            ("hires", _("Hires"), fmt.number(figures.funnel.hires)),
            ("savings", _("Savings"), fmt.money(figures.roi.savings, figures.roi.currency)),
        ],
        roi=figures.roi,
        funnel_svg=funnel_chart(
            [(name, count, _stage_text(fmt, count, rate)) for _k, name, count, rate in stages],
            _("Referral funnel"),
        ),
        stages=stages,
        clicks_svg=line_chart(
            [fmt.short_day(day) for day in period.days], series, _("Unique clicks by channel")
        ),
        legend=[(name, sum(values)) for name, values in series.items()],
        advocates=await analytics.clicks(
            ClickQuery(by="employee", start=period.start, end=period.end, order="unique", limit=10)
        ),
        top_content=await analytics.clicks(
            ClickQuery(by="content", start=period.start, end=period.end, order="unique", limit=10)
        ),
    )


def _stage_text(fmt: Formats, count: int, rate: float | None) -> str:
    """What the funnel shows beside a stage: "3 (38%)", the rate against the stage before."""
    shown = fmt.number(count)
    return shown if rate is None else f"{shown} ({fmt.percent(rate)})"


# -- tables and exports --------------------------------------------------------------------


async def tables(request: web.Request) -> web.Response:
    viewer = await viewer_for(request)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    fmt = formats_for(viewer.language, services.settings.company_timezone)
    days, period = period_of(request, services)
    funnel = services.referrals.funnel
    groups = {by: await funnel.rows(FunnelQuery(by, period.start, period.end)) for by in TABLES}  # type: ignore[arg-type]
    titles = {"job": _("Per job"), "department": _("Per department"), "channel": _("Per channel")}
    headings = {"job": _("Job"), "department": _("Department"), "channel": _("Channel")}
    return page(
        request,
        viewer,
        "dashboard/tables.html.j2",
        _("Tables"),
        days=days,
        periods=PERIODS,
        start=period.start,
        end=period.end,
        headings=headings,
        groups=[
            (by, titles[by], [(_row_label(by, row, fmt, _), row) for row in groups[by]])
            for by in TABLES
        ],
        glossary=definitions(_, services.settings.company_timezone),
    )


def _row_label(by: str, row: FunnelRow, fmt: Formats, _: Callable[[str], str]) -> str:
    """A table row's first cell as people read it: a channel's name, not its code."""
    if by == "channel":
        return fmt.channel(row.key)
    if row.key == "general":
        return _("General referral")
    return row.label or row.key or _("No department")


async def export_funnel(request: web.Request) -> web.Response:
    await viewer_for(request)
    services = request.app[SERVICES]
    by = request.match_info["by"]
    _days, period = period_of(request, services)
    funnel = services.referrals.funnel
    rows = await funnel.rows(FunnelQuery(by, period.start, period.end))  # type: ignore[arg-type]
    return csv_response(funnel.funnel_csv(rows), f"funnel-by-{by}.csv")


async def export_referrals(request: web.Request) -> web.Response:
    await viewer_for(request)
    return csv_response(request.app[SERVICES].referrals.referrals_csv(), "referrals.csv")


# -- redemptions ---------------------------------------------------------------------------


async def redemptions(request: web.Request, flash: str = "", kind: str = "ok") -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    services = request.app[SERVICES]
    _ = translator(viewer.language)
    waiting = await services.shop.redemptions(status=RedemptionStatus.REQUESTED, limit=200)
    approved = await services.shop.redemptions(status=RedemptionStatus.APPROVED, limit=200)
    people = await services.people.names_by_id(r.employee_id for r in [*waiting, *approved])
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
        await request.app[SERVICES].shop.move(
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
    router.add_get("/dashboard/redemptions", redemptions)
    router.add_post(
        r"/dashboard/redemptions/{redemption_id:[0-9]{1,9}}/{action:approve|reject|fulfil}",
        decide_redemption,
    )
