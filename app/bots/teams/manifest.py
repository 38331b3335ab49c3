"""The Teams app package: manifest.json and its two icons, zipped, ready to upload.

`portevoix teams-manifest` writes it. The package declares the bot (personal scope, its
command menu: the employees' menu of the one command registry, app/chat/actions.py, in
English, the manifest's default language; files for CVs), the messaging extension (one
search command, answered by `composeExtension/query`), the personal tab (the mini app
at PUBLIC_BASE_URL/app) and the domains Teams may open. The icons are drawn here (a
white megaphone; on the accent colour for the 192×192 colour icon, on transparency for
the 32×32 outline icon, as Teams requires) with a tiny PNG encoder, so the package
needs no image files.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from app import __version__
from app.chat.actions import command_menu
from app.settings import Settings

SCHEMA = "https://developer.microsoft.com/en-us/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
MANIFEST_VERSION = "1.17"
SEARCH_COMMAND = "searchContent"
ACCENT = (0xE8, 0x50, 0x3A)
MAX_COMMANDS = 10  # Teams shows at most ten commands in a bot's menu

Pixel = tuple[int, int, int, int]


class ManifestError(Exception):
    """The package cannot be built from these settings (one line for the operator)."""


def manifest(settings: Settings) -> dict[str, Any]:
    app_id = settings.teams_app_id
    if not app_id:
        raise ManifestError("TEAMS_APP_ID must be set: it is the bot's Microsoft app id")
    base = settings.public_base_url
    host = urlsplit(base).hostname or ""
    company = settings.company_name
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": __version__,
        "id": app_id,
        "developer": {
            "name": company[:32],
            "websiteUrl": base,
            "privacyUrl": f"{base}/app",
            "termsOfUseUrl": f"{base}/app",
        },
        "name": {"short": "Porte-voix", "full": f"Porte-voix — {company}"[:100]},
        "description": {
            "short": "Share our jobs and news, refer friends, earn points.",
            "full": (
                f"Porte-voix brings {company}'s job offers and news to Teams. Share them "
                "with your own tracked links, refer friends in a few taps, follow your "
                "referrals, and spend the points you earn in the rewards shop. Search jobs "
                "and news from any chat's compose box to insert a card with your link."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal"],
                "supportsFiles": True,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal"],
                        "commands": [
                            {"title": name, "description": text}
                            for name, text in command_menu("en")[:MAX_COMMANDS]
                        ],
                    }
                ],
            }
        ],
        "composeExtensions": [
            {
                "botId": app_id,
                "commands": [
                    {
                        "id": SEARCH_COMMAND,
                        "type": "query",
                        "title": "Jobs and news",
                        "description": "Insert a job or a news post with your own link",
                        "initialRun": True,
                        "parameters": [
                            {
                                "name": "searchQuery",
                                "title": "Search",
                                "description": "A job title, a place, or news words",
                            }
                        ],
                    }
                ],
            }
        ],
        "staticTabs": [
            {
                "entityId": "portevoix-app",
                "name": "Porte-voix",
                "contentUrl": f"{base}/app",
                "websiteUrl": f"{base}/app",
                "scopes": ["personal"],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host] if host else [],
        # The tab's Teams SSO (app/web/teams_sso.py): Entra ID issues the token for this
        # resource, which the server accepts as its audience.
        "webApplicationInfo": {"id": app_id, "resource": f"api://{host}/{app_id}"},
    }


def package(settings: Settings) -> bytes:
    """The zip Teams Admin Center / Developer Portal accepts (files at the root)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(settings), indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def color_icon(size: int = 192) -> bytes:
    background = (*ACCENT, 255)
    return png(
        size, size, lambda x, y: (255, 255, 255, 255) if _megaphone(x, y, size) else background
    )


def outline_icon(size: int = 32) -> bytes:
    return png(
        size, size, lambda x, y: (255, 255, 255, 255) if _megaphone(x, y, size) else (0, 0, 0, 0)
    )


def _megaphone(x: int, y: int, size: int) -> bool:
    """A megaphone pointing right: a handle, then a cone widening to the mouth."""
    u, v = (x + 0.5) / size, (y + 0.5) / size
    middle = 0.5
    if 0.36 <= u <= 0.46 and 0.6 <= v <= 0.8:  # the grip
        return True
    if 0.16 <= u < 0.34:  # the back of the megaphone
        return abs(v - middle) <= 0.1
    if 0.34 <= u <= 0.8:  # the cone
        half = 0.1 + (u - 0.34) * (0.28 / 0.46)
        return abs(v - middle) <= half
    return False


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG (no filter), enough for flat icons."""
    rows = b"".join(
        b"\x00" + bytes(channel for x in range(width) for channel in pixel(x, y))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
