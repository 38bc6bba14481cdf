"""The OpenAPI description of the proposal endpoints (``api/proposals.py``)."""

from __future__ import annotations

from typing import Any

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_ERRORS = {
    "401": {"description": "No or invalid token", **_ERROR},
    "404": {"description": "Missing or not yours (or not a department meeting)", **_ERROR},
}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


PROPOSAL: dict[str, Any] = {
    "type": "object",
    "required": ["id", "meeting_id", "title", "text", "status", "proposer", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "meeting_id": {"type": "integer"},
        "title": {"type": "string", "maxLength": 200},
        "text": {"type": "string", "maxLength": 10000},
        "status": {"type": "string", "enum": ["received", "accepted", "needs_clarification", "rejected"]},
        "reason": {
            "type": ["string", "null"],
            "description": "Shown to the proposer, the board and the administration",
        },
        "proposer": {
            "type": "object",
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "decided_at": {"type": ["string", "null"], "format": "date-time"},
        "agenda_item_id": {"type": ["integer", "null"]},
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "filename": {"type": "string"},
                    "content_type": {
                        "type": "string",
                        "enum": ["application/pdf", "image/jpeg", "image/png"],
                    },
                    "size": {"type": "integer"},
                    "pages": {"type": ["integer", "null"]},
                    "url": {"type": "string"},
                },
            },
        },
        "url": {"type": "string", "description": "The proposal's web page"},
    },
}
_PROPOSAL = {"application/json": {"schema": {"$ref": "#/components/schemas/Proposal"}}}
_INPUT = {
    "type": "object",
    "required": ["title", "text"],
    "properties": {
        "title": {"type": "string", "maxLength": 200},
        "text": {"type": "string", "maxLength": 10000, "description": "Phrased so it can be answered yes/no"},
    },
}
_MULTIPART = {
    "type": "object",
    "required": ["title", "text"],
    "properties": {
        **_INPUT["properties"],  # type: ignore[dict-item]
        "file": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "PDF, JPEG or PNG (by content), at most 20 MB each, 5 in all",
        },
    },
}

PATHS: dict[str, Any] = {
    "/meetings/{meeting_id}/proposals": {
        "get": {
            "summary": "Proposals received for a department meeting (residents of the department, board)",
            "operationId": "listProposals",
            "parameters": [_id("meeting_id")],
            "responses": {
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "items": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Proposal"},
                                    },
                                    "next": {"type": ["string", "null"]},
                                    "proposals_due": {"type": "string", "format": "date-time"},
                                    "open": {"type": "boolean"},
                                    "may_propose": {"type": "boolean"},
                                },
                            }
                        }
                    },
                },
                **_ERRORS,
            },
        },
        "post": {
            "summary": "Hand in a proposal (a current resident of the department, before the deadline)",
            "operationId": "submitProposal",
            "parameters": [_id("meeting_id")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _INPUT},
                    "multipart/form-data": {"schema": _MULTIPART},
                },
            },
            "responses": {
                "201": {
                    "description": "Received; the proposer gets a receipt by e-mail",
                    "content": _PROPOSAL,
                },
                **_ERRORS,
                "403": {"description": "`not_a_resident`", **_ERROR},
                "413": {"description": "`too_large`: a file over 20 MB", **_ERROR},
                "415": {
                    "description": "`unsupported_media_type`: not a PDF, JPEG or PNG by content",
                    **_ERROR,
                },
                "422": {
                    "description": "`validation_failed`, or `deadline_passed` (the message says when "
                    "the next ordinary meeting is; `fields.next_meeting_id`)",
                    **_ERROR,
                },
            },
        },
    },
    "/proposals/{proposal_id}": {
        "get": {
            "summary": "One proposal",
            "operationId": "getProposal",
            "parameters": [_id("proposal_id")],
            "responses": {"200": {"description": "OK", "content": _PROPOSAL}, **_ERRORS},
        }
    },
    "/proposals/{proposal_id}/decision": {
        "post": {
            "summary": "Triage a proposal (chair, administration); the proposer is notified",
            "operationId": "decideProposal",
            "parameters": [_id("proposal_id")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["status"],
                            "properties": {
                                "status": {
                                    "type": "string",
                                    "enum": ["accepted", "rejected", "needs_clarification"],
                                },
                                "reason": {"type": "string", "description": "Required unless accepted"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "Decided; accepted proposals get an agenda item",
                    "content": _PROPOSAL,
                },
                **_ERRORS,
                "403": {"description": "Not the chair or the administration", **_ERROR},
                "409": {"description": "`already_decided`", **_ERROR},
                "422": {"description": "`validation_failed`", **_ERROR},
            },
        }
    },
    "/proposals/{proposal_id}/attachments/{attachment_id}": {
        "get": {
            "summary": "A file attached to a proposal",
            "operationId": "getProposalAttachment",
            "parameters": [_id("proposal_id"), _id("attachment_id")],
            "responses": {"200": {"description": "The file"}, **_ERRORS},
        }
    },
}
SCHEMAS = {"Proposal": PROPOSAL}
