"""Typed keys for what hangs off the aiohttp application (no globals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CollectorRegistry

if TYPE_CHECKING:
    from app.runtime import Runtime
    from app.settings import Settings
    from app.web.metrics import HttpMetrics

SETTINGS = web.AppKey("settings", "Settings")
RUNTIME = web.AppKey("runtime", "Runtime")
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)
HTTP_METRICS = web.AppKey("http_metrics", "HttpMetrics")
