"""Abuse ceilings: a script hammering a tracked link or a sign-in form gets 429 with
Retry-After; people never notice them. (Click classification is tested elsewhere: the
ceilings here sit far above `CLICK_VISITOR_LIMIT_PER_MINUTE`.)"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp.test_utils import TestClient

from app.clock import FrozenClock
from app.http.rates import Ceiling, RateCounter
from app.referrals.models import Channel, Click, ContentType, Referral
from app.referrals.redirects import Visit
from app.runtime import Runtime
from tests.helpers import make_open_job, make_sharer

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"


async def tracked_code(runtime: Runtime) -> str:
    sharer = await make_sharer(runtime)
    job = await make_open_job(runtime)
    [share] = await runtime.links.shares(sharer, ContentType.JOB, job.id, [Channel.LINKEDIN])
    return share.code


async def redirect(client: TestClient, code: str, ip: str, agent: str = BROWSER) -> tuple[int, str]:
    headers = {"User-Agent": agent, "X-Forwarded-For": ip}
    async with client.get(f"/r/{code}", headers=headers, allow_redirects=False) as response:
        return response.status, response.headers.get("Retry-After", "")


async def test_a_visitor_over_the_redirect_ceiling_gets_429_and_others_do_not(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.proxy_count = 1
    runtime.settings.redirect_limit_per_minute = 5
    code = await tracked_code(runtime)
    answers = [await redirect(client, code, "203.0.113.7") for _ in range(7)]
    assert [status for status, _ in answers] == [302] * 5 + [429] * 2
    assert 1 <= int(answers[-1][1]) <= 60
    # Another address, or the same address with another browser, is another visitor.
    assert (await redirect(client, code, "198.51.100.9"))[0] == 302
    assert (await redirect(client, code, "203.0.113.7", BROWSER + " other"))[0] == 302


async def test_one_address_rotating_its_user_agent_gets_429_past_the_address_ceiling(
    client: TestClient, runtime: Runtime
) -> None:
    """Each new agent is a new visitor, so the per-visitor ceiling never trips; the
    per-address one does, and spares other addresses."""
    runtime.settings.proxy_count = 1
    runtime.settings.redirect_address_limit_per_minute = 6
    code = await tracked_code(runtime)
    statuses = [
        (await redirect(client, code, "203.0.113.7", f"{BROWSER} build/{n}"))[0] for n in range(8)
    ]
    assert statuses == [302] * 6 + [429] * 2
    assert (await redirect(client, code, "198.51.100.9", f"{BROWSER} build/9"))[0] == 302
    assert await runtime.redis.xlen("clicks") == 7  # nothing recorded for the 429s


async def test_a_redirect_counts_its_visitor_and_its_address_in_one_redis_call(
    client: TestClient, runtime: Runtime
) -> None:
    """The redirect is a hot path: its two counters go in the call that appends its
    click, never a round trip of their own."""
    code = await tracked_code(runtime)
    recorder = runtime.click_recorder
    calls: list[list[tuple[int, bool]]] = []
    real = recorder.appends.flush

    async def counted(visits: list[Visit]) -> list[bool]:
        calls.append([(len(counters), bool(click)) for counters, click in visits])
        return await real(visits)

    recorder.appends.flush = counted  # type: ignore[method-assign]
    runtime.link_resolver._cache.clear()
    assert (await redirect(client, code, "203.0.113.7"))[0] == 302  # the link looked up
    assert (await redirect(client, code, "203.0.113.8"))[0] == 302  # the link in cache
    # Looked up: counted first (no database query over a ceiling), then the click; in
    # cache: one call for both.
    assert calls == [[(2, False)], [(0, True)], [(2, True)]]


async def test_concurrent_requests_are_counted_together_each_by_its_own_counters(
    runtime: Runtime,
) -> None:
    limiter = RateCounter(runtime.redis)
    ceiling = Ceiling("redirect", 3)
    waits = await asyncio.gather(
        *(limiter.retry_after([(ceiling, f"v{n % 2}")], 0.0) for n in range(8))
    )
    assert sorted(waits) == [0] * 6 + [60] * 2  # three each for v0 and v1
    assert limiter.counts.flushes <= 2  # not one per request
    assert await runtime.redis.ttl("rate:redirect:v0:0") == 120


async def test_the_address_ceiling_is_higher_than_the_visitors_by_default(
    client: TestClient, runtime: Runtime
) -> None:
    """An office behind one NAT address: people with their own browsers are counted
    together per address, so that ceiling sits above a single visitor's."""
    settings = runtime.settings
    assert settings.redirect_address_limit_per_minute > settings.redirect_limit_per_minute


