"""Logging: plain text for people, one JSON object per line (LOG_FORMAT=json) for machines.

Every line written while a request is handled carries its request id. Credentials that
libraries put in what they log (the Telegram bot token is part of every Bot API URL,
which httpx logs) are masked on the way out, tracebacks included, and so are the
one-time tokens of sign-in and consent links, whether or not a route matched the path.
The access log also masks any path segment that looks like a token (`mask_path`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str] = ContextVar("request_id", default="-")
BOT_TOKEN_IN_URL = re.compile(r"(/bot|/file/bot)\d+:[A-Za-z0-9_-]+")
# What follows these is a live credential, even with a slash or junk after it.
SECRET_LINK = re.compile(r"(/app/login/|/consent/)[^/\s?#\"'<>]+")
# A run this long of URL-safe characters is a token unless it reads like words
# (`funnel-by-department`): random tokens mix digits or both cases.
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{20,}")


def redact(text: str) -> str:
    return SECRET_LINK.sub(r"\1<token>", BOT_TOKEN_IN_URL.sub(r"\1<redacted>", text))


def mask_path(path: str) -> str:
    """A request path as logs may show it: secret links and token-like segments masked
    (an unmatched route, `/consent/<token>/` or a token pasted anywhere, included)."""
    return TOKEN_LIKE.sub(_token_or_words, redact(path))


def _token_or_words(match: re.Match[str]) -> str:
    text = match.group()
    mixed_case = not text.islower() and not text.isupper()
    return "<token>" if mixed_case or any(c.isdigit() for c in text) else text


class RedactingHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Masks credentials in each formatted line, whatever the formatter."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str, level: str) -> None:
    handler = RedactingHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's own access log would repeat ours without the request id.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # At DEBUG these write SQL with its parameters and whole chat updates (invite codes,
    # consent tokens, candidates' e-mails, what people type): never, even at DEBUG.
    for name in ("tortoise.db_client", "aiosqlite", "asyncpg", "telegram", "msrest"):
        logging.getLogger(name).setLevel(logging.INFO)
