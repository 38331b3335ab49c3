"""Who is signed in to the mini app or the dashboard, from the `pv_session` cookie.

Sessions live in Redis (`app.people.sessions`), so any replica answers. The CSRF token is
an HMAC of the session id keyed from SECRET_KEY: forms carry it in a hidden field and the
mini app's fetches in the `X-CSRF-Token` header; a page from another site can make the
browser send the cookie but cannot know the token. Roles are read from the employee row
on every request, so a demotion or a departure takes effect at once.

A dashboard session opened with an API token keeps the token's role beside it in Redis
as a ceiling (an admin signing in with a recruiter token gets a recruiter's dashboard);
one whose token names no employee (the bootstrap `ADMIN_TOKEN`) is stored as employee 0,
and that role is its role.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from aiohttp import web

from app.people.models import Employee, EmployeeStatus, Role
from app.people.sessions import COOKIE
from app.people.tokens import ROLE_RANK, lower_role
from app.settings import Settings
from app.web.errors import ApiError
from app.web.keys import SERVICES
from app.web.services import WebServices

ROLE_KEY = "session-role:"
CSRF_HEADER = "X-CSRF-Token"
NO_EMPLOYEE = 0


@dataclass(frozen=True)
class Viewer:
    session_id: str
    employee: Employee | None  # None: signed in with a token that names no employee
    role: Role
    csrf: str

    @property
    def employee_id(self) -> int | None:
        return self.employee.id if self.employee else None

    @property
    def name(self) -> str:
        return self.employee.name if self.employee else "Admin"

    @property
    def language(self) -> str:
        return self.employee.language if self.employee else "en"

    def has_role(self, needed: Role) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[needed]


VIEWER_KEY: web.RequestKey[Viewer | None] = web.RequestKey("pv_viewer")


def csrf_for(secret_key: str, session_id: str) -> str:
    key = hashlib.sha256(b"porte-voix session csrf:" + secret_key.encode()).digest()
    return hmac.new(key, session_id.encode(), hashlib.sha256).hexdigest()


async def open_session(
    services: WebServices, employee_id: int | None, role: Role, *, capped: bool = False
) -> str:
    """A new session. Its role is the employee's, read at each request; `capped` (a
    session opened with an API token) also keeps it at or below `role`, the token's. A
    session with no employee (the bootstrap token) has `role`."""
    session_id = await services.sessions.open(employee_id or NO_EMPLOYEE)
    if not employee_id or capped:
        await services.redis.set(
            ROLE_KEY + session_id, role.value, ex=services.sessions.ttl_seconds
        )
    return session_id


async def close_session(services: WebServices, session_id: str) -> None:
    await services.sessions.close(session_id)
    await services.redis.delete(ROLE_KEY + session_id)


async def current_viewer(request: web.Request) -> Viewer | None:
    """The signed-in viewer, or None (no cookie, unknown or expired session, or an
    employee who has left, whose session is closed here)."""
    if VIEWER_KEY in request:
        return request[VIEWER_KEY]
    viewer = await _lookup(request)
    request[VIEWER_KEY] = viewer
    return viewer


async def _lookup(request: web.Request) -> Viewer | None:
    services = request.app[SERVICES]
    session_id = request.cookies.get(COOKIE, "")
    if not session_id or len(session_id) > 64:
        return None
    owners = await services.sessions.employee_ids([session_id])
    if session_id not in owners:
        return None
    csrf = csrf_for(services.settings.secret_key, session_id)
    employee_id = owners[session_id]
    stored = await services.redis.get(ROLE_KEY + session_id)
    ceiling = Role(stored.decode() if isinstance(stored, bytes) else stored) if stored else None
    if employee_id == NO_EMPLOYEE:
        return Viewer(session_id, None, ceiling, csrf) if ceiling else None
    employee = await services.people.find(employee_id)
    if employee is None or employee.status == EmployeeStatus.LEFT:
        await close_session(services, session_id)
        return None
    role = lower_role(employee.role, ceiling) if ceiling else employee.role
    return Viewer(session_id, employee, role, csrf)


async def require_viewer(request: web.Request, role: Role = Role.EMPLOYEE) -> Viewer:
    """The viewer, or a JSON 401/403 (for the mini app's API)."""
    viewer = await current_viewer(request)
    if viewer is None:
        raise ApiError(401, "signed_out", "Sign in again: open the app from the bot.")
    if not viewer.has_role(role):
        raise ApiError(403, "forbidden", f"This needs the {role.value} role.")
    return viewer


async def require_employee(request: web.Request) -> tuple[Viewer, Employee]:
    viewer = await require_viewer(request)
    if viewer.employee is None:
        raise ApiError(403, "employee_required", "The mini app is for employees.")
    return viewer, viewer.employee


def check_csrf(viewer: Viewer, token: str) -> None:
    if not token or not hmac.compare_digest(viewer.csrf.encode(), token.encode()):
        raise ApiError(403, "csrf", "This request did not come from our page; reload it.")


def set_session_cookie(
    response: web.StreamResponse, session_id: str, settings: Settings, *, embedded: bool = False
) -> None:
    """HttpOnly; Secure behind HTTPS. Inside Telegram's web client the app is a
    cross-site iframe, where only SameSite=None (which needs Secure) cookies are sent."""
    secure = settings.public_base_url.startswith("https://")
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=settings.session_ttl_hours * 3600,
        httponly=True,
        secure=secure,
        samesite="None" if embedded and secure else "Lax",
        path="/",
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")
