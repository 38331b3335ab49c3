"""A link-preview crawler (TelegramBot, LinkedInBot, facebookexternalhit, WhatsApp, Teams'
SkypeUriPreview) follows an employee's tracked link over HTTP, against the real app, and
finds the page's preview tags and card; its visit is a bot click, worth no points."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from app.gamification.models import PointsEntry
from app.referrals.models import Channel, Click, ClickClass, ContentType
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.helpers import make_sharer
from tests.processes import free_port
from tests.web.test_previews import MetaTags, engineer

PREVIEW_BOTS = {
    "telegram": "TelegramBot (like TwitterBot)",
    "linkedin": "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "facebook": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "whatsapp": "WhatsApp/2.23.20.0 A",
    "teams": "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
}


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(settings: Settings, port: int) -> Settings:
    """The tracked links point at the test server itself, so a crawler can follow them."""
    settings.public_base_url = f"http://127.0.0.1:{port}"
    return settings


@pytest.fixture
async def served(settings: Settings, runtime: Runtime, port: int) -> AsyncIterator[str]:
    server = TestServer(create_app(settings, runtime), host="127.0.0.1", port=port)
    await server.start_server()
    try:
        yield settings.public_base_url
    finally:
        await server.close()


async def test_a_preview_crawler_follows_the_tracked_link_to_the_tags_as_a_bot_click(
    runtime: Runtime, served: str
) -> None:
    ada = await make_sharer(runtime)
    job_id = await engineer(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job_id, [Channel.LINKEDIN])
    points_before = await PointsEntry.filter(employee_id=ada.id).count()
    async with aiohttp.ClientSession() as http:
        for agent in PREVIEW_BOTS.values():
            async with http.get(share.url, headers={"User-Agent": agent}) as page:
                assert page.status == 200, agent
                assert [hop.status for hop in page.history] == [302]
                tags = MetaTags(await page.text()).values
            assert tags["og:title"] == "Data Engineer", agent
            assert tags["og:url"] == f"{served}/jobs/{job_id}"  # no UTM parameters
            async with http.get(tags["og:image"], headers={"User-Agent": agent}) as image:
                assert image.status == 200 and image.content_type == "image/png"
    await runtime.click_worker().drain()
    clicks = await Click.all()
    assert [click.classification for click in clicks] == [ClickClass.BOT] * len(PREVIEW_BOTS)
    assert await PointsEntry.filter(employee_id=ada.id).count() == points_before
