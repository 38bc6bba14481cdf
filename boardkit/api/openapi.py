"""The OpenAPI 3.1 document of /api/v1, generated from the routes and their declared models.

Each endpoint declares itself with :func:`doc` (summary, response model, request model, the
error statuses it may answer); :func:`spec` walks the routes, turns the models into JSON schemas
(``components/schemas``) and writes one operation per route and method.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema
from starlette.convertors import StringConvertor
from starlette.routing import BaseRoute, Route

from boardkit import __version__
from boardkit.api.models.common import Error

F = TypeVar("F", bound=Callable[..., Any])

REF = "#/components/schemas/{model}"
ERROR_TEXT = {
    400: "Malformed request",
    401: "No or invalid token",
    403: "Allowed to see, not to do",
    404: "Missing or not yours",
    409: "State conflict",
    413: "Too large",
    415: "Not a file of an allowed type (judged by content)",
    422: "A rule or a field says no (validation_failed, ...)",
    429: "Rate limited",
    503: "Busy or the data directory cannot be written; try again",
}
#: Every API request may meet these (no token, too many requests, a busy database).
ALWAYS = (401, 429, 503)


@dataclass(frozen=True)
class Query:
    """A query parameter."""

    name: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Op:
    """What an endpoint declares about itself."""

    summary: str
    ok: type[BaseModel] | None = None  # the JSON answer
    status: int = 200
    body: type[BaseModel] | None = None  # the JSON request body
    body_required: bool = True
    errors: tuple[int, ...] = ()
    query: tuple[Query, ...] = ()
    content: str | None = None  # media type of a non-JSON answer (a file)
    upload: bool = False  # multipart/form-data with the file in ``file``
    description: str = ""
    op_id: str = ""  # the operationId; ``{step}`` is the path's last segment (shared endpoints)


def doc(summary: str, **declared: Any) -> Callable[[F], F]:
    """Declare an endpoint for the OpenAPI document (see :class:`Op`)."""

    def mark(endpoint: F) -> F:
        endpoint.openapi = Op(summary, **declared)  # type: ignore[attr-defined]
        return endpoint

    return mark


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _operation(route: Route, method: str, op: Op, schemas: dict[Any, Any]) -> dict[str, Any]:
    def json(schema: Any, description: str) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    path_params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"} if isinstance(conv, StringConvertor) else {"type": "integer"},
        }
        for name, conv in route.param_convertors.items()
    ]
    query = [
        {"name": q.name, "in": "query", "required": q.required, "schema": q.schema}
        | ({"description": q.description} if q.description else {})
        for q in op.query
    ]
    responses: dict[str, Any] = {}
    if op.ok is not None:
        responses[str(op.status)] = json(schemas[(op.ok, "serialization")], "OK")
    elif op.content is not None:
        responses[str(op.status)] = {"description": "The file", "content": {op.content: {}}}
    else:
        responses[str(op.status)] = {"description": "Done"}
    codes = set(op.errors) | set(ALWAYS)
    if op.body is not None or op.upload:
        codes |= {400, 422}
    if path_params:
        codes.add(404)
    error = schemas[(Error, "serialization")]
    responses |= {str(c): json(error, ERROR_TEXT[c]) for c in sorted(codes)}
    operation: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.op_id.format(step=route.path.rsplit("/", 1)[-1])
        if op.op_id
        else _camel(route.name),
        "responses": responses,
    }
    if op.description:
        operation["description"] = op.description
    if path_params or query:
        operation["parameters"] = path_params + query
    content: dict[str, Any] = {}
    if op.body is not None:
        content["application/json"] = {"schema": schemas[(op.body, "validation")]}
    if op.upload:
        binary = {"type": "string", "format": "binary"}
        files = {"type": "array", "items": binary} if op.body is not None else binary
        form: dict[str, Any] = {"type": "object", "properties": {"file": files}}
        if op.body is not None:
            form = {"allOf": [schemas[(op.body, "validation")], form]}
        content["multipart/form-data"] = {"schema": form}
    if content:
        operation["requestBody"] = {"required": op.body_required, "content": content}
    return operation


def declared(routes: Iterable[BaseRoute]) -> list[tuple[Route, str, Op]]:
    """Every (route, method, declaration) of the API; a route without a declaration is an error."""
    found = []
    for route in routes:
        if not isinstance(route, Route) or route.name in ("openapi", "docs"):
            continue
        op = getattr(route.endpoint, "openapi", None)
        if op is None:
            raise LookupError(f"API route {route.name} ({route.path}) declares no OpenAPI operation")
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            found.append((route, method.lower(), op))
    return found


def spec(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The OpenAPI 3.1 document for ``routes`` (mounted at /api/v1)."""
    ops = declared(routes)
    models: set[tuple[type[BaseModel], JsonSchemaMode]] = {(Error, "serialization")}
    for _route, _method, op in ops:
        if op.ok is not None:
            models.add((op.ok, "serialization"))
        if op.body is not None:
            models.add((op.body, "validation"))
    ordered = sorted(models, key=lambda m: (m[0].__name__, m[1]))
    schemas, defs = models_json_schema(ordered, ref_template=REF)
    paths: dict[str, Any] = {}
    for route, method, op in ops:
        path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        paths.setdefault(path, {})[method] = _operation(route, method, op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "boardkit API",
            "version": __version__,
            "description": "Board meetings and resident democracy for Danish social housing. "
            "Authenticate with `Authorization: Bearer <token>` (made with `boardkit token create EMAIL` "
            'or on the profile page). Errors are `{"error": {"code", "message", "fields"}}`.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": defs.get("$defs", {}),
        },
        "paths": paths,
    }
