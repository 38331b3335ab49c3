"""The public pages a candidate or a colleague's friend sees (landing, /jobs, a job, a news
post, apply, consent, the 404 and 410 messages, /api/docs), in real Chromium: on a
390×844 phone and a 1280×800 screen, in French and English, light and dark. Each page
passes axe-core's WCAG 2.1 AA checks, never scrolls sideways, and a candidate reaches the
apply button and sends the form with the keyboard.

With SCREENSHOTS=DIR the pages are also saved there, to be looked at.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.jobs.schemas import NewsCreate
from app.runtime import Runtime
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import PHONE, watch
from tests.helpers import make_open_job
from tests.referrals.factories import MARIE, emailed_link, refer, team

Page = Any  # playwright.async_api.Page
DESKTOP = {"width": 1280, "height": 800}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"en": "en-GB", "fr": "fr-FR"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
LONG_DESCRIPTION = {
    "en": "About the team\n\nWe build the data platform behind every product our customers "
    "use, from ingestion to the dashboards.\n\n- Python, SQL and Kafka\n- On call one week "
    "in six\n\nhttps://careers.example.org/engineering/data-platform/a-very-long-address",
    "fr": "L'équipe\n\nNous construisons la plateforme de données derrière chaque produit, de "
    "l'ingestion aux tableaux de bord.\n\n- Python, SQL et Kafka\n- Astreinte une semaine "
    "sur six\n\nhttps://careers.example.org/ingenierie/plateforme-de-donnees/une-adresse-longue",
}


async def public_content(runtime: Runtime, language: str) -> dict[str, str]:
    """One of each public page, in `language`: path by name."""
    ada, _bob, _job = await team(runtime)
    title = "Ingénieur·e données confirmé·e" if language == "fr" else "Senior Data Engineer"
    job = await make_open_job(
        runtime,
        title,
        description=LONG_DESCRIPTION[language],
        department="Engineering",
        location="Lyon",
        workplace="hybrid",
        language=language,
    )
    closed = await make_open_job(runtime, "Closed role", language=language)
    await runtime.content.close_job(closed.id)
    post = await runtime.content.create_news(
        NewsCreate(
            title="Nous ouvrons à Lyon" if language == "fr" else "We are opening in Lyon",
            body=LONG_DESCRIPTION[language],
            language=language,
        )
    )
    await runtime.content.publish_news(post.id)
    await refer(runtime, ada, job, MARIE)
    consent = emailed_link(runtime, MARIE.email).removeprefix("https://advocacy.test")
    return {
        "landing": "/",
        "jobs": "/jobs",
        "job": f"/jobs/{job.id}",
        "news": f"/news/{post.id}",
        "apply": f"/apply/{job.id}",
        "consent": consent,
        "not-found": "/jobs/999999",
        "closed": f"/jobs/{closed.id}",
        "api-docs": "/api/docs",
    }


@pytest.fixture
async def visitor(browser: Any, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    """A page in the size, language and colour scheme the test is parametrized with."""
    size, language, scheme = request.param
    context = await browser.new_context(
        viewport=SIZES[size],
        locale=LOCALES[language],
        color_scheme=scheme,
        is_mobile=size == "phone",
        has_touch=size == "phone",
        device_scale_factor=2 if size == "phone" else 1,
    )
    page = await context.new_page()
    errors = watch(page)
    page.combination = (size, language, scheme)
    yield page
    await context.close()
    assert errors == [], errors


COMBINATIONS = [
    (size, language, scheme)
    for size in SIZES
    for language in LOCALES
    for scheme in ("light", "dark")
]


async def overflow(page: Page) -> int:
    """How many pixels the page is wider than its window (0: no sideways scrolling)."""
    return int(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def screenshot_dir() -> Path | None:
    directory = os.environ.get("SCREENSHOTS")
    return Path(directory) if directory else None


@pytest.mark.parametrize("visitor", COMBINATIONS, indirect=True, ids="-".join)
async def test_every_public_page_is_accessible_and_fits(
    runtime: Runtime, live_url: str, visitor: Page
) -> None:
    size, language, scheme = visitor.combination
    expected = {"not-found": 404, "closed": 410}
    for name, path in (await public_content(runtime, language)).items():
        response = await visitor.goto(live_url + path)
        assert response.status == expected.get(name, 200), name
        if name == "api-docs":
            await visitor.wait_for_selector("details")
        await assert_accessible(visitor)
        assert await overflow(visitor) <= 0, f"{name} scrolls sideways"
        if name not in ("landing", "api-docs"):
            assert await visitor.evaluate("document.documentElement.lang") == language, name
        directory = screenshot_dir()
        if directory:
            directory.mkdir(parents=True, exist_ok=True)
            shot = directory / f"{name}-{size}-{language}-{scheme}.png"
            await visitor.screenshot(path=shot, full_page=True)


async def test_no_public_page_scrolls_sideways_on_a_360_px_phone(
    runtime: Runtime, live_url: str, browser: Any
) -> None:
    context = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = await context.new_page()
    for name, path in (await public_content(runtime, "fr")).items():
        await page.goto(live_url + path)
        if name == "api-docs":
            await page.wait_for_selector("details")
        assert await overflow(page) <= 0, f"{name} scrolls sideways at 360 px"
    await context.close()


async def test_the_job_list_is_styled_as_cards_not_raw_links(
    runtime: Runtime, live_url: str, desktop: Page
) -> None:
    await make_open_job(runtime, "Courier")  # no department or place
    await desktop.goto(f"{live_url}/jobs")
    link = desktop.locator("a.job-link").first
    assert await link.evaluate("a => getComputedStyle(a).textDecorationLine") == "none"
    assert await link.evaluate("a => getComputedStyle(a).borderTopStyle") == "solid"
    facts = await desktop.locator("a.job-link .facts").first.inner_text()
    assert facts == "On site · Full time"


async def test_the_job_pages_meta_line_stands_apart_from_the_description(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    job = await make_open_job(runtime, "Data Engineer", description="Build pipelines.")
    await phone.goto(f"{live_url}/jobs/{job.id}")
    facts = await phone.locator("ul.facts").bounding_box()
    text = await phone.locator(".description").bounding_box()
    assert text["y"] - (facts["y"] + facts["height"]) >= 16  # a visible gap, and a rule


@pytest.mark.parametrize("visitor", [("phone", "fr", "light"), ("desktop", "en", "dark")],
                         indirect=True, ids="-".join)  # fmt: skip
async def test_a_candidate_applies_with_the_keyboard_alone(
    runtime: Runtime, live_url: str, visitor: Page, tmp_path: Path
) -> None:
    _size, language, _scheme = visitor.combination
    job = await make_open_job(runtime, "Data Engineer", language=language)
    await visitor.goto(f"{live_url}/jobs/{job.id}")
    await tab_until(visitor, "a.button")
    outline = await visitor.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible
    await visitor.keyboard.press("Enter")
    await visitor.wait_for_url(f"**/apply/{job.id}")
    await tab_until(visitor, "#name")
    await visitor.keyboard.type("Marie Curie")
    await visitor.keyboard.press("Tab")
    await visitor.keyboard.type("marie@example.org")
    cv = tmp_path / "cv.pdf"
    cv.write_bytes(PDF)
    await visitor.set_input_files("#cv", str(cv))  # a file picker is the system's, not ours
    await tab_until(visitor, "input[name=consent]")
    await visitor.keyboard.press("Space")
    await visitor.keyboard.press("Tab")
    assert await visitor.evaluate("document.activeElement.type") == "submit"
    await visitor.keyboard.press("Enter")
    thanks = "Merci pour votre candidature" if language == "fr" else "Thank you for applying!"
    await visitor.wait_for_selector(f"text={thanks}")


async def tab_until(page: Page, selector: str, presses: int = 40) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never got the focus in {presses} presses of Tab")
