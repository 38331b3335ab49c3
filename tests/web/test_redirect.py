"""`GET /r/{code}`: the 302, its headers and cookie, and the friendly 404 and 410 pages;
what its front door (`app.web.redirect`) does in place of the application's middlewares:
metrics, the access line, the 500, the fallback when Redis is down."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.logs import configure_logging
from app.referrals.models import Channel, Click, ClickClass, ContentType, TrackedLink
from app.referrals.redirects import ClickRecorder
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.helpers import AppServer, make_open_job, make_sharer
from tests.referrals.test_clicks import CHROME


async def share(runtime: Runtime, **job: object) -> TrackedLink:
    ada = await make_sharer(runtime)
    offer = await make_open_job(runtime, **job)
    [s] = await runtime.links.shares(ada, ContentType.JOB, offer.id, [Channel.WHATSAPP])
    return await TrackedLink.get(code=s.code)


async def test_a_link_redirects_with_utm_parameters_and_attribution_cookie(
    client: TestClient, runtime: Runtime
) -> None:
    link = await share(runtime, apply_url="https://ats.example.com/apply?job=42#form")
    response = await client.get(
        f"/r/{link.code}", headers={"User-Agent": CHROME}, allow_redirects=False
    )
    assert response.status == 302
    location = urlsplit(response.headers["Location"])
    assert (location.netloc, location.path, location.fragment) == (
        "ats.example.com",
        "/apply",
        "form",
    )
    assert parse_qs(location.query) == {
        "job": ["42"],
        "utm_source": ["whatsapp"],
        "utm_medium": ["employee_advocacy"],
        "utm_campaign": ["data-engineer"],
        "ref": [link.code],
    }
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.cookies["pv_ref"]
    assert cookie.value == link.code
    assert cookie["max-age"] == str(30 * 86400)
    assert cookie["httponly"] and cookie["secure"]  # PUBLIC_BASE_URL is https
    assert cookie["samesite"] == "Lax" and cookie["path"] == "/"


async def test_a_job_without_external_page_goes_to_our_job_page(
    client: TestClient, runtime: Runtime
) -> None:
    link = await share(runtime, description="Build pipelines.")
    response = await client.get(
        f"/r/{link.code}", headers={"User-Agent": CHROME}, allow_redirects=False
    )
    location = urlsplit(response.headers["Location"])
    assert (location.netloc, location.path) == ("advocacy.test", f"/jobs/{link.content_id}")
    page = await client.get(location.path)
    assert "Build pipelines." in await page.text()


async def test_an_unknown_code_is_a_friendly_404_page(client: TestClient) -> None:
    for code in ("doesnotexist", "bad!code"):
        response = await client.get(f"/r/{code}", allow_redirects=False)
        assert response.status == 404
        assert response.content_type == "text/html"
        assert 'href="/jobs"' in await response.text()
    assert await Click.all().count() == 0


async def test_a_closed_job_is_a_410_page_pointing_to_open_jobs(
    client: TestClient, runtime: Runtime, settings: Settings
) -> None:
    link = await share(runtime)
    await runtime.content.close_job(link.content_id)
    runtime.link_resolver._cache.clear()  # skip the few seconds of cache
    response = await client.get(f"/r/{link.code}", allow_redirects=False)
    assert response.status == 410
    assert 'href="/jobs"' in await response.text()
    await runtime.click_worker().drain()
    assert await Click.all().count() == 0  # only 302s are clicks


async def test_a_head_request_is_answered_and_counted_as_a_bot(
    client: TestClient, runtime: Runtime
) -> None:
    link = await share(runtime)
    response = await client.head(
        f"/r/{link.code}", headers={"User-Agent": CHROME}, allow_redirects=False
    )
    assert response.status == 302
    await runtime.click_worker().drain()
    [click] = await Click.all()
    assert click.classification == ClickClass.BOT


async def test_the_open_jobs_page_lists_only_open_jobs(
    client: TestClient, runtime: Runtime
) -> None:
    await make_open_job(runtime, "Open Role")
    closed = await make_open_job(runtime, "Closed Role")
    await runtime.content.close_job(closed.id)
    page = await (await client.get("/jobs")).text()
    assert "Open Role" in page and "Closed Role" not in page
    assert (await client.get(f"/jobs/{closed.id}")).status == 410
    assert (await client.get("/jobs/9999")).status == 404


async def test_paths_that_are_not_a_tracked_link_are_the_applications(
    client: TestClient, runtime: Runtime
) -> None:
    link = await share(runtime)
    for path in ("/r/", f"/r/{link.code}/more"):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 404, path
            assert (await response.json())["error"]["code"] == "not_found"
    async with client.post(f"/r/{link.code}") as response:
        assert response.status == 405
        assert (await response.json())["error"]["code"] == "method_not_allowed"
    assert await runtime.redis.xlen("clicks") == 0


async def test_every_answer_is_counted_in_the_metrics_under_the_route(
    client: TestClient, runtime: Runtime
) -> None:
    """The benchmark and the dashboards read these series: a 302 counted is a click."""
    link = await share(runtime)
    for _ in range(2):
        await client.get(f"/r/{link.code}", headers={"User-Agent": CHROME}, allow_redirects=False)
    await client.head(f"/r/{link.code}", allow_redirects=False)
    await client.get("/r/NoSuchCode", allow_redirects=False)
    metrics = await (await client.get("/metrics")).text()
    series = 'portevoix_http_requests_total{method="%s",route="/r/{code}",status="%s"} %s'
    assert series % ("GET", "302", "2.0") in metrics
    assert series % ("HEAD", "302", "1.0") in metrics
    assert series % ("GET", "404", "1.0") in metrics
    timed = 'portevoix_http_request_duration_seconds_count{method="GET",route="/r/{code}"} 3.0'
    assert timed in metrics


async def test_with_redis_unreachable_the_click_is_stored_before_the_302(
    client: TestClient, runtime: Runtime
) -> None:
    link = await share(runtime)
    nowhere = Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    runtime.click_recorder = ClickRecorder(nowhere, runtime.click_writer)
    try:
        response = await client.get(
            f"/r/{link.code}", headers={"User-Agent": CHROME}, allow_redirects=False
        )
    finally:
        await nowhere.aclose()
    assert response.status == 302
    assert response.cookies["pv_ref"].value == link.code
    [click] = await Click.all()  # already stored: no worker ran
    assert (click.link_id, click.classification) == (link.id, ClickClass.UNIQUE)


async def test_an_unexpected_failure_is_a_500_with_the_request_id_and_no_traceback(
    client: TestClient,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(code: str) -> None:
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(runtime.link_resolver, "resolve", broken)
    response = await client.get("/r/SomeCode12", headers={"X-Request-Id": "req-42"})
    assert response.status == 500
    body = await response.text()
    assert "secret internals" not in body and "Traceback" not in body
    assert "req-42" in json.loads(body)["error"]["message"]
    assert response.headers["X-Request-Id"] == "req-42"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "ZeroDivisionError" in caplog.text


@pytest.fixture
def app_logging() -> Iterator[None]:
    """Lets a test set up the app's own log pipeline (`configure_logging`, to stderr);
    the tests' is restored after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


