"""Every reaction runs in the process where its event happens: with the web process and
the worker apart (production), what the worker does is still told in the chat."""

from __future__ import annotations

import aiohttp

from app.gamification.models import BadgeAward, Profile
from app.referrals.models import Channel, ContentType
from app.runtime import Runtime
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import eventually, make_open_job, make_sharer
from tests.journeys.conftest import telegram_env
from tests.processes import Processes
from tests.referrals.test_clicks import CHROME


async def test_a_badge_earned_from_a_click_in_the_worker_reaches_the_chat(
    servers_only: None, processes: Processes, runtime: Runtime, telegram: FakeTelegram
) -> None:
    ada = await make_sharer(runtime, telegram_id="4242")
    await Profile.filter(employee_id=ada.id).update(unique_clicks=99)  # one click from 100
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(ada, ContentType.JOB, job.id, [Channel.LINKEDIN])
    _, base = await processes.web(**telegram_env(telegram))
    processes.start("worker", **telegram_env(telegram))

    async with (
        aiohttp.ClientSession() as visitor,
        visitor.get(
            f"{base}/r/{share.code}", headers={"User-Agent": CHROME}, allow_redirects=False
        ) as response,
    ):
        assert response.status == 302

    async def badge_told() -> bool:
        return "New badge: 100 unique clicks!" in telegram.texts(4242)

    await eventually(badge_told, within=20)
    assert await BadgeAward.filter(employee_id=ada.id, badge="clicks_100").count() == 1
    assert telegram.texts(4242).count("New badge: 100 unique clicks!") == 1
