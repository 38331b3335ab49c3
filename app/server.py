"""The aiohttp application factory: `create_app(settings)` wires the whole web side,
the chat channels' endpoints included.

The database and Redis are opened and closed with `cleanup_ctx`; everything the
handlers need hangs off the application through typed keys (`app.web.keys`). The web
pages (`app.web`) and the channels (`app.bots`) know nothing of each other: they meet
here, in the web process's entry point, which starts the channels the settings
configure with the root's one conversation core and Teams channel (`app/runtime.py`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CollectorRegistry

from app import __version__
from app.bots.teams import TeamsChannel
from app.bots.telegram.channel import TelegramChannel
from app.bots.telegram.prepared import save_prepared_message
from app.chat.conversation import Conversation
from app.chat.notify import Notifier
from app.http.errors import error_response
from app.logs import AccessLog
from app.runtime import WEB_PROCESS, Runtime, open_runtime
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
    miniapp_jobs,
    oidc,
    pipeline_board,
    points,
    previews,
    public,
    ratelimits,
    redirect,
    referral_analytics,
    referrals_api,
    scim,
    shop,
    teams_sso,
    ui,
)
from app.web.api import Api
from app.web.errors import errors_middleware
from app.web.keys import METRICS_REGISTRY, SERVICES
from app.web.metrics import ACCESS_LOG, HTTP_METRICS, HttpMetrics, observe_middleware
from app.web.pages import add_routes

log = logging.getLogger(__name__)


@dataclass
class Bots:
    """The chat channels this web process serves (the conversation and the notifier are
    the root's)."""

    conversation: Conversation
    notifier: Notifier
    telegram: TelegramChannel | None = None
    teams: TeamsChannel | None = None


BOTS = web.AppKey("bots", Bots)
# The process's root, for this module only: the web handlers see their services
# (`app.web.keys`), the channels' start-up here needs the root's conversation core.
ROOT = web.AppKey("root", Runtime)


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
    """The web application. Pass `runtime` to share a root already opened (tests, `run`);
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
    app[miniapp_jobs.PREPARED_MESSAGES] = save_prepared_message  # the mini app's Telegram shares

    if runtime is not None:
        app[SERVICES] = app[ROOT] = runtime  # the web side sees only its services
    else:

        async def runtime_ctx(app: web.Application) -> AsyncIterator[None]:
            async with open_runtime(settings, WEB_PROCESS) as opened:
                await opened.policy.publish_from_files()
                app[SERVICES] = app[ROOT] = opened
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
    scim.add_routes(app)  # /scim/v2: provisioning by the identity provider
    ui.add_static(app)
    headers.install(app, settings)
    ratelimits.install(app)  # after the runtime: the limiter counts in its Redis
    redirect.install(app)  # after the runtime: the door needs its link cache and Redis
    app.cleanup_ctx.append(bots_ctx)  # after the runtime: the bots need it when they start
    app.router.add_post("/telegram/webhook", telegram_webhook)
    app.router.add_post("/api/messages", teams_messages)
    return app


async def bots_ctx(app: web.Application) -> AsyncIterator[None]:
    """Telegram when its token is set, Teams when its app id is (or the emulator)."""
    runtime = app[ROOT]
    bots = Bots(runtime.conversation, runtime.reactors.notifier)
    if runtime.settings.telegram_bot_token:
        bots.telegram = TelegramChannel(
            runtime.conversation, runtime.settings, runtime.redis, runtime.clock
        )
        await bots.telegram.start()
        mode = "webhook" if bots.telegram.webhook else "polling"
        log.info("telegram bot started (%s)", mode)
    if runtime.settings.teams_app_id or runtime.settings.teams_emulator:
        bots.teams = runtime.teams_channel  # the one notices and pushes go through
        await bots.teams.start()
        log.info("teams bot ready on /api/messages (%s)", bots.teams.mode)
    app[BOTS] = bots
    try:
        yield
    finally:
        if bots.telegram is not None:
            await bots.telegram.stop()
        if bots.teams is not None:
            await bots.teams.stop()


async def telegram_webhook(request: web.Request) -> web.StreamResponse:
    bots = request.app.get(BOTS)
    if bots is None or bots.telegram is None or not bots.telegram.webhook:
        return error_response(404, "not_configured", "Telegram webhook mode is not configured.")
    return await bots.telegram.webhook_view(request)


async def teams_messages(request: web.Request) -> web.StreamResponse:
    bots = request.app.get(BOTS)
    if bots is None or bots.teams is None:
        return error_response(404, "not_configured", "The Teams bot is not configured.")
    return await bots.teams.messages_view(request)
