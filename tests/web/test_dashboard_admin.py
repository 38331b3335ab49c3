"""The dashboard's reports page, and signing in to the publishing pages (their own tests:
test_content_admin.py, test_broadcast_admin.py)."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from app.people.models import Report, ReportKind, Role
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.web.test_miniapp_auth import dashboard_cookie


async def signed_in(
    client: TestClient, runtime: Runtime, role: Role, language: str = "en"
) -> tuple[dict, str]:
    """A dashboard session cookie for someone of `role`, and its CSRF token."""
    person = await make_employee(
        runtime,
        f"{role.value}@example.com",
        role.value.title(),
        role=role,
        language=language,
        telegram_id=str(hash(role.value) % 10_000),
    )
    cookie = await dashboard_cookie(client, runtime, person.id)
    page = await (await client.get("/dashboard/content", headers=cookie)).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page[:300]
    return cookie, match.group(1)


async def test_admins_read_and_close_reports(client: TestClient, runtime: Runtime) -> None:
    await runtime.people.report(ReportKind.REPORT, "A colleague shares our salaries", name="Bob")
    recruiter, _ = await signed_in(client, runtime, Role.RECRUITER)
    assert (await client.get("/dashboard/reports", headers=recruiter)).status == 403
    cookie, csrf = await signed_in(client, runtime, Role.ADMIN)
    page = await (await client.get("/dashboard/reports", headers=cookie)).text()
    assert "A colleague shares our salaries" in page
    [report] = await Report.all()
    await client.post(
        f"/dashboard/reports/{report.id}/handled", headers=cookie, data={"csrf": csrf}
    )
    await report.refresh_from_db()
    assert report.handled_at is not None
