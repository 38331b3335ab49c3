"""The web server: health, readiness, metrics, JSON errors, body limit, request ids, logs."""

from __future__ import annotations

import json
import logging

import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from app.logs import JsonFormatter, RequestIdFilter
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.helpers import AppServer


async def test_healthz_answers_without_touching_storage(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_checks_database_and_redis(client: TestClient) -> None:
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["checks"] == {"database": "ok", "redis": "ok"}


async def test_readyz_is_503_when_redis_is_gone(client: TestClient, runtime: Runtime) -> None:
    await runtime.redis.aclose()
    runtime.redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    try:
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["checks"]["redis"] == "unreachable"
    finally:
        await runtime.redis.aclose()


async def test_metrics_count_requests_per_route_template(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    await client.get("/api/v1/employees/12345", headers=admin_headers)
    await client.get("/healthz")
    text = await (await client.get("/metrics")).text()
    assert (
        'portevoix_http_requests_total{method="GET",route="/api/v1/employees/{employee_id}",'
        'status="404"} 1.0' in text
    )
    assert 'route="/healthz",status="200"} 1.0' in text
    assert "portevoix_http_request_duration_seconds_bucket" in text


async def test_unknown_routes_get_a_json_404(client: TestClient) -> None:
    response = await client.get("/nowhere")
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


async def test_a_wrong_method_gets_a_json_405(client: TestClient) -> None:
    response = await client.delete("/healthz")
    assert response.status == 405
    assert (await response.json())["error"]["code"] == "method_not_allowed"


async def test_a_body_over_the_limit_is_refused_and_nothing_is_written(
    settings: Settings, runtime: Runtime, admin_headers: dict[str, str]
) -> None:
    settings = settings.model_copy(update={"max_body_bytes": 1024})
    async with TestClient(AppServer(create_app(settings, runtime))) as small:
        body = {"email": "big@example.com", "name": "x" * 2000}
        response = await small.post("/api/v1/employees", json=body, headers=admin_headers)
        assert response.status == 413
        assert (await response.json())["error"]["code"] == "body_too_large"
        listing = await small.get("/api/v1/employees", headers=admin_headers)
        assert (await listing.json())["total"] == 0


async def test_an_unexpected_error_is_a_500_without_traceback(
    client: TestClient,
    runtime: Runtime,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(*args: object) -> None:
        raise ZeroDivisionError("secret internals")

    monkeypatch.setattr(runtime.people, "search", broken)
    response = await client.get(
        "/api/v1/employees", headers={**admin_headers, "X-Request-Id": "req-42"}
    )
    assert response.status == 500
    body = await response.text()
    assert "secret internals" not in body and "Traceback" not in body
    assert "req-42" in json.loads(body)["error"]["message"]
    assert response.headers["X-Request-Id"] == "req-42"
    assert "ZeroDivisionError" in caplog.text  # the operator still sees it in the logs


async def test_every_response_carries_a_request_id(client: TestClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-Id": "bad id; <script>"})
    assert len(response.headers["X-Request-Id"]) == 16  # an unsafe id is replaced


def test_json_log_lines_carry_the_request_id() -> None:
    from app.logs import request_id

    record = logging.LogRecord("portevoix.access", logging.INFO, __file__, 1, "GET / 200", (), None)
    token = request_id.set("abc123")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc123"
    assert line["message"] == "GET / 200"
    assert line["level"] == "info"
