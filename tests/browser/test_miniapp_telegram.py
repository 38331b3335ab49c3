"""The mini app inside Telegram, as a Telegram client runs it: the page's methods reach a
stand-in for `window.TelegramWebviewProxy` (what Telegram's Android and iOS apps expose),
and Telegram's events are delivered through `Telegram.WebView.receiveEvent`, as the apps
do. The Bot API is the fake one. Outside Telegram the same pages keep their own buttons.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from app.gamification.models import PointsEntry
from app.referrals.models import Channel, TrackedLink
from app.runtime import Runtime
from tests.browser.test_miniapp import sign_in_with_link
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import make_open_job, make_sharer
from tests.web.miniapp_support import telegram_init_data

Page = Any  # playwright.async_api.Page
TELEGRAM_ID = 5550001
# Telegram's apps expose postEvent(type, JSON string); this one keeps what it is given
# and, like a user who picks a chat, answers a prepared message as sent.
PROXY = """
window.__methods = [];
window.TelegramWebviewProxy = {
  postEvent(type, data) {
    window.__methods.push([type, data ? JSON.parse(data) : null]);
    if (type === "web_app_send_prepared_message") {
      setTimeout(() => window.Telegram.WebView.receiveEvent("prepared_message_sent", null), 50);
    }
  },
};
"""


async def methods(page: Page, name: str) -> list[Any]:
    """The data of each call of Telegram method `name` the page made."""
    calls = await page.evaluate("window.__methods")
    return [data for method, data in calls if method == name]


async def telegram(page: Page, event: str, data: object = None) -> None:
    await page.evaluate("([e, d]) => window.Telegram.WebView.receiveEvent(e, d)", [event, data])


async def open_in_telegram(page: Page, runtime: Runtime, live_url: str) -> None:
    await page.add_init_script(PROXY)
    init_data = telegram_init_data(TELEGRAM_ID, runtime.clock.now())
    fragment = (
        f"tgWebAppData={quote(init_data, safe='')}&tgWebAppVersion=8.0&tgWebAppPlatform=android"
    )
    await page.goto(f"{live_url}/app#{fragment}")
    await page.wait_for_selector("#points b")


async def test_telegram_buttons_follow_the_view(
    runtime: Runtime, live_url: str, phone: Page, fake_telegram: FakeTelegram
) -> None:
    await make_sharer(runtime, telegram_id=str(TELEGRAM_ID))
    job = await make_open_job(runtime)
    await open_in_telegram(phone, runtime, live_url)
    assert await methods(phone, "web_app_ready") == [{}]
    assert await methods(phone, "web_app_expand") == [{}]  # a phone: the whole height
    assert await methods(phone, "web_app_setup_back_button") == []  # home is no inner view
    await phone.goto(f"{live_url}/app/jobs")
    await phone.click(f"#job-{job.id} a.title")
    await phone.wait_for_selector("#points-on-offer")
    assert await methods(phone, "web_app_setup_back_button") == [{"is_visible": True}]
    assert await phone.is_hidden("#back")  # Telegram shows its own
    [main] = await methods(phone, "web_app_setup_main_button")
    assert main["is_visible"] and main["text"] == "Refer someone"
    # In the page's own colours (Telegram's theme when it gives one), not Telegram's default.
    button, text = await phone.evaluate(
        "['--button', '--button-text'].map((name) =>"
        " getComputedStyle(document.documentElement).getPropertyValue(name).trim())"
    )
    assert (main["color"], main["text_color"]) == (button, text)
    await telegram(phone, "main_button_pressed")
    await phone.wait_for_selector(f"#refer-{job.id}")
    assert (await methods(phone, "web_app_setup_main_button"))[-1]["text"] == "Send"
    async with phone.expect_navigation():
        await telegram(phone, "back_button_pressed")
    assert phone.url == f"{live_url}/app/jobs"


async def test_sharing_into_a_telegram_chat(
    runtime: Runtime, live_url: str, phone: Page, fake_telegram: FakeTelegram
) -> None:
    ada = await make_sharer(runtime, telegram_id=str(TELEGRAM_ID))
    job = await make_open_job(runtime)
    await open_in_telegram(phone, runtime, live_url)
    await phone.goto(f"{live_url}/app/jobs/{job.id}")
    # Inside Telegram, Telegram is the network offered first.
    await phone.wait_for_selector('button[data-channel="telegram"][aria-pressed="true"]')
    await phone.click(f'[data-send-telegram="{job.id}"]')
    await phone.wait_for_selector("#share .notice.ok")
    [saved] = fake_telegram.sent("savePreparedInlineMessage")
    link = await TrackedLink.get(employee_id=ada.id, content_id=job.id, channel=Channel.TELEGRAM)
    assert saved["user_id"] == TELEGRAM_ID
    assert link.code in saved["result"]["input_message_content"]["message_text"]
    [sent] = await methods(phone, "web_app_send_prepared_message")
    assert sent == {"id": fake_telegram.prepared[0]}  # the id Telegram gave, handed back
    assert {"type": "notification", "notification_type": "success"} in await methods(
        phone, "web_app_trigger_haptic_feedback"
    )
    assert await PointsEntry.filter(employee_id=ada.id, reason="share").count() == 1


async def test_theme_and_safe_area_changes_apply_at_once(
    runtime: Runtime, live_url: str, phone: Page, fake_telegram: FakeTelegram
) -> None:
    await make_sharer(runtime, telegram_id=str(TELEGRAM_ID))
    await open_in_telegram(phone, runtime, live_url)
    dark = {"bg_color": "#212121", "text_color": "#ffffff", "button_color": "#8774e1",
            "button_text_color": "#ffffff", "link_color": "#8774e1"}  # fmt: skip
    await telegram(phone, "theme_changed", {"theme_params": dark})
    assert await phone.evaluate("getComputedStyle(document.body).backgroundColor") == (
        "rgb(33, 33, 33)"
    )
    assert await phone.get_attribute("html", "data-scheme") == "dark"
    button = await phone.evaluate(
        "getComputedStyle(document.documentElement).getPropertyValue('--tg-theme-button-color')"
    )
    assert button.strip() != "#8774e1"  # darkened: white on it reads at 4.5:1
    await telegram(phone, "safe_area_changed", {"top": 0, "bottom": 34, "left": 0, "right": 0})
    padding = await phone.evaluate(
        "getComputedStyle(document.querySelector('nav.tabs-bar')).paddingBottom"
    )
    assert float(padding.removesuffix("px")) >= 34


async def test_outside_telegram_the_page_keeps_its_own_buttons(
    runtime: Runtime, live_url: str, desktop: Page
) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    await sign_in_with_link(desktop, runtime, live_url, ada)
    await desktop.goto(f"{live_url}/app/jobs/{job.id}")
    await desktop.wait_for_selector(".preview")
    assert await desktop.evaluate("window.PVTelegram.inside") is False
    assert await desktop.is_visible("#back")
    assert await desktop.locator("[data-send-telegram]").count() == 0
    await desktop.click('button[data-channel="telegram"]')
    href = await desktop.get_attribute('a[data-channel-action="telegram"]', "href")
    # Telegram's share page instead, with my own Telegram link
    share = urlsplit(href)
    assert (share.scheme, share.netloc, share.path) == ("https", "t.me", "/share/url")
    link = await TrackedLink.get(employee_id=ada.id, content_id=job.id, channel=Channel.TELEGRAM)
    assert parse_qs(share.query)["url"] == [f"{runtime.settings.public_base_url}/r/{link.code}"]
    await desktop.click("#back")
    await desktop.wait_for_url(f"{live_url}/app/jobs")
    await desktop.set_viewport_size({"width": 1280, "height": 800})
    nav = await desktop.evaluate(
        "JSON.stringify(document.querySelector('nav.tabs-bar').getBoundingClientRect())"
    )
    box = json.loads(nav)
    assert box["width"] < 300 and box["height"] == 800  # a side column, not a stretched bar
