"""REST API for residents' proposals (API.md): list and hand in, read one, the board's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import proposals as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import B, parse, validate
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.meetings import service
from boardkit.meetings.proposals import service as proposals_service
from boardkit.meetings.service import Meeting


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _form_or_json(ctx: Ctx, model: type[B]) -> B:
    """The body from a JSON object or a multipart/urlencoded form; a wrong type is a field error."""
    if ctx.form or ctx.files:
        return validate(model, {name: ctx.value(name) for name in model.model_fields})
    return parse(ctx, model)


def proposal_json(ctx: Ctx, entry: proposals_service.ProposalEntry, meeting: Meeting) -> dict[str, Any]:
    p = entry.proposal
    reason_visible = proposals_service.may_see_reason(ctx.principal, meeting, p)
    proposal = m.Proposal(
        id=p.id,
        meeting_id=p.meeting_id,
        title=p.title,
        text=p.text,
        status=p.status,
        reason=(p.reason or None) if reason_visible else None,
        proposer=m.Proposer(id=p.proposer_id, name=entry.proposer_name),
        created_at=_iso(p.created_at),
        updated_at=_iso(p.updated_at),
        decided_at=_iso(p.decided_at),
        agenda_item_id=next((i.id for i in meeting.items if i.proposal_id == p.id), None),
        attachments=[
            m.ProposalAttachment(
                id=a.id,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                pages=a.pages,
                url=ctx.url("api:proposal_attachment", proposal_id=p.id, attachment_id=a.id),
            )
            for a in entry.attachments
        ],
        url=ctx.absolute_url("proposal", proposal_id=p.id),
    )
    return out(proposal)


def _meeting(ctx: Ctx) -> Meeting:
    return proposals_service.get_meeting(
        ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id")
    )


@doc(
    "Proposals received for a department meeting, with the deadline", ok=m.ProposalList, op_id="listProposals"
)
@api
def list_proposals(ctx: Ctx) -> dict[str, Any]:
    """The proposals received for a department meeting, with the deadline."""
    meeting = _meeting(ctx)
    rules = proposals_service
    entries = proposals_service.list_proposals(ctx.db, meeting=meeting)
    listed = m.ProposalList(
        items=[proposal_json(ctx, e, meeting) for e in entries],
        next=None,
        proposals_due=_iso(rules.deadline(meeting)),
        open=rules.is_open(meeting),
        may_propose=rules.may_propose(ctx.principal, meeting),
    )
    return out(listed)


@doc(
    "Hand in a proposal (a current resident of the department, before the deadline)",
    ok=m.Proposal,
    status=201,
    body=m.ProposalBody,
    upload=True,
    errors=(403, 413, 415),
    op_id="submitProposal",
    description="JSON, or multipart/form-data with `file` attachments (PDF, JPEG or PNG by content, "
    "at most 20 MB each, 5 in all). 422 `deadline_passed` after the deadline.",
)
@api
def submit_proposal(ctx: Ctx) -> Response:
    """A resident hands in a proposal (JSON, or multipart with ``file`` attachments)."""
    meeting = _meeting(ctx)
    body = _form_or_json(ctx, m.ProposalBody)
    proposal = proposals_service.submit_proposal(
        ctx.db,
        principal=ctx.principal,
        meeting=meeting,
        proposer_id=ctx.person_id,
        title=body.title,
        text=body.text,
        files=ctx.files.get("file", []),
        store=ctx.store,
        link=lambda pid: ctx.absolute_url("proposal", proposal_id=pid),
    )
    entry, meeting = proposals_service.get_proposal(ctx.db, principal=ctx.principal, proposal_id=proposal.id)
    return JSONResponse(proposal_json(ctx, entry, meeting), status_code=201)


@doc("One proposal", ok=m.Proposal, op_id="getProposal")
@api
def get_proposal(ctx: Ctx) -> dict[str, Any]:
    entry, meeting = proposals_service.get_proposal(
        ctx.db, principal=ctx.principal, proposal_id=ctx.int_param("proposal_id")
    )
    return proposal_json(ctx, entry, meeting)


@doc(
    "The board's decision (chair, admin): accepted puts it on the agenda",
    ok=m.Proposal,
    body=m.DecisionBody,
    errors=(403, 409),
    op_id="decideProposal",
)
@api
def decide_proposal(ctx: Ctx) -> dict[str, Any]:
    """The chair or the administration: accepted (onto the agenda), needs_clarification or rejected."""
    entry, meeting = proposals_service.get_proposal(
        ctx.db, principal=ctx.principal, proposal_id=ctx.int_param("proposal_id")
    )
    decision = _form_or_json(ctx, m.DecisionBody)
    proposals_service.decide_proposal(
        ctx.db,
        principal=ctx.principal,
        proposal=entry.proposal,
        status=decision.status,
        reason=decision.reason,
        link=lambda pid: ctx.absolute_url("proposal", proposal_id=pid),
    )
    ctx.db.refresh(meeting, ["items"])
    return proposal_json(ctx, entry, meeting)


@doc(
    "A file handed in with a proposal",
    content="application/octet-stream",
    query=(Query("download", {"enum": ["1"]}),),
    op_id="getProposalAttachment",
)
@api
def proposal_attachment(ctx: Ctx) -> Response:
    attachment = proposals_service.get_attachment(
        ctx.db,
        principal=ctx.principal,
        proposal_id=ctx.int_param("proposal_id"),
        attachment_id=ctx.int_param("attachment_id"),
    )
    return service.attachment_response(ctx, attachment)


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
