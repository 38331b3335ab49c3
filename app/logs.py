"""Logging: plain text for people, one JSON object per line (LOG_FORMAT=json) for machines.

Every line written while a request is handled carries its request id. Credentials that
libraries put in what they log (the Telegram bot token is part of every Bot API URL,
which httpx logs) are masked on the way out, tracebacks included, and so are the
one-time tokens of sign-in and consent links, whether or not a route matched the path.
The access log also masks any path segment that looks like a token (`mask_path`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime

request_id: ContextVar[str] = ContextVar("request_id", default="-")
ACCESS_LOGGER = "portevoix.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
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
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's own access log would repeat ours without the request id.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # At DEBUG these write SQL with its parameters and whole chat updates (invite codes,
    # consent tokens, candidates' e-mails, what people type): never, even at DEBUG.
    for name in ("tortoise.db_client", "aiosqlite", "asyncpg", "telegram", "msrest"):
        logging.getLogger(name).setLevel(logging.INFO)


class AccessLog:
    """One line per answered request, at INFO on `portevoix.access`, as `configure_logging`
    would write it (text or JSON), but not through `logging`: a record, the filter, the
    formatter, the redaction and one write per line cost about 30 µs, a quarter of a
    redirect (docs/architecture.md, "Access log"). Here the line is formatted directly
    (the timestamp's date and time once a second), and the lines of one event-loop turn
    go out in one write. Callers pass a path already masked (`mask_path`).

    When logging was not set up by `configure_logging` (the tests' capture, an embedding
    program), lines go through `logging` like any other."""

    def __init__(self, handler: logging.StreamHandler | None, json_lines: bool) -> None:  # type: ignore[type-arg]
        self.handler = handler
        self.json_lines = json_lines
        self._logger = logging.getLogger(ACCESS_LOGGER)
        self._pending: list[str] = []
        self._second = -1
        self._stamp = ""

    @classmethod
    def configured(cls) -> AccessLog:
        """The access log of the pipeline in place: written directly to the stream of
        `configure_logging`'s handler if that is the pipeline and INFO is on, else
        through `logging`."""
        handlers = logging.getLogger().handlers
        ours = handlers[0] if len(handlers) == 1 else None
        if not isinstance(ours, RedactingHandler):
            return cls(None, False)
        if not logging.getLogger(ACCESS_LOGGER).isEnabledFor(logging.INFO):
            return cls(None, False)
        return cls(ours, isinstance(ours.formatter, JsonFormatter))

    @property
    def enabled(self) -> bool:
        return self.handler is not None or self._logger.isEnabledFor(logging.INFO)

    def line(self, method: str, path: str, status: int, seconds: float, rid: str) -> None:
        ms = round(seconds * 1000, 2)
        if self.handler is None:
            extra = {"method": method, "path": path, "status": status, "duration_ms": ms}
            self._logger.info("%s %s %s %.1fms", method, path, status, ms, extra=extra)
            return
        now = time.time()
        if self.json_lines:
            text = self._json(now, method, path, status, ms, rid)
        else:
            stamp = self._asctime(now)
            text = f"{stamp} INFO {ACCESS_LOGGER} [{rid}] {method} {path} {status} {ms:.1f}ms\n"
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append(text)

    def flush(self) -> None:
        if self.handler is None or not self._pending:
            return
        text = "".join(self._pending)
        self._pending.clear()
        self.handler.acquire()  # other threads may log through the same stream
        try:
            self.handler.stream.write(text)
            self.handler.stream.flush()
        finally:
            self.handler.release()

    def _asctime(self, now: float) -> str:
        second = int(now)
        if second != self._second:  # logging.Formatter's default: local time, then ms
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        return f"{self._stamp},{int((now - second) * 1000):03d}"

    @staticmethod
    def _json(now: float, method: str, path: str, status: int, ms: float, rid: str) -> str:
        entry = {
            "time": datetime.fromtimestamp(now, UTC).isoformat(),
            "level": "info",
            "logger": ACCESS_LOGGER,
            "message": f"{method} {path} {status} {ms:.1f}ms",
            "request_id": rid,
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": ms,
        }
        return json.dumps(entry, ensure_ascii=False) + "\n"
