"""`POST /app/auth/teams` `{"token": "..."}`: the Teams personal tab signs in with the
token TeamsJS's `authentication.getAuthToken()` gave it (on when TEAMS_APP_ID and
TEAMS_TENANT_ID are set).

The token is checked by `app.people.teams_sso` (keys from TEAMS_SSO_JWKS_URL, issuer,
audience, tenant, lifetime), the person found by `app.people.sso`, and the usual mini
app session opened, its cookie `SameSite=None` because the tab is a cross-site frame.
Refusals are JSON 401s the page shows (with the one-time link from the bot as the way
in), 403 for someone who has left.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from app.http.bodies import read_json
from app.people.errors import EmployeeHasLeft, EmployeeNotFound
from app.people.signing_keys import SigningKeys
from app.people.teams_sso import TeamsTokenRefused, TeamsTokens
from app.settings import Settings
from app.web.errors import ApiError
from app.web.keys import SERVICES
from app.web.oidc import single_sign_on
from app.web.session_auth import csrf_for, open_session, set_session_cookie

PATH = "/app/auth/teams"
TOKENS: web.AppKey[TeamsTokens] = web.AppKey("teams_sso_tokens", TeamsTokens)
FALLBACK = "Ask the bot for a sign-in link: send it app."


async def teams_sign_in(request: web.Request) -> web.Response:
    runtime = request.app[SERVICES]
    body = await read_json(request, runtime.settings, empty={})
    token = body.get("token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        raise ApiError(422, "invalid", 'Send {"token": "<authentication.getAuthToken()>"}.')
    try:
        user = await request.app[TOKENS].user_of(token, runtime.clock.now())
        signed_in = await single_sign_on(runtime).teams_person(user)
    except TeamsTokenRefused as exc:
        raise ApiError(401, "invalid_token", f"{exc} {FALLBACK}") from None
    except EmployeeNotFound:
        raise ApiError(
            401, "unknown_account", f"Your Teams account is not on the employee list. {FALLBACK}"
        ) from None
    except EmployeeHasLeft:
        raise ApiError(403, "employee_left", "This account was closed.") from None
    employee = signed_in.employee
    session_id = await open_session(runtime, employee.id, signed_in.role)
    response = web.json_response(
        {
            "employee_id": employee.id,
            "name": employee.name,
            "csrf": csrf_for(runtime.settings.secret_key, session_id),
        }
    )
    set_session_cookie(response, session_id, runtime.settings, embedded=True)
    return response


def install(app: web.Application, settings: Settings) -> None:
    """The route, when the settings name the Teams app and its tenant."""
    if not settings.teams_sso_enabled:
        return
    host = urlsplit(settings.public_base_url).hostname or ""  # as the manifest says
    keys = SigningKeys(settings.teams_sso_jwks_url, settings.teams_keys_retry_seconds)
    app[TOKENS] = TeamsTokens(settings.teams_app_id, settings.teams_tenant_id, host, keys)
    app.router.add_post(PATH, teams_sign_in)
