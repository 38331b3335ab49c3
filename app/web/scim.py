"""`/scim/v2`: SCIM 2.0 provisioning (RFC 7644) for the company's identity provider.

Entra ID and Okta create, update and deactivate employees here, authenticated by a SCIM
token (`portevoix scim-token create`), never by an API token. Every answer, errors
included, is `application/scim+json` in SCIM's own shapes (scim2-models serialises
them): an error is `urn:ietf:params:scim:api:messages:2.0:Error` with `status` as a
string and a `scimType`, never the REST API's `{"error": ...}`, a 500 page or a
traceback.

One route per method takes every path under `/scim/v2/` and dispatches here, so an
unknown path or method gets a SCIM 404 or 405 too, not the router's.

Served: `Users` (GET one, GET list with `filter`/`startIndex`/`count`/`attributes`/
`excludedAttributes`, POST, POST `.search`, PUT, PATCH, DELETE), `ServiceProviderConfig`,
`ResourceTypes`, `Schemas`. Not served (404): `Groups` (a department is an attribute
of each user, the enterprise extension's `department`: groups would be a second,
conflicting source for it, and Porte-voix roles are not the directory's to give), `/Bulk`, `/Me`,
sorting, ETags, password changes (ServiceProviderConfig says so).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    Error,
    ETag,
    Filter,
    InvalidSyntaxException,
    ListResponse,
    NotFoundException,
    Patch,
    PatchOp,
    ResourceType,
    ResponseParameters,
    SCIMException,
    ScimProvider,
    SearchRequest,
    ServiceProviderConfig,
    Sort,
    UnauthorizedException,
    User,
)

from app.errors import DomainError
from app.logs import mask_path, request_id
from app.people.scim import PROVIDER_POLICY, UserResource
from app.people.scim_directory import MAX_RESULTS
from app.web.keys import SERVICES

log = logging.getLogger(__name__)

BASE = "/scim/v2"
CONTENT_TYPE = "application/scim+json"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

SERVICE = ScimProvider(
    models=[User, EnterpriseUser],
    resource_types=[ResourceType.from_resource(UserResource)],
    config=ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="SCIM token",
                description="A bearer token made with `portevoix scim-token create`",
                primary=True,
            )
        ],
    ),
)

Handler = Callable[[web.Request, str], Awaitable[web.Response]]


def add_routes(app: web.Application) -> None:
    for method in METHODS:
        app.router.add_route(method, BASE + "/{path:.*}", serve)


async def serve(request: web.Request) -> web.Response:
    try:
        await _authenticate(request)
        handler, argument = _route(request.method, request.match_info["path"])
        with PROVIDER_POLICY:
            return await handler(request, argument)
    except SCIMException as exc:
        return _error(exc.to_error(), www_authenticate=isinstance(exc, UnauthorizedException))
    except ValidationError as exc:
        return _error(Error.from_validation_errors(exc)[0])
    except DomainError as exc:  # the people service's own refusal, in SCIM's words
        status = {"not_found": 404, "conflict": 409, "forbidden": 403, "gone": 404}
        return _error(Error(status=status.get(exc.kind, 400), detail=exc.message))
    except web.HTTPException as exc:  # a body above MAX_BODY_BYTES: 413
        return _error(Error(status=exc.status, detail=exc.reason))
    except Exception:
        log.exception("unhandled SCIM error on %s %s", request.method, mask_path(request.path))
        detail = f"Something went wrong on our side (request {request_id.get()})."
        return _error(Error(status=500, detail=detail))


async def _authenticate(request: web.Request) -> None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthorizedException(detail="Send the SCIM token as `Authorization: Bearer ...`.")
    if await request.app[SERVICES].scim_tokens.authenticate(token.strip()) is None:
        raise UnauthorizedException(
            detail="This SCIM token is unknown or revoked (API tokens do not open /scim/v2)."
        )


def _route(method: str, path: str) -> tuple[Handler, str]:
    parts = path.strip("/").split("/") if path.strip("/") else []
    if len(parts) == 2 and parts[0] == "Users" and parts[1] != ".search":
        table, argument = USER_ROUTES, parts[1]
    else:
        table, argument = ROUTES.get("/".join(parts[:1]), {}), "/".join(parts[1:])
        if parts[:1] == ["Users"] and len(parts) > 1:
            table, argument = SEARCH_ROUTES if parts[1:] == [".search"] else {}, ""
    if not table:
        what = "/".join(parts) or "(nothing)"
        hint = " Porte-voix provisions Users only." if parts[:1] == ["Groups"] else ""
        raise NotFoundException(detail=f"There is no {what} here.{hint}")
    handler = table.get(method)
    if handler is None:
        allowed = ", ".join(sorted(table))
        raise _MethodNotAllowed(detail=f"{method} is not allowed here; use {allowed}.")
    return handler, argument


class _MethodNotAllowed(SCIMException):
    status = 405  # RFC 7644 §3.12 lists 405 without a scimType


# -- Users ---------------------------------------------------------------------------------


async def list_users(request: web.Request, _: str) -> web.Response:
    query = {k: v for k, v in request.query.items() if k != "sortBy"}  # unsorted: by id
    search = SearchRequest[UserResource].model_validate(query, scim_ctx=Context.SEARCH_REQUEST)
    return await _search(request, search)


async def search_users(request: web.Request, _: str) -> web.Response:
    body = await _body(request)
    search = SearchRequest[UserResource].model_validate(body, scim_ctx=Context.SEARCH_REQUEST)
    return await _search(request, search)


async def _search(request: web.Request, search: SearchRequest[UserResource]) -> web.Response:
    start = search.start_index or 1
    count = MAX_RESULTS if search.count is None else search.count
    scim = request.app[SERVICES].scim
    users, total = await scim.search(search.filter, start, count)
    for user in users:
        _locate(request, user)
    page = ListResponse[UserResource](
        total_results=total, start_index=start, items_per_page=len(users), resources=users
    )
    dumped = page.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search)
    return _answer(dumped)


async def get_user(request: web.Request, user_id: str) -> web.Response:
    user = await request.app[SERVICES].scim.get(user_id)
    return _answer(_dump(request, user, Context.RESOURCE_QUERY_RESPONSE, _parameters(request)))


async def create_user(request: web.Request, _: str) -> web.Response:
    body = await _body(request)
    wanted = UserResource.model_validate(body, scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    user = await request.app[SERVICES].scim.create(wanted)
    response = _answer(_dump(request, user, Context.RESOURCE_CREATION_RESPONSE), status=201)
    response.headers["Location"] = str(user.meta.location) if user.meta else ""
    return response


async def replace_user(request: web.Request, user_id: str) -> web.Response:
    body = await _body(request)
    wanted = UserResource.model_validate(body, scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    user = await request.app[SERVICES].scim.replace(user_id, wanted)
    return _answer(_dump(request, user, Context.RESOURCE_REPLACEMENT_RESPONSE))


async def patch_user(request: web.Request, user_id: str) -> web.Response:
    body = await _body(request)
    patch = PatchOp[UserResource].model_validate(body, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
    user = await request.app[SERVICES].scim.patch(user_id, patch)
    return _answer(_dump(request, user, Context.RESOURCE_PATCH_RESPONSE))


async def delete_user(request: web.Request, user_id: str) -> web.Response:
    await request.app[SERVICES].scim.delete(user_id)
    return web.Response(status=204)


# -- discovery (RFC 7644 §4) --------------------------------------------------------------


async def service_provider_config(request: web.Request, _: str) -> web.Response:
    assert SERVICE.config is not None
    return _answer(SERVICE.config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


async def resource_types(request: web.Request, name: str) -> web.Response:
    return _discovered(list(SERVICE.resource_types), name, lambda t: str(t.id))


async def schemas(request: web.Request, urn: str) -> web.Response:
    return _discovered(list(SERVICE.schemas), urn, lambda s: str(s.id))


def _discovered(items: list[Any], wanted: str, key: Callable[[Any], str]) -> web.Response:
    if wanted:
        found = next((i for i in items if key(i).casefold() == wanted.casefold()), None)
        if found is None:
            raise NotFoundException(detail=f"There is no {wanted} here.")
        return _answer(found.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    page = ListResponse[type(items[0])](  # type: ignore[misc, operator]
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return _answer(page.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


USER_ROUTES: dict[str, Handler] = {
    "GET": get_user,
    "PUT": replace_user,
    "PATCH": patch_user,
    "DELETE": delete_user,
}
SEARCH_ROUTES: dict[str, Handler] = {"POST": search_users}
ROUTES: dict[str, dict[str, Handler]] = {
    "Users": {"GET": list_users, "POST": create_user},
    "ServiceProviderConfig": {"GET": service_provider_config},
    "ResourceTypes": {"GET": resource_types},
    "Schemas": {"GET": schemas},
}


# -- the wire ------------------------------------------------------------------------------


async def _body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidSyntaxException(detail=f"The body is not JSON: {exc}") from None


def _parameters(request: web.Request) -> ResponseParameters[UserResource] | None:
    wanted = {k: v for k, v in request.query.items() if k in ("attributes", "excludedAttributes")}
    if not wanted:
        return None
    return ResponseParameters[UserResource].model_validate(wanted)


def _locate(request: web.Request, user: UserResource) -> None:
    if user.meta is not None:
        base = request.app[SERVICES].settings.public_base_url.rstrip("/")
        user.meta.location = f"{base}{BASE}/Users/{user.id}"


def _dump(
    request: web.Request,
    user: UserResource,
    context: Context,
    parameters: ResponseParameters[UserResource] | None = None,
) -> dict[str, Any]:
    _locate(request, user)
    return user.model_dump(scim_ctx=context, response_parameters=parameters)


def _answer(body: dict[str, Any], status: int = 200) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )


def _error(error: Error, *, www_authenticate: bool = False) -> web.Response:
    response = _answer(error.model_dump(), status=int(error.status or 500))
    if www_authenticate:
        response.headers["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response
