"""Single sign-on with the company's OpenID provider, for the dashboard and the browser
mini app (on when OIDC_ISSUER is set).

- `GET /app/auth/oidc?next=/dashboard` sends the browser to the provider with a fresh
  `state`, `nonce` and PKCE challenge (`app.people.oidc`); the `state` is also kept in a
  short-lived HttpOnly cookie, so a callback only completes in the browser that started
  it (a sign-in link planted by someone else opens nothing).
- `GET /app/auth/oidc/callback` (the redirect URI registered at the provider) takes the
  pending sign-in once, redeems the code, checks the ID token, finds the employee
  (`app.people.sso`) and opens the usual session (`session_auth.open_session`), capped at
  the role the provider's groups give. Unknown, erased or departed people, a cancelled or
  failed sign-in, an expired or replayed callback: a page in the person's language that
  says what happened, and no session.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from app.i18n import translator
from app.people.errors import EmployeeHasLeft, EmployeeNotFound
from app.people.models import Role
from app.people.oidc import OidcClient, OpenIdProvider, PendingSignIns, SignInFailed
from app.people.sso import RoleGroups, SingleSignOn
from app.settings import Settings
from app.web.keys import SERVICES
from app.web.services import WebServices
from app.web.session_auth import open_session, set_session_cookie
from app.web.ui import language_of, message_page

log = logging.getLogger(__name__)

START = "/app/auth/oidc"
CALLBACK = "/app/auth/oidc/callback"
STATE_COOKIE = "pv_oidc_state"
PROVIDER: web.AppKey[OpenIdProvider] = web.AppKey("oidc_provider", OpenIdProvider)


def client_of(settings: Settings) -> OidcClient:
    return OidcClient(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        scopes=settings.oidc_scopes,
        redirect_uri=settings.public_base_url + CALLBACK,
        leeway_seconds=settings.oidc_clock_skew_seconds,
    )


def single_sign_on(runtime: WebServices) -> SingleSignOn:
    settings = runtime.settings
    groups = RoleGroups.parse(
        settings.oidc_role_groups, settings.oidc_groups_claim, settings.oidc_roles_can_raise
    )
    return SingleSignOn(runtime.people, settings.oidc_email_claim, groups)


def button(settings: Settings, language: str, next_path: str) -> dict[str, str] | None:
    """The "Sign in with <provider>" link for a sign-in page, or None when SSO is off."""
    if not settings.oidc_enabled:
        return None
    _ = translator(language)
    name = settings.oidc_provider_name.strip()
    label = (
        _("Sign in with {provider}").format(provider=name)
        if name
        else _("Sign in with your company account")
    )
    return {"label": label, "url": f"{START}?{urlencode({'next': next_path})}"}


def safe_next(raw: str) -> str:
    """Where to land after signing in: a page of the mini app or the dashboard, never
    another site."""
    parts = urlsplit(raw)
    path = parts.path
    if parts.scheme or parts.netloc or "\\" in raw or path.startswith("//"):
        return "/app"
    if path in ("/app", "/dashboard") or path.startswith(("/app/", "/dashboard/")):
        return path
    return "/app"


async def start(request: web.Request) -> web.Response:
    runtime = request.app[SERVICES]
    next_path = safe_next(request.query.get("next", "/app"))
    try:
        url, pending = await request.app[PROVIDER].authorization(next_path)
    except SignInFailed as exc:
        return _failed(request, str(exc), 503)
    await PendingSignIns(runtime.redis).keep(pending)
    response = web.HTTPFound(url)
    response.set_cookie(
        STATE_COOKIE,
        pending.state,
        max_age=600,
        httponly=True,
        secure=runtime.settings.public_base_url.startswith("https://"),
        samesite="Lax",  # sent on the provider's top-level redirect back to us
        path=START,
    )
    response.headers["Cache-Control"] = "no-store"
    raise response


async def callback(request: web.Request) -> web.Response:
    runtime = request.app[SERVICES]
    state = request.query.get("state", "")
    cookie = request.cookies.get(STATE_COOKIE, "")
    pending = await PendingSignIns(runtime.redis).take(state) if state == cookie else None
    if pending is None:
        return _expired(request)
    if "error" in request.query or not request.query.get("code"):
        log.info("oidc: the provider answered %s", request.query.get("error", "no code"))
        _ = translator(language_of(request))
        return _failed(request, _("The sign-in was cancelled or refused by the provider."), 401)
    provider = request.app[PROVIDER]
    try:
        claims = await provider.verified_claims(
            request.query["code"][:2048], pending, runtime.clock.now()
        )
        signed_in = await single_sign_on(runtime).oidc_person(claims)
    except SignInFailed as exc:
        return _failed(request, str(exc), 401)
    except EmployeeNotFound as exc:
        log.info("oidc: %s", exc)
        return _unknown(request)
    except EmployeeHasLeft as exc:
        log.info("oidc: %s", exc)
        return _left(request)
    employee = signed_in.employee
    session_id = await open_session(runtime, employee.id, signed_in.role, capped=True)
    destination = pending.next_path
    if destination.startswith("/dashboard") and signed_in.role == Role.EMPLOYEE:
        language = language_of(request, employee.language)
        _ = translator(language)
        refused = message_page(
            language,
            _("The dashboard is for recruiters and admins"),
            _("You are signed in to the mini app, where your own links and points are."),
            403,
            runtime.settings.company_name,
            link="/app",
        )
        _signed_in(refused, session_id, runtime.settings)
        return refused
    response = web.HTTPFound(destination)
    _signed_in(response, session_id, runtime.settings)
    raise response


def _signed_in(response: web.StreamResponse, session_id: str, settings: Settings) -> None:
    set_session_cookie(response, session_id, settings)
    response.del_cookie(STATE_COOKIE, path=START)
    response.headers["Cache-Control"] = "no-store"


def _expired(request: web.Request) -> web.Response:
    _ = translator(language_of(request))
    return _page(
        request,
        _("This sign-in has expired"),
        _("A sign-in waits ten minutes at most and works once. Start again."),
        400,
        link=START,
    )


def _failed(request: web.Request, reason: str, status: int) -> web.Response:
    _ = translator(language_of(request))
    return _page(request, _("Sign-in failed"), _(reason), status, link=START)


def _unknown(request: web.Request) -> web.Response:
    _ = translator(language_of(request))
    company = request.app[SERVICES].settings.company_name
    return _page(
        request,
        _("We do not know you yet"),
        _(
            "Your company account is not on {company}'s list of employees. Ask your "
            "administrator to add you, then sign in again."
        ).format(company=company),
        403,
    )


def _left(request: web.Request) -> web.Response:
    _ = translator(language_of(request))
    return _page(
        request,
        _("This account is closed"),
        _("This account was closed when its owner left the company."),
        403,
    )


def _page(request: web.Request, title: str, text: str, status: int, link: str = "") -> web.Response:
    runtime = request.app[SERVICES]
    response = message_page(
        language_of(request), title, text, status, runtime.settings.company_name, link=link
    )
    response.del_cookie(STATE_COOKIE, path=START)
    return response


def install(app: web.Application, settings: Settings) -> None:
    """The two routes, when the settings name a provider."""
    if not settings.oidc_enabled:
        return
    app[PROVIDER] = OpenIdProvider(client_of(settings))
    app.router.add_get(START, start)
    app.router.add_get(CALLBACK, callback)
