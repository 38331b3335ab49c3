"""Prometheus metrics: request counts and latencies per route, served at GET /metrics.

The registry belongs to the application (not prometheus-client's global one), so two
apps in one process (tests, replicas) never mix their numbers.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from app.logs import AccessLog, mask_path, request_id
from app.web.keys import METRICS_REGISTRY

SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "portevoix_http_requests",
            "HTTP requests answered, by route and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "portevoix_http_request_duration_seconds",
            "Time to answer an HTTP request, by route",
            ["method", "route"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        # prometheus-client's labels() takes a lock and builds a tuple on every call:
        # the children of each (method, route, status) are looked up once.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
        children[0].inc()
        children[1].observe(seconds)


def logged_path(request: web.Request) -> str:
    """The path for the access log, without the secrets it may carry (one-time sign-in
    links, consent links, anything token-like, matched by a route or not): whoever reads
    the logs must not be able to use them."""
    return mask_path(request.path)


def route_label(request: web.Request) -> str:
    """The route's template (`/api/v1/employees/{employee_id}`), never the raw path, so
    that unknown URLs cannot blow up the number of series."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def request_id_of(request: web.BaseRequest) -> str:
    """The request's id: the caller's X-Request-Id when it is a plain token (a proxy's),
    else a new random one."""
    incoming = request.headers.get("X-Request-Id", "")
    return incoming if incoming and SAFE_REQUEST_ID.match(incoming) else os.urandom(8).hex()


HTTP_METRICS = web.AppKey("http_metrics", HttpMetrics)
ACCESS_LOG = web.AppKey("access_log", AccessLog)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def observe_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request id, access log line and metrics for every request."""
    rid = request_id_of(request)
    token = request_id.set(rid)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = rid
        return response
    except web.HTTPException as exc:
        status = exc.status
        exc.headers["X-Request-Id"] = rid
        raise
    finally:
        elapsed = time.perf_counter() - started
        app = request.app
        app[HTTP_METRICS].observe(request.method, route_label(request), status, elapsed)
        access = app[ACCESS_LOG]
        if access.enabled:
            access.line(request.method, logged_path(request), status, elapsed, rid)
        request_id.reset(token)


async def metrics_view(request: web.Request) -> web.Response:
    body = generate_latest(request.app[METRICS_REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
