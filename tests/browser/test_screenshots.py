"""Every page of the mini app and the dashboard on the demo company, without a JavaScript
error. With SAVE_SCREENSHOTS=1 the screenshots go to docs/screenshots/ (the README shows
them): `SAVE_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_screenshots.py -k embedded`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app import demo
from app.people.models import Employee, EmployeeStatus, Role
from app.runtime import Runtime
from tests.browser.conftest import PHONE

Page = Any  # playwright.async_api.Page
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MINI_APP = ("", "jobs", "links", "referrals", "leaderboard", "shop", "settings")  # + a job
DASHBOARD = ("", "tables", "pipeline", "redemptions")


def target(tmp_path: Path, backend: str) -> Path:
    return DOCS if os.environ.get("SAVE_SCREENSHOTS") == "1" and backend == "embedded" else tmp_path


async def test_every_page_renders_on_the_demo_company(
    runtime: Runtime,
    live_url: str,
    browser: Any,
    phone: Page,
    desktop: Page,
    tmp_path: Path,
    backend: str,
) -> None:
    await demo.seed(runtime, lambda step, done, total: None)
    out = target(tmp_path, backend)
    sharer = (
        await Employee.filter(status=EmployeeStatus.ACTIVE, role=Role.EMPLOYEE, language="en")
        .order_by("-lifetime_points")
        .first()
    )
    admin = await Employee.filter(status=EmployeeStatus.ACTIVE, role=Role.ADMIN).first()
    assert sharer is not None and admin is not None
    link = await runtime.logins.create(sharer.id)
    await phone.goto(live_url + link.removeprefix(runtime.settings.public_base_url))
    for section in MINI_APP:
        await phone.goto(f"{live_url}/app/{section}")
        await phone.wait_for_selector("#content > :not(#loading)")
        await phone.wait_for_load_state("networkidle")
        await phone.screenshot(path=out / f"miniapp-{section or 'home'}.png")
    await phone.goto(f"{live_url}/app/jobs")
    await phone.click("#job-list a.title >> nth=0")  # a job's detail: points, caption, link
    await phone.wait_for_selector('a[data-channel-action="linkedin"]')
    await phone.screenshot(path=out / "miniapp-job.png")
    await phone.goto(f"{live_url}/app/shop")
    await phone.click("[data-redeem]:not([disabled]) >> nth=0")
    await phone.wait_for_selector("dialog.confirm[open]")
    await phone.screenshot(path=out / "miniapp-redeem-confirm.png")  # asked before spending
    await phone.click('[data-confirm="no"]')
    await desktop.goto(live_url + (await runtime.logins.create(sharer.id)).removeprefix(
        runtime.settings.public_base_url
    ))  # fmt: skip
    await desktop.set_viewport_size({"width": 1280, "height": 800})
    await desktop.goto(f"{live_url}/app/jobs")
    await desktop.wait_for_selector("#job-list")
    await desktop.screenshot(path=out / "miniapp-teams-tab.png")  # the Teams tab's width
    await desktop.set_viewport_size({"width": 1366, "height": 900})

    dark = await browser.new_context(viewport=PHONE, device_scale_factor=2, color_scheme="dark")
    night = await dark.new_page()
    await night.goto(live_url + (await runtime.logins.create(sharer.id)).removeprefix(
        runtime.settings.public_base_url
    ))  # fmt: skip
    await night.goto(f"{live_url}/app/leaderboard")
    await night.wait_for_selector("#board")
    await night.screenshot(path=out / "miniapp-leaderboard-dark.png")
    await dark.close()

    link = await runtime.logins.create(admin.id, "/dashboard")
    await desktop.goto(live_url + link.removeprefix(runtime.settings.public_base_url))
    for section in DASHBOARD:
        response = await desktop.goto(f"{live_url}/dashboard/{section}".rstrip("/"))
        assert response.status == 200, section
        await desktop.screenshot(
            path=out / f"dashboard-{section or 'overview'}.png", full_page=section != "pipeline"
        )
