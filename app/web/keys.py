"""Typed keys for what hangs off the aiohttp application (no globals)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CollectorRegistry

from app.web.services import WebServices

SERVICES = web.AppKey("services", WebServices)
METRICS_REGISTRY = web.AppKey("metrics_registry", CollectorRegistry)
