"""The company's brand on the dashboard and its sign-in page (issue 18: no logo, no
company branding): COMPANY_LOGO as an https URL or a served file, else the initials."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from app.people.models import Role
from app.runtime import Runtime
from app.settings import SettingsError, load_settings
from app.web.branding import SVG_POLICY, Branding
from tests.helpers import make_employee
from tests.web.test_miniapp_auth import dashboard_cookie

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'


async def admin_page(client: TestClient, runtime: Runtime) -> str:
    adam = await make_employee(runtime, "adam@example.com", "Adam", role=Role.ADMIN)
    cookie = await dashboard_cookie(client, runtime, adam.id)
    return await (await client.get("/dashboard", headers=cookie)).text()


async def test_without_a_logo_the_pages_show_the_company_initials(
    client: TestClient, runtime: Runtime
) -> None:
    login = await (await client.get("/dashboard/login")).text()
    assert "<title>Dashboard sign-in · Porte-voix Demo</title>" in login
    assert '<span class="initials" aria-hidden="true">PD</span>' in login and "<img" not in login
    page = await admin_page(client, runtime)
    assert "<title>Overview · Porte-voix Demo</title>" in page  # named once, not twice
    assert 'Adam <span class="role">· Administrator</span>' in page
    assert (await client.get("/branding/logo")).status == 404


def test_initials_take_the_first_and_last_words() -> None:
    assert Branding("Porte-voix Demo", "").initials == "PD"  # a hyphen splits words too
    assert Branding("Acme", "").initials == "A"
    assert Branding("Banque de France Group", "").initials == "BG"


async def test_an_https_logo_is_used_as_it_is(client: TestClient, runtime: Runtime) -> None:
    runtime.settings.company_logo = "https://cdn.example.com/acme.svg"
    login = await (await client.get("/dashboard/login")).text()
    assert '<img src="https://cdn.example.com/acme.svg" alt="">' in login
    assert '<img src="https://cdn.example.com/acme.svg" alt="">' in await admin_page(
        client, runtime
    )


async def test_a_logo_file_is_served_when_it_is_an_image(
    client: TestClient, runtime: Runtime
) -> None:
    data_dir = runtime.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logo.png").write_bytes(PNG)
    runtime.settings.company_logo = "logo.png"
    assert (
        '<img src="/branding/logo" alt="">' in await (await client.get("/dashboard/login")).text()
    )
    logo = await client.get("/branding/logo")
    assert (logo.status, logo.content_type, await logo.read()) == (200, "image/png", PNG)

    (data_dir / "logo.svg").write_bytes(SVG)
    runtime.settings.company_logo = str(data_dir / "logo.svg")  # an absolute path too
    svg = await client.get("/branding/logo")
    assert svg.content_type == "image/svg+xml"
    assert svg.headers["Content-Security-Policy"] == SVG_POLICY  # no script runs in it


async def test_a_logo_setting_that_names_no_image_serves_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    data_dir = runtime.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "notes.html").write_bytes(b"<html><script>alert(1)</script></html>")
    for setting in ("notes.html", "missing.png", "secret_key"):
        runtime.settings.company_logo = setting
        answer = await client.get("/branding/logo")
        assert answer.status == 404, setting
        assert b"alert" not in await answer.read()


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"GIF87a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
    ],
)
async def test_jpeg_gif_and_webp_logos_are_served_as_what_they_are(
    client: TestClient, runtime: Runtime, head: bytes, media_type: str
) -> None:
    data_dir = runtime.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logo").write_bytes(head + b"\x00" * 64)  # no extension: the bytes decide
    runtime.settings.company_logo = "logo"
    logo = await client.get("/branding/logo")
    assert (logo.status, logo.content_type) == (200, media_type)


async def test_a_logo_above_512_kib_is_not_served(client: TestClient, runtime: Runtime) -> None:
    data_dir = runtime.settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    runtime.settings.company_logo = "logo.png"
    (data_dir / "logo.png").write_bytes(PNG.ljust(512 * 1024, b"\x00"))
    assert (await client.get("/branding/logo")).status == 200  # 512 KiB exactly: served
    (data_dir / "logo.png").write_bytes(PNG.ljust(512 * 1024 + 1, b"\x00"))
    too_big = await client.get("/branding/logo")
    assert too_big.status == 404 and PNG not in await too_big.read()


def test_an_http_logo_is_refused_at_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with pytest.raises(SettingsError, match="COMPANY_LOGO"):
        load_settings(company_logo="http://cdn.example.com/acme.png")
