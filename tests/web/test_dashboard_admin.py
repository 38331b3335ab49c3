"""The dashboard's publishing pages: content, broadcasts and reports, with roles and CSRF."""

from __future__ import annotations

import re

from aiohttp.test_utils import TestClient

from app.bots.models import Broadcast, BroadcastKind, BroadcastStatus
from app.jobs.models import JobOffer, JobStatus, NewsPost
from app.people.models import Report, ReportKind, Role
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.web.test_miniapp_auth import dashboard_cookie


async def signed_in(client: TestClient, runtime: Runtime, role: Role) -> tuple[dict, str]:
    person = await make_employee(
        runtime,
        f"{role.value}@example.com",
        role.value.title(),
        role=role,
        telegram_id=str(hash(role.value) % 10_000),
    )
    cookie = await dashboard_cookie(client, runtime, person.id)
    page = await (await client.get("/dashboard/content", headers=cookie)).text()
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, page[:300]
    return cookie, match.group(1)


async def test_a_recruiter_creates_publishes_and_closes_a_targeted_job(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    created = await client.post(
        "/dashboard/content/job",
        headers=cookie,
        allow_redirects=False,
        data={
            "csrf": csrf,
            "title": "SRE",
            "departments": "Engineering, Ops",
            "languages": "fr",
            "publish": "1",
        },
    )
    assert created.status == 303
    job = await JobOffer.get(title="SRE")
    assert job.status == JobStatus.OPEN
    assert (job.target_departments, job.target_languages) == (["Engineering", "Ops"], ["fr"])
    assert await Broadcast.filter(kind=BroadcastKind.JOB, content_id=job.id).exists()  # pushed
    page = await (await client.get("/dashboard/content", headers=cookie)).text()
    assert "SRE" in page and "Engineering, Ops, fr" in page
    closed = await client.post(
        f"/dashboard/content/job/{job.id}/close",
        headers=cookie,
        data={"csrf": csrf},
        allow_redirects=False,
    )
    assert closed.status == 303
    await job.refresh_from_db()
    assert job.status == JobStatus.CLOSED


async def test_bad_input_and_missing_csrf_change_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    empty = await client.post(
        "/dashboard/content/job",
        headers=cookie,
        data={"csrf": csrf, "title": "", "languages": "de"},
    )
    assert empty.status == 422
    forged = await client.post(
        "/dashboard/content/job", headers=cookie, data={"csrf": "forged", "title": "Sneaky"}
    )
    assert forged.status == 403
    assert await JobOffer.all().count() == 0


async def test_news_is_for_admins_and_can_be_scheduled(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    refused = await client.post(
        "/dashboard/content/news", headers=cookie, data={"csrf": csrf, "title": "Hello"}
    )
    assert refused.status == 403
    cookie, csrf = await signed_in(client, runtime, Role.ADMIN)
    created = await client.post(
        "/dashboard/content/news",
        headers=cookie,
        allow_redirects=False,
        data={
            "csrf": csrf,
            "title": "Lyon opens",
            "caption_fr": "Lyon !",
            "publish_at": "2026-12-01T09:00",
            "publish": "1",
        },
    )
    assert created.status == 303
    post = await NewsPost.get(title="Lyon opens")
    assert post.captions == {"default": {"fr": "Lyon !"}}
    assert post.published_at is not None and post.published_at.isoformat().startswith(
        "2026-12-01T08:00"
    )  # 09:00 in Paris
    assert not runtime.content.news_is_live(post)


async def test_announcements_are_scheduled_followed_and_cancelled(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.ADMIN)
    posted = await client.post(
        "/dashboard/broadcasts",
        headers=cookie,
        allow_redirects=False,
        data={"csrf": csrf, "text": "Town hall at 5"},
    )
    assert posted.status == 303
    [broadcast] = await Broadcast.all()
    page = await (await client.get("/dashboard/broadcasts", headers=cookie)).text()
    assert f'id="broadcast-{broadcast.id}"' in page and "Town hall at 5" in page
    await client.post(
        f"/dashboard/broadcasts/{broadcast.id}/cancel", headers=cookie, data={"csrf": csrf}
    )
    await broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED
    blank = await client.post(
        "/dashboard/broadcasts", headers=cookie, data={"csrf": csrf, "text": " "}
    )
    assert blank.status == 422
    assert await Broadcast.all().count() == 1


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
