"""The OpenAPI 3.1 document, generated from the operations registered on an `Api`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, TypeAdapter

from app.http.errors import ErrorBody

if TYPE_CHECKING:
    from app.web.api import Api, Operation

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Unreadable body",
    401: "Missing or invalid API token",
    403: "Not allowed for this role or account",
    404: "Not found",
    409: "Conflicts with existing data",
    410: "Gone",
    413: "Body too large",
    422: "Body or query does not fit the schema",
}


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, shape: Any) -> dict[str, Any]:
        if isinstance(shape, type) and issubclass(shape, BaseModel):
            schema = shape.model_json_schema(ref_template=REF)
            self.components.update(schema.pop("$defs", {}))
            self.components[shape.__name__] = schema
            return {"$ref": REF.format(model=shape.__name__)}
        schema = TypeAdapter(shape).json_schema(ref_template=REF)
        self.components.update(schema.pop("$defs", {}))
        return schema


def build_document(api: Api) -> dict[str, Any]:
    schemas = _Schemas()
    error_ref = schemas.ref(ErrorBody)
    paths: dict[str, dict[str, Any]] = {}
    for op in api.operations:
        paths.setdefault(op.openapi_path, {})[op.method.lower()] = _operation(
            op, schemas, error_ref
        )
    return {
        "openapi": "3.1.0",
        "info": {"title": api.title, "version": api.version},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas.components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(op: Operation, schemas: _Schemas, error_ref: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "operationId": op.handler.__name__,
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": _parameters(op, schemas),
        "responses": {},
    }
    if op.description:
        doc["description"] = op.description
    if op.role is not None:
        doc["security"] = [{"bearer": []}]
        doc["description"] = (doc.get("description", "") + f"\n\nRole: {op.role.value}.").strip()
    body = op.body if op.body is not None else op.body_doc
    if body is not None:
        body_schema = {"type": "string"} if body in (str, bytes) else schemas.ref(body)
        doc["requestBody"] = {"required": True, "content": {op.body_media: {"schema": body_schema}}}
    if op.status == 204:
        doc["responses"]["204"] = {"description": "Done"}
    elif op.response is not None:
        doc["responses"][str(op.status)] = {
            "description": "Success",
            "content": {op.response_media: {"schema": _response_schema(op, schemas)}},
        }
    else:
        doc["responses"][str(op.status)] = {"description": "Success"}
    for status in _error_statuses(op):
        doc["responses"][str(status)] = {
            "description": ERROR_TEXT[status],
            "content": {"application/json": {"schema": error_ref}},
        }
    return doc


def _response_schema(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    if op.response_media != "application/json":
        return {"type": "string"}
    return schemas.ref(op.response)


def _parameters(op: Operation, schemas: _Schemas) -> list[dict[str, Any]]:
    path_schema = {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": dict(path_schema)}
        for name in op.path_params
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        schemas.components.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    for header in op.headers:
        text: dict[str, Any] = {"type": "string", "maxLength": header.max_length}
        if header.pattern:
            text["pattern"] = header.pattern
        params.append(
            {
                "name": header.name,
                "in": "header",
                "required": header.required,
                "description": header.description,
                "schema": text,
            }
        )
    return params


def _error_statuses(op: Operation) -> list[int]:
    statuses = set(op.errors)
    if op.role is not None:
        statuses |= {401, 403}
    if op.body is not None or op.body_doc is not None:
        statuses |= {400, 413, 422}
    if op.query is not None:
        statuses.add(422)
    if op.path_params or _names_a_row(op.query) or _names_a_row(op.body):
        statuses.add(404)
    return sorted(statuses)


def _names_a_row(model: Any) -> bool:
    """A query or body that names a row by id (`employee_id`, `job_id`...) may name one
    that does not exist."""
    fields = getattr(model, "model_fields", {}) if isinstance(model, type) else {}
    return any(name.endswith("_id") for name in fields)
