"""Signing in to the mini app and the dashboard: Telegram initData, one-time links, API
token form, sessions, CSRF and roles."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from app.gamification.ledger import Award
from app.gamification.shop import RewardDraft
from app.people.models import Role
from app.people.sessions import COOKIE
from app.runtime import Runtime
from tests.helpers import bearer, make_employee
from tests.web.miniapp_support import BOT_TOKEN, telegram_init_data

TELEGRAM_ID = "777000111"


def session_of(response: object) -> str:
    cookie = response.cookies.get(COOKIE)  # type: ignore[attr-defined]
    return cookie.value if cookie else ""


async def telegram_sign_in(client: TestClient, runtime: Runtime, init_data: str) -> object:
    runtime.settings.telegram_bot_token = BOT_TOKEN
    client.session.cookie_jar.clear()
    return await client.post("/app/auth/telegram", json={"init_data": init_data})


async def test_telegram_init_data_signed_by_our_bot_opens_a_session(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime, telegram_id=TELEGRAM_ID)
    response = await telegram_sign_in(
        client, runtime, telegram_init_data(int(TELEGRAM_ID), runtime.clock.now())
    )
    assert response.status == 200
    body = await response.json()
    assert body["employee_id"] == ada.id and len(body["csrf"]) == 64
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["secure"]  # PUBLIC_BASE_URL is https in tests
    assert cookie["samesite"] == "None"  # sent inside Telegram's web client iframe too
    sessions = await runtime.sessions.employee_ids([cookie.value])
    assert sessions == {cookie.value: ada.id}
    home = await client.get("/app/api/home", headers={"Cookie": f"{COOKIE}={cookie.value}"})
    assert home.status == 200
    assert (await home.json())["name"] == "Ada Lovelace"


async def test_forged_stale_or_foreign_init_data_is_refused_without_a_session(
    client: TestClient, runtime: Runtime
) -> None:
    await make_employee(runtime, telegram_id=TELEGRAM_ID)
    now = runtime.clock.now()
    good = telegram_init_data(int(TELEGRAM_ID), now)
    forged = good.replace(f"%22id%22%3A{TELEGRAM_ID}", "%22id%22%3A1")  # another user id
    other_bot = telegram_init_data(int(TELEGRAM_ID), now, bot_token="999:another-bot")
    stale = telegram_init_data(int(TELEGRAM_ID), now - timedelta(days=1, seconds=1))
    for init_data, code in (
        (forged, "invalid_init_data"),
        (other_bot, "invalid_init_data"),
        (stale, "invalid_init_data"),
        ("hash=abc", "invalid_init_data"),
        (telegram_init_data(42, now), "unknown_account"),
    ):
        response = await telegram_sign_in(client, runtime, init_data)
        assert response.status == 401, init_data
        assert (await response.json())["error"]["code"] == code
        assert session_of(response) == ""
    empty = await telegram_sign_in(client, runtime, "")
    assert empty.status == 422
    broken = await client.post("/app/auth/telegram", data=b"{nope")
    assert broken.status == 400


async def test_the_maximum_age_of_init_data_is_a_setting(
    client: TestClient, runtime: Runtime
) -> None:
    await make_employee(runtime, telegram_id=TELEGRAM_ID)
    runtime.settings.miniapp_auth_max_age_seconds = 60
    init_data = telegram_init_data(int(TELEGRAM_ID), runtime.clock.now() - timedelta(seconds=61))
    assert (await telegram_sign_in(client, runtime, init_data)).status == 401


async def test_init_data_dated_in_the_future_is_refused_beyond_the_clock_skew(
    client: TestClient, runtime: Runtime
) -> None:
    await make_employee(runtime, telegram_id=TELEGRAM_ID)
    now, skew = runtime.clock.now(), runtime.settings.miniapp_auth_clock_skew_seconds
    for ahead in (timedelta(days=3650), timedelta(seconds=skew + 1)):
        response = await telegram_sign_in(
            client, runtime, telegram_init_data(int(TELEGRAM_ID), now + ahead)
        )
        assert response.status == 401, ahead
        assert "future" in (await response.json())["error"]["message"]
        assert session_of(response) == ""
    close = telegram_init_data(int(TELEGRAM_ID), now + timedelta(seconds=skew))
    assert (await telegram_sign_in(client, runtime, close)).status == 200


async def test_a_one_time_link_signs_in_once(client: TestClient, runtime: Runtime) -> None:
    ada = await make_employee(runtime)
    url = await runtime.logins.create(ada.id)
    assert url.startswith("https://advocacy.test/app/login/")
    path = url.removeprefix("https://advocacy.test")
    first = await client.get(path, allow_redirects=False)
    assert first.status == 302 and first.headers["Location"] == "/app"
    cookie = first.cookies[COOKIE]
    # Sent inside the Teams personal tab (a cross-site iframe) too.
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "None"
    assert await runtime.sessions.employee_ids([cookie.value]) == {cookie.value: ada.id}
    client.session.cookie_jar.clear()
    again = await client.get(path, allow_redirects=False)
    assert again.status == 410 and session_of(again) == ""
    assert "does not work any more" in await again.text()
    ttl = await runtime.redis.ttl("login:" + (await runtime.logins.create(ada.id)).split("/")[-1])
    assert 0 < ttl <= runtime.settings.login_link_minutes * 60


async def test_mini_app_api_needs_a_session_and_writes_need_the_csrf_token(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime)
    assert (await client.get("/app/api/home")).status == 401
    first = await client.get(
        (await runtime.logins.create(ada.id)).removeprefix("https://advocacy.test"),
        allow_redirects=False,
    )
    cookie = {"Cookie": f"{COOKIE}={first.cookies[COOKIE].value}"}
    page = await client.get("/app/settings", headers=cookie)
    html = await page.text()
    assert page.status == 200 and '"page": "settings"' in html
    csrf = html.split('"csrf": "')[1].split('"')[0]
    body = {"language": "fr"}
    refused = await client.post("/app/api/settings", json=body, headers=cookie)
    assert refused.status == 403 and (await refused.json())["error"]["code"] == "csrf"
    wrong = await client.post(
        "/app/api/settings", json=body, headers={**cookie, "X-CSRF-Token": "0" * 64}
    )
    assert wrong.status == 403
    await ada.refresh_from_db()
    assert ada.language == "en"  # nothing written
    saved = await client.post(
        "/app/api/settings", json=body, headers={**cookie, "X-CSRF-Token": csrf}
    )
    assert saved.status == 200 and (await saved.json())["language"] == "fr"
    french = await client.get("/app/settings", headers=cookie)
    assert '<html lang="fr">' in await french.text()


async def test_a_session_ends_when_its_employee_leaves(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime)
    first = await client.get(
        (await runtime.logins.create(ada.id)).removeprefix("https://advocacy.test"),
        allow_redirects=False,
    )
    cookie = {"Cookie": f"{COOKIE}={first.cookies[COOKIE].value}"}
    assert (await client.get("/app/api/home", headers=cookie)).status == 200
    await runtime.people.deactivate(ada.id)
    assert (await client.get("/app/api/home", headers=cookie)).status == 401
    assert await runtime.sessions.employee_ids([first.cookies[COOKIE].value]) == {}


async def dashboard_cookie(
    client: TestClient, runtime: Runtime, employee_id: int
) -> dict[str, str]:
    url = await runtime.logins.create(employee_id, "/dashboard")
    response = await client.get(url.removeprefix("https://advocacy.test"), allow_redirects=False)
    assert response.headers["Location"] == "/dashboard"
    client.session.cookie_jar.clear()
    return {"Cookie": f"{COOKIE}={response.cookies[COOKIE].value}"}


async def test_dashboard_roles_are_enforced_on_the_server(
    client: TestClient, runtime: Runtime
) -> None:
    ada = await make_employee(runtime)
    rita = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    alan = await make_employee(runtime, "alan@example.com", "Alan", role=Role.ADMIN)
    signed_out = await client.get("/dashboard", allow_redirects=False)
    assert signed_out.status == 302 and signed_out.headers["Location"] == "/dashboard/login"
    employee = await dashboard_cookie(client, runtime, ada.id)
    assert (await client.get("/dashboard", headers=employee)).status == 403
    recruiter = await dashboard_cookie(client, runtime, rita.id)
    overview = await client.get("/dashboard", headers=recruiter)
    assert overview.status == 200 and "kpi-reach" in await overview.text()
    assert (await client.get("/dashboard/pipeline", headers=recruiter)).status == 200
    assert (await client.get("/dashboard/redemptions", headers=recruiter)).status == 403
    await runtime.gamification.ledger.award(
        Award(ada.id, 200, "adjustment", "test", "seed", runtime.clock.now(), note="t")
    )
    reward = await runtime.shop.create_reward(RewardDraft(name_en="Mug", name_fr="Tasse", cost=50))
    redemption = await runtime.shop.redeem(ada.id, reward.id)
    page = await client.get("/dashboard/pipeline", headers=recruiter)
    csrf = (await page.text()).split('name="csrf" value="')[1].split('"')[0]
    approve = f"/dashboard/redemptions/{redemption.id}/approve"
    denied = await client.post(approve, data={"csrf": csrf}, headers=recruiter)
    assert denied.status == 403
    admin = await dashboard_cookie(client, runtime, alan.id)
    queue = await client.get("/dashboard/redemptions", headers=admin)
    admin_csrf = (await queue.text()).split('name="csrf" value="')[1].split('"')[0]
    no_token = await client.post(approve, data={"csrf": csrf}, headers=admin)  # Rita's token
    assert no_token.status == 403
    done = await client.post(
        approve, data={"csrf": admin_csrf}, headers=admin, allow_redirects=False
    )
    assert done.status == 303
    await redemption.refresh_from_db()
    assert redemption.status.value == "approved" and redemption.decided_by == alan.id


async def test_dashboard_sign_in_with_an_api_token(
    client: TestClient, runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    form = await client.get("/dashboard/login")
    html = await form.text()
    csrf = html.split('name="csrf" value="')[1].split('"')[0]
    nonce = {"Cookie": f"pv_csrf={form.cookies['pv_csrf'].value}"}
    bad = await client.post("/dashboard/login", data={"csrf": csrf, "token": "nope"}, headers=nonce)
    assert bad.status == 401 and "not valid" in await bad.text()
    ada = await make_employee(runtime)
    employee_token = (await bearer(runtime, Role.EMPLOYEE, ada))["Authorization"][7:]
    low = await client.post(
        "/dashboard/login", data={"csrf": csrf, "token": employee_token}, headers=nonce
    )
    assert low.status == 403
    no_csrf = await client.post(
        "/dashboard/login", data={"token": admin_headers["Authorization"][7:]}
    )
    assert no_csrf.status == 403
    ok = await client.post(
        "/dashboard/login",
        data={"csrf": csrf, "token": admin_headers["Authorization"][7:]},
        headers=nonce,
        allow_redirects=False,
    )
    assert ok.status == 302 and ok.headers["Location"] == "/dashboard"
    cookie = {"Cookie": f"{COOKIE}={ok.cookies[COOKIE].value}"}
    assert (await client.get("/dashboard/redemptions", headers=cookie)).status == 200
    page = await client.get("/dashboard", headers=cookie)
    csrf_session = (await page.text()).split('name="csrf" value="')[1].split('"')[0]
    out = await client.post(
        "/dashboard/logout", data={"csrf": csrf_session}, headers=cookie, allow_redirects=False
    )
    assert out.status == 302
    assert (await client.get("/dashboard", headers=cookie, allow_redirects=False)).status == 302


async def test_a_dashboard_session_never_goes_above_the_token_it_was_opened_with(
    client: TestClient, runtime: Runtime
) -> None:
    """An admin who signs in with her recruiter token gets a recruiter's dashboard."""
    alan = await make_employee(runtime, "alan@example.com", "Alan", role=Role.ADMIN)
    token = (await bearer(runtime, Role.RECRUITER, alan))["Authorization"][7:]
    form = await client.get("/dashboard/login")
    csrf = (await form.text()).split('name="csrf" value="')[1].split('"')[0]
    nonce = {"Cookie": f"pv_csrf={form.cookies['pv_csrf'].value}"}
    ok = await client.post(
        "/dashboard/login",
        data={"csrf": csrf, "token": token},
        headers=nonce,
        allow_redirects=False,
    )
    assert ok.status == 302
    cookie = {"Cookie": f"{COOKIE}={ok.cookies[COOKIE].value}"}
    assert (await client.get("/dashboard/pipeline", headers=cookie)).status == 200
    assert (await client.get("/dashboard/redemptions", headers=cookie)).status == 403
    alan.role = Role.EMPLOYEE  # and a demotion below the token still takes effect at once
    await alan.save()
    assert (await client.get("/dashboard/pipeline", headers=cookie)).status == 403
