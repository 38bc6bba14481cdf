"""OpenAPI description of the minutes and decision endpoints of /api/v1 (boardkit.api.minutes)."""

from __future__ import annotations

from typing import Any

from boardkit.api.meetings_spec import (
    BOOL,
    INT,
    MEETING_ID,
    STR,
    TIME,
    _body_of,
    _errors,
    _json,
    _list,
    _op,
    _ref,
)

NULL_INT = {"type": ["integer", "null"]}
NULL_TIME = {**TIME, "type": ["string", "null"]}
VOTES = {
    "type": ["object", "null"],
    "properties": {"for": INT, "against": INT, "blank": INT},
    "description": "Whole numbers from 0; at department meetings at most 2 per household represented",
}
ITEM = {
    "type": "object",
    "required": ["agenda_item_id", "number", "closed"],
    "properties": {
        "agenda_item_id": INT,
        "number": INT,
        "title": STR,
        "closed": BOOL,
        "redacted": {**BOOL, "description": "A closed item as residents see it: number only"},
        "notes": STR,
        "decision": STR,
        "votes": VOTES,
    },
}
ATTENDANCE = {
    "type": "object",
    "required": ["person_id", "status"],
    "properties": {
        "person_id": INT,
        "name": STR,
        "status": {"type": "string", "enum": ["present", "absent", "excused"]},
    },
}
MINUTES_FIELDS: dict[str, Any] = {
    "meeting_chair": STR,
    "minute_taker": STR,
    "minute_taker_id": NULL_INT,
    "attendance": {"type": "array", "items": ATTENDANCE},
    "residents_present": NULL_INT,
    "households_represented": NULL_INT,
    "items": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["agenda_item_id"],
            "properties": {"agenda_item_id": INT, "notes": STR, "decision": STR, "votes": VOTES},
        },
    },
}
MINUTES_INPUT = {"type": "object", "properties": MINUTES_FIELDS}
SCHEMAS: dict[str, Any] = {
    "Minutes": {
        "type": "object",
        "required": ["meeting_id", "status", "version", "attendance", "items"],
        "properties": {
            **MINUTES_FIELDS,
            "meeting_id": INT,
            "status": {"type": "string", "enum": ["draft", "submitted", "approved", "published"]},
            "version": INT,
            "items": {"type": "array", "items": ITEM},
            "submitted_at": NULL_TIME,
            "approved_at": NULL_TIME,
            "published_at": NULL_TIME,
            "approvals": {
                "type": "array",
                "description": "Board and administration only: whose approval counts, and when given",
                "items": {
                    "type": "object",
                    "properties": {"person_id": INT, "name": STR, "approved_at": NULL_TIME},
                },
            },
            "read": {
                "type": "object",
                "description": "Chair and administration, once published: read receipts of the notice",
                "properties": {
                    k: INT for k in ("households_read", "households_total", "persons_read", "persons_total")
                },
            },
            "url": {"type": "string", "format": "uri"},
            "pdf_url": {"type": "string", "format": "uri"},
        },
    },
    "Decision": {
        "type": "object",
        "required": ["id", "meeting_id", "date", "item_title", "text"],
        "properties": {
            "id": INT,
            "meeting_id": INT,
            "meeting_title": STR,
            "agenda_item_id": NULL_INT,
            "item_number": INT,
            "item_title": STR,
            "department_id": NULL_INT,
            "department_name": {"type": ["string", "null"]},
            "board_id": INT,
            "board_name": STR,
            "date": {"type": "string", "format": "date"},
            "text": STR,
            "closed": BOOL,
            "votes": VOTES,
            "minutes_url": {"type": "string", "format": "uri"},
        },
    },
}
MINUTES = _json(_ref("Minutes"))
PDF = {
    "description": "The minutes as PDF (closed items redacted unless allowed)",
    "content": {"application/pdf": {}},
}
PATHS: dict[str, Any] = {
    "/meetings/{meeting_id}/minutes": {
        "get": _op(
            "The minutes (board, admin; others once published)",
            "getMinutes",
            {"200": MINUTES, **_errors(401, 404)},
            parameters=MEETING_ID,
        ),
        "put": _op(
            "Write the minutes (chair, minute taker, admin); after submission a new version resets approvals",
            "putMinutes",
            {"200": MINUTES, **_errors(400, 401, 403, 404, 409, 422)},
            parameters=MEETING_ID,
            requestBody=_body_of(MINUTES_INPUT),
        ),
    },
    "/meetings/{meeting_id}/minutes/submit": {
        "post": _op(
            "Submit the draft to the board",
            "submitMinutes",
            {"200": MINUTES, **_errors(401, 403, 404, 409)},
            parameters=MEETING_ID,
        )
    },
    "/meetings/{meeting_id}/minutes/approve": {
        "post": _op(
            "Approve the current version (board members; 409 twice, 404 for non-members)",
            "approveMinutes",
            {"200": MINUTES, **_errors(401, 403, 404, 409)},
            parameters=MEETING_ID,
        )
    },
    "/meetings/{meeting_id}/minutes/comments": {
        "post": _op(
            "Comment on the current version (board members)",
            "commentMinutes",
            {
                "201": _json(
                    {
                        "type": "object",
                        "properties": {"id": INT, "version": INT, "text": STR, "created_at": TIME},
                    },
                    "Created",
                ),
                **_errors(400, 401, 404, 409, 422),
            },
            parameters=MEETING_ID,
            requestBody=_body_of({"type": "object", "required": ["text"], "properties": {"text": STR}}),
        )
    },
    "/meetings/{meeting_id}/minutes/publish": {
        "post": _op(
            "Publish approved minutes, notifying residents (chair, admin); else 409 minutes_not_approved",
            "publishMinutes",
            {"200": MINUTES, **_errors(401, 403, 404, 409)},
            parameters=MEETING_ID,
        )
    },
    "/meetings/{meeting_id}/minutes.pdf": {
        "get": _op(
            "The minutes as PDF", "getMinutesPdf", {"200": PDF, **_errors(401, 404)}, parameters=MEETING_ID
        )
    },
    "/decisions": {
        "get": _op(
            "The decision register as I may see it",
            "listDecisions",
            {"200": _json(_list("Decision")), **_errors(400, 401, 422)},
            parameters=[
                {"name": "department_id", "in": "query", "schema": INT},
                {"name": "year", "in": "query", "schema": INT},
                {
                    "name": "q",
                    "in": "query",
                    "schema": STR,
                    "description": "Words in the item title or decision",
                },
            ],
        )
    },
}
