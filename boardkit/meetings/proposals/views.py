"""Pages for residents' proposals: the list and form per meeting, one proposal, the board's triage."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.db import utcnow
from boardkit.core.errors import (
    Conflict,
    RuleViolation,
    TooLarge,
    UnsupportedType,
    ValidationFailed,
)
from boardkit.core.i18n import _
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.meetings import attachments
from boardkit.meetings.models import Meeting
from boardkit.meetings.proposals import rules as proposal_rules
from boardkit.meetings.proposals import service as proposals
from boardkit.meetings.proposals.service import LinkFn, ProposalEntry

FORM_FIELDS = {"title": "title", "text": "text", "file": "file", "reason": "reason"}  # inputs' ids


def _link(ctx: Ctx) -> LinkFn:
    return lambda proposal_id: ctx.absolute_url("proposal", proposal_id=proposal_id)


def _meeting(ctx: Ctx) -> Meeting:
    ctx.require_login()
    return proposals.get_meeting(ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id"))


def _intake(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    """The deadline and whether this reader may hand in a proposal now."""
    now = utcnow()
    is_open = proposal_rules.is_open(meeting, now=now)
    due = proposal_rules.deadline(meeting)
    upcoming = None if is_open else proposal_rules.next_ordinary_meeting(ctx.db, meeting, now=now)
    return {
        "meeting": meeting,
        "deadline": due,
        "deadline_text": proposal_rules.long_datetime(due),
        "is_open": is_open,
        "closed_message": "" if is_open else proposal_rules.deadline_passed(ctx.db, meeting, now=now).message,
        "next_meeting": upcoming
        if upcoming is not None and proposal_rules.is_open(upcoming, now=now)
        else None,
        "may_propose": proposal_rules.may_propose(ctx.principal, meeting) and meeting.status != "cancelled",
        "may_decide": proposal_rules.may_decide(ctx.principal, meeting),
        "max_files": proposals.MAX_FILES,
        "active_nav": "home",
    }


def _list_context(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    return {**_intake(ctx, meeting), "entries": proposals.list_proposals(ctx.db, meeting=meeting)}


def _refused(ctx: Ctx, template: str, exc: Exception, context: dict[str, Any]) -> Response:
    """Show the form again with what was typed and why it was refused (the transaction rolls back)."""
    if isinstance(exc, ValidationFailed):
        errors = {FORM_FIELDS.get(k, "_" + k): str(v) for k, v in exc.fields.items()}
        return form_errors(ctx, template, errors, **context)
    if isinstance(exc, TooLarge | UnsupportedType):
        return form_errors(ctx, template, {"file": exc.message}, status_code=exc.status, **context)
    assert isinstance(exc, RuleViolation | Conflict)
    return form_errors(ctx, template, {"_form": exc.message}, status_code=exc.status, **context)


@page
def proposals_page(ctx: Ctx) -> Response:
    """GET: the proposals received and (for residents, before the deadline) the form. POST: hand one in."""
    meeting = _meeting(ctx)
    if ctx.request.method == "GET":
        return render(ctx, "meetings/proposals.html", **_list_context(ctx, meeting))
    try:
        proposals.submit_proposal(
            ctx.db,
            principal=ctx.principal,
            meeting=meeting,
            proposer_id=ctx.person_id,
            title=ctx.value("title"),
            text=ctx.value("text"),
            files=ctx.files.get("file", []),
            store=ctx.store,
            link=_link(ctx),
        )
    except (ValidationFailed, TooLarge, UnsupportedType, RuleViolation) as exc:
        return _refused(
            ctx, "meetings/proposals.html", exc, {**_list_context(ctx, meeting), "show_form": True}
        )
    ctx.flash(_("Tak. Vi har modtaget dit forslag, og du får en kvittering på e-mail."))
    return redirect(ctx, "proposals", meeting_id=meeting.id)


def _detail_context(ctx: Ctx, entry: ProposalEntry, meeting: Meeting) -> dict[str, Any]:
    p = entry.proposal
    item = next((i for i in meeting.items if i.proposal_id == p.id), None)
    return {
        **_intake(ctx, meeting),
        "entry": entry,
        "proposal": p,
        "agenda_item": item,
        "may_edit": proposal_rules.may_edit(ctx.principal, meeting, p),
        "may_see_reason": proposal_rules.may_see_reason(ctx.principal, meeting, p),
        "may_decide": proposal_rules.may_decide(ctx.principal, meeting)
        and p.status in proposal_rules.EDITABLE,
        "is_image": attachments.is_image,
    }


def _entry(ctx: Ctx) -> tuple[ProposalEntry, Meeting]:
    ctx.require_login()
    return proposals.get_proposal(ctx.db, principal=ctx.principal, proposal_id=ctx.int_param("proposal_id"))


@page
def proposal_page(ctx: Ctx) -> Response:
    """GET: one proposal. POST: the proposer changes it (until the deadline, before the board decides)."""
    entry, meeting = _entry(ctx)
    context = _detail_context(ctx, entry, meeting)
    if ctx.request.method == "GET":
        return render(ctx, "meetings/proposal.html", **context)
    removed = [int(v) for v in ctx.values("remove_attachment") if v.isdigit() and len(v) < 19]
    try:
        proposals.update_proposal(
            ctx.db,
            principal=ctx.principal,
            proposal=entry.proposal,
            meeting=meeting,
            title=ctx.value("title"),
            text=ctx.value("text"),
            files=ctx.files.get("file", []),
            remove_attachment_ids=removed,
            store=ctx.store,
        )
    except (ValidationFailed, TooLarge, UnsupportedType, RuleViolation) as exc:
        return _refused(ctx, "meetings/proposal.html", exc, {**context, "editing": True})
    ctx.flash(_("Dit forslag er rettet."))
    return redirect(ctx, "proposal", proposal_id=entry.proposal.id)


def _decided(status: str) -> str:
    if status == "accepted":
        return _("Forslaget er sat på dagsordenen under “Indkomne forslag”. Forslagsstilleren får besked.")
    if status == "needs_clarification":
        return _("Forslagsstilleren er bedt om at uddybe forslaget og får besked.")
    return _("Forslaget er afvist. Forslagsstilleren får besked med begrundelsen.")


@page
def proposal_decision(ctx: Ctx) -> Response:
    """The chair or the administration triages a proposal."""
    entry, meeting = _entry(ctx)
    status = ctx.value("status")
    try:
        proposals.decide_proposal(
            ctx.db,
            principal=ctx.principal,
            proposal=entry.proposal,
            status=status,
            reason=ctx.value("reason"),
            link=_link(ctx),
        )
    except (ValidationFailed, RuleViolation, Conflict) as exc:
        return _refused(ctx, "meetings/proposal.html", exc, _detail_context(ctx, entry, meeting))
    ctx.flash(_decided(status))
    return redirect(ctx, "proposal", proposal_id=entry.proposal.id)


@page
def proposal_file(ctx: Ctx) -> Response:
    """An attachment of a proposal, for those who may see the proposal."""
    ctx.require_login()
    attachment = proposals.get_attachment(
        ctx.db,
        principal=ctx.principal,
        proposal_id=ctx.int_param("proposal_id"),
        attachment_id=ctx.int_param("attachment_id"),
    )
    return attachments.attachment_response(ctx, attachment)


routes = [
    Route("/meetings/{meeting_id:id}/proposals", proposals_page, methods=["GET", "POST"], name="proposals"),
    Route("/proposals/{proposal_id:id}", proposal_page, methods=["GET", "POST"], name="proposal"),
    Route(
        "/proposals/{proposal_id:id}/decision", proposal_decision, methods=["POST"], name="proposal_decision"
    ),
    Route(
        "/proposals/{proposal_id:id}/files/{attachment_id:id}",
        proposal_file,
        name="proposal_attachment",
    ),
]
