"""Who may do what: every route of the app and every chat action × (anonymous, employee,
recruiter, admin, an employee who left, a recruiter demoted to employee) gets exactly the
answer their CURRENT role allows.

REST operations take their minimum role from the registry (`Operation.role`, the same
declaration the OpenAPI document shows): below it 403 `forbidden`, without a token 401,
with the token of someone who left 403 `employee_left`; at or above it, the request goes
past the gate (whatever the handler then says about the empty body). Pages and the mini
app's JSON use sessions: the table below declares each route's rule, and a route missing
from it fails the test, so a new route cannot ship without an access rule. Chat actions
take their role from their registry (`app/chat/actions.py`): each is tried by every entry
that reaches it (its command and each of its button verbs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from app.chat.actions import ACTIONS, Action
from app.chat.conversation import Conversation
from app.chat.replies import ChatUser, Intent, Reply
from app.chat.turn import FormStore
from app.people.models import Role
from app.people.sessions import COOKIE
from app.people.tokens import ROLE_RANK
from app.runtime import Runtime
from app.server import build_api
from app.web.session_auth import csrf_for, open_session
from tests.helpers import make_employee
from tests.security.support import PERSONAS, TELEGRAM_IDS, Company, make_company

# What each persona may do now: a demoted recruiter is an employee, whatever they hold.
ROLE_OF = {
    "employee": Role.EMPLOYEE,
    "recruiter": Role.RECRUITER,
    "admin": Role.ADMIN,
    "demoted": Role.EMPLOYEE,
}

# Rules for the routes outside the REST registry.
PUBLIC = "public"  # the same answer whoever asks (and never a 5xx)
OPEN = "open"  # anyone; the answer may depend on who asks (sign-in and sign-out forms)
MINIAPP = "miniapp"  # an employee's session: JSON 401 signed out
RECRUITER_PAGE = "recruiter page"  # dashboard: sign-in redirect signed out, 403 below
ADMIN_PAGE = "admin page"

# (method, route) -> (a URL for it, its rule)
ROUTES: dict[tuple[str, str], tuple[str, str]] = {
    ("GET", "/"): ("/", PUBLIC),
    ("GET", "/healthz"): ("/healthz", PUBLIC),
    ("GET", "/readyz"): ("/readyz", PUBLIC),
    ("GET", "/metrics"): ("/metrics", OPEN),  # counts the matrix's own requests
    ("GET", "/api/v1/openapi.json"): ("/api/v1/openapi.json", PUBLIC),
    ("GET", "/api/docs"): ("/api/docs", PUBLIC),
    ("GET", "/api/docs.js"): ("/api/docs.js", PUBLIC),
    ("GET", "/api/docs.css"): ("/api/docs.css", PUBLIC),
    ("GET", "/r/{code}"): ("/r/NoSuchCode", PUBLIC),
    ("GET", "/jobs"): ("/jobs", PUBLIC),
    ("GET", "/jobs/{job_id}"): ("/jobs/1", PUBLIC),
    ("GET", "/news/{news_id}"): ("/news/1", PUBLIC),
    ("GET", "/jobs/{job_id}/preview.png"): ("/jobs/1/preview.png", PUBLIC),
    ("GET", "/news/{news_id}/preview.png"): ("/news/1/preview.png", PUBLIC),
    ("GET", "/apply/{job_id}"): ("/apply/1", PUBLIC),
    ("POST", "/apply/{job_id}"): ("/apply/1", PUBLIC),
    ("GET", "/consent/{token}"): ("/consent/no-such-token", PUBLIC),
    ("POST", "/consent/{token}"): ("/consent/no-such-token", PUBLIC),
    ("POST", "/app/auth/telegram"): ("/app/auth/telegram", PUBLIC),
    ("GET", "/app/login/{token}"): ("/app/login/no-such-token", PUBLIC),
    ("POST", "/app/logout"): ("/app/logout", OPEN),
    ("GET", "/dashboard/login"): ("/dashboard/login", OPEN),
    ("POST", "/dashboard/login"): ("/dashboard/login", PUBLIC),
    ("POST", "/dashboard/logout"): ("/dashboard/logout", OPEN),
    ("GET", "/app"): ("/app", OPEN),  # the sign-in page, or the viewer's home
    ("GET", "/app/"): ("/app/", OPEN),
    ("GET", "/app/{section}"): ("/app/shop", OPEN),
    ("GET", "/app/jobs/{job_id}"): ("/app/jobs/1", OPEN),
    ("GET", "/app/static"): ("/app/static/app.css", PUBLIC),
    ("GET", "/static"): ("/static/site.css", PUBLIC),
    ("GET", "/app/api/home"): ("/app/api/home", MINIAPP),
    ("GET", "/app/api/feed"): ("/app/api/feed", MINIAPP),
    ("GET", "/app/api/policy"): ("/app/api/policy", MINIAPP),
    ("POST", "/app/api/policy/accept"): ("/app/api/policy/accept", MINIAPP),
    ("POST", "/app/api/shares"): ("/app/api/shares", MINIAPP),
    ("GET", "/app/api/jobs/{job_id}"): ("/app/api/jobs/1", MINIAPP),
    ("POST", "/app/api/telegram/share"): ("/app/api/telegram/share", MINIAPP),
    ("POST", "/app/api/referrals"): ("/app/api/referrals", MINIAPP),
    ("GET", "/app/api/referrals"): ("/app/api/referrals", MINIAPP),
    ("GET", "/app/api/links"): ("/app/api/links", MINIAPP),
    ("GET", "/app/api/leaderboard"): ("/app/api/leaderboard", MINIAPP),
    ("GET", "/app/api/shop"): ("/app/api/shop", MINIAPP),
    ("POST", "/app/api/redemptions"): ("/app/api/redemptions", MINIAPP),
    ("POST", "/app/api/redemptions/{redemption_id}/cancel"): (
        "/app/api/redemptions/1/cancel",
        MINIAPP,
    ),
    ("GET", "/app/api/settings"): ("/app/api/settings", MINIAPP),
    ("POST", "/app/api/settings"): ("/app/api/settings", MINIAPP),
    ("GET", "/dashboard"): ("/dashboard", RECRUITER_PAGE),
    ("GET", "/dashboard/"): ("/dashboard/", RECRUITER_PAGE),
    ("GET", "/dashboard/tables"): ("/dashboard/tables", RECRUITER_PAGE),
    ("GET", "/dashboard/exports/funnel-by-{by}.csv"): (
        "/dashboard/exports/funnel-by-job.csv",
        RECRUITER_PAGE,
    ),
    ("GET", "/dashboard/exports/referrals.csv"): (
        "/dashboard/exports/referrals.csv",
        RECRUITER_PAGE,
    ),
    ("GET", "/dashboard/pipeline"): ("/dashboard/pipeline", RECRUITER_PAGE),
    ("POST", "/dashboard/referrals/{referral_id}/move"): (
        "/dashboard/referrals/1/move",
        RECRUITER_PAGE,
    ),
    ("GET", "/dashboard/referrals/{referral_id}/cv"): (
        "/dashboard/referrals/1/cv",
        RECRUITER_PAGE,
    ),
    ("GET", "/branding/logo"): ("/branding/logo", PUBLIC),
    ("GET", "/dashboard/redemptions"): ("/dashboard/redemptions", ADMIN_PAGE),
    ("POST", "/dashboard/redemptions/{redemption_id}/{action}"): (
        "/dashboard/redemptions/1/approve",
        ADMIN_PAGE,
    ),
    ("GET", "/dashboard/content"): ("/dashboard/content", RECRUITER_PAGE),
    ("POST", "/dashboard/content/{what}"): ("/dashboard/content/job", RECRUITER_PAGE),
    ("GET", "/dashboard/content/{what}/new"): ("/dashboard/content/job/new", RECRUITER_PAGE),
    ("GET", "/dashboard/content/{what}/{content_id}/edit"): (
        "/dashboard/content/job/1/edit",
        RECRUITER_PAGE,
    ),
    ("POST", "/dashboard/content/{what}/{content_id}"): (
        "/dashboard/content/job/1",
        RECRUITER_PAGE,
    ),
    ("POST", "/dashboard/content/{what}/{content_id}/{action}"): (
        "/dashboard/content/job/1/close",
        RECRUITER_PAGE,
    ),
    ("GET", "/dashboard/broadcasts"): ("/dashboard/broadcasts", RECRUITER_PAGE),
    ("POST", "/dashboard/broadcasts"): ("/dashboard/broadcasts", RECRUITER_PAGE),
    ("POST", "/dashboard/broadcasts/{broadcast_id}/{action}"): (
        "/dashboard/broadcasts/1/cancel",
        ADMIN_PAGE,
    ),
    ("GET", "/dashboard/reports"): ("/dashboard/reports", ADMIN_PAGE),
    ("POST", "/dashboard/reports/{report_id}/handled"): (
        "/dashboard/reports/1/handled",
        ADMIN_PAGE,
    ),
    ("POST", "/telegram/webhook"): ("/telegram/webhook", PUBLIC),
    ("POST", "/api/messages"): ("/api/messages", PUBLIC),
    # SCIM takes a SCIM token (tests/web/test_scim.py), never a session: 401 for all
    ("GET", "/scim/v2/{path}"): ("/scim/v2/Users", PUBLIC),
    ("POST", "/scim/v2/{path}"): ("/scim/v2/Users", PUBLIC),
    ("PUT", "/scim/v2/{path}"): ("/scim/v2/Users", PUBLIC),
    ("PATCH", "/scim/v2/{path}"): ("/scim/v2/Users", PUBLIC),
    ("DELETE", "/scim/v2/{path}"): ("/scim/v2/Users", PUBLIC),
}


@dataclass
class Answer:
    status: int
    code: str
    location: str

    def __str__(self) -> str:
        return f"{self.status} {self.code or self.location}".strip()


async def answer_of(response: ClientResponse) -> Answer:
    code = ""
    if response.content_type == "application/json":
        body = await response.json()
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            code = str(body["error"].get("code", ""))
    return Answer(response.status, code, response.headers.get("Location", ""))


# -- the REST API --------------------------------------------------------------------------


def expected_rest(role: Role | None, persona: str) -> str:
    if role is None:
        return "public"
    if persona == "anonymous":
        return "401"
    if persona == "left":
        return "403 employee_left"
    if ROLE_RANK[ROLE_OF[persona]] < ROLE_RANK[role]:
        return "403 forbidden"
    return "allowed"


def rest_verdict(answer: Answer) -> str:
    if answer.status == 401:
        return "401"
    if answer.status == 403 and answer.code in ("forbidden", "employee_left"):
        return f"403 {answer.code}"
    return "allowed"


async def test_every_api_operation_admits_exactly_its_roles(
    client: TestClient, runtime: Runtime
) -> None:
    company = await make_company(runtime)
    wrong: list[str] = []
    for number, op in enumerate(build_api().operations):
        public_answers: set[str] = set()
        # Someone else for recruiters and admins to act on, new for each operation (an
        # erase or a deactivation must not change the next operation's answer).
        target = await make_employee(runtime, f"target{number}@example.com", "Tom Target")
        for persona in PERSONAS:
            url = op.path
            for name in op.path_params:
                if name == "employee_id":
                    own = getattr(company, persona if persona != "anonymous" else "employee")
                    value = own.id if op.role == Role.EMPLOYEE else target.id
                else:
                    value = 1
                url = _fill(url, name, value)
            body = "" if op.body is str else "{}"
            headers = company.headers(persona) | {"Content-Type": op.body_media}
            async with client.request(op.method, url, data=body, headers=headers) as response:
                answer = await answer_of(response)
            if answer.status >= 500:
                wrong.append(f"{op.method} {url} as {persona}: {answer}")
            expected = expected_rest(op.role, persona)
            if expected == "public":
                public_answers.add(str(answer))
            elif rest_verdict(answer) != expected:
                wrong.append(f"{op.method} {url} as {persona}: {answer}, expected {expected}")
        if len(public_answers) > 1:
            wrong.append(f"{op.method} {op.path} answers by persona: {public_answers}")
    assert not wrong, "\n".join(wrong)


def _fill(path: str, name: str, value: int) -> str:
    import re

    return re.sub(r"\{" + name + r"(:[^}]+)?\}", str(value), path)


# -- pages and the mini app ----------------------------------------------------------------


async def session_headers(
    runtime: Runtime, company: Company, persona: str
) -> tuple[dict[str, str], str]:
    """A fresh session for the persona (the one who left signed in before leaving)."""
    if persona == "anonymous":
        return {}, ""
    employee = getattr(company, persona)
    session_id = await open_session(runtime, employee.id, employee.role)
    csrf = csrf_for(runtime.settings.secret_key, session_id)
    return {"Cookie": f"{COOKIE}={session_id}", "X-CSRF-Token": csrf}, csrf


def expected_page(rule: str, persona: str) -> str:
    signed_out = persona in ("anonymous", "left")  # a left employee's session is closed
    if rule == MINIAPP:
        return "401" if signed_out else "allowed"
    if signed_out:
        return "sign-in"
    needed = Role.ADMIN if rule == ADMIN_PAGE else Role.RECRUITER
    return "403" if ROLE_RANK[ROLE_OF[persona]] < ROLE_RANK[needed] else "allowed"


def page_verdict(answer: Answer) -> str:
    if answer.status in (302, 303) and answer.location.startswith("/dashboard/login"):
        return "sign-in"
    if answer.status in (401, 403):
        return str(answer.status)
    return "allowed"


async def test_every_page_and_mini_app_route_admits_exactly_its_roles(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.settings.sign_in_limit_per_minute = 0  # 5 personas × 6 sign-in doors in a minute
    company = await make_company(runtime)
    routes = {
        (route.method, route.resource.canonical)
        for route in client.app.router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    registry = {(op.method, op.openapi_path) for op in build_api().operations}
    unruled = sorted(routes - registry - set(ROUTES))
    assert not unruled, f"routes without an access rule in ROUTES: {unruled}"
    wrong: list[str] = []
    for (method, _), (url, rule) in sorted(ROUTES.items()):
        answers: set[str] = set()
        for persona in PERSONAS:
            headers, csrf = await session_headers(runtime, company, persona)
            if method == "POST" and not url.startswith(("/app/api", "/app/auth", "/telegram")):
                kwargs: dict[str, object] = {"data": {"csrf": csrf}}
            else:
                kwargs = {"json": {}}
            client.session.cookie_jar.clear()
            async with client.request(
                method,
                url,
                headers=headers,
                allow_redirects=False,
                **kwargs,  # type: ignore[arg-type]
            ) as response:
                answer = await answer_of(response)
            if answer.status >= 500:
                wrong.append(f"{method} {url} as {persona}: {answer}")
            if rule == PUBLIC:
                answers.add(str(answer))
            elif rule != OPEN and page_verdict(answer) != expected_page(rule, persona):
                expected = expected_page(rule, persona)
                wrong.append(f"{method} {url} as {persona}: {answer}, expected {expected}")
        if len(answers) > 1:
            wrong.append(f"{method} {url} answers by persona: {sorted(answers)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("persona", ["recruiter", "admin"])
async def test_a_dashboard_session_from_the_bootstrap_token_has_no_mini_app(
    client: TestClient, runtime: Runtime, persona: str
) -> None:
    session_id = await open_session(runtime, None, ROLE_OF[persona])
    async with client.get("/app/api/home", headers={"Cookie": f"{COOKIE}={session_id}"}) as r:
        assert (r.status, (await r.json())["error"]["code"]) == (403, "employee_required")


@pytest.mark.parametrize(
    ("persona", "status", "says"),
    [
        ("recruiter", 302, ""),
        ("demoted", 403, "for recruiters and admins"),
        ("left", 401, "not valid"),
    ],
)
async def test_the_dashboard_sign_in_reads_the_current_role_behind_a_token(
    client: TestClient, runtime: Runtime, persona: str, status: int, says: str
) -> None:
    company = await make_company(runtime)
    async with client.get("/dashboard/login") as form:
        csrf = re.search(r'name="csrf" value="([^"]+)"', await form.text())
        nonce = {"Cookie": f"pv_csrf={form.cookies['pv_csrf'].value}"}
    assert csrf is not None
    data = {"csrf": csrf.group(1), "token": company.tokens[persona]}
    async with client.post(
        "/dashboard/login", data=data, headers=nonce, allow_redirects=False
    ) as response:
        assert response.status == status
        assert says in await response.text()
        assert (COOKIE in response.cookies) == (status == 302)


# -- chat actions ----------------------------------------------------------------------------

REFUSALS = {"This is for recruiters and admins.", "This is for admins."}


def chat_entries(action: Action) -> list[Intent]:
    """Every way to reach `action`: its command and a press of each of its buttons."""
    entries = [Intent("command", action.name)] if action.command else []
    return entries + [Intent("action", f"{verb}:1") for verb in action.buttons]


def chat_verdict(replies: list[Reply]) -> str:
    text = "\n".join(reply.text for reply in replies)
    if text in REFUSALS:
        return "refused"
    if "This bot is for employees" in text:
        return "stranger"
    if "Something went wrong" in text:
        return "error"
    return "allowed"


def expected_chat(role: Role, persona: str) -> str:
    if persona in ("anonymous", "left"):  # the bot does not know them (any more)
        return "stranger"
    return "refused" if ROLE_RANK[ROLE_OF[persona]] < ROLE_RANK[role] else "allowed"


async def test_every_chat_action_admits_exactly_its_roles_by_every_entry(
    runtime: Runtime,
) -> None:
    await make_company(runtime)
    conversation = Conversation(runtime)
    wrong: list[str] = []
    for action in ACTIONS:
        for intent in chat_entries(action):
            for persona in PERSONAS:
                user = ChatUser("telegram", TELEGRAM_IDS[persona], TELEGRAM_IDS[persona])
                await FormStore(runtime, user).clear()  # each press on its own
                verdict = chat_verdict(await conversation.handle(user, intent))
                expected = expected_chat(action.role, persona)
                if verdict != expected:
                    wrong.append(f"{intent.name} as {persona}: {verdict}, expected {expected}")
    assert not wrong, "\n".join(wrong)
