"""Typed keys for what hangs off the aiohttp application (no globals)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry

from app.runtime import Runtime

RUNTIME = web.AppKey("runtime", Runtime)
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)
