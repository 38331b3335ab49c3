"""The company's name and logo on our pages (`COMPANY_NAME`, `COMPANY_LOGO`).

`COMPANY_LOGO` is either an https URL, which pages use as it is (the CSP allows https
images), or an image file on the server (a relative path is under `DATA_DIR`), served at
`/branding/logo`. The file is read at each request, so replacing it needs no restart,
and it is served only when its first bytes are a PNG, JPEG, GIF, WebP or SVG image and it
is at most `LOGO_MAX_BYTES`; an SVG gets a policy that runs nothing inside it. Without a
logo the pages show the company's initials.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from app.settings import Settings
from app.web.keys import SERVICES

log = logging.getLogger(__name__)
LOGO_ROUTE = "/branding/logo"
LOGO_MAX_BYTES = 512 * 1024
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True)
class Branding:
    name: str
    logo_src: str  # what an <img src> takes; "" = no logo, show `initials`

    @property
    def initials(self) -> str:
        """ "Porte-voix Demo" → "PD": the first letter of the first two words."""
        words = [w for w in self.name.replace("-", " ").split() if w[:1].isalnum()]
        if len(words) > 2:
            words = [words[0], words[-1]]
        return "".join(w[0] for w in words).upper() or self.name[:1].upper()


def branding_of(settings: Settings) -> Branding:
    logo = settings.company_logo
    src = logo if logo.startswith("https://") else (LOGO_ROUTE if logo else "")
    return Branding(settings.company_name, src)


def logo_file(settings: Settings) -> Path | None:
    logo = settings.company_logo
    if not logo or logo.startswith("https://"):
        return None
    path = Path(logo).expanduser()
    return path if path.is_absolute() else settings.data_dir / path


def image_type(head: bytes) -> str | None:
    """The image's media type from its first bytes; None for anything else."""
    for magic, media_type in MAGIC:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "image/svg+xml"
    return None


async def logo(request: web.Request) -> web.Response:
    settings = request.app[SERVICES].settings
    path = logo_file(settings)
    try:
        if path is None or path.stat().st_size > LOGO_MAX_BYTES:
            raise web.HTTPNotFound()
        data = path.read_bytes()
    except OSError as exc:
        log.warning("COMPANY_LOGO %s cannot be read: %s", path, exc.strerror or exc)
        raise web.HTTPNotFound() from None
    media_type = image_type(data[:1024])
    if media_type is None:
        log.warning("COMPANY_LOGO %s is not a PNG, JPEG, GIF, WebP or SVG image", path)
        raise web.HTTPNotFound()
    response = web.Response(body=data, content_type=media_type)
    response.headers["Cache-Control"] = "public, max-age=300"
    if media_type == "image/svg+xml":
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(LOGO_ROUTE, logo)
