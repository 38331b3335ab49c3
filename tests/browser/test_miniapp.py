"""The employees' mini app in headless Chromium, on a phone-sized screen."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from app.gamification.ledger import Award
from app.gamification.models import Redemption, RedemptionStatus
from app.gamification.shop import RewardDraft
from app.people.models import Employee
from app.referrals.models import Channel, ContentType, Referral, TrackedLink
from app.runtime import Runtime
from tests.helpers import make_open_job, make_sharer
from tests.web.miniapp_support import telegram_init_data

TELEGRAM_ID = 5550001
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
THEME = {"bg_color": "#102030", "text_color": "#fafafa", "button_color": "#ff9900"}

Page = Any  # playwright.async_api.Page


async def give(runtime: Runtime, employee: Employee, points: int) -> None:
    await runtime.gamification.ledger.award(
        Award(employee.id, points, "adjustment", "test", f"seed:{employee.id}:{points}",
              runtime.clock.now(), note="seed")
    )  # fmt: skip


async def sign_in_with_link(
    page: Page, runtime: Runtime, live_url: str, employee: Employee
) -> None:
    link = await runtime.logins.create(employee.id)
    await page.goto(live_url + link.removeprefix(runtime.settings.public_base_url))
    await page.wait_for_selector("nav.tabs-bar")


async def test_telegram_sign_in_follows_the_theme_on_a_phone(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    ada = await make_sharer(runtime, telegram_id=str(TELEGRAM_ID))
    await give(runtime, ada, 120)
    init_data = telegram_init_data(TELEGRAM_ID, runtime.clock.now())
    fragment = (
        f"tgWebAppData={quote(init_data, safe='')}"
        f"&tgWebAppThemeParams={quote(json.dumps(THEME), safe='')}&tgWebAppPlatform=android"
    )
    await phone.goto(f"{live_url}/app#{fragment}")
    await phone.wait_for_selector("#points b")
    await ada.refresh_from_db()
    assert ada.points_balance >= 120  # the policy accepted earns a few too
    assert await phone.inner_text("#points b") == str(ada.points_balance)
    assert await phone.inner_text("h1") == "My points"
    cookies = {c["name"]: c for c in await phone.context.cookies()}
    assert cookies["pv_session"]["httpOnly"] is True
    background = await phone.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(16, 32, 48)"  # Telegram's bg_color, not ours
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    progress = phone.locator('[role="progressbar"]').first
    assert await progress.get_attribute("aria-label") == "Level"
    assert await phone.locator("nav.tabs-bar a").count() == 5


async def test_forged_telegram_data_is_refused(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    await make_sharer(runtime, telegram_id=str(TELEGRAM_ID))
    now = runtime.clock.now()
    forged = telegram_init_data(TELEGRAM_ID, now, bot_token="1:someone-else")
    await phone.goto(f"{live_url}/app#tgWebAppData={quote(forged, safe='')}")
    alert = phone.locator('[role="alert"]')
    await alert.wait_for()
    assert "not signed by this bot" in await alert.inner_text()
    assert "pv_session" not in {c["name"] for c in await phone.context.cookies()}
    stale = telegram_init_data(TELEGRAM_ID, now - timedelta(days=2))
    await phone.goto("about:blank")  # a new fragment alone would not reload the page
    await phone.goto(f"{live_url}/app#tgWebAppData={quote(stale, safe='')}")
    await phone.wait_for_selector("text=too old")
    await phone.goto(f"{live_url}/app")  # no Telegram, no session: how to get in
    await phone.wait_for_selector("text=send /app to get a sign-in link")


async def test_share_buttons_open_each_network_with_my_tracked_link(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime, "Data Engineer", location="Lyon")
    await sign_in_with_link(phone, runtime, live_url, ada)
    await phone.goto(f"{live_url}/app/jobs")
    await phone.click(f"#job-{job.id} a.title")
    await phone.wait_for_selector('a[data-channel-action="linkedin"]')
    links = {
        link.channel: f"https://advocacy.test/r/{link.code}"
        for link in await TrackedLink.filter(
            employee_id=ada.id, content_type=ContentType.JOB, content_id=job.id
        )
    }
    assert set(links) == set(Channel)
    href, captions = {}, {}
    for channel in ("linkedin", "x", "facebook", "whatsapp", "telegram", "email"):
        await phone.click(f'button[data-channel="{channel}"]')  # pick the network
        action = phone.locator(f'[data-channel-action="{channel}"]')
        href[channel] = await action.get_attribute("href")
        captions[channel] = await phone.inner_text(".caption")
    assert "We are hiring: Data Engineer (Lyon). Apply or pass it on!" in captions["x"]
    assert links[Channel.X] in captions["x"]  # the preview shows my own link
    q = {channel: quote(url, safe="") for channel, url in links.items()}
    caption = quote("We are hiring: Data Engineer (Lyon). Apply or pass it on!", safe="")
    assert (
        href["linkedin"]
        == f"https://www.linkedin.com/sharing/share-offsite/?url={q[Channel.LINKEDIN]}"
    )
    assert href["x"] == f"https://twitter.com/intent/tweet?text={caption}&url={q[Channel.X]}"
    assert href["facebook"] == f"https://www.facebook.com/sharer/sharer.php?u={q[Channel.FACEBOOK]}"
    assert href["whatsapp"].startswith("https://wa.me/?text=")
    assert q[Channel.WHATSAPP] in href["whatsapp"]
    assert href["telegram"] == f"https://t.me/share/url?url={q[Channel.TELEGRAM]}&text={caption}"
    assert href["email"].startswith("mailto:?subject=Data%20Engineer&body=")
    await phone.click('button[data-channel="copy"]')
    assert await phone.get_attribute(".preview .copy", "data-url") == links[Channel.COPY]
    await phone.click('button[data-channel="linkedin"]')
    assert await phone.get_attribute('a[data-channel-action="linkedin"]', "target") == "_blank"


async def test_refer_a_friend_from_a_job(
    runtime: Runtime, live_url: str, phone: Page, tmp_path: Any
) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    cv = tmp_path / "grace.pdf"
    cv.write_bytes(PDF)
    await sign_in_with_link(phone, runtime, live_url, ada)
    await phone.goto(f"{live_url}/app/jobs/{job.id}")
    await phone.click(f'[data-refer="{job.id}"]')
    form = f"#refer-{job.id}"
    assert "ask for their consent" in await phone.inner_text(f"{form} .consent")
    await phone.fill(f"{form}-name", "Grace Hopper")
    await phone.fill(f"{form}-email", "grace@example.org")
    await phone.fill(f"{form}-phone", "+33 6 12 34 56 78")
    await phone.fill(f"{form}-linkedin_url", "https://www.linkedin.com/in/grace")
    await phone.set_input_files(f"{form}-cv", str(cv))
    await phone.click(f"{form} button[type=submit]")
    await phone.wait_for_selector(f"{form} .notice.ok")
    notice = await phone.inner_text(f"{form} .notice.ok")
    assert notice.startswith("Thank you! We e-mailed Grace Hopper (grace@example.org)")
    assert await phone.locator('a[href*="/consent/"]').count() == 0  # the candidate's alone
    [referral] = await Referral.filter(referrer_id=ada.id).prefetch_related("candidate")
    assert referral.job_id == job.id and referral.status.value == "pending_consent"
    assert (referral.candidate.phone, referral.candidate.linkedin_url) == (
        "+33 6 12 34 56 78",
        "https://www.linkedin.com/in/grace",
    )
    stored = runtime.referrals.cv_store.path(referral.cv_file)
    assert stored is not None and stored.read_bytes() == PDF  # the same CV as from the bot
    await phone.goto(f"{live_url}/app/referrals")
    card = phone.locator(f"#referral-{referral.id}")
    await card.wait_for()
    assert "Grace Hopper" in await card.inner_text()
    assert "Waiting for the candidate's consent" in await card.inner_text()


async def test_redeeming_a_reward_in_the_shop(runtime: Runtime, live_url: str, phone: Page) -> None:
    ada = await make_sharer(runtime)
    await give(runtime, ada, 200)
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=50))
    trip = await runtime.shop.create_reward(
        RewardDraft(name_en="Trip", name_fr="Voyage", cost=5000)
    )
    await ada.refresh_from_db()
    before = ada.points_balance
    await sign_in_with_link(phone, runtime, live_url, ada)
    await phone.goto(f"{live_url}/app/shop")
    await phone.wait_for_selector(f'[data-redeem="{mug.id}"]')
    assert await phone.is_disabled(f'[data-redeem="{trip.id}"]')  # 5000 > 200
    await phone.click(f'[data-redeem="{mug.id}"]')
    dialog = phone.locator("dialog.confirm")
    assert "Redeem Mug?" in await dialog.inner_text()
    assert f"Balance after\n{before - 50} points" in await dialog.inner_text()
    await phone.click('[data-confirm="no"]')  # changed my mind: nothing spent
    assert await dialog.count() == 0 and await Redemption.filter(employee_id=ada.id).count() == 0
    await phone.click(f'[data-redeem="{mug.id}"]')
    await phone.dblclick('[data-confirm="yes"]')  # a double tap spends once
    await phone.wait_for_selector("text=Redeemed: waiting for approval")
    assert await phone.inner_text("#balance b") == str(before - 50)
    [redemption] = await Redemption.filter(employee_id=ada.id)
    assert redemption.status == RedemptionStatus.REQUESTED and redemption.cost == 50
    assert "Waiting for approval" in await phone.inner_text("#redemptions")
    await ada.refresh_from_db()
    assert ada.points_balance == before - 50


async def test_leaderboard_switches_and_highlights_me(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    ada = await make_sharer(runtime, department="Engineering")
    bob = await make_sharer(runtime, "bob@example.com", name="Bob", department="Sales")
    await give(runtime, ada, 10)
    await give(runtime, bob, 30)
    await sign_in_with_link(phone, runtime, live_url, ada)
    await phone.goto(f"{live_url}/app/leaderboard")
    await phone.wait_for_selector("#board tr.me")
    assert "Ada Lovelace" in await phone.inner_text("#board tr.me")
    assert await phone.locator("#board tr").count() == 2
    await phone.click('[data-scope="department"]')
    await phone.wait_for_selector('[data-scope="department"][aria-pressed="true"]')
    assert await phone.locator("#board tr").count() == 1
    await phone.click('[data-period="week"]')
    await phone.wait_for_selector('[data-period="week"][aria-pressed="true"]')
    assert "Ada Lovelace" in await phone.inner_text("#board tr.me")


async def test_switching_the_language_to_french(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    ada = await make_sharer(runtime)
    await sign_in_with_link(phone, runtime, live_url, ada)
    await phone.goto(f"{live_url}/app/settings")
    await phone.wait_for_selector("#settings")
    await phone.select_option("#language", "fr")
    await phone.check('input[name="opt_out"]')
    async with phone.expect_navigation():
        await phone.click("#settings button[type=submit]")
    await phone.wait_for_selector("#settings")
    assert await phone.get_attribute("html", "lang") == "fr"
    assert await phone.inner_text("h1") == "Paramètres"
    assert await phone.is_checked('input[name="opt_out"]')
    await ada.refresh_from_db()
    assert ada.language == "fr"
    await phone.goto(f"{live_url}/app")
    await phone.wait_for_selector("#points")
    assert "Points" in await phone.inner_text("#points")
    assert await phone.inner_text("h1") == "Mes points"


async def test_redeeming_with_the_keyboard_alone(
    runtime: Runtime, live_url: str, phone: Page
) -> None:
    ada = await make_sharer(runtime)
    await give(runtime, ada, 100)
    mug = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=50))
    await sign_in_with_link(phone, runtime, live_url, ada)
    await phone.goto(f"{live_url}/app/shop")
    await phone.focus(f'[data-redeem="{mug.id}"]')
    await phone.keyboard.press("Enter")
    await phone.wait_for_selector("dialog.confirm[open]")
    focused = await phone.evaluate("document.activeElement.closest('dialog') !== null")
    assert focused  # the focus moved into the question
    await phone.keyboard.press("Escape")
    assert await phone.locator("dialog.confirm").count() == 0
    assert await Redemption.filter(employee_id=ada.id).count() == 0
    await phone.focus(f'[data-redeem="{mug.id}"]')
    await phone.keyboard.press("Enter")
    await phone.wait_for_selector("dialog.confirm[open]")
    await phone.focus('[data-confirm="yes"]')
    await phone.keyboard.press("Enter")
    await phone.wait_for_selector("text=Redeemed: waiting for approval")
    assert await Redemption.filter(employee_id=ada.id).count() == 1
