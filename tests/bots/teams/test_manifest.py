"""The Teams app package: what `portevoix teams-manifest` writes."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from app.bots.teams.manifest import ManifestError, color_icon, manifest, outline_icon, package
from app.chat.actions import menu_commands
from app.cli import main
from app.people.models import Role
from app.settings import load_settings

APP_ID = "0d2f5c1e-7a41-4b8e-9c55-3f1b2a6d7e90"


def decode(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGBA rows of one of our (unfiltered) PNGs."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    length = struct.unpack(">I", png[33:37])[0]
    assert png[37:41] == b"IDAT"
    raw = zlib.decompress(png[41 : 41 + length])
    stride = width * 4 + 1
    rows = [raw[i * stride + 1 : (i + 1) * stride] for i in range(height)]
    return width, height, rows


def test_the_manifest_declares_the_bot_the_search_and_the_tab(tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, teams_app_id=APP_ID, public_base_url="https://advocacy.example.com"
    )
    data = manifest(settings)
    assert data["id"] == APP_ID and data["manifestVersion"] == "1.17"
    [bot] = data["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal"]
    commands = bot["commandLists"][0]["commands"]
    assert commands[0] == {"title": "jobs", "description": "Open jobs to share"}
    # the employees' menu of the command registry, as Telegram shows it too
    assert [c["title"] for c in commands] == [a.name for a in menu_commands(Role.EMPLOYEE)]
    assert len(commands) <= 10
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128 for c in commands)
    [extension] = data["composeExtensions"]
    [search] = extension["commands"]
    assert search["type"] == "query" and search["parameters"][0]["name"] == "searchQuery"
    [tab] = data["staticTabs"]
    assert tab["contentUrl"] == "https://advocacy.example.com/app"
    assert data["validDomains"] == ["advocacy.example.com"]
    assert len(data["name"]["short"]) <= 30 and len(data["description"]["short"]) <= 80


def test_the_icons_are_the_sizes_teams_wants_and_the_outline_is_transparent() -> None:
    width, height, rows = decode(color_icon())
    assert (width, height) == (192, 192)
    assert all(row[3::4] == b"\xff" * 192 for row in rows)  # opaque
    width, height, rows = decode(outline_icon())
    assert (width, height) == (32, 32)
    alphas = {a for row in rows for a in row[3::4]}
    assert alphas == {0, 255}  # white shape on transparency, nothing in between
    colours = {bytes(row[i : i + 3]) for row in rows for i in range(0, 128, 4) if row[i + 3]}
    assert colours == {b"\xff\xff\xff"}


def test_without_an_app_id_there_is_no_package(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="TEAMS_APP_ID"):
        package(load_settings(data_dir=tmp_path, teams_app_id=""))


def test_the_command_writes_an_uploadable_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TEAMS_APP_ID", APP_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://advocacy.example.com")
    output = tmp_path / "teams.zip"
    assert main(["teams-manifest", "--output", str(output)]) == 0
    with zipfile.ZipFile(io.BytesIO(output.read_bytes())) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(archive.read("manifest.json"))["id"] == APP_ID
    assert "wrote" in capsys.readouterr().out

    monkeypatch.setenv("TEAMS_APP_ID", "")
    assert main(["teams-manifest", "--output", str(tmp_path / "none.zip")]) == 1
    assert "TEAMS_APP_ID must be set" in capsys.readouterr().err
    assert not (tmp_path / "none.zip").exists()
