"""The mini app's jobs and sharing endpoints: a job's detail with its points on offer, a
share recorded when a network is picked, and a message prepared for a Telegram chat
through the Bot API's savePreparedInlineMessage (the fake Bot API stands for Telegram)."""

from __future__ import annotations

import time

import pytest
from aiohttp.test_utils import TestClient

from app.gamification.models import PointsEntry
from app.referrals.models import Channel, TrackedLink
from app.runtime import Runtime
from app.settings import Settings
from tests.channel_fixtures import use_telegram
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import make_open_job, make_sharer
from tests.web.miniapp_support import telegram_init_data
from tests.web.test_miniapp_api import signed_in

ADA_TELEGRAM = 5550001
BOB_TELEGRAM = 5550002


@pytest.fixture
def fake_telegram(client: TestClient, settings: Settings, fake: FakeTelegram) -> FakeTelegram:
    """The fake Bot API, set after the app started (so no bot polls it)."""
    use_telegram(settings, fake)
    return fake


async def shares_recorded(employee_id: int) -> int:
    return await PointsEntry.filter(employee_id=employee_id, reason="share").count()


async def test_a_job_shows_the_points_it_offers(client: TestClient, runtime: Runtime) -> None:
    ada = await make_sharer(runtime)
    plain = await make_open_job(runtime, "Data Engineer")
    rich = await make_open_job(runtime, "Staff Engineer", referral_points=1500)
    headers = await signed_in(client, runtime, ada)
    shown = await (await client.get(f"/app/api/jobs/{rich.id}", headers=headers)).json()
    assert shown["job"]["title"] == "Staff Engineer" and shown["policy_accepted"] is True
    assert shown["points"] == {
        "share": 5, "unique_click": 1, "application": 20, "interview": 50, "offer": 100,
        "hire": 1500,  # the job's own referral points, not the rules' 500
    }  # fmt: skip
    feed = await (await client.get("/app/api/feed", headers=headers)).json()
    assert {j["id"]: j["hire_points"] for j in feed["jobs"]} == {plain.id: 500, rich.id: 1500}
    await runtime.content.close_job(plain.id)
    gone = await client.get(f"/app/api/jobs/{plain.id}", headers=headers)
    assert gone.status == 404 and (await gone.json())["error"]["code"] == "job_not_found"
    assert (await client.get("/app/api/jobs/999999", headers=headers)).status == 404


