"""REST API for invitations, RSVPs and the calendar invite (API.md); thin over meetings.service."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.api.json_input import Reader, json_object
from boardkit.core.errors import Forbidden
from boardkit.core.i18n import _
from boardkit.core.permissions import Action
from boardkit.core.web import Ctx, api
from boardkit.meetings import service
from boardkit.meetings.invitations import service as invitations_service
from boardkit.meetings.service import Meeting
from boardkit.org import service as org_service


def _meeting(ctx: Ctx, action: Action = Action.VIEW) -> Meeting:
    return service.get_meeting(
        ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id"), action=action
    )


@api
def send_invitations(ctx: Ctx) -> dict[str, Any]:
    """Send the notice (or resend to those not yet reached) → {queued, paper}."""
    meeting = _meeting(ctx, Action.MANAGE)
    service.load_agenda(ctx.db, meeting)
    sent = invitations_service.send_invitations(
        ctx.db, meeting=meeting, settings=ctx.settings, actor_id=ctx.person_id
    )
    if sent.queued or sent.paper:
        ctx.after_commit.append(ctx.request.app.state.worker.wake)
    return {**sent.as_dict(), "status": meeting.status}


@api
def list_rsvps(ctx: Ctx) -> dict[str, Any]:
    """Counts per answer and who answered what (the board and the administration)."""
    meeting = _meeting(ctx)
    if not service.can_see_rsvps(ctx.principal, service.meeting_resource(meeting)):
        raise Forbidden(_("Kun bestyrelsen og administrationen kan se, hvem der kommer."))
    summary = service.rsvp_summary(ctx.db, meeting=meeting)
    return {"counts": summary.counts, "invited": summary.invited, "items": summary.answers, "next": None}


@api
def answer(ctx: Ctx) -> dict[str, Any]:
    """My answer: ``{"response": "accepted" | "declined" | "tentative"}``."""
    meeting = _meeting(ctx)
    reader = Reader(json_object(ctx))
    response = reader.text("response")
    reader.check()
    service.require_invitee(ctx.db, meeting=meeting, principal=ctx.principal)
    row = service.set_rsvp(ctx.db, meeting=meeting, person_id=ctx.person_id, response=response)
    return {
        "meeting_id": meeting.id,
        "person_id": row.person_id,
        "response": row.response,
        "responded_at": row.responded_at.isoformat(),
    }


@api
def invite_ics(ctx: Ctx) -> Response:
    """The event as an invitee gets it: METHOD:REQUEST (METHOD:CANCEL once cancelled)."""
    meeting = _meeting(ctx)
    service.load_agenda(ctx.db, meeting)
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    body = invitations_service.invite_ics(ctx.db, meeting=meeting, settings=ctx.settings, person=person)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )


routes = [
    Route("/meetings/{meeting_id:id}/invitations", send_invitations, methods=["POST"], name="invitations"),
    Route("/meetings/{meeting_id:id}/rsvps", list_rsvps, name="rsvps"),
    Route("/meetings/{meeting_id:id}/rsvp", answer, methods=["POST"], name="rsvp"),
    Route("/meetings/{meeting_id:id}/invite.ics", invite_ics, name="invite_ics"),
]


# --- OpenAPI ----------------------------------------------------------------------------------


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        401: "No or invalid token",
        403: "Allowed to see, not to do",
        404: "Missing or not yours",
        422: "A rule or a field says no (meeting_cancelled, meeting_over, validation_failed)",
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {str(c): {"description": text.get(c, "Error"), "content": error} for c in codes}


def _ok(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"200": {"description": description, "content": {"application/json": {"schema": schema}}}}


MEETING_ID = [{"name": "meeting_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
RESPONSE = {"type": "string", "enum": ["accepted", "declined", "tentative"]}
INT = {"type": "integer"}
SENT = {
    "type": "object",
    "required": ["queued", "paper"],
    "properties": {
        "queued": {"type": "integer", "description": "e-mails queued now"},
        "paper": {"type": "integer", "description": "letters put in the print batch now"},
        "unreachable": {"type": "integer", "description": "invitees with no e-mail address (board meetings)"},
        "already": {"type": "integer", "description": "invitees who already had this version"},
        "status": {"type": "string"},
    },
}
RSVPS = {
    "type": "object",
    "required": ["counts", "items", "next"],
    "properties": {
        "counts": {
            "type": "object",
            "properties": {"accepted": INT, "declined": INT, "tentative": INT, "no_answer": INT},
        },
        "invited": {"type": "integer", "description": "people invited by e-mail"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "person_id": INT,
                    "name": {"type": "string"},
                    "response": RESPONSE,
                    "responded_at": {"type": "string", "format": "date-time"},
                },
            },
        },
        "next": {"type": ["string", "null"]},
    },
}
ANSWER = {
    "type": "object",
    "properties": {
        "meeting_id": INT,
        "person_id": INT,
        "response": RESPONSE,
        "responded_at": {"type": "string", "format": "date-time"},
    },
}

PATHS: dict[str, Any] = {
    "/meetings/{meeting_id}/invitations": {
        "post": {
            "summary": "Send the invitations, or resend to those not yet reached (chair, admin)",
            "description": "E-mail with an iCalendar invite to every invitee with e-mail; a paper letter "
            "to households without a digital channel. Sending twice never sends twice.",
            "operationId": "sendInvitations",
            "parameters": MEETING_ID,
            "responses": {**_ok(SENT), **_errors(401, 403, 404, 422)},
        }
    },
    "/meetings/{meeting_id}/rsvps": {
        "get": {
            "summary": "Answers to the invitation: counts and names (board, admin)",
            "operationId": "listRsvps",
            "parameters": MEETING_ID,
            "responses": {**_ok(RSVPS), **_errors(401, 403, 404)},
        }
    },
    "/meetings/{meeting_id}/rsvp": {
        "post": {
            "summary": "My answer to the invitation (invitees)",
            "operationId": "answerInvitation",
            "parameters": MEETING_ID,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["response"],
                            "properties": {"response": RESPONSE},
                        }
                    }
                },
            },
            "responses": {**_ok(ANSWER), **_errors(400, 401, 403, 404, 422)},
        }
    },
    "/meetings/{meeting_id}/invite.ics": {
        "get": {
            "summary": "The meeting as an iCalendar invite (readers)",
            "operationId": "getInviteIcs",
            "parameters": MEETING_ID,
            "responses": {
                "200": {"description": "iCalendar (RFC 5545)", "content": {"text/calendar": {}}},
                **_errors(401, 404),
            },
        }
    },
}
