"""The dashboard as an HR team sees it (issue 18), on the demo company: every page at
390×844 and 1280×800, in French and English, in the light and the dark scheme, passes
axe-core (no serious or critical WCAG 2.1 AA violation), is never wider than the screen,
can be used with the keyboard, and speaks in labels and formatted numbers, not codes.

Every screenshot goes to the test's temporary directory; with SAVE_SCREENSHOTS=1 (embedded
backend) the phone ones in English, light, and the dark overview also go to
docs/screenshots/ as dashboard-<page>-phone[-dark].png, for the README.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from app import demo
from app.chat.replies import Reply
from app.people.models import ChatIdentity, Employee, EmployeeStatus, Role
from app.runtime import Runtime
from app.server import BOTS
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import watch
from tests.browser.test_screenshots import DOCS

Page = Any  # playwright.async_api.Page
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
PAGES = ("", "/tables", "/pipeline", "/redemptions", "/reports")
BOARD = ("submitted", "screening", "interview", "offer", "hired", "rejected", "withdrawn")


class Silent:
    """The bot's Telegram sender, faked: the demo's notifications go nowhere."""

    async def send(self, identity: ChatIdentity, reply: Reply) -> None:
        return None


async def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0: it fits)."""
    return int(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


async def too_wide(page: Page) -> list[str]:
    """The elements reaching past the screen's right edge, to say what overflows."""
    return list(
        await page.evaluate(
            """() => [...document.querySelectorAll("body *")]
                 .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 10).map((e) => e.tagName + "." + e.className + "#" + e.id)"""
        )
    )


async def tab_order(page: Page, presses: int) -> list[str]:
    """What the keyboard reaches from the top of the page, in order (href or text)."""
    reached = []
    for _ in range(presses):
        await page.keyboard.press("Tab")
        reached.append(
            await page.evaluate(
                "(() => { const e = document.activeElement;"
                " return e.getAttribute('href') || e.textContent.trim(); })()"
            )
        )
    return reached


async def focus_ring(page: Page) -> str:
    """The outline the focused element shows (Chromium reports "none" without one)."""
    return str(
        await page.evaluate(
            "(() => { const s = getComputedStyle(document.activeElement);"
            " return s.outlineStyle + ' ' + s.outlineWidth; })()"
        )
    )


async def open_as(page: Page, runtime: Runtime, live_url: str, who: Employee) -> None:
    link = await runtime.logins.create(who.id, "/dashboard")
    await page.goto(live_url + link.removeprefix(runtime.settings.public_base_url))
    await page.wait_for_selector("header.top")


async def check_shell(page: Page, name: str, role: str) -> None:
    """The header names the person and their role in words; the keyboard reaches the
    skip link first, then every section, each with a visible focus ring."""
    assert f"{name} · {role}" in " ".join((await page.inner_text(".who .person")).split())
    hrefs = await page.locator("nav.sections a").evaluate_all("a => a.map((x) => x.href)")
    reached = await tab_order(page, len(hrefs) + 4)
    assert reached[0] == "#main"
    assert "none" not in await focus_ring(page)
    sections = [h.split("://", 1)[1].split("/", 1)[1] for h in hrefs]
    assert all(f"/{path}" in reached for path in sections), (sections, reached)


async def check_pipeline(page: Page, size: str) -> None:
    """Every column reachable, each card dated and attributed, move controls legible."""
    assert await page.locator(".board > section").evaluate_all(
        "s => s.map((x) => x.dataset.status)"
    ) == list(BOARD)
    assert "—" not in await page.locator(".board .referrer").all_inner_texts()
    assert (
        await page.locator(".board article > header time").count()
        == await page.locator(".board article").count()
    )
    width = await page.evaluate("window.innerWidth")
    if size == "desktop":  # the whole board fits: nothing to scroll to
        rights = await page.locator(".board > section").evaluate_all(
            "s => s.map((x) => x.getBoundingClientRect().right)"
        )
        assert max(rights) <= width, rights
    else:  # the columns scroll sideways, and the column links bring each one into view
        await page.click('a[href="#col-withdrawn"]')
        box = await page.locator('[data-status="withdrawn"]').bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    # Each move reads whole in its select (no "→ screer"): the longest option's text
    # fits inside the box, its arrow and padding aside.
    room = await page.locator(".board form.move select").evaluate_all(
        """selects => selects.map((s) => {
             const c = document.createElement("canvas").getContext("2d");
             c.font = getComputedStyle(s).font;
             const widest = Math.max(...[...s.options].map((o) => c.measureText(o.text).width));
             return s.clientWidth - 32 - widest; })"""
    )
    assert room and min(room) >= 0, room


@pytest.mark.parametrize("language", ["en", "fr"])
async def test_every_dashboard_page_fits_reads_and_passes_axe(
    runtime: Runtime,
    live_server: TestServer,
    live_url: str,
    browser: Any,
    language: str,
    backend: str,
    tmp_path: Path,
) -> None:
    live_server.app[BOTS].notifier.senders.register("telegram", Silent())  # type: ignore[arg-type]
    await demo.seed(runtime, lambda step, done, total: None)
    admin = await Employee.filter(status=EmployeeStatus.ACTIVE, role=Role.ADMIN).first()
    assert admin is not None
    admin.language = language
    await admin.save(update_fields=["language"])
    role = "Administrator" if language == "en" else "Administrateur·rice"
    save = os.environ.get("SAVE_SCREENSHOTS") == "1" and backend == "embedded"
    for size, viewport in SIZES.items():
        for scheme in ("light", "dark"):
            context = await browser.new_context(
                viewport=viewport, color_scheme=scheme, locale=language
            )
            page = await context.new_page()
            errors = watch(page)
            await open_as(page, runtime, live_url, admin)
            await check_shell(page, admin.name, role)
            for path in PAGES:
                response = await page.goto(f"{live_url}/dashboard{path}")
                assert response.status == 200, path
                where = f"{path or '/'} {size} {scheme} {language}"
                assert await overflow(page) <= 0, (where, await too_wide(page))
                await assert_accessible(page)
                if path == "/pipeline":
                    await check_pipeline(page, size)
                section = path.strip("/") or "overview"
                name = f"dashboard-{section}-{size}-{scheme}-{language}.png"
                shot = await page.screenshot(path=tmp_path / name, full_page=True)
                for_readme = size == "phone" and language == "en" and scheme == "light"
                if save and (for_readme or (size, language, path) == ("phone", "en", "")):
                    dark = "-dark" if scheme == "dark" else ""
                    (DOCS / f"dashboard-{section}-phone{dark}.png").write_bytes(shot)
            await context.close()
            assert errors == [], errors


async def test_the_sign_in_page_is_branded_and_accessible(
    runtime: Runtime, live_url: str, browser: Any
) -> None:
    for size, viewport in SIZES.items():
        for scheme in ("light", "dark"):
            context = await browser.new_context(viewport=viewport, color_scheme=scheme)
            page = await context.new_page()
            errors = watch(page)
            await page.goto(f"{live_url}/dashboard/login")
            assert await page.title() == "Dashboard sign-in · Porte-voix Demo"
            assert await page.inner_text("header.top .brand") == "PD\nPorte-voix Demo"
            assert await overflow(page) <= 0, size
            await assert_accessible(page)
            await context.close()
            assert errors == [], errors
