"""REST API for residents' proposals (API.md): list and hand in, read one, the board's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.meetings import service
from boardkit.meetings.proposals import service as proposals_service
from boardkit.meetings.service import Meeting


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _text_fields(ctx: Ctx, *names: str) -> dict[str, str]:
    """Text fields from a JSON object or a multipart form; a wrong type is a field error."""
    if ctx.form or ctx.files:
        return {name: ctx.value(name) for name in names}
    if not isinstance(ctx.body, dict):
        raise AppError(_("Send et JSON-objekt."), code="malformed_json")
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in names:
        value = ctx.body.get(name)
        if value is not None and not isinstance(value, str):
            errors[name] = _("Skal være en tekst.")
        values[name] = value or ""
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    return values


def proposal_json(ctx: Ctx, entry: proposals_service.ProposalEntry, meeting: Meeting) -> dict[str, Any]:
    p = entry.proposal
    reason_visible = proposals_service.may_see_reason(ctx.principal, meeting, p)
    return {
        "id": p.id,
        "meeting_id": p.meeting_id,
        "title": p.title,
        "text": p.text,
        "status": p.status,
        "reason": (p.reason or None) if reason_visible else None,
        "proposer": {"id": p.proposer_id, "name": entry.proposer_name},
        "created_at": _iso(p.created_at),
        "updated_at": _iso(p.updated_at),
        "decided_at": _iso(p.decided_at),
        "agenda_item_id": next((i.id for i in meeting.items if i.proposal_id == p.id), None),
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "pages": a.pages,
                "url": ctx.url("api:proposal_attachment", proposal_id=p.id, attachment_id=a.id),
            }
            for a in entry.attachments
        ],
        "url": ctx.absolute_url("proposal", proposal_id=p.id),
    }


def _meeting(ctx: Ctx) -> Meeting:
    meeting = service.get_meeting(ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id"))
    if proposals_service.department_of(meeting) is None:
        raise NotFound()
    return meeting


@api
def list_proposals(ctx: Ctx) -> dict[str, Any]:
    """The proposals received for a department meeting, with the deadline."""
    meeting = _meeting(ctx)
    rules = proposals_service
    entries = proposals_service.list_proposals(ctx.db, meeting=meeting)
    return {
        "items": [proposal_json(ctx, e, meeting) for e in entries],
        "next": None,
        "proposals_due": _iso(rules.deadline(meeting)),
        "open": rules.is_open(meeting),
        "may_propose": rules.may_propose(ctx.principal, meeting),
    }


@api
def submit_proposal(ctx: Ctx) -> Response:
    """A resident hands in a proposal (JSON, or multipart with ``file`` attachments)."""
    meeting = _meeting(ctx)
    fields = _text_fields(ctx, "title", "text")
    proposal = proposals_service.submit_proposal(
        ctx.db,
        principal=ctx.principal,
        meeting=meeting,
        proposer_id=ctx.person_id,
        title=fields["title"],
        text=fields["text"],
        files=ctx.files.get("file", []),
        store=FileStore(ctx.settings.files_dir),
        link=lambda pid: ctx.absolute_url("proposal", proposal_id=pid),
    )
    entry, meeting = proposals_service.get_proposal(ctx.db, principal=ctx.principal, proposal_id=proposal.id)
    return JSONResponse(proposal_json(ctx, entry, meeting), status_code=201)


@api
def get_proposal(ctx: Ctx) -> dict[str, Any]:
    entry, meeting = proposals_service.get_proposal(
        ctx.db, principal=ctx.principal, proposal_id=ctx.int_param("proposal_id")
    )
    return proposal_json(ctx, entry, meeting)


@api
def decide_proposal(ctx: Ctx) -> dict[str, Any]:
    """The chair or the administration: accepted (onto the agenda), needs_clarification or rejected."""
    entry, meeting = proposals_service.get_proposal(
        ctx.db, principal=ctx.principal, proposal_id=ctx.int_param("proposal_id")
    )
    fields = _text_fields(ctx, "status", "reason")
    proposals_service.decide_proposal(
        ctx.db,
        principal=ctx.principal,
        proposal=entry.proposal,
        status=fields["status"],
        reason=fields["reason"],
        link=lambda pid: ctx.absolute_url("proposal", proposal_id=pid),
    )
    ctx.db.refresh(meeting, ["items"])
    return proposal_json(ctx, entry, meeting)


@api
def proposal_attachment(ctx: Ctx) -> Response:
    attachment = proposals_service.get_attachment(
        ctx.db,
        principal=ctx.principal,
        proposal_id=ctx.int_param("proposal_id"),
        attachment_id=ctx.int_param("attachment_id"),
    )
    download = ctx.request.query_params.get("download") == "1"
    served = service.serve_attachment(
        ctx.db, FileStore(ctx.settings.files_dir), attachment, download=download
    )
    return Response(served.data, media_type=served.media_type, headers=served.headers)


routes = [
    Route("/meetings/{meeting_id:id}/proposals", list_proposals, methods=["GET"], name="proposals"),
    Route("/meetings/{meeting_id:id}/proposals", submit_proposal, methods=["POST"], name="proposal_create"),
    Route("/proposals/{proposal_id:id}", get_proposal, methods=["GET"], name="proposal"),
    Route(
        "/proposals/{proposal_id:id}/decision", decide_proposal, methods=["POST"], name="proposal_decision"
    ),
    Route(
        "/proposals/{proposal_id:id}/attachments/{attachment_id:id}",
        proposal_attachment,
        name="proposal_attachment",
    ),
]