async def test_picking_a_network_records_the_share_looking_does_not(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_sharer(runtime)
    job = await make_open_job(runtime)
    headers = await signed_in(client, runtime, ada)
    ask = {"content_type": "job", "content_id": job.id}
    options = await (await client.post("/app/api/shares", json=ask, headers=headers)).json()
    assert {o["channel"] for o in options} == {c.value for c in Channel}
    assert await shares_recorded(ada.id) == 0
    picked = await client.post(
        "/app/api/shares", json={**ask, "channel": "linkedin"}, headers=headers
    )
    [linkedin] = await picked.json()
    assert linkedin["channel"] == "linkedin" and await shares_recorded(ada.id) == 1
    bad = await client.post("/app/api/shares", json={**ask, "channel": "myspace"}, headers=headers)
    assert bad.status == 422


async def test_a_telegram_share_is_prepared_with_my_own_link(
    client: TestClient, runtime: Runtime, fake_telegram: FakeTelegram
) -> None:
    ada = await make_sharer(runtime, telegram_id=str(ADA_TELEGRAM))
    job = await make_open_job(runtime, "Data Engineer", location="Lyon")
    headers = await signed_in(client, runtime, ada)
    init_data = telegram_init_data(ADA_TELEGRAM, runtime.clock.now(), fake_telegram.token)
    ask = {"content_type": "job", "content_id": job.id, "init_data": init_data}
    response = await client.post("/app/api/telegram/share", json=ask, headers=headers)
    assert response.status == 200, await response.text()
    prepared = await response.json()
    [call] = fake_telegram.sent("savePreparedInlineMessage")
    # Telegram's own id for the message, handed on as it gave it, and when it expires.
    assert [prepared["id"]] == fake_telegram.prepared
    assert time.time() < prepared["expiration_date"] <= time.time() + 86_400
    link = await TrackedLink.get(employee_id=ada.id, content_id=job.id, channel=Channel.TELEGRAM)
    url = f"https://advocacy.test/r/{link.code}"
    assert call["user_id"] == ADA_TELEGRAM
    result = call["result"]
    assert (result["type"], result["id"], result["title"]) == (
        "article",
        f"job:{job.id}",
        "Data Engineer",
    )
    assert result["input_message_content"]["message_text"] == (
        f"We are hiring: Data Engineer (Lyon). Apply or pass it on!\n{url}"
    )
    assert result["reply_markup"] == {"inline_keyboard": [[{"text": "Open", "url": url}]]}
    assert call["allow_user_chats"] and not call.get("allow_bot_chats")
    assert await shares_recorded(ada.id) == 1  # it counts as a share


async def test_a_telegram_share_needs_my_own_signed_telegram_data(
    client: TestClient, runtime: Runtime, fake_telegram: FakeTelegram
) -> None:
    ada = await make_sharer(runtime, telegram_id=str(ADA_TELEGRAM))
    await make_sharer(runtime, "bob@example.com", name="Bob", telegram_id=str(BOB_TELEGRAM))
    job = await make_open_job(runtime)
    headers = await signed_in(client, runtime, ada)
    now = runtime.clock.now()
    ask = {"content_type": "job", "content_id": job.id}
    cases = [
        ({**ask, "init_data": telegram_init_data(ADA_TELEGRAM, now, "1:someone-else")}, 401),
        ({**ask, "init_data": telegram_init_data(BOB_TELEGRAM, now, fake_telegram.token)}, 403),
        (ask, 422),  # no initData at all
        ({**ask, "init_data": "hash=nonsense"}, 401),
    ]
    for body, status in cases:
        response = await client.post("/app/api/telegram/share", json=body, headers=headers)
        assert response.status == status, (body, await response.text())
    signed = {**ask, "init_data": telegram_init_data(ADA_TELEGRAM, now, fake_telegram.token)}
    no_csrf = {"Cookie": headers["Cookie"]}
    assert (
        await client.post("/app/api/telegram/share", json=signed, headers=no_csrf)
    ).status == 403
    client.session.cookie_jar.clear()
    assert (await client.post("/app/api/telegram/share", json=signed)).status == 401
    assert fake_telegram.sent("savePreparedInlineMessage") == []
    assert await shares_recorded(ada.id) == 0


async def test_content_that_cannot_be_shared_is_a_clear_error(
    client: TestClient, runtime: Runtime, fake_telegram: FakeTelegram
) -> None:
    ada = await make_sharer(runtime, telegram_id=str(ADA_TELEGRAM))
    job = await make_open_job(runtime)
    await runtime.content.close_job(job.id)
    headers = await signed_in(client, runtime, ada)
    init_data = telegram_init_data(ADA_TELEGRAM, runtime.clock.now(), fake_telegram.token)
    expected = {
        job.id: (410, "content_not_shareable", "This content is no longer open for sharing."),
        987654: (404, "content_not_found", "No job offer with id 987654."),
    }
    for content_id, (status, code, message) in expected.items():
        body = {"content_type": "job", "content_id": content_id, "init_data": init_data}
        response = await client.post("/app/api/telegram/share", json=body, headers=headers)
        error = (await response.json())["error"]
        assert (response.status, error["code"]) == (status, code), error
        assert error["message"] == message
    assert fake_telegram.sent("savePreparedInlineMessage") == []
    assert await shares_recorded(ada.id) == 0


async def test_telegram_refusing_the_message_is_a_clear_error(
    client: TestClient, runtime: Runtime, fake_telegram: FakeTelegram, settings: Settings
) -> None:
    ada = await make_sharer(runtime, telegram_id=str(ADA_TELEGRAM))
    job = await make_open_job(runtime)
    headers = await signed_in(client, runtime, ada)
    init_data = telegram_init_data(ADA_TELEGRAM, runtime.clock.now(), fake_telegram.token)
    fake_telegram.token = "123456:REVOKED"  # Telegram no longer knows our token
    body = {"content_type": "job", "content_id": job.id, "init_data": init_data}
    response = await client.post("/app/api/telegram/share", json=body, headers=headers)
    error = (await response.json())["error"]
    assert response.status == 502 and error["code"] == "telegram_unavailable"
    assert "Telegram refused the message: Unauthorized" in error["message"]
    assert settings.telegram_bot_token not in error["message"]
