"""The front door: `/` says what this server is and links every page, in the visitor's
language; `portevoix run` prints the same pages at the address it really serves."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient

from app.cli.operations import _welcome
from app.runtime import Runtime
from app.settings import Settings
from tests.helpers import make_open_job
from tests.processes import ROOT, free_port, wait_ready


def links(html: str) -> list[str]:
    return re.findall(r'href="(/[^"]*)"', html)


async def test_the_landing_page_links_every_page_and_each_link_answers(
    client: TestClient, runtime: Runtime
) -> None:
    await make_open_job(runtime, "Data Engineer")
    await make_open_job(runtime, "Sales Manager")
    response = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    html = await response.text()
    assert response.status == 200 and response.content_type == "text/html"
    assert '<html lang="en">' in html
    assert "employee advocacy and referrals" in html
    assert 'Open jobs</a> <span class="count">(2)</span>' in html
    for path in ("/jobs", "/app", "/dashboard", "/api/docs"):
        assert path in links(html)
        followed = await client.get(path)  # the dashboard sends strangers to its sign-in
        assert followed.status == 200, path


async def test_the_landing_page_speaks_french_to_a_french_browser(client: TestClient) -> None:
    response = await client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    html = await response.text()
    assert '<html lang="fr">' in html
    assert "Offres ouvertes" in html and "Tableau de bord" in html
    assert "Open jobs" not in html and "employee advocacy" not in html
    assert response.headers["Vary"] == "Accept-Language"


def page_sections(client: TestClient) -> set[str]:
    """Where each page a person opens lives: GET routes without a parameter that are
    not JSON, CSV, style, script or image (the logo) endpoints, cut to their section
    (`/dashboard/tables` is the dashboard's; `/api/docs` stays itself)."""
    sections = set()
    for route in client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if route.method != "GET" or "{" in path or path.endswith((".js", ".css", ".csv")):
            continue
        if path.startswith(
            ("/api/v1/", "/app/api/", "/app/static", "/static", "/branding/")
        ) and not path.endswith("openapi.json"):
            continue
        parts = path.strip("/").split("/")
        sections.add("/" + "/".join(parts[:2] if parts[0] == "api" else parts[:1]))
    return sections


async def test_the_start_banner_lists_every_page(client: TestClient, settings: Settings) -> None:
    banner = _welcome(settings)
    sections = page_sections(client)
    assert {"/", "/jobs", "/app", "/dashboard", "/api/docs", "/healthz"} <= sections
    for section in sections:
        assert f"{settings.public_base_url}{section.rstrip('/') or '/'}" in banner, section


def start_run(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    """`python -m app run` as an operator starts it: embedded, only PORT set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    for name in ("DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "SECRET_KEY", "HOST"):
        env.pop(name, None)
    env.update(PORT=str(port), DATA_DIR=str(tmp_path), DEMO_ON_EMPTY="false")
    log = (tmp_path / "run.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "app", "run"], cwd=ROOT, env=env, stdout=log, stderr=log
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)


async def test_run_prints_the_pages_at_its_own_port_and_serves_the_landing_page(
    tmp_path: Path,
) -> None:
    port = free_port()
    process = start_run(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_ready(base, process)
        async with aiohttp.ClientSession() as session, session.get(f"{base}/") as response:
            assert response.status == 200
            assert "Porte-voix" in await response.text()
    finally:
        await asyncio.to_thread(stop, process)
    banner = (tmp_path / "run.log").read_text()
    for path in ("/", "/jobs", "/app", "/dashboard", "/api/docs"):
        assert f"{base}{path}\n" in banner, path
    assert ":8080" not in banner
