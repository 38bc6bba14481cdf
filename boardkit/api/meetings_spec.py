"""OpenAPI description of the meeting endpoints of /api/v1 (boardkit.api.meetings)."""

from __future__ import annotations

from typing import Any

# --- OpenAPI ---------------------------------------------------------------------------------


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): _json(_ref("Error"), ERROR_TEXT.get(c, "Error")) for c in codes}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _op(summary: str, op_id: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "operationId": op_id, "responses": responses, **extra}


def _body_of(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


ERROR_TEXT = {
    400: "Malformed request",
    401: "No or invalid token",
    403: "Allowed to see, not to do",
    404: "Missing or not yours",
    409: "State conflict",
    413: "File too large",
    415: "Not a file of an allowed type (judged by content)",
    422: "A rule or a field says no (validation_failed, notice_too_short, ...)",
}
STR, BOOL, INT = {"type": "string"}, {"type": "boolean"}, {"type": "integer"}
TIME = {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"}
KINDS = ["board", "ordinary_department", "extraordinary_department", "committee"]
ITEM_KIND = {"type": "string", "enum": ["information", "discussion", "decision"]}
MEETING_FIELDS: dict[str, Any] = {
    "title": STR,
    "kind": {"type": "string", "enum": KINDS},
    "starts_at": TIME,
    "ends_at": TIME,
    "location": STR,
    "room": STR,
    "online_url": STR,
    "description": STR,
    "invite_substitutes": BOOL,
    "override_notice": BOOL,
    "override_reason": STR,
}
ITEM_FIELDS: dict[str, Any] = {
    "title": STR,
    "description": STR,
    "kind": ITEM_KIND,
    "closed": BOOL,
    "person_case": {
        **BOOL,
        "description": "About a person or a complaint: always closed, and left out entirely for residents",
    },
    "presenter": STR,
    "minutes_allotted": {"type": ["integer", "null"]},
    "position": INT,
}
MILESTONE = {
    "type": "object",
    "properties": {
        "due": TIME,
        "date": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["done", "upcoming", "due_today", "overdue"]},
    },
}
SCHEMAS: dict[str, Any] = {
    "Meeting": {
        "type": "object",
        "required": ["id", "board_id", "kind", "title", "starts_at", "ends_at", "status", "sequence", "url"],
        "properties": {
            **{k: v for k, v in MEETING_FIELDS.items() if not k.startswith("override")},
            "id": INT,
            "board_id": INT,
            "board_name": STR,
            "department_id": {"type": ["integer", "null"]},
            "status": {"type": "string", "enum": ["planned", "invited", "held", "cancelled"]},
            "cancel_reason": {"type": ["string", "null"]},
            "invited_at": {**TIME, "type": ["string", "null"]},
            "sequence": INT,
            "uid": STR,
            "url": {"type": "string", "format": "uri"},
        },
    },
    "Attachment": {
        "type": "object",
        "required": ["id", "filename", "content_type", "pages"],
        "properties": {
            "id": INT,
            "filename": STR,
            "content_type": STR,
            "size": INT,
            "pages": {"type": ["integer", "null"]},
            "url": {"type": "string", "format": "uri"},
        },
    },
    "AgendaItem": {
        "type": "object",
        "required": ["id", "meeting_id", "position", "title", "kind", "closed"],
        "properties": {
            **ITEM_FIELDS,
            "kind": {"type": ["string", "null"], "enum": ["information", "discussion", "decision", None]},
            "redacted": {
                **BOOL,
                "description": "A closed item the caller may not read: only its number (position) and "
                "the title “Lukket punkt”; id and kind null, no description, presenter or files",
            },
            "id": {"type": ["integer", "null"]},
            "meeting_id": INT,
            "role": {"type": ["string", "null"]},
            "previous_meeting_id": {"type": ["integer", "null"]},
            "attachments": {"type": "array", "items": _ref("Attachment")},
        },
    },
    "Timeline": {
        "type": "object",
        "required": ["notice_by", "material_due", "minutes_due"],
        "properties": {k: MILESTONE for k in ("notice_by", "proposals_due", "material_due", "minutes_due")},
    },
}


def _list(name: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next"],
        "properties": {"items": {"type": "array", "items": _ref(name)}, "next": {"type": ["string", "null"]}},
    }


MEETING_ID, ITEM_ID = [_id("meeting_id")], [_id("item_id")]
NEW_MEETING = {
    "type": "object",
    "required": ["board_id", "kind", "title", "starts_at", "ends_at"],
    "properties": {"board_id": INT, **MEETING_FIELDS},
}
FILE_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        }
    },
}
FILE = {"description": "The file", "content": {"application/octet-stream": {}}}
PATHS: dict[str, Any] = {
    "/meetings": {
        "get": _op(
            "Meetings I may see",
            "listMeetings",
            {"200": _json(_list("Meeting")), **_errors(400, 401)},
            parameters=[
                {"name": "board_id", "in": "query", "schema": INT},
                {"name": "from", "in": "query", "schema": STR, "description": "YYYY-MM-DD or ISO time"},
                {"name": "to", "in": "query", "schema": STR, "description": "YYYY-MM-DD or ISO time"},
            ],
        ),
        "post": _op(
            "Schedule a meeting (chair, admin)",
            "createMeeting",
            {"201": _json(_ref("Meeting"), "Created"), **_errors(400, 401, 403, 404, 422)},
            requestBody=_body_of(NEW_MEETING),
        ),
    },
    "/meetings/{meeting_id}": {
        "get": _op(
            "One meeting",
            "getMeeting",
            {"200": _json(_ref("Meeting")), **_errors(401, 404)},
            parameters=MEETING_ID,
        ),
        "patch": _op(
            "Change a meeting (chair, admin); a new time or place raises the sequence",
            "updateMeeting",
            {"200": _json(_ref("Meeting")), **_errors(400, 401, 403, 404, 422)},
            parameters=MEETING_ID,
            requestBody=_body_of({"type": "object", "properties": MEETING_FIELDS}),
        ),
    },
    "/meetings/{meeting_id}/cancel": {
        "post": _op(
            "Cancel a meeting (chair, admin)",
            "cancelMeeting",
            {"200": _json(_ref("Meeting")), **_errors(400, 401, 403, 404, 422)},
            parameters=MEETING_ID,
            requestBody=_body_of({"type": "object", "required": ["reason"], "properties": {"reason": STR}}),
        )
    },
    "/meetings/{meeting_id}/timeline": {
        "get": _op(
            "Statutory dates with status",
            "getMeetingTimeline",
            {"200": _json(_ref("Timeline")), **_errors(401, 404)},
            parameters=MEETING_ID,
        )
    },
    "/meetings/{meeting_id}/agenda-items": {
        "get": _op(
            "The agenda as I may see it",
            "listAgendaItems",
            {"200": _json(_list("AgendaItem")), **_errors(401, 404)},
            parameters=MEETING_ID,
        ),
        "post": _op(
            "Add an agenda item (chair, admin)",
            "createAgendaItem",
            {"201": _json(_ref("AgendaItem"), "Created"), **_errors(400, 401, 403, 404, 422)},
            parameters=MEETING_ID,
            requestBody=_body_of({"type": "object", "required": ["title"], "properties": ITEM_FIELDS}),
        ),
    },
    "/agenda-items/{item_id}": {
        "patch": _op(
            "Change or move an agenda item (chair, admin)",
            "updateAgendaItem",
            {"200": _json(_ref("AgendaItem")), **_errors(400, 401, 403, 404, 422)},
            parameters=ITEM_ID,
            requestBody=_body_of({"type": "object", "properties": ITEM_FIELDS}),
        ),
        "delete": _op(
            "Delete an agenda item (chair, admin)",
            "deleteAgendaItem",
            {"204": {"description": "Deleted"}, **_errors(401, 403, 404)},
            parameters=ITEM_ID,
        ),
    },
    "/agenda-items/{item_id}/attachments": {
        "post": _op(
            "Attach a file (chair, admin): PDF and images by content; other files kept as downloads",
            "uploadAttachment",
            {"201": _json(_ref("Attachment"), "Created"), **_errors(401, 403, 404, 413, 415, 422)},
            parameters=ITEM_ID,
            requestBody=FILE_BODY,
        )
    },
    "/attachments/{attachment_id}": {
        "get": _op(
            "The file (readers of its item); PDFs and images inline, others as downloads",
            "getAttachment",
            {"200": FILE, **_errors(401, 404)},
            parameters=[_id("attachment_id"), {"name": "download", "in": "query", "schema": {"enum": ["1"]}}],
        )
    },
}
