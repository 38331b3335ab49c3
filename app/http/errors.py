"""The one JSON error answer: `{"error": {"code", "message"[, "details"]}}` with a 4xx
or 5xx status. Raise `ApiError` from a handler (the web layer's middleware answers it),
or return `error_response(...)` where no middleware stands in between."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]] | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class ApiError(Exception):
    """A request refused with a status and a JSON error (nothing was written)."""

    def __init__(
        self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def error_response(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> web.Response:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, details=details))
    return web.Response(
        text=body.model_dump_json(exclude_none=True),
        status=status,
        content_type="application/json",
    )
