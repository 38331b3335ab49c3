"""Operational routes: health, readiness, metrics, the OpenAPI document and its docs page."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from app import db
from app.web.api import Api
from app.web.keys import SERVICES
from app.web.metrics import metrics_view

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    checks: dict[str, str] = {}
    try:
        await db.ping(services.db)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason is logged
        log.warning("readiness: database unreachable: %s", exc)
        checks["database"] = "unreachable"
    try:
        await services.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        log.warning("readiness: redis unreachable: %s", exc)
        checks["redis"] = "unreachable"
    ready = all(value == "ok" for value in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status=200 if ready else 503,
    )


def add_routes(app: web.Application, api: Api) -> None:
    document = api.openapi()

    async def openapi_json(request: web.Request) -> web.Response:
        return web.json_response(document)

    async def docs_page(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "api-docs.html")

    async def docs_script(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "api-docs.js")

    async def docs_style(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "api-docs.css")

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    app.router.add_get("/api/v1/openapi.json", openapi_json)
    app.router.add_get("/api/docs", docs_page)
    app.router.add_get("/api/docs.js", docs_script)
    app.router.add_get("/api/docs.css", docs_style)
