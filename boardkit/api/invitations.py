"""REST API for invitations, RSVPs and the calendar invite (API.md); thin over meetings.service."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.api.models import meetings as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse
from boardkit.core.permissions import Action
from boardkit.core.web import Ctx, api, file_response
from boardkit.meetings import service
from boardkit.meetings.invitations import service as invitations_service
from boardkit.org import service as org_service


@doc(
    "Send the invitations, or resend to those not yet reached (chair, admin)",
    ok=m.Sent,
    errors=(403, 422),
    op_id="sendInvitations",
    description="E-mail with an iCalendar invite to every invitee with e-mail; a paper letter "
    "to households without a digital channel. Sending twice never sends twice.",
)
@api
def send_invitations(ctx: Ctx) -> dict[str, Any]:
    """Send the notice (or resend to those not yet reached) → {queued, paper}."""
    meeting = service.meeting_for(ctx, Action.MANAGE)
    sent = invitations_service.send_invitations(
        ctx.db, meeting=meeting, settings=ctx.settings, actor_id=ctx.person_id
    )
    return out(m.Sent(**sent.as_dict(), status=meeting.status))


@doc(
    "Answers to the invitation: counts and names (board, admin)", ok=m.Rsvps, errors=(403,), op_id="listRsvps"
)
@api
def list_rsvps(ctx: Ctx) -> dict[str, Any]:
    """Counts per answer and who answered what (the board and the administration)."""
    meeting = service.meeting_for(ctx)
    summary = service.rsvps_for(ctx.db, principal=ctx.principal, meeting=meeting)
    rsvps = m.Rsvps.model_validate(
        {"counts": summary.counts, "invited": summary.invited, "items": summary.answers, "next": None}
    )
    return out(rsvps)


@doc(
    "My answer to the invitation (invitees)",
    ok=m.RsvpAnswer,
    body=m.RsvpBody,
    errors=(403,),
    op_id="answerInvitation",
)
@api
def answer(ctx: Ctx) -> dict[str, Any]:
    """My answer: ``{"response": "accepted" | "declined" | "tentative"}``."""
    meeting = service.meeting_for(ctx)
    response = parse(ctx, m.RsvpBody).response
    row = service.answer_rsvp(ctx.db, meeting=meeting, principal=ctx.principal, response=response)
    answered = m.RsvpAnswer(
        meeting_id=meeting.id,
        person_id=row.person_id,
        response=row.response,
        responded_at=row.responded_at.isoformat(),
    )
    return out(answered)


@doc("The meeting as an iCalendar invite (readers)", content="text/calendar", op_id="getInviteIcs")
@api
def invite_ics(ctx: Ctx) -> Response:
    """The event as an invitee gets it: METHOD:REQUEST (METHOD:CANCEL once cancelled)."""
    meeting = service.meeting_for(ctx)
    service.load_agenda(ctx.db, meeting)
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    body = invitations_service.invite_ics(ctx.db, meeting=meeting, settings=ctx.settings, person=person)
    return file_response(body.encode(), "text/calendar; charset=utf-8", f"meeting-{meeting.id}.ics")


routes = [
    Route("/meetings/{meeting_id:id}/invitations", send_invitations, methods=["POST"], name="invitations"),
    Route("/meetings/{meeting_id:id}/rsvps", list_rsvps, name="rsvps"),
    Route("/meetings/{meeting_id:id}/rsvp", answer, methods=["POST"], name="rsvp"),
    Route("/meetings/{meeting_id:id}/invite.ics", invite_ics, name="invite_ics"),
]
