"""A small registry of REST operations: one declaration routes, validates and documents.

Each operation names its method, path, required role and pydantic models for the query
string, the body and the answer. The same declaration registers the aiohttp route,
validates the request before the handler runs (400 for unreadable JSON, 422 for a body
or query that does not fit, both with a JSON error and nothing written) and produces the
OpenAPI document, so no route can be missing from it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from aiohttp import web
from aiohttp.payload import AsyncIterablePayload
from pydantic import BaseModel, TypeAdapter, ValidationError

from app.http.bodies import parse_json, read_bytes
from app.http.errors import ApiError, ErrorBody
from app.parsing import MAX_INT, whole_number
from app.people.errors import EmployeeHasLeft
from app.people.models import Employee, Role
from app.people.tokens import Principal
from app.web.errors import validation_error
from app.web.keys import SERVICES
from app.web.services import WebServices

Handler = Callable[["Call"], Awaitable[Any]]
PATH_PARAM = re.compile(r"\{(\w+)(?::[^}]+)?\}")
# Ids and numbers are INTEGER columns (`app.parsing.MAX_INT`): a value outside 32 bits
# names no row (404 in a path) and fits no column (422 in a query or body), rather than a
# database error. Nor can PostgreSQL store a NUL character in text or JSON.


@dataclass
class Call:
    """One validated API request, as the handler sees it."""

    request: web.Request
    services: WebServices
    principal: Principal | None
    path: dict[str, Any]
    query: Any
    body: Any

    async def acting_employee(self, requested: int | None) -> Employee:
        """The employee a call acts for: the token's own employee, or, for recruiters and
        admins, the one they name."""
        principal = self.principal
        assert principal is not None, "acting_employee needs an authenticated operation"
        if requested is not None and requested != principal.employee_id:
            self.require_self_or(Role.RECRUITER, requested)
            return await self.services.people.get(requested)
        if principal.employee_id is None:
            raise ApiError(422, "employee_required", "Name the employee: employee_id=<id>.")
        return await self.services.people.get(principal.employee_id)

    def require_self_or(self, role: Role, employee_id: int) -> None:
        """Allow the employee themself, or anyone with at least `role`."""
        principal = self.principal
        if principal is None or not (
            principal.has_role(role) or principal.is_employee(employee_id)
        ):
            raise ApiError(403, "forbidden", "You may only act on your own account.")


@dataclass(frozen=True)
class HeaderParam:
    """A request header an operation reads itself (a signature, an idempotency key):
    documented in OpenAPI, checked by the handler."""

    name: str
    description: str
    required: bool = False
    pattern: str | None = None
    max_length: int = 256


@dataclass
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    role: Role | None
    query: type[BaseModel] | None = None
    # A pydantic model for JSON, `str` for a UTF-8 text body, `bytes` for a file whose
    # encoding the handler finds itself (an HR export may be Windows-1252).
    body: Any = None
    body_media: str = "application/json"
    # Documented as the request body but read by the handler itself (a signed webhook
    # must check the signature over the raw bytes before anything is parsed).
    body_doc: Any = None
    response: Any = None
    status: int = 200
    response_media: str = "application/json"
    errors: tuple[int, ...] = ()
    description: str = ""
    headers: tuple[HeaderParam, ...] = ()

    @property
    def openapi_path(self) -> str:
        return PATH_PARAM.sub(r"{\1}", self.path)

    @property
    def path_params(self) -> list[str]:
        return PATH_PARAM.findall(self.path)


@dataclass
class Api:
    prefix: str
    title: str
    version: str
    operations: list[Operation] = field(default_factory=list)

    def operation(
        self, method: str, path: str, *, summary: str, tag: str, role: Role | None, **options: Any
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.operations.append(
                Operation(method, self.prefix + path, handler, summary, tag, role, **options)
            )
            return handler

        return register

    def add_routes(self, app: web.Application) -> None:
        for op in self.operations:
            app.router.add_route(op.method, op.path, _make_view(op), name=op.handler.__name__)

    def openapi(self) -> dict[str, Any]:
        from app.web.openapi import build_document

        return build_document(self)


def _make_view(op: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def view(request: web.Request) -> web.StreamResponse:
        services = request.app[SERVICES]
        principal = await _authorise(request, services, op.role)
        path = {name: _path_value(request.match_info[name]) for name in op.path_params}
        _check_header_lengths(op, request)
        query = _parse_query(op, request)
        body = await _parse_body(op, request)
        result = await op.handler(Call(request, services, principal, path, query, body))
        return _respond(op, result)

    view.__name__ = op.handler.__name__
    return view


async def _authorise(
    request: web.Request, services: WebServices, role: Role | None
) -> Principal | None:
    if role is None:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "Send an API token: Authorization: Bearer <token>.")
    try:
        principal = await services.tokens.authenticate(token.strip())
    except EmployeeHasLeft as exc:
        raise ApiError(403, exc.code, exc.message) from None
    if principal is None:
        raise ApiError(401, "unauthorized", "This API token is not valid.")
    if not principal.has_role(role):
        raise ApiError(403, "forbidden", f"This needs the {role.value} role.")
    return principal


def _check_header_lengths(op: Operation, request: web.Request) -> None:
    """A declared header longer than documented is refused before the handler runs (its
    presence and content are the handler's to judge: a bad signature is a 401)."""
    for header in op.headers:
        value = request.headers.get(header.name)
        if value is not None and len(value) > header.max_length:
            raise ApiError(
                422,
                "header_too_long",
                f"The {header.name} header has at most {header.max_length} characters.",
            )


def _path_value(raw: str) -> Any:
    """A path parameter: a number if it is all ASCII digits (404 beyond 32 bits), else
    the text (the handler's model says what it accepts)."""
    if raw.isdigit():  # "²" and "٣" too, which are not numbers here
        number = whole_number(raw)
        if number is None:
            raise ApiError(404, "not_found", "There is nothing at this address.")
        return number
    return raw


def _parse_query(op: Operation, request: web.Request) -> Any:
    if op.query is None:
        return None
    return validated(op.query, dict(request.query), "query")


async def _parse_body(op: Operation, request: web.Request) -> Any:
    if op.body is None:
        return None
    limits = request.app[SERVICES].settings
    raw = await read_bytes(request, limits)
    if op.body is bytes:
        return raw
    if op.body is str:
        try:
            return within_range(raw.decode("utf-8"), "body")
        except UnicodeDecodeError:
            raise ApiError(400, "bad_encoding", "The body must be UTF-8 text.") from None
    return validated(op.body, parse_json(raw, limits, empty={}), "body")  # {}: its defaults


M = TypeVar("M", bound=BaseModel)


def validated(model: type[M], data: Any, where: str) -> M:
    """`data` as a `model` (a query's parameters, a JSON body, a form's fields), or a
    422 naming the first field that does not fit: every door of the web layer checks its
    input this one way."""
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, where) from None
    return cast(M, within_range(value, where))


