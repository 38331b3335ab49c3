"""Every view of the mini app on a phone (390×844, signed in from Telegram with its theme)
and in a Teams tab on a desktop (1280×800, a one-time link), in French and English, light
and dark: axe-core finds no serious or critical WCAG 2.1 AA violation, nothing scrolls
sideways, and the tab bar and the view's first control are reached with the keyboard.

Each view's screenshot is kept in pytest's tmp_path, to look at (the README's come from
test_screenshots.py, on the demo company).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from app.gamification.challenges import ChallengeDraft
from app.gamification.shop import RewardDraft
from app.jobs.schemas import NewsCreate
from app.people.models import Employee
from app.referrals.intake import CandidateDetails
from app.referrals.models import Channel, ContentType
from app.runtime import Runtime
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import watch
from tests.browser.test_miniapp import give
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import make_employee, make_open_job, make_sharer, someone_opens
from tests.web.miniapp_support import telegram_init_data

Page = Any  # playwright.async_api.Page
TELEGRAM_ID = 5550001
# Telegram's own palettes (its default light and night themes).
THEMES = {
    "light": {"bg_color": "#ffffff", "text_color": "#000000", "hint_color": "#999999",
              "link_color": "#2481cc", "button_color": "#2481cc", "button_text_color": "#ffffff",
              "secondary_bg_color": "#efeff3"},
    "dark": {"bg_color": "#212121", "text_color": "#ffffff", "hint_color": "#aaaaaa",
             "link_color": "#8774e1", "button_color": "#8774e1", "button_text_color": "#ffffff",
             "secondary_bg_color": "#181818"},
}  # fmt: skip
SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
VIEWS = ("", "jobs", "job", "links", "referrals", "leaderboard", "shop", "settings")


async def a_company(runtime: Runtime, language: str) -> tuple[Employee, int]:
    """An employee with points, a badge, a link with clicks, a referral, a challenge;
    jobs in two departments and sites, a news post, rewards. Returns (employee, a job)."""
    ada = await make_sharer(runtime, telegram_id=str(TELEGRAM_ID), language=language)
    await make_sharer(runtime, "bob@example.com", name="Bob Martin", department="Sales")
    job = await make_open_job(
        runtime, "Data Engineer", department="Engineering", location="Lyon",
        description="Build our data platform.\nPython, SQL and care.", referral_points=800,
    )  # fmt: skip
    await make_open_job(runtime, "Account Executive", department="Sales", location="Paris")
    await make_open_job(
        runtime, "Site Reliability Engineer", department="Engineering", location="Paris"
    )
    news = await runtime.content.create_news(NewsCreate(title="We opened an office in Lyon"))
    await runtime.content.publish_news(news.id, push=False)
    [share] = await runtime.links.shares(
        ada, ContentType.JOB, job.id, [Channel.LINKEDIN], record=True
    )
    await someone_opens(runtime, share.code)
    await runtime.referrals.intake.refer(
        ada, job.id, CandidateDetails("Grace Hopper", "grace@example.org")
    )
    today = runtime.clock.now().date()
    await runtime.challenges.create(
        ChallengeDraft(
            name="Ten shares in Engineering",
            department="Engineering",
            metric="shares",
            target=10,
            starts_on=today - timedelta(days=3),
            ends_on=today + timedelta(days=20),
        )
    )
    await give(runtime, ada, 180)
    await runtime.shop.create_reward(
        RewardDraft(name_en="Company mug", name_fr="Mug de l'entreprise", cost=50)
    )
    await runtime.shop.create_reward(
        RewardDraft(name_en="A day off", name_fr="Un jour de congé", cost=2000)
    )
    return ada, job.id  # fmt: skip


async def open_session(
    page: Page, runtime: Runtime, live_url: str, ada: Employee, screen: str, theme: str
) -> None:
    if screen == "phone":  # from Telegram, with its theme in the launch parameters
        init_data = telegram_init_data(TELEGRAM_ID, runtime.clock.now(), language=ada.language)
        fragment = (
            f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0"
            f"&tgWebAppThemeParams={quote(json.dumps(THEMES[theme]), safe='')}"
            "&tgWebAppPlatform=android"
        )
        await page.goto(f"{live_url}/app#{fragment}")
    else:  # a Teams tab, or a browser: the one-time link
        link = await runtime.logins.create(ada.id)
        await page.goto(live_url + link.removeprefix(runtime.settings.public_base_url))
    await page.wait_for_selector("nav.tabs-bar")


async def no_sideways_scroll(page: Page, width: int) -> None:
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url}: {scroll}px wide in a {width}px screen"


async def keyboard_reaches(page: Page, selector: str, presses: int = 40) -> None:
    """Tab from the top of the page until `selector` has the focus."""
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{page.url}: {selector} not reached with Tab")


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("screen", ["phone", "desktop"])
async def test_every_view_is_accessible_and_fits(
    runtime: Runtime,
    live_url: str,
    browser: Any,
    screen: str,
    language: str,
    theme: str,
    tmp_path: Path,
    fake_telegram: FakeTelegram,
) -> None:
    ada, job_id = await a_company(runtime, language)
    out = tmp_path
    size = SCREENS[screen]
    context = await browser.new_context(
        viewport=size, device_scale_factor=2 if screen == "phone" else 1,
        is_mobile=screen == "phone", has_touch=screen == "phone",
        color_scheme=theme, locale="fr-FR" if language == "fr" else "en-GB",
    )  # fmt: skip
    page = await context.new_page()
    errors = watch(page)
    await open_session(page, runtime, live_url, ada, screen, theme)
    for view in VIEWS:
        path = f"/app/jobs/{job_id}" if view == "job" else f"/app/{view}".rstrip("/")
        await page.goto(live_url + path)
        await page.wait_for_selector("#content > :not(#loading)")
        if view == "job":
            await page.wait_for_selector(".preview .url")
        await page.wait_for_load_state("networkidle")
        assert await page.get_attribute("html", "lang") == language
        await page.screenshot(path=out / f"{screen}-{language}-{theme}-{view or 'home'}.png")
        await assert_accessible(page)
        await no_sideways_scroll(page, size["width"])
        await keyboard_reaches(page, "nav.tabs-bar a")
    await context.close()
    assert errors == [], errors


async def test_a_newcomer_is_told_what_to_do_on_every_empty_view(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    """No job, link, referral, ranking or reward yet: each view says what to do, with a
    button that does it, and stays accessible."""
    from tests.browser.test_miniapp import sign_in_with_link

    ada = await make_employee(runtime)  # not even the policy accepted: no points at all
    await sign_in_with_link(phone, runtime, live_url, ada)
    expected = {
        "jobs": "Refer someone",
        "links": "See open jobs",
        "referrals": "See open jobs",
        "leaderboard": "See open jobs",
        "shop": "See open jobs",
    }
    for view, action in expected.items():
        await phone.goto(f"{live_url}/app/{view}")
        empty = phone.locator(".empty").first
        await empty.wait_for()
        assert await empty.locator("a.button, button").inner_text() == action, view
        await assert_accessible(phone)
    await phone.goto(f"{live_url}/app/jobs")
    await phone.click(".empty button")  # a general referral, with no job open
    await phone.wait_for_selector("#refer-general .consent")
