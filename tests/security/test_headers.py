"""Security headers (`app/web/headers.py`): every HTML page has a Content-Security-Policy
with no inline script or style allowed, and markup that needs none; the mini app may be
framed only by Telegram's and Microsoft's hosts, every other page by nobody; nosniff
everywhere and HSTS under https."""

from __future__ import annotations

import re

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from app.jobs.schemas import NewsCreate
from app.people.models import Role
from app.runtime import Runtime
from app.server import create_app
from app.settings import Settings
from tests.helpers import AppServer, bearer, make_employee, make_open_job
from tests.web.test_miniapp_api import signed_in
from tests.web.test_miniapp_auth import dashboard_cookie

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style|\sstyle=|\son[a-z]+=", re.I)


def directives(response: ClientResponse) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d.partition(" ")[2] for d in policy.split("; ")}


async def pages(client: TestClient, runtime: Runtime) -> dict[str, tuple[str, dict[str, str]]]:
    """Every kind of HTML page, with the headers to see it."""
    job = await make_open_job(runtime)
    news = await runtime.content.create_news(
        NewsCreate(title="Hello", body="World", image_url="https://img.example/x.png")
    )
    await runtime.content.publish_news(news.id)
    recruiter = await make_employee(runtime, "rita@example.com", "Rita", role=Role.RECRUITER)
    mini = await signed_in(client, runtime, await make_employee(runtime))
    board = await dashboard_cookie(client, runtime, recruiter.id)
    return {
        "jobs": ("/jobs", {}),
        "job": (f"/jobs/{job.id}", {}),
        "news": (f"/news/{news.id}", {}),
        "apply": (f"/apply/{job.id}", {}),
        "unknown job": ("/apply/999", {}),
        "consent error page": ("/consent/no-such-token", {}),
        "unknown tracked link": ("/r/nope", {}),
        "dashboard sign-in": ("/dashboard/login", {}),
        "dashboard": ("/dashboard", board),
        "dashboard tables": ("/dashboard/tables", board),
        "dashboard content": ("/dashboard/content", board),
        "api docs": ("/api/docs", {}),
        "mini app": ("/app", mini),
        "mini app signed out": ("/app/jobs", {}),
        "mini app link gone": ("/app/login/no-such-token", {}),
    }


async def test_every_page_has_a_strict_policy_and_markup_that_needs_nothing_more(
    client: TestClient, runtime: Runtime
) -> None:
    for name, (path, headers) in (await pages(client, runtime)).items():
        async with client.get(path, headers=headers, allow_redirects=False) as response:
            assert response.content_type == "text/html", name
            html = await response.text()
            policy = directives(response)
            assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'", name
            assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", name
            assert policy["form-action"] == "'self'", name
            assert response.headers["X-Content-Type-Options"] == "nosniff", name
            assert response.headers["Referrer-Policy"] == "same-origin", name
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000", name
            assert not INLINE_SCRIPT.search(html), (name, INLINE_SCRIPT.search(html))
            assert not INLINE_STYLE.search(html), (name, INLINE_STYLE.search(html))
            if path == "/app" or path.startswith("/app/"):
                ancestors = policy["frame-ancestors"].split()
                assert "https://web.telegram.org" in ancestors, name
                assert "https://teams.microsoft.com" in ancestors, name
                assert "*" not in ancestors and "'self'" not in ancestors, name
                assert "X-Frame-Options" not in response.headers, name
            else:
                assert policy["frame-ancestors"] == "'none'", name
                assert response.headers["X-Frame-Options"] == "DENY", name


async def test_the_stylesheets_and_scripts_pages_use_are_served(client: TestClient) -> None:
    for path, kind in [
        ("/static/site.css", "text/css"),
        ("/app/static/app.css", "text/css"),
        ("/app/static/app.js", "javascript"),
        ("/api/docs.css", "text/css"),
        ("/api/docs.js", "javascript"),
    ]:
        async with client.get(path) as response:
            assert response.status == 200, path
            assert kind in response.content_type, path
            assert response.headers["X-Content-Type-Options"] == "nosniff", path


async def test_json_answers_are_nosniff_and_plain_http_gets_no_hsts(
    settings: Settings, runtime: Runtime, client: TestClient
) -> None:
    admin = await bearer(runtime, Role.ADMIN)
    for path in ("/api/v1/employees", "/healthz", "/"):
        async with client.get(path, headers=admin) as response:
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            assert "Strict-Transport-Security" in response.headers, path
    settings.public_base_url = "http://127.0.0.1:8080"
    async with (
        TestClient(AppServer(create_app(settings, runtime))) as plain,
        plain.get("/jobs") as response,
    ):
        assert "Strict-Transport-Security" not in response.headers
        assert directives(response)["frame-ancestors"] == "'none'"
    settings.public_base_url = "https://advocacy.test"
    settings.hsts_max_age_seconds = 0  # HTTPS, with HSTS turned off
    async with (
        TestClient(AppServer(create_app(settings, runtime))) as no_hsts,
        no_hsts.get("/jobs") as response,
    ):
        assert "Strict-Transport-Security" not in response.headers
