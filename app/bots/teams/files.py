"""Files people send the Teams bot (a CV), fetched only from Microsoft's file hosts.

Teams stores a file sent to a bot in a personal chat in the sender's OneDrive for
Business and gives the bot an `application/vnd.microsoft.teams.file.download.info`
attachment whose `content.downloadUrl` (a pre-authenticated SharePoint URL, e.g.
`https://contoso-my.sharepoint.com/personal/.../download.aspx?...`) the bot may GET
without a token. That URL arrives inside an activity: it is someone's input, not a
place we trust. So the download is lazy (`Upload.open`, run only when the conversation
core takes the file: a linked employee at the CV step of a referral), goes only to an
origin of `TEAMS_FILE_ORIGINS` (default `https://*.sharepoint.com` and
`https://*.sharepoint.us`), checks every redirect the same way, and reads at most
`CV_MAX_BYTES` + 1 bytes (the CV store refuses anything above the limit).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import aiohttp
from yarl import URL

from app.chat.replies import Upload, UploadUnavailable
from app.referrals.cv import too_large
from app.settings import Settings

log = logging.getLogger("app.bots.teams")  # one logger name for the whole channel

FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
MAX_REDIRECTS = 3
REDIRECTS = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


def allowed(url: URL, origins: str) -> bool:
    """Is `url` on one of `origins` ("https://*.sharepoint.com,https://host:port")? A
    `*.` pattern matches subdomains only; scheme and port must match exactly."""
    if not url.is_absolute() or url.user is not None or not url.host:
        return False
    host = url.host.lower().rstrip(".")
    for entry in origins.split(","):
        origin = URL(entry.strip())
        pattern = (origin.host or "").lower()
        if not pattern or origin.scheme != url.scheme or origin.port != url.port:
            continue
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def upload_of(attachments: list[Any] | None, settings: Settings) -> Upload | None:
    """The file an activity carries, to be fetched if and when the core takes it."""
    for attachment in attachments or []:
        content = attachment.content if isinstance(attachment.content, dict) else {}
        url = content.get("downloadUrl")
        if attachment.content_type != FILE_INFO or not isinstance(url, str):
            continue
        fetch = partial(_fetch, url, settings.teams_file_origins, settings.cv_max_bytes)
        return Upload(str(attachment.name or "cv")[:200], fetch)
    return None


async def _fetch(url: str, origins: str, max_bytes: int) -> AsyncIterator[bytes]:
    try:
        target = URL(url)
    except ValueError:
        raise UploadUnavailable() from None
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for _hop in range(MAX_REDIRECTS + 1):
            if not allowed(target, origins):
                log.warning("teams: no file fetched from %s (not an allowed origin)", target.host)
                raise UploadUnavailable()
            try:
                async with session.get(target, allow_redirects=False) as response:
                    location = response.headers.get("Location")
                    if response.status in REDIRECTS and location:
                        target = target.join(URL(location))
                        continue
                    if response.status != 200:
                        log.info("teams: file download answered %s", response.status)
                        raise UploadUnavailable()
                    if (response.content_length or 0) > max_bytes:
                        raise too_large(max_bytes)
                    received = 0
                    async for chunk in response.content.iter_chunked(CHUNK):
                        received += len(chunk)
                        yield chunk
                        if received > max_bytes:
                            return  # the store refuses it; read no further
                    return
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.info("teams: file download failed: %r", exc)
                raise UploadUnavailable() from None
    log.info("teams: file download redirected more than %s times", MAX_REDIRECTS)
    raise UploadUnavailable()
