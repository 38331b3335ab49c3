"""Errors as the API answers them: `{"error": {"code", "message"}}` with a 4xx status
(built by `app.http.errors`, shared with the channels' webhooks).

The middleware here is the last line: a domain error becomes its status, an aiohttp
HTTP error keeps its status with a JSON body, anything unexpected is logged with its
traceback and answered as a 500 that shows only the request id.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from pydantic import ValidationError

from app.errors import DomainError
from app.http.errors import ApiError, error_response
from app.logs import mask_path, request_id

log = logging.getLogger(__name__)

STATUS_OF_KIND = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403, "gone": 410}
REASONS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
}


def validation_error(exc: ValidationError, where: str) -> ApiError:
    details = [
        {
            "field": ".".join(str(p) for p in error["loc"]),
            "message": str(error["msg"]).removeprefix("Value error, "),
        }
        for error in exc.errors()
    ]
    first = details[0]
    message = f"Invalid {where}: {first['field'] or where}: {first['message']}"
    return ApiError(422, "invalid", message, details)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.details)
    except DomainError as exc:
        return error_response(STATUS_OF_KIND[exc.kind], exc.code, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "text/html":
            raise  # redirects, and pages that render their own HTML
        code = REASONS.get(exc.status, "error")
        return error_response(exc.status, code, _plain_reason(exc))
    except Exception:
        return unexpected_error(request)


def unexpected_error(request: web.BaseRequest) -> web.Response:
    """The answer to an exception nobody expected (call it from its `except`): logged
    with its traceback, answered as a 500 that shows only the request id."""
    log.exception("unhandled error on %s %s", request.method, mask_path(request.path))
    return error_response(
        500, "internal", f"Something went wrong on our side (request {request_id.get()})."
    )


def _plain_reason(exc: web.HTTPException) -> str:
    if exc.status == 413:
        return "The request body is too large."
    if exc.status == 404:
        return "There is nothing at this address."
    if exc.status == 405:
        return "This method is not allowed here."
    return exc.reason
