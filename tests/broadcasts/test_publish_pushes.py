"""A published job or news post is pushed once, whichever way it was published: the API,
the dashboard (tests/web/test_dashboard_admin.py), `portevoix import-jobs` in its own
process, or a news post scheduled for later. Seeding the demo company pushes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from app import demo
from app.broadcasts.models import Broadcast
from app.clock import FrozenClock
from app.jobs.models import JobOffer, JobStatus
from app.people.models import Employee
from app.runtime import Runtime
from app.settings import Settings
from app.worker.engine import PushEngine
from tests.fakes.telegram_api import FakeTelegram
from tests.helpers import make_employee
from tests.test_cli import portevoix

SAMPLES = Path(__file__).parents[1] / "jobs" / "samples"


@pytest.fixture
def engine_settings(engine_settings: Settings) -> Settings:
    """Room for every push these tests publish in a day."""
    engine_settings.push_daily_cap = 100
    return engine_settings


async def ada(runtime: Runtime) -> Employee:
    return await make_employee(runtime, telegram_id="1001")


async def pushed(engine: PushEngine, fake: FakeTelegram) -> list[str]:
    """Expand what is due and send it; every text Ada received so far."""
    await engine.broadcasts.expand_due()
    await engine.sender.drain()
    return [m["text"].split("\n")[0].split(" · ")[0] for m in fake.sent("sendMessage")]


async def test_jobs_imported_by_the_command_are_pushed_once(
    runtime: Runtime,
    settings: Settings,
    engine: PushEngine,
    fake: FakeTelegram,
    clock: FrozenClock,
) -> None:
    await ada(runtime)
    source = str(SAMPLES / "greenhouse.json")
    first = portevoix("import-jobs", source, "--quiet", settings=settings)
    assert "3 created" in first.stdout, first.stderr  # the fourth has no title
    again = portevoix("import-jobs", source, "--quiet", settings=settings)
    assert "0 created" in again.stdout, again.stderr
    jobs = await JobOffer.filter(status=JobStatus.OPEN).order_by("id")
    keys = await Broadcast.all().order_by("id").values_list("key", flat=True)
    assert keys == [f"job:{job.id}" for job in jobs] and len(jobs) == 3
    clock.advance(datetime.now(UTC) - clock.now())  # the command ran on the real clock
    texts = await pushed(engine, fake)
    assert sorted(texts) == sorted(f"New job: {job.title}" for job in jobs)
    assert await pushed(engine, fake) == texts  # nothing twice


async def test_a_job_published_through_the_api_again_and_again_is_pushed_once(
    client: TestClient,
    runtime: Runtime,
    engine: PushEngine,
    fake: FakeTelegram,
    admin_headers: dict,
) -> None:
    await ada(runtime)
    created = await client.post("/api/v1/jobs", json={"title": "SRE"}, headers=admin_headers)
    job_id = (await created.json())["id"]
    assert await Broadcast.all().count() == 0  # a draft is not pushed
    for action in ("publish", "publish", "close", "publish"):
        answer = await client.post(f"/api/v1/jobs/{job_id}/{action}", headers=admin_headers)
        assert answer.status == 200
    assert await Broadcast.filter(key=f"job:{job_id}").count() == 1
    assert await pushed(engine, fake) == ["New job: SRE"]
    assert await pushed(engine, fake) == ["New job: SRE"]


async def test_news_scheduled_for_later_is_pushed_at_its_time_once(
    client: TestClient,
    runtime: Runtime,
    engine: PushEngine,
    fake: FakeTelegram,
    clock: FrozenClock,
    admin_headers: dict,
) -> None:
    await ada(runtime)
    at = clock.now() + timedelta(hours=2)
    created = await client.post(
        "/api/v1/news",
        json={"title": "Lyon opens", "publish_at": at.isoformat()},
        headers=admin_headers,
    )
    news_id = (await created.json())["id"]
    assert (await client.post(f"/api/v1/news/{news_id}/publish", headers=admin_headers)).ok
    [broadcast] = await Broadcast.filter(key=f"news:{news_id}")
    assert broadcast.send_at == at
    assert await pushed(engine, fake) == []  # not before its time
    clock.advance(timedelta(hours=2, minutes=1))
    assert len(await pushed(engine, fake)) == 1
    assert (await client.post(f"/api/v1/news/{news_id}/publish", headers=admin_headers)).ok
    assert len(await pushed(engine, fake)) == 1


async def test_seeding_the_demo_company_pushes_nothing(runtime: Runtime) -> None:
    await demo.seed_content(runtime, lambda step, done, total: None)
    assert await JobOffer.filter(status=JobStatus.OPEN).count() > 0
    assert await Broadcast.all().count() == 0
