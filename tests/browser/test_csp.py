"""The pages work under their Content-Security-Policy (`app/web/headers.py`): styles come
from files, the mini app's progress bars through the CSSOM, and nothing is blocked (the
`phone` and `desktop` pages fail a test on any violation Chromium reports)."""

from __future__ import annotations

from typing import Any

from app.people.models import Role
from app.runtime import Runtime
from tests.browser.test_dashboard import open_dashboard
from tests.browser.test_miniapp import give, sign_in_with_link
from tests.helpers import make_employee, make_open_job, make_sharer

Page = Any  # playwright.async_api.Page
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


async def test_the_apply_page_is_styled_and_applies_under_its_policy(
    runtime: Runtime, live_url: str, phone: Page, tmp_path: Any
) -> None:
    job = await make_open_job(runtime)
    await phone.goto(f"{live_url}/apply/{job.id}")
    button = await phone.evaluate(
        "getComputedStyle(document.querySelector('form.apply button')).backgroundColor"
    )
    assert button == "rgb(11, 87, 208)"  # from /static/site.css
    cv = tmp_path / "cv.pdf"
    cv.write_bytes(PDF)
    await phone.fill("#name", "Marie Curie")
    await phone.fill("#email", "marie@example.org")
    await phone.set_input_files("#cv", str(cv))
    await phone.check("input[name=consent]")
    await phone.click("form.apply button")
    await phone.wait_for_selector("text=Thank you for applying!")


async def test_the_mini_app_draws_its_progress_bars_under_its_policy(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    ada = await make_sharer(runtime)
    await give(runtime, ada, 120)
    await sign_in_with_link(phone, runtime, live_url, ada)
    await phone.wait_for_selector(".progress > div")
    width = await phone.evaluate("document.querySelector('.progress > div').style.width")
    assert width.endswith("%") and width != "0%"
    for section in ("jobs", "links", "referrals", "leaderboard", "shop", "settings"):
        await phone.goto(f"{live_url}/app/{section}")
        await phone.wait_for_selector("#content > :not(#loading)")


async def test_the_dashboard_pages_render_under_their_policy(
    runtime: Runtime, live_url: str, desktop: Page
) -> None:
    admin = await make_employee(runtime, "adam@example.com", "Adam", role=Role.ADMIN)
    await make_open_job(runtime)
    await open_dashboard(desktop, runtime, live_url, admin)
    for path in ("", "/tables", "/pipeline", "/content", "/broadcasts", "/redemptions"):
        await desktop.goto(f"{live_url}/dashboard{path}")
        await desktop.wait_for_selector("header.top")
    await desktop.goto(f"{live_url}/dashboard/tables")
    width = await desktop.evaluate("document.querySelector('#days').getBoundingClientRect().width")
    assert width < 400  # class="fit" from app.css, not the full-width default


async def test_the_public_pages_render_under_their_policy(
    runtime: Runtime, live_url: str, desktop: Page
) -> None:
    job = await make_open_job(runtime)
    for path in ("/", "/jobs", f"/jobs/{job.id}"):
        await desktop.goto(f"{live_url}{path}")
        await desktop.wait_for_selector("main")
    await desktop.goto(f"{live_url}/")
    columns = await desktop.evaluate(
        "getComputedStyle(document.querySelector('.pages')).gridTemplateColumns"
    )
    assert len(columns.split()) > 1  # the landing page's cards side by side, from site.css