TEXT_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO portevoix.access \[req-7\] "
    r"GET /r/(\w+) (\d{3}) \d+\.\dms"
)


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_at_info_each_redirect_writes_one_access_line(
    settings: Settings,
    runtime: Runtime,
    app_logging: None,
    capsys: pytest.CaptureFixture[str],
    log_format: str,
) -> None:
    configure_logging(log_format, "INFO")
    link = await share(runtime)
    headers = {"User-Agent": CHROME, "X-Request-Id": "req-7"}
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        await client.get(f"/r/{link.code}", headers=headers, allow_redirects=False)
        await client.get("/r/NoSuchCode", headers=headers, allow_redirects=False)
    written = capsys.readouterr().err.splitlines()
    lines = [line for line in written if "portevoix.access" in line]
    if log_format == "text":
        found = [m.groups() if (m := TEXT_LINE.fullmatch(line)) else line for line in lines]
        assert found == [(link.code, "302"), ("NoSuchCode", "404")]
    else:
        entries = [json.loads(line) for line in lines]
        assert [(e["path"], e["status"], e["method"]) for e in entries] == [
            (f"/r/{link.code}", 302, "GET"),
            ("/r/NoSuchCode", 404, "GET"),
        ]
        assert {(e["level"], e["request_id"]) for e in entries} == {("info", "req-7")}
        assert all(isinstance(e["duration_ms"], float) for e in entries)


async def test_above_info_no_access_line_is_written(
    settings: Settings,
    runtime: Runtime,
    app_logging: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("text", "WARNING")
    link = await share(runtime)
    async with TestClient(AppServer(create_app(settings, runtime))) as client:
        response = await client.get(f"/r/{link.code}", allow_redirects=False)
        assert response.status == 302
    assert "portevoix.access" not in capsys.readouterr().err


async def test_served_without_the_front_door_the_links_still_redirect_and_count(
    settings: Settings, runtime: Runtime
) -> None:
    """A plain `AppRunner` (another runner, aiohttp's TestServer) never calls the door:
    the router answers `/r/{code}` the same way, and the click is recorded."""
    from aiohttp.test_utils import TestServer

    link = await share(runtime)
    async with TestClient(TestServer(create_app(settings, runtime))) as plain:
        response = await plain.get(
            f"/r/{link.code}", headers={"User-Agent": CHROME}, allow_redirects=False
        )
        assert response.status == 302
        assert response.cookies["pv_ref"].value == link.code
        gone = await plain.get("/r/NoSuchCode", allow_redirects=False)
        assert gone.status == 404 and "Link not found" in await gone.text()
    assert await runtime.redis.xlen("clicks") == 1
