"""REST API for minutes and the decision register (API.md); thin over meetings.service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import minutes as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import parse
from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.meetings import service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.service import Meeting


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _existing(ctx: Ctx) -> tuple[Meeting, Any]:
    return minutes_service.existing_minutes(
        ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id")
    )


def minutes_json(ctx: Ctx, meeting: Meeting, minutes: Any) -> dict[str, Any]:
    content = minutes_service.content_for(ctx.principal, meeting, minutes.content)
    written = m.Minutes(
        meeting_id=meeting.id,
        status=minutes.status,
        version=minutes.version,
        meeting_chair=content.get("meeting_chair"),
        minute_taker=content.get("minute_taker"),
        minute_taker_id=content.get("minute_taker_id"),
        attendance=[
            m.Attendance(person_id=a["person_id"], name=a["name"], status=a["status"])
            for a in content.get("attendance", [])
        ],
        residents_present=content.get("residents_present"),
        households_represented=content.get("households_represented"),
        items=[m.MinutesItem.model_validate(item) for item in content.get("items", [])],
        election=m.Election.model_validate(content["election"]) if content.get("election") else None,
        submitted_at=_iso(minutes.submitted_at),
        approved_at=_iso(minutes.approved_at),
        published_at=_iso(minutes.published_at),
        url=ctx.absolute_url("minutes", meeting_id=meeting.id),
        pdf_url=ctx.absolute_url("api:minutes_pdf", meeting_id=meeting.id),
    )
    if minutes_service.is_insider(ctx.principal, meeting):
        written.approvals = [
            m.Approval(person_id=a.person_id, name=a.name, approved_at=_iso(a.approved_at))
            for a in minutes_service.approvers(ctx.db, meeting, minutes)
        ]
    if service.can_manage(ctx.principal, meeting) and minutes.status == "published":
        stats = minutes_service.read_stats(ctx.db, minutes=minutes)
        if stats is not None:
            written.read = m.ReadStats(
                households_read=stats.households_read,
                households_total=stats.households_total,
                persons_read=stats.persons_read,
                persons_total=stats.persons_total,
            )
    return out(written)


@doc("The minutes (board, admin; others once published)", ok=m.Minutes, op_id="getMinutes")
@api
def get_minutes(ctx: Ctx) -> dict[str, Any]:
    meeting, minutes = _existing(ctx)
    return minutes_json(ctx, meeting, minutes)


def _input(body: m.MinutesBody) -> minutes_service.MinutesInput:
    return minutes_service.MinutesInput(
        meeting_chair=body.meeting_chair,
        minute_taker=body.minute_taker,
        minute_taker_id=body.minute_taker_id,
        attendance=[(a.person_id, a.status) for a in body.attendance],
        residents_present=body.residents_present,
        households_represented=body.households_represented,
        items=[
            minutes_service.ItemInput(
                agenda_item_id=i.agenda_item_id,
                notes=i.notes,
                decision=i.decision,
                votes=i.votes,
                carried_over=i.carried_over,
            )
            for i in body.items
        ],
        election=_election(body.election),
    )


def _election(body: m.ElectionIn | None) -> minutes_service.ElectionInput | None:
    if body is None:
        return None
    s = minutes_service
    return s.ElectionInput(
        elected=[s.ElectedInput(e.person_id, e.role, e.term_end, e.until_year) for e in body.elected],
        substitutes=[
            s.SubstituteInput(x.person_id, x.order, x.term_end, x.until_year) for x in body.substitutes
        ],
        leaving=list(body.leaving),
    )


@doc(
    "Write the minutes (chair, minute taker, admin); after submission a new version resets approvals",
    ok=m.Minutes,
    body=m.MinutesBody,
    errors=(403, 409),
    op_id="putMinutes",
)
@api
def put_minutes(ctx: Ctx) -> dict[str, Any]:
    """Write the minutes (a draft in place; after submission a new version that resets approvals)."""
    meeting, _minutes = minutes_service.editable_minutes(
        ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id")
    )
    saved = minutes_service.save_minutes(
        ctx.db, principal=ctx.principal, meeting=meeting, data=_input(parse(ctx, m.MinutesBody))
    )
    return minutes_json(ctx, meeting, saved)


@doc("Submit the draft to the board", ok=m.Minutes, errors=(403, 409, 422), op_id="submitMinutes")
@api
def submit_minutes(ctx: Ctx) -> dict[str, Any]:
    meeting, minutes = _existing(ctx)
    minutes_service.submit(
        ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, settings=ctx.settings
    )
    return minutes_json(ctx, meeting, minutes)


@doc(
    "Approve the current version (board members; 409 twice, 404 for non-members)",
    ok=m.Minutes,
    errors=(403, 409),
    op_id="approveMinutes",
)
@api
def approve_minutes(ctx: Ctx) -> dict[str, Any]:
    """A board member approves the current version (409 twice, 404 for non-members)."""
    meeting, minutes = _existing(ctx)
    minutes_service.approve(
        ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, settings=ctx.settings
    )
    return minutes_json(ctx, meeting, minutes)


@doc(
    "Comment on the current version (board members)",
    ok=m.Comment,
    status=201,
    body=m.CommentBody,
    errors=(403, 409),
    op_id="commentMinutes",
)
@api
def comment_minutes(ctx: Ctx) -> Response:
    meeting, minutes = _existing(ctx)
    text = parse(ctx, m.CommentBody).text
    entry = minutes_service.comment(
        ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, text=text
    )
    comment = m.Comment(
        id=entry.id, version=entry.version, text=entry.text, created_at=_iso(entry.created_at)
    )
    return JSONResponse(out(comment), status_code=201)


@doc(
    "Publish approved minutes, notifying residents (chair, admin); else 409 minutes_not_approved",
    ok=m.Minutes,
    errors=(403, 409),
    op_id="publishMinutes",
)
@api
def publish_minutes(ctx: Ctx) -> dict[str, Any]:
    """The chair or the administration publishes approved minutes (409 ``minutes_not_approved`` before)."""
    meeting, minutes = _existing(ctx)
    minutes_service.publish(
        ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, settings=ctx.settings
    )
    return minutes_json(ctx, meeting, minutes)


@doc("The minutes as PDF", content="application/pdf", op_id="getMinutesPdf")
@api
def minutes_pdf(ctx: Ctx) -> Response:
    meeting, minutes = _existing(ctx)
    data = minutes_service.minutes_pdf(ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes)
    return minutes_service.pdf_response(data, meeting)


@doc(
    "The decision register as I may see it",
    ok=m.DecisionList,
    errors=(400, 422),
    op_id="listDecisions",
    query=(
        Query("department_id", {"type": "integer"}),
        Query("year", {"type": "integer", "minimum": 1900, "maximum": 2999}),
        Query("q", {"type": "string", "maxLength": 200}, "words to find"),
        Query("status", {"type": "string", "enum": ["open", "in_progress", "done"]}),
    ),
)
@api
def list_decisions(ctx: Ctx) -> dict[str, Any]:
    """The decision register as I may see it: ``department_id``, ``year`` and words ``q`` filter it."""
    query = ctx.request.query_params
    for name in ("department_id", "year"):
        raw = query.get(name, "")
        if raw and ctx.query_int(name) is None:
            raise ValidationFailed(_("%(name)s skal være et helt tal.", name=name), fields={name: "invalid"})
    year = ctx.query_int("year")
    if year is not None and not 1900 <= year <= 2999:
        raise ValidationFailed(_("Året skal ligge mellem 1900 og 2999."), fields={"year": "invalid"})
    q = query.get("q", "")
    if len(q) > 200:
        raise AppError(_("Søgningen må højst have 200 tegn."), code="query_too_long")
    status = query.get("status") or None
    if status is not None and status not in minutes_service.DECISION_STATUSES:
        raise ValidationFailed(_("Vælg åben, i gang eller udført."), fields={"status": "invalid"})
    entries = minutes_service.list_decisions(
        ctx.db,
        principal=ctx.principal,
        department_id=ctx.query_int("department_id"),
        year=year,
        q=q,
        status=status,
    )
    items = [
        decision_json(ctx, e.decision, e.meeting_title, e.department_name, e.board_name) for e in entries
    ]
    return out(m.DecisionList(items=items, next=None))


def decision_json(
    ctx: Ctx, d: Any, meeting_title: str, department_name: str | None, board_name: str
) -> m.Decision:
    return m.Decision(
        id=d.id,
        meeting_id=d.meeting_id,
        meeting_title=meeting_title,
        agenda_item_id=d.agenda_item_id,
        item_number=d.item_number,
        item_title=d.item_title,
        department_id=d.department_id,
        department_name=department_name,
        board_id=d.board_id,
        board_name=board_name,
        date=d.decided_on.isoformat(),
        text=d.text,
        closed=d.closed,
        votes=d.votes,
        minutes_url=ctx.absolute_url("minutes", meeting_id=d.meeting_id),
        status=d.status,
        status_changed_at=_iso(d.status_changed_at),
        status_note=d.status_note,
    )


@doc(
    "Set a decision's status (chair, vice chair, admin): open, in_progress or done, with an optional note",
    ok=m.Decision,
    body=m.DecisionStatusBody,
    errors=(403, 422),
    op_id="setDecisionStatus",
)
@api
def patch_decision(ctx: Ctx) -> dict[str, Any]:
    """Set a decision's status (404 when I may not see it, 403 when I may not change it, 422 bad status)."""
    body = parse(ctx, m.DecisionStatusBody)
    decision = minutes_service.set_decision_status(
        ctx.db,
        principal=ctx.principal,
        decision_id=ctx.int_param("decision_id"),
        status=body.status,
        note=body.note if body.given("note") else None,
    )
    entry = minutes_service.decision_entry(ctx.db, decision=decision)
    return out(decision_json(ctx, decision, entry.meeting_title, entry.department_name, entry.board_name))


routes = [
    Route("/meetings/{meeting_id:id}/minutes", get_minutes, methods=["GET"], name="minutes"),
    Route("/meetings/{meeting_id:id}/minutes", put_minutes, methods=["PUT"], name="minutes_put"),
    Route(
        "/meetings/{meeting_id:id}/minutes/submit", submit_minutes, methods=["POST"], name="minutes_submit"
    ),
    Route(
        "/meetings/{meeting_id:id}/minutes/approve", approve_minutes, methods=["POST"], name="minutes_approve"
    ),
    Route(
        "/meetings/{meeting_id:id}/minutes/comments",
        comment_minutes,
        methods=["POST"],
        name="minutes_comment",
    ),
    Route(
        "/meetings/{meeting_id:id}/minutes/publish", publish_minutes, methods=["POST"], name="minutes_publish"
    ),
    Route("/meetings/{meeting_id:id}/minutes.pdf", minutes_pdf, name="minutes_pdf"),
    Route("/decisions", list_decisions, name="decisions"),
    Route("/decisions/{decision_id:id}", patch_decision, methods=["PATCH"], name="decision_patch"),
]
