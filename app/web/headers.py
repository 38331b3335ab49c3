"""Security headers on every answer, in one place (`on_response_prepare`, so error pages,
static files and aiohttp's own 404s get them too).

- Every answer: `X-Content-Type-Options: nosniff`; HSTS when PUBLIC_BASE_URL is https.
- Every HTML page: a Content-Security-Policy that allows only our own scripts and styles
  (no inline script, style block or style attribute: the pages use files under
  `/static` and `/app/static`, and `app.js` sets styles through the CSSOM), images from
  https, and forms posted to ourselves; `Referrer-Policy: same-origin`, so a consent or
  sign-in link in the address bar never reaches another site.
- Framing: the mini app (`/app...`) may be framed only by MINIAPP_FRAME_ANCESTORS
  (Telegram's web clients and the Teams/Microsoft 365 hosts Microsoft lists for tabs);
  every other page (public pages, dashboard, API docs) by nobody
  (`frame-ancestors 'none'` and `X-Frame-Options: DENY`).
"""

from __future__ import annotations

from aiohttp import web

from app.settings import Settings

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors {ancestors}"
)


class SecurityHeaders:
    """The headers, computed once from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.page = PAGE_POLICY.format(ancestors="'none'")
        self.miniapp = PAGE_POLICY.format(ancestors=settings.miniapp_frame_ancestors)
        https = settings.public_base_url.startswith("https://")
        max_age = settings.hsts_max_age_seconds
        self.hsts = f"max-age={max_age}" if https and max_age > 0 else ""

    def for_answer(self, path: str, content_type: str) -> dict[str, str]:
        """The headers an answer of this content type at this path gets (the redirect's
        front door builds them once per status with this)."""
        headers = {"X-Content-Type-Options": "nosniff"}
        if self.hsts:
            headers["Strict-Transport-Security"] = self.hsts
        if content_type != "text/html":
            return headers
        headers["Referrer-Policy"] = "same-origin"
        if path == "/app" or path.startswith("/app/"):
            headers["Content-Security-Policy"] = self.miniapp
        else:
            headers["Content-Security-Policy"] = self.page
            headers["X-Frame-Options"] = "DENY"
        return headers

    async def on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        for name, value in self.for_answer(request.path, response.content_type).items():
            if name == "Referrer-Policy":  # a page may choose its own
                headers.setdefault(name, value)
            else:
                headers[name] = value


def install(app: web.Application, settings: Settings) -> None:
    app.on_response_prepare.append(SecurityHeaders(settings).on_prepare)
