"""`GET /r/{code}`: the 302, its headers and cookie, and the friendly 404 and 410 pages."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from aiohttp.test_utils import TestClient

from app.referrals.models import Channel, Click, ClickClass, ContentType, TrackedLink
from app.runtime import Runtime
from app.settings import Settings
from tests.helpers import make_open_job, make_sharer
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
