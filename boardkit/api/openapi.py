"""The OpenAPI 3 description of /api/v1 (kept beside the routes; a test keeps them in step)."""

from __future__ import annotations

from typing import Any

from boardkit import __version__
from boardkit.api import expense_exports_spec as expense_exports
from boardkit.api import expenses_spec as expenses
from boardkit.api import meetings_spec as meetings
from boardkit.api import minutes_spec as minutes
from boardkit.api import proposals_spec as proposals
from boardkit.api.expense_reports import PATHS as EXPENSE_REPORT_PATHS
from boardkit.api.invitations import PATHS as INVITATION_PATHS
from boardkit.api.notifications import PATHS as NOTIFICATION_PATHS
from boardkit.api.packs import PATHS as PACK_PATHS
from boardkit.api.print_batches import PATHS as PRINT_BATCH_PATHS
from boardkit.api.search import PATHS as SEARCH_PATHS

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "not_found"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}

BOARD = {
    "type": "object",
    "required": ["id", "name", "kind", "organisation_id"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["department_board", "organisation_board", "committee"]},
        "role": {
            "type": ["string", "null"],
            "enum": ["chair", "vice_chair", "treasurer", "member", "substitute", None],
        },
        "department_id": {"type": ["integer", "null"]},
        "department_name": {"type": ["string", "null"]},
        "organisation_id": {"type": "integer"},
        "organisation_name": {"type": "string"},
    },
}

ME = {
    "type": "object",
    "required": ["id", "name", "email", "roles", "calendar_feed_url", "boards"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "email": {"type": ["string", "null"]},
        "language": {"type": "string", "enum": ["da", "en"]},
        "preferred_channel": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "calendar_feed_url": {"type": ["string", "null"]},
        "resident_department_ids": {"type": "array", "items": {"type": "integer"}},
        "staff_organisation_ids": {"type": "array", "items": {"type": "integer"}},
        "boards": {"type": "array", "items": {"$ref": "#/components/schemas/Board"}},
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "Malformed request",
        401: "No or invalid token",
        404: "Missing or not yours",
        429: "Rate limited",
    }
    return {
        str(c): {
            "description": text.get(c, "Error"),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for c in codes
    }


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


def spec() -> dict[str, Any]:
    board_list = {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Board"}},
            "next": {"type": ["string", "null"]},
        },
    }
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
            "schemas": {
                "Error": ERROR,
                "Board": BOARD,
                "Me": ME,
                **meetings.SCHEMAS,
                **proposals.SCHEMAS,
                **minutes.SCHEMAS,
            },
        },
        "paths": {
            "/me": {
                "get": {
                    "summary": "Who I am, my roles and my boards",
                    "operationId": "getMe",
                    "responses": {**_ok({"$ref": "#/components/schemas/Me"}), **_errors(401)},
                }
            },
            "/boards": {
                "get": {
                    "summary": "Boards visible to me",
                    "operationId": "listBoards",
                    "responses": {**_ok(board_list), **_errors(401)},
                }
            },
            "/boards/{board_id}": {
                "get": {
                    "summary": "One board with its current members",
                    "operationId": "getBoard",
                    "parameters": [
                        {"name": "board_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "responses": {**_ok({"$ref": "#/components/schemas/Board"}), **_errors(401, 404)},
                }
            },
            **meetings.PATHS,
            **PRINT_BATCH_PATHS,
            **proposals.PATHS,
            **INVITATION_PATHS,
            **PACK_PATHS,
            **NOTIFICATION_PATHS,
            **minutes.PATHS,
            **SEARCH_PATHS,
            **expenses.PATHS,
            **expense_exports.PATHS,
            **EXPENSE_REPORT_PATHS,
        },
    }
