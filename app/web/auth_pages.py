"""Signing in and out of the mini app and the dashboard.

- `POST /app/auth/telegram` `{"init_data": "..."}`: Telegram's signed Web App data (401 on
  a wrong signature, data older than MINIAPP_AUTH_MAX_AGE_SECONDS, or a Telegram account
  that is not linked to an employee).
- `GET /app/login/{token}`: a one-time link from the bot (`services.logins.create`).
- `GET/POST /dashboard/login`: an API token form, for recruiters and admins.
- `POST /app/logout`, `POST /dashboard/logout` (CSRF-checked).
"""

from __future__ import annotations

import logging

from aiohttp import web

from app.http.bodies import read_json
from app.i18n import translator
from app.people.errors import EmployeeHasLeft
from app.people.logins import InvalidInitData, TelegramUser, verify_init_data
from app.people.models import EmployeeStatus, Platform, Role
from app.web import apply, oidc
from app.web.branding import branding_of
from app.web.errors import ApiError
from app.web.keys import SERVICES
from app.web.services import WebServices
from app.web.session_auth import (
    check_csrf,
    clear_session_cookie,
    close_session,
    csrf_for,
    current_viewer,
    open_session,
    set_session_cookie,
)
from app.web.ui import language_of, message_page, render_page

log = logging.getLogger(__name__)
MAX_INIT_DATA = 4096


def telegram_user(services: WebServices, init_data: str) -> TelegramUser:
    """The Telegram user of a Web App's `initData`, if our bot signed it recently (401
    `invalid_init_data` otherwise): at sign-in, and for each share into a chat."""
    settings = services.settings
    try:
        return verify_init_data(
            init_data,
            settings.telegram_bot_token,
            services.clock.now(),
            settings.miniapp_auth_max_age_seconds,
            settings.miniapp_auth_clock_skew_seconds,
        )
    except InvalidInitData as exc:
        raise ApiError(401, "invalid_init_data", str(exc)) from None


async def telegram_sign_in(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    settings = services.settings
    body = await read_json(request, settings, empty={})
    init_data = body.get("init_data") if isinstance(body, dict) else None
    if not isinstance(init_data, str) or not init_data or len(init_data) > MAX_INIT_DATA:
        raise ApiError(422, "invalid", 'Send {"init_data": "<Telegram.WebApp.initData>"}.')
    user = telegram_user(services, init_data)
    employee = await services.people.employee_for_chat(Platform.TELEGRAM, str(user.id))
    if employee is None:
        raise ApiError(
            401,
            "unknown_account",
            "This Telegram account is not linked to an employee yet: open the bot and "
            "send it your invitation code first.",
        )
    session_id = await open_session(services, employee.id, employee.role)
    response = web.json_response(
        {
            "employee_id": employee.id,
            "name": employee.name,
            "csrf": csrf_for(settings.secret_key, session_id),
        }
    )
    set_session_cookie(response, session_id, settings, embedded=True)
    return response


async def link_sign_in(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    grant = await services.logins.consume(request.match_info["token"])
    employee = await services.people.find(grant.employee_id) if grant else None
    if grant is None or employee is None or employee.status == EmployeeStatus.LEFT:
        language = language_of(request)
        _ = translator(language)
        return message_page(
            language,
            _("This sign-in link does not work any more"),
            _("Each link works once and for a few minutes. Ask the bot for a new one: /app."),
            410,
            services.settings.company_name,
        )
    session_id = await open_session(services, employee.id, employee.role)
    response = web.HTTPFound(grant.destination)
    # The mini app may be opened inside the Teams personal tab, a cross-site iframe: its
    # cookie must be SameSite=None there (state-changing calls carry the CSRF token).
    in_frame = grant.destination.startswith("/app")
    set_session_cookie(response, session_id, services.settings, embedded=in_frame)
    response.headers["Cache-Control"] = "no-store"
    raise response


async def dashboard_login_form(request: web.Request) -> web.Response:
    viewer = await current_viewer(request)
    if viewer is not None and viewer.has_role(Role.RECRUITER):
        raise web.HTTPFound("/dashboard")
    return _login_form(request, "")


def _login_form(request: web.Request, error: str, status: int = 200) -> web.Response:
    services = request.app[SERVICES]
    settings = services.settings
    nonce, new = apply.csrf_nonce(request)
    language = language_of(request)
    response = render_page(
        "dashboard/login.html.j2",
        language,
        status,
        brand=branding_of(settings),
        csrf=apply.csrf_token(settings.secret_key, nonce),
        error=error,
        sso=oidc.button(settings, language, "/dashboard"),
    )
    return apply.with_csrf_cookie(
        response, nonce, new, settings.public_base_url.startswith("https://")
    )


async def dashboard_login(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    _ = translator(language_of(request))
    form = await request.post()
    if not apply.csrf_ok(request, services.settings.secret_key, str(form.get("csrf", ""))):
        return _login_form(request, _("The form expired; please try again."), 403)
    token = str(form.get("token", "")).strip()
    try:
        principal = await services.tokens.authenticate(token) if 0 < len(token) <= 200 else None
    except EmployeeHasLeft:
        principal = None
    if principal is None:
        return _login_form(request, _("This API token is not valid."), 401)
    # The principal's role is already capped by its employee's current role: a demoted
    # recruiter's old token opens nothing.
    if not principal.has_role(Role.RECRUITER):
        return _login_form(request, _("The dashboard is for recruiters and admins."), 403)
    session_id = await open_session(services, principal.employee_id, principal.role, capped=True)
    response = web.HTTPFound("/dashboard")
    set_session_cookie(response, session_id, services.settings)
    raise response


async def logout(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    viewer = await current_viewer(request)
    destination = "/dashboard/login" if request.path.startswith("/dashboard") else "/app"
    if viewer is not None:
        form = await request.post()
        check_csrf(viewer, str(form.get("csrf", "")) or request.headers.get("X-CSRF-Token", ""))
        await close_session(services, viewer.session_id)
    response = web.HTTPFound(destination)
    clear_session_cookie(response)
    raise response


def add_routes(app: web.Application) -> None:
    app.router.add_post("/app/auth/telegram", telegram_sign_in)
    app.router.add_get("/app/login/{token}", link_sign_in)
    app.router.add_post("/app/logout", logout)
    app.router.add_get("/dashboard/login", dashboard_login_form)
    app.router.add_post("/dashboard/login", dashboard_login)
    app.router.add_post("/dashboard/logout", logout)
