"""The dashboard's content and broadcast pages in headless Chromium: on a phone (390×844)
and a laptop (1280×800), in French and English, light and dark; no serious axe-core
violation, nothing wider than the screen, and a job created, refused and edited by
hand. With SAVE_SCREENSHOTS=1 the screenshots go to docs/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.broadcasts.campaigns import REMINDER_KEY
from app.broadcasts.models import BroadcastKind
from app.jobs.models import JobOffer, JobStatus
from app.jobs.schemas import JobCreate, NewsCreate
from app.people.models import Employee, Role
from app.runtime import Runtime
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import watch
from tests.browser.test_dashboard import open_dashboard
from tests.helpers import make_employee
from tests.web.test_broadcast_admin import campaign_of_every_kind, service

Page = Any  # playwright.async_api.Page
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SCREENS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1280, "height": 800}}


async def company(runtime: Runtime, language: str) -> Employee:
    """Two departments on two sites, jobs and news, campaigns; the admin who signs in."""
    admin = await make_employee(
        runtime, "admin@example.com", "Adèle Admin", role=Role.ADMIN, language=language
    )
    for n, (department, site) in enumerate(
        [("Engineering", "Lyon"), ("Customer Success", "Paris")]
    ):
        person = await make_employee(
            runtime, f"staff{n}@example.com", f"S{n}", department=department
        )
        await Employee.filter(id=person.id).update(location=site)
    job = await runtime.content.create_job(
        JobCreate(
            title="Senior Site Reliability Engineer, Observability and Incident Response",
            department="Engineering",
            location="Lyon",
            referral_points=750,
            target_departments=["Engineering"],
        )
    )
    await runtime.content.publish_job(job.id)
    await runtime.content.create_news(NewsCreate(title="Lyon opens", target_locations=["Lyon"]))
    await campaign_of_every_kind(runtime)
    await service(runtime).create(
        BroadcastKind.ANNOUNCEMENT,
        text="Waiting for you: 1 redemption(s) to approve.",
        employee_ids=[admin.id],
        key=f"{REMINDER_KEY}2026-11-26:{admin.id}",
    )
    return admin


WIDER = """() => [...document.querySelectorAll('main *')]
  .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
  .map((e) => `${e.tagName}.${e.className}#${e.id} ${e.getBoundingClientRect().right}`)"""


async def no_overflow(page: Page) -> None:
    """Nothing of these pages' own (`main`) is wider than the screen. (The shared header
    is the dashboard shell's, made responsive on its own branch.)"""
    wider = await page.evaluate(WIDER)
    assert wider == [], f"{page.url}: {wider[:8]}"


async def check(page: Page, out: Path, name: str) -> None:
    await no_overflow(page)
    await assert_accessible(page)
    await page.screenshot(path=out / f"{name}.png", full_page=True)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_the_content_and_broadcast_pages_fit_and_pass_axe(
    runtime: Runtime,
    live_url: str,
    browser: Any,
    tmp_path: Path,
    backend: str,
    language: str,
    scheme: str,
) -> None:
    admin = await company(runtime, language)
    job = await JobOffer.get(status=JobStatus.OPEN)
    saving = os.environ.get("SAVE_SCREENSHOTS") == "1" and backend == "embedded"
    out = DOCS if saving else tmp_path
    for screen, viewport in SCREENS.items():
        context = await browser.new_context(
            viewport=viewport, color_scheme=scheme, locale=f"{language}-FR"
        )
        page = await context.new_page()
        errors = watch(page)
        await open_dashboard(page, runtime, live_url, admin)
        stem = f"dashboard-{{}}-{screen}-{language}-{scheme}"
        for url, name in (
            ("/dashboard/content", "content"),
            ("/dashboard/content/job/new", "content-new-job"),
            (f"/dashboard/content/job/{job.id}/edit", "content-edit-job"),
            ("/dashboard/content/news/new", "content-new-news"),
            ("/dashboard/broadcasts", "broadcasts"),
        ):
            await page.goto(live_url + url)
            await check(page, out, stem.format(name))
        await page.goto(f"{live_url}/dashboard/content/news/new")
        await page.fill("#f-title", "")
        await page.check("input[name=when][value=later]")
        await page.fill("#f-at", "2026-11-01T09:00")
        async with page.expect_navigation():
            await page.click("form.admin-form button[type=submit]")
        assert await page.locator(".field-error").count() == 2
        await check(page, out, stem.format("content-refused"))
        await context.close()
        assert errors == [], errors


async def test_a_job_is_created_refused_and_edited_by_hand(
    runtime: Runtime, live_url: str, desktop: Page
) -> None:
    admin = await company(runtime, "en")
    await open_dashboard(desktop, runtime, live_url, admin)
    await desktop.goto(f"{live_url}/dashboard/content")
    await desktop.click("text=New job offer")
    # The tick boxes sit before their words, at their own size (not 1187×44 above them).
    for box in ("input[name=when][value=draft]", "input[name=target_departments] >> nth=0"):
        control = await desktop.locator(box).bounding_box()
        words = await desktop.locator(box + " >> xpath=following-sibling::span").bounding_box()
        assert control["width"] < 32 and control["height"] < 32
        assert control["x"] < words["x"] and abs(control["y"] - words["y"]) < words["height"]
    await desktop.fill("#f-title", "Data Analyst")
    await desktop.fill("#f-closes_at", "2026-12-31")
    await desktop.fill("#f-referral_points", "-1")
    await desktop.select_option("#f-employment_type", "internship")
    await desktop.check("input[name=target_locations][value=Paris]")
    async with desktop.expect_navigation():
        await desktop.click("form.admin-form button[type=submit]")
    assert await desktop.text_content("#referral_points-error") == "At least 0."
    assert await desktop.input_value("#f-title") == "Data Analyst"  # kept
    assert await desktop.is_checked("input[name=target_locations][value=Paris]")
    assert not await JobOffer.exists(title="Data Analyst")
    await desktop.fill("#f-referral_points", "300")
    async with desktop.expect_navigation():
        await desktop.click("form.admin-form button[type=submit]")
    assert "Published" in await desktop.text_content("[role=status]")
    job = await JobOffer.get(title="Data Analyst")
    assert (job.status, job.referral_points, job.target_locations) == (
        JobStatus.OPEN,
        300,
        ["Paris"],
    )
    await desktop.click(f"#job-{job.id} >> text=Edit")
    await desktop.fill("#f-title", "Data Analyst (intern)")
    async with desktop.expect_navigation():
        await desktop.click("form.admin-form button[type=submit]")
    await desktop.click(f"#job-{job.id} >> button:has-text('Close')")
    await job.refresh_from_db()
    assert (job.title, job.status) == ("Data Analyst (intern)", JobStatus.CLOSED)
