"""The dashboard's content pages: create and edit job offers and news posts with every
field the API has, targeting chosen from what exists, publish now or at a time in the
company's zone; refused forms come back with the values typed and nothing written."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient

from app.broadcasts.models import Broadcast, BroadcastKind
from app.jobs.models import EmploymentType, JobOffer, JobStatus, NewsPost, NewsStatus, Workplace
from app.jobs.schemas import JobCreate, NewsCreate
from app.people.models import Employee, EmployeeStatus, Role
from app.runtime import Runtime
from tests.helpers import make_employee
from tests.web.test_dashboard_admin import signed_in
from tests.web.test_miniapp_auth import dashboard_cookie

FULL_JOB = {
    "title": "Site Reliability Engineer",
    "description": "Keep Porte-voix up.",
    "department": "Engineering",
    "location": "Lyon",
    "workplace": "hybrid",
    "employment_type": "contract",
    "language": "fr",
    "apply_url": "https://ats.example.com/sre",
    "referral_points": "750",
    "closes_at": "2026-12-31",
    "target_departments": ["Engineering", "Sales"],
    "target_languages": "fr",
    "when": "now",
}


async def staff(runtime: Runtime) -> None:
    """People in Engineering and Sales, at Lyon and Paris; one who left, in Legal."""
    await make_employee(runtime, "eng@example.com", "Eng", department="Engineering")
    sales = await make_employee(runtime, "sales@example.com", "Sal", department="Sales")
    gone = await make_employee(runtime, "gone@example.com", "Gone", department="Legal")
    await Employee.filter(id=sales.id).update(location="Paris")
    await Employee.filter(department="Engineering").update(location="Lyon")
    await Employee.filter(id=gone.id).update(status=EmployeeStatus.LEFT, location="Nantes")


def form(fields: dict[str, str | list[str]], csrf: str) -> list[tuple[str, str]]:
    """As a browser posts it: one pair per ticked box."""
    pairs = [("csrf", csrf)]
    for name, value in fields.items():
        pairs += [(name, v) for v in ([value] if isinstance(value, str) else value)]
    return pairs


def error_of(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


async def test_a_recruiter_creates_a_job_with_every_field_and_publishes_it(
    client: TestClient, runtime: Runtime
) -> None:
    await staff(runtime)
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    answer = await client.post(
        "/dashboard/content/job", headers=cookie, data=form(FULL_JOB, csrf), allow_redirects=False
    )
    assert answer.status == 303, await answer.text()
    job = await JobOffer.get(title="Site Reliability Engineer")
    assert answer.headers["Location"] == f"/dashboard/content?done=published#job-{job.id}"
    assert (job.status, job.workplace, job.employment_type) == (
        JobStatus.OPEN,
        Workplace.HYBRID,
        EmploymentType.CONTRACT,
    )
    assert (job.department, job.location, job.language, job.referral_points) == (
        "Engineering",
        "Lyon",
        "fr",
        750,
    )
    assert job.apply_url == "https://ats.example.com/sre"
    assert job.closes_at == datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # midnight in Paris
    assert (job.target_departments, job.target_languages) == (["Engineering", "Sales"], ["fr"])
    assert await Broadcast.filter(kind=BroadcastKind.JOB, content_id=job.id).count() == 1
    listed = await (await client.get(answer.headers["Location"], headers=cookie)).text()
    assert "Published: it is pushed to the people it targets." in listed
    assert "Engineering · Sales · Français" in listed and "750 points for a hire" in listed


async def test_the_targeting_choices_are_the_departments_sites_and_languages_that_exist(
    client: TestClient, runtime: Runtime
) -> None:
    await staff(runtime)
    await runtime.content.create_news(NewsCreate(title="Legal memo", target_locations=["Lille"]))
    cookie, _ = await signed_in(client, runtime, Role.ADMIN)
    page = await (await client.get("/dashboard/content/news/new", headers=cookie)).text()

    def boxes(name: str) -> list[str]:
        return re.findall(rf'type="checkbox" name="{name}" value="([^"]+)"', page)

    # Legal and Nantes are only where someone who left worked; Lille, only targeted.
    assert boxes("target_departments") == ["Engineering", "Sales"]
    assert boxes("target_locations") == ["Lille", "Lyon", "Paris"]
    assert boxes("target_languages") == ["en", "fr"]
    assert 'type="datetime-local"' in page and "Company time: Europe/Paris, UTC+01:00" in page


async def test_editing_a_job_shows_what_is_stored_and_changes_it_without_a_second_push(
    client: TestClient, runtime: Runtime
) -> None:
    await staff(runtime)
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    await client.post("/dashboard/content/job", headers=cookie, data=form(FULL_JOB, csrf))
    job = await JobOffer.get(title="Site Reliability Engineer")
    page = await (await client.get(f"/dashboard/content/job/{job.id}/edit", headers=cookie)).text()
    assert 'name="closes_at" type="date" value="2026-12-31"' in page
    assert 'name="target_departments" value="Sales" checked' in page
    assert '<option value="hybrid" selected>' in page and 'name="when"' not in page  # open
    changed = {**FULL_JOB, "title": "SRE (Lyon)", "apply_url": "", "referral_points": ""}
    changed["target_departments"] = ["Sales"]
    answer = await client.post(
        f"/dashboard/content/job/{job.id}",
        headers=cookie,
        data=form(changed, csrf),
        allow_redirects=False,
    )
    assert answer.status == 303, await answer.text()
    await job.refresh_from_db()
    assert (job.title, job.apply_url, job.referral_points) == ("SRE (Lyon)", "", None)
    assert job.target_departments == ["Sales"] and job.status == JobStatus.OPEN
    assert await Broadcast.filter(content_id=job.id).count() == 1


async def test_refused_fields_are_marked_with_the_values_kept_and_nothing_written(
    client: TestClient, runtime: Runtime
) -> None:
    await staff(runtime)
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    bad = {
        **FULL_JOB,
        "title": "x" * 201,
        "closes_at": "31/12/2026",
        "referral_points": "-5",
        "apply_url": "ats.example.com",
        "target_departments": ["Engineering", "Marketing"],
    }
    answer = await client.post("/dashboard/content/job", headers=cookie, data=form(bad, csrf))
    assert answer.status == 422
    page = await answer.text()
    assert error_of(page, "title") == "At most 200 characters."
    assert error_of(page, "closes_at") == "Not a date (YYYY-MM-DD)."
    assert error_of(page, "referral_points") == "At least 0."
    assert error_of(page, "apply_url") == "A web address starting with https://"
    assert error_of(page, "target_departments") == "Not among the choices: Marketing."
    assert 'value="ats.example.com"' in page and 'value="Engineering" checked' in page
    assert 'aria-invalid="true"' in page
    assert await JobOffer.all().count() == 0 and await Broadcast.all().count() == 0


async def test_a_job_whose_closing_date_passed_is_not_half_created(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    late = {"title": "Too late", "closes_at": "2026-11-01", "when": "now"}
    answer = await client.post("/dashboard/content/job", headers=cookie, data=form(late, csrf))
    assert answer.status == 422
    assert "closing date has passed" in error_of(await answer.text(), "closes_at")
    assert await JobOffer.all().count() == 0 and await Broadcast.all().count() == 0


async def test_a_forged_form_is_refused_clearly_and_changes_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    job = await runtime.content.create_job(JobCreate(title="Draft"))
    cookie, _ = await signed_in(client, runtime, Role.RECRUITER, language="fr")
    for url in ("/dashboard/content/job", f"/dashboard/content/job/{job.id}"):
        answer = await client.post(
            url, headers=cookie, data=form({"title": "Sneaky", "when": "now"}, "forged")
        )
        assert answer.status == 403 and answer.content_type == "text/html"
        assert "rien n'a été enregistré" in html.unescape(await answer.text())
    closing = await client.post(
        f"/dashboard/content/job/{job.id}/close", headers=cookie, data={"csrf": "forged"}
    )
    assert closing.status == 403
    assert [(j.title, j.status) for j in await JobOffer.all()] == [("Draft", JobStatus.DRAFT)]


async def test_a_job_is_closed_and_reopened_from_the_list(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    await client.post(
        "/dashboard/content/job", headers=cookie, data=form({"title": "SRE", "when": "now"}, csrf)
    )
    job = await JobOffer.get(title="SRE")
    for action, status, word in (
        ("close", JobStatus.CLOSED, "Reopen"),
        ("publish", JobStatus.OPEN, "Close"),
    ):
        answer = await client.post(
            f"/dashboard/content/job/{job.id}/{action}", headers=cookie, data={"csrf": csrf}
        )
        await job.refresh_from_db()
        assert job.status == status
        item = re.search(
            rf'<li class="admin-item" id="job-{job.id}".*?</li>', await answer.text(), re.S
        )
        assert item is not None and f">{word} <" in item.group(0)
    assert await Broadcast.filter(content_id=job.id).count() == 1  # reopening pushes nothing


async def test_news_is_for_admins_and_is_scheduled_in_company_time(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.RECRUITER)
    assert (await client.get("/dashboard/content/news/new", headers=cookie)).status == 403
    refused = await client.post("/dashboard/content/news", headers=cookie, data={"csrf": csrf})
    assert refused.status == 403
    cookie, csrf = await signed_in(client, runtime, Role.ADMIN)
    post = {
        "title": "Lyon opens",
        "body": "A new office.",
        "image_url": "https://example.com/lyon.png",
        "captions.default.fr": "Lyon !",
        "captions.linkedin.en": "We open in Lyon",
        "when": "later",
        "at": "2026-12-01T09:00",
    }
    answer = await client.post(
        "/dashboard/content/news", headers=cookie, data=form(post, csrf), allow_redirects=False
    )
    assert answer.status == 303, await answer.text()
    news = await NewsPost.get(title="Lyon opens")
    assert news.captions == {"default": {"fr": "Lyon !"}, "linkedin": {"en": "We open in Lyon"}}
    assert news.image_url == "https://example.com/lyon.png" and news.status == NewsStatus.PUBLISHED
    assert news.published_at == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    assert not runtime.content.news_is_live(news)
    [push] = await Broadcast.filter(kind=BroadcastKind.NEWS, content_id=news.id)
    assert push.send_at == news.published_at
    listed = await (await client.get("/dashboard/content", headers=cookie)).text()
    assert "scheduled for Dec 1, 2026, 09:00" in listed


async def test_a_schedule_in_the_past_or_not_a_time_is_refused(
    client: TestClient, runtime: Runtime
) -> None:
    cookie, csrf = await signed_in(client, runtime, Role.ADMIN)
    for at, message in (
        ("2026-11-26T10:00", "This time has passed: pick a later one, or choose now."),
        ("26/11/2026 12:00", "Not a date and time (YYYY-MM-DD HH:MM)."),
        ("", "Give the date and time."),
    ):
        answer = await client.post(
            "/dashboard/content/news",
            headers=cookie,
            data=form({"title": "Hello", "when": "later", "at": at}, csrf),
        )
        assert answer.status == 422
        assert error_of(await answer.text(), "at") == message
    assert await NewsPost.all().count() == 0


async def test_employees_do_not_see_the_content_pages(client: TestClient, runtime: Runtime) -> None:
    employee = await make_employee(runtime, "emp@example.com", "Emp")
    cookie = await dashboard_cookie(client, runtime, employee.id)
    for url in ("/dashboard/content", "/dashboard/content/job/new"):
        assert (await client.get(url, headers=cookie)).status == 403
