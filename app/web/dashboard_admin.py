"""The dashboard's publishing pages: their routes, and employees' reports.

Content (`content_admin`) and broadcasts (`broadcast_admin`) have their own modules.
Same rules as the rest of the dashboard: server-rendered, no JavaScript needed, roles
checked on the server for every page and form, and every form carries the CSRF token.
"""

from __future__ import annotations

from aiohttp import web

from app.i18n import translator
from app.people.models import Role
from app.web import broadcast_admin, content_admin
from app.web.dashboard import form_of, page, viewer_for
from app.web.keys import SERVICES


async def reports(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    _ = translator(viewer.language)
    rows = await request.app[SERVICES].people.open_reports(limit=200)
    return page(request, viewer, "dashboard/reports.html.j2", _("Reports"), reports=rows)


async def handle_report(request: web.Request) -> web.Response:
    viewer = await viewer_for(request, Role.ADMIN)
    await form_of(request, viewer)
    await request.app[SERVICES].people.close_report(int(request.match_info["report_id"]))
    raise web.HTTPSeeOther("/dashboard/reports?done=1")


def add_routes(app: web.Application) -> None:
    router = app.router
    item = r"/dashboard/content/{what:job|news}/{content_id:[0-9]{1,9}}"
    router.add_get("/dashboard/content", content_admin.content)
    router.add_get(r"/dashboard/content/{what:job|news}/new", content_admin.content_form)
    router.add_post(r"/dashboard/content/{what:job|news}", content_admin.save_content)
    router.add_get(item + "/edit", content_admin.content_form)
    router.add_post(item, content_admin.save_content)
    router.add_post(item + "/{action:publish|close}", content_admin.change_content)
    router.add_get("/dashboard/broadcasts", broadcast_admin.broadcasts)
    router.add_post("/dashboard/broadcasts", broadcast_admin.create_broadcast)
    router.add_post(r"/dashboard/broadcasts/{broadcast_id:[0-9]{1,9}}/{action:cancel|retry}",
                    broadcast_admin.change_broadcast)  # fmt: skip
    router.add_get("/dashboard/reports", reports)
    router.add_post(r"/dashboard/reports/{report_id:[0-9]{1,9}}/handled", handle_report)
