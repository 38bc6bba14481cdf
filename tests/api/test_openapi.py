"""The generated OpenAPI document: valid OpenAPI 3.1, and the check of every answer can fail."""

from __future__ import annotations

import json

from openapi_spec_validator import validate
from starlette.testclient import TestClient

from boardkit.core.db import Database
from tests.api import schema_check
from tests.helpers import api_token

CHAIR = "formand@demo.boardkit.dk"


def test_the_served_document_is_valid_openapi(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert spec == schema_check.document()


def test_the_drift_named_in_issue_13_is_declared(client: TestClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "members" in schemas["BoardDetail"]["properties"]
    assert "members" in schemas["BoardDetail"]["required"]
    assert "kind" in schemas["MinutesItem"]["properties"]


def _problems(path: str, body: object, status: int = 200, method: str = "GET") -> list[str]:
    return schema_check.problems(method, path, status, "application/json", json.dumps(body).encode())


def test_an_answer_that_does_not_match_the_document_is_caught(client: TestClient, demo: Database) -> None:
    r = client.get("/api/v1/boards", headers=api_token(demo, CHAIR))
    board = r.json()["items"][0]
    assert _problems("/api/v1/boards", r.json()) == []
    # a field served but not declared (the drift of issue 13)
    found = _problems("/api/v1/boards", {"items": [{**board, "secret": 1}], "next": None})
    assert found and "secret" in found[0]
    # a declared field missing, a wrong type, a value outside its enum
    assert _problems(
        "/api/v1/boards", {"items": [{k: v for k, v in board.items() if k != "name"}], "next": None}
    )
    assert _problems("/api/v1/boards", {"items": [{**board, "id": "7"}], "next": None})
    assert _problems("/api/v1/boards", {"items": [{**board, "kind": "club"}], "next": None})
    # a status the operation does not declare, and a file where JSON is declared
    assert _problems("/api/v1/boards", {"items": [], "next": None}, status=201)
    assert schema_check.problems("GET", "/api/v1/boards", 200, "application/pdf", b"%PDF")
    # the error shape
    assert (
        _problems("/api/v1/boards/1", {"error": {"code": "not_found", "message": "Ikke fundet"}}, 404) == []
    )
    assert _problems("/api/v1/boards/1", {"error": {"message": "Ikke fundet"}}, 404)
    # not an API call, or no such operation: nothing to say
    assert _problems("/meetings", {"anything": 1}) == []
    assert _problems("/api/v1/no-such-thing", {"anything": 1}) == []


def test_every_operation_has_its_own_id(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert {"getMe", "listMeetings", "cancelMeeting", "putMinutes", "submitExpenseClaim"} <= set(ids)


def test_an_undeclared_key_is_left_out_of_an_answer_not_a_500() -> None:
    """A key a service adds without declaring it never reaches the client, nor breaks the request;
    the document still promises no other keys (the schema check holds served answers to that)."""
    from boardkit.api.models.common import Out

    class Answer(Out):
        a: int

    assert Answer.model_validate({"a": 1, "b": 2}).model_dump() == {"a": 1}
    assert Answer.model_json_schema()["additionalProperties"] is False