def within_range(value: Any, where: str) -> Any:
    """`value` (a validated query or body), or a 422 naming its first integer beyond
    32 bits or its first text with a NUL character."""
    found = _out_of_range(value, ())
    if found is not None:
        field_name = ".".join(str(part) for part in found[0])
        message = found[1]
        raise ApiError(
            422,
            "invalid",
            f"Invalid {where}: {field_name}: {message}",
            [{"field": field_name, "message": message}],
        )
    return value


def _out_of_range(value: Any, at: tuple[Any, ...]) -> tuple[tuple[Any, ...], str] | None:
    """Where the first value no column can store is in a validated query or body."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and not -MAX_INT - 1 <= value <= MAX_INT:
        return at, f"must be between {-MAX_INT - 1} and {MAX_INT}"
    if isinstance(value, str) and "\x00" in value:
        return at, "must not contain a NUL character"
    items: Any
    if isinstance(value, BaseModel):
        items = ((name, getattr(value, name)) for name in type(value).model_fields)
    elif isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and "\x00" in key:
                return (*at, key.replace("\x00", "\\0")), "must not contain a NUL character"
        items = value.items()
    elif isinstance(value, list | tuple | set | frozenset):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _out_of_range(item, (*at, key))
        if found is not None:
            return found
    return None


def _respond(op: Operation, result: Any) -> web.StreamResponse:
    if isinstance(result, web.StreamResponse):
        return result
    if op.status == 204:
        return web.Response(status=204)
    if isinstance(result, BaseModel):
        text = result.model_dump_json()
    else:
        text = TypeAdapter(Any).dump_json(result).decode()
    return web.Response(text=text, status=op.status, content_type="application/json")


def csv_response(lines: Iterable[str] | AsyncIterable[str], filename: str) -> web.Response:
    """A CSV export (`app.csv_export` lines) the browser saves as `filename`, sent in
    chunks as the lines are produced (an async source is read only as the client takes
    them), never built whole in memory."""
    return web.Response(
        body=AsyncIterablePayload(_chunks(lines), content_type="text/csv; charset=utf-8"),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _chunks(
    lines: Iterable[str] | AsyncIterable[str], size: int = 65_536
) -> AsyncIterator[bytes]:
    chunk: list[str] = []
    length = 0
    async for line in _each(lines):
        chunk.append(line)
        length += len(line)
        if length >= size:
            yield "".join(chunk).encode()
            chunk, length = [], 0
    if chunk:
        yield "".join(chunk).encode()


async def _each(lines: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterable):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


__all__ = ["Api", "ApiError", "Call", "ErrorBody", "Operation"]