async def test_a_refused_redirect_records_no_click_and_the_page_says_when(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.redirect_limit_per_minute = 1
    code = await tracked_code(runtime)
    await redirect(client, code, "203.0.113.7")
    async with client.get(
        f"/r/{code}", headers={"User-Agent": BROWSER}, allow_redirects=False
    ) as r:
        assert r.status == 429 and r.content_type == "text/html"
        assert r.headers["Cache-Control"] == "no-store"
        assert f"wait {r.headers['Retry-After']} seconds" in await r.text()
    assert await runtime.redis.xlen("clicks") == 1  # the one 302, nothing for the 429
    assert await Click.all().count() == 0


async def test_the_ceiling_resets_with_the_next_minute(
    client: TestClient, runtime: Runtime, clock: FrozenClock
) -> None:
    runtime.settings.redirect_limit_per_minute = 2
    code = await tracked_code(runtime)
    statuses = [(await redirect(client, code, "203.0.113.7"))[0] for _ in range(3)]
    assert statuses == [302, 302, 429]
    clock.advance(timedelta(seconds=61))
    assert (await redirect(client, code, "203.0.113.7"))[0] == 302


async def test_the_default_ceiling_lets_a_busy_person_through(
    client: TestClient, runtime: Runtime
) -> None:
    """Sixty clicks in a minute from one browser (a person who clicks, goes back and
    clicks again all day would not reach ten) are all served."""
    code = await tracked_code(runtime)
    assert runtime.settings.redirect_limit_per_minute >= 100
    statuses = {(await redirect(client, code, "203.0.113.7"))[0] for _ in range(60)}
    assert statuses == {302}


async def test_sign_in_attempts_from_one_address_are_capped(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.sign_in_limit_per_minute = 3
    statuses = []
    for _ in range(4):
        async with client.post("/app/auth/telegram", json={"init_data": "x=1"}) as response:
            statuses.append(response.status)
            body = await response.json()
            retry_after = response.headers.get("Retry-After")
    assert statuses == [401, 401, 401, 429]
    assert body["error"]["code"] == "too_many_requests" and retry_after
    # The other sign-in doors share the same count: guessing links is capped too.
    for path in ("/app/login/guessed-token", "/dashboard/login", "/consent/guessed-token"):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 429, path
            assert response.content_type == "text/html"
    async with client.post("/dashboard/login", data={"token": "x"}) as response:
        assert response.status == 429
    # Pages that are not sign-in are not counted.
    async with client.get("/jobs") as response:
        assert response.status == 200


async def test_a_valid_sign_in_link_is_not_spent_by_a_refused_attempt(
    client: TestClient, runtime: Runtime
) -> None:
    from tests.helpers import make_employee

    runtime.settings.sign_in_limit_per_minute = 1
    ada = await make_employee(runtime)
    url = await runtime.logins.create(ada.id)
    path = url.removeprefix(runtime.settings.public_base_url)
    async with client.post("/app/auth/telegram", json={}) as response:
        assert response.status == 422
    async with client.get(path, allow_redirects=False) as response:
        assert response.status == 429
    runtime.settings.sign_in_limit_per_minute = 0  # off
    async with client.get(path, allow_redirects=False) as response:
        assert response.status == 302  # the link was not consumed by the refused visit


async def test_with_redis_unreachable_requests_are_let_through() -> None:
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    nowhere = Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    limiter = RateCounter(nowhere)
    counted = [(Ceiling("redirect", 1), "v")]
    assert await limiter.retry_after(counted, 0.0) == 0
    assert await limiter.retry_after(counted, 0.0) == 0  # and Redis is left alone
    await nowhere.aclose()


async def test_applications_from_one_address_are_capped_before_the_upload_is_read(
    client: TestClient, runtime: Runtime
) -> None:
    from tests.web.test_apply import Browser, application, stored_cvs

    runtime.settings.proxy_count = 1
    runtime.settings.apply_limit_per_minute = 3
    job = await make_open_job(runtime)
    cv = b"%PDF-1.7\n" + b"0" * 1_048_576  # 1 MiB, as in the probe
    statuses = []
    for n in range(5):
        browser = Browser(client)
        _, page = await browser.get(f"/apply/{job.id}")
        form = application(page, cv=cv, email=f"fake{n}@example.org")
        headers = browser.headers() | {"X-Forwarded-For": "203.0.113.7"}
        async with client.post(f"/apply/{job.id}", data=form, headers=headers) as response:
            statuses.append(response.status)
            retry_after = response.headers.get("Retry-After")
            page_text = await response.text()
    assert statuses == [200, 200, 200, 429, 429]
    assert retry_after and f"wait {retry_after} seconds" in page_text
    assert await Referral.all().count() == 3 and len(stored_cvs(runtime)) == 3
    # Someone else, from another address, still applies.
    browser = Browser(client)
    _, page = await browser.get(f"/apply/{job.id}")
    headers = browser.headers() | {"X-Forwarded-For": "198.51.100.9"}
    form = application(page, email="marie@example.org")
    async with client.post(f"/apply/{job.id}", data=form, headers=headers) as response:
        assert response.status == 200
