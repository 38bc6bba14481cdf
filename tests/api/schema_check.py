"""Every /api/v1 answer made anywhere in the test suite is checked against the served OpenAPI document.

``api_schema_check`` (autouse, imported by tests/conftest.py) wraps the test client's ``request``: an answer
whose status the operation does not declare, or whose JSON body does not match the declared schema
(response models forbid undeclared fields), fails the test. This is what catches drift between
the code and the document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from httpx2 import Client
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

PREFIX = "/api/v1"
SKIP = {"/api/v1/openapi.json", "/api/v1/docs"}
DOC = "urn:boardkit:openapi"


@cache
def document() -> dict[str, Any]:
    from boardkit.api.views import openapi

    return openapi()


@cache
def _registry() -> Registry:
    return Registry().with_resource(
        DOC, Resource.from_contents(document(), default_specification=DRAFT202012)
    )


@cache
def _operations() -> list[tuple[re.Pattern[str], str, str]]:
    """(path regex, method, JSON pointer of the operation), the most literal templates first."""
    found = []
    for template, item in document()["paths"].items():
        for method, operation in item.items():
            types = {p["name"]: p["schema"].get("type") for p in operation.get("parameters", [])}

            def param(m: re.Match[str], types: dict[str, Any] = types) -> str:
                return r"\d+" if types.get(m.group(1)) == "integer" else r"[^/]+"

            pattern = re.sub(r"\\{(\w+)\\}", param, re.escape(template))
            pointer = "/paths/" + template.replace("~", "~0").replace("/", "~1") + "/" + method
            found.append((re.compile(f"^{re.escape(PREFIX)}{pattern}$"), method, pointer))
    return sorted(found, key=lambda f: -len(f[0].pattern.replace(r"\d+", "").replace("[^/]+", "")))


def _resolve(pointer: str) -> Any:
    node: Any = document()
    for part in pointer.strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def problems(method: str, path: str, status: int, content_type: str, body: bytes) -> list[str]:
    """What is wrong with this answer by the document (empty when it matches or is not an API call)."""
    if not path.startswith(PREFIX + "/") or path in SKIP or method.upper() == "HEAD":
        return []
    match = next(((m, p) for rx, m, p in _operations() if m == method.lower() and rx.match(path)), None)
    if match is None:
        return []  # no such operation: the router answers 404/405 itself
    pointer = match[1]
    responses = _resolve(pointer)["responses"]
    if str(status) not in responses:
        return [f"{method} {path}: status {status} is not declared (declared: {', '.join(responses)})"]
    declared = responses[str(status)].get("content", {})
    is_json = content_type.split(";")[0].strip() == "application/json"
    if "application/json" not in declared:
        if is_json and declared:
            return [f"{method} {path}: JSON answer where {', '.join(declared)} is declared"]
        return []
    if not is_json:
        return [f"{method} {path}: {content_type or 'no'} answer where JSON is declared ({status})"]
    escaped = str(status)
    ref = f"{DOC}#{pointer}/responses/{escaped}/content/application~1json/schema"
    validator = Draft202012Validator({"$ref": ref}, registry=_registry())
    errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.absolute_path))
    return [
        f"{method} {path} ({status}): at {'/'.join(map(str, e.absolute_path)) or '.'}: {e.message}"
        for e in errors
    ]


def check(response: Any) -> list[str]:
    request = response.request
    return problems(
        request.method,
        request.url.path,
        response.status_code,
        response.headers.get("content-type", ""),
        response.content,
    )


@pytest.fixture(autouse=True)
def api_schema_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail the test when an /api/v1 answer does not match the served OpenAPI document."""
    original = Client.request  # TestClient.get, .post ... all end here

    def request(self: Client, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        if found := check(response):
            pytest.fail("API answer does not match the OpenAPI document:\n" + "\n".join(found[:10]))
        return response

    monkeypatch.setattr(Client, "request", request)
    yield
