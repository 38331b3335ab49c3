"""The aiohttp application factory: `create_app(settings)` wires the whole web side.

The database and Redis are opened and closed with `cleanup_ctx`; everything the
handlers need hangs off the application through typed keys (`app.web.keys`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CollectorRegistry

from app import __version__
from app.bots import wiring
from app.logs import AccessLog
from app.runtime import Runtime, open_runtime
from app.settings import Settings
from app.web import (
    apply,
    ats_webhook,
    auth_pages,
    bonuses,
    branding,
    broadcasts,
    candidates,
    challenges,
    content,
    dashboard,
    dashboard_admin,
    employees,
    headers,
    landing,
    links,
    miniapp,
    oidc,
    pipeline_board,
    points,
    previews,
    public,
    ratelimits,
    redirect,
    referral_analytics,
    referrals_api,
    shop,
    teams_sso,
    ui,
)
from app.web.api import Api
from app.web.errors import errors_middleware
from app.web.keys import METRICS_REGISTRY, RUNTIME
from app.web.metrics import ACCESS_LOG, HTTP_METRICS, HttpMetrics, observe_middleware
from app.web.pages import add_routes


def build_api() -> Api:
    api = Api(prefix="/api/v1", title="Porte-voix", version=__version__)
    employees.register(api)
    content.register(api)
    links.register(api)
    referrals_api.register(api)
    ats_webhook.register(api)
    bonuses.register(api)
    candidates.register(api)
    referral_analytics.register(api)
    points.register(api)
    shop.register(api)
    challenges.register(api)
    broadcasts.register(api)
    return api


def create_app(settings: Settings, runtime: Runtime | None = None) -> web.Application:
    """The web application. Pass `runtime` to share one already opened (tests, `run`);
    otherwise the app opens its own on start-up and closes it on clean-up. Serve it with
    `DoorRunner` (`app.web.redirect`): the tracked links `/r/{code}` are answered in
    front of it, not by its router (any other runner gets the same answers through the
    router, at the router's and middlewares' cost)."""
    app = web.Application(
        middlewares=[observe_middleware, errors_middleware],
        client_max_size=settings.max_body_bytes,
    )
    registry = CollectorRegistry()
    app[METRICS_REGISTRY] = registry
    app[HTTP_METRICS] = HttpMetrics(registry)
    app[ACCESS_LOG] = AccessLog.configured()

    if runtime is not None:
        app[RUNTIME] = runtime
    else:

        async def runtime_ctx(app: web.Application) -> AsyncIterator[None]:
            async with open_runtime(settings) as opened:
                await opened.policy.publish_from_files()
                app[RUNTIME] = opened
                yield

        app.cleanup_ctx.append(runtime_ctx)

    api = build_api()
    api.add_routes(app)
    add_routes(app, api)
    public.add_routes(app)
    previews.install(app, settings)
    landing.add_routes(app)
    apply.add_routes(app)
    auth_pages.add_routes(app)
    oidc.install(app, settings)  # single sign-on, when OIDC_ISSUER is set
    teams_sso.install(app, settings)  # the Teams tab's sign-on, with the app and tenant
    miniapp.add_routes(app)
    dashboard.add_routes(app)
    pipeline_board.add_routes(app)
    branding.add_routes(app)
    dashboard_admin.add_routes(app)
    ui.add_static(app)
    headers.install(app, settings)
    ratelimits.install(app)  # after the runtime: the limiter counts in its Redis
    redirect.install(app)  # after the runtime: the door needs its link cache and Redis
    wiring.install(app)  # after the runtime: the bots need it when they start
    return app
