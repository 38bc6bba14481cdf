"""REST API for urafstemning: the demand recorded at a department meeting and the administration's
registration of returned paper ballots; thin over democracy.service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import Route

from boardkit.api.models import democracy_urafstemning as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.democracy import service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def urafstemning_json(ctx: Ctx, question: service.Question) -> m.UrafstemningOut:
    demand = question.demand or {}
    result = None
    if question.status == "closed":
        o = service.urafstemning_outcome(ctx.db, question)
        result = m.UrafstemningResult(yes=o.yes, no=o.no, blank=o.blank, adopted=o.adopted)
    return m.UrafstemningOut(
        id=question.id,
        kind="urafstemning",
        department_id=question.department_id,
        meeting_id=question.meeting_id,
        agenda_item_id=question.agenda_item_id,
        source_question_id=question.source_question_id,
        text=question.text,
        status=question.status,
        called_by=question.called_by,
        demand=m.Demand(**demand) if demand else None,
        options=[m.UrafstemningOption(key=o["key"], label=o["label"]) for o in question.options],
        opens_at=_iso(question.opens_at),
        closes_at=_iso(question.closes_at),
        households=service.urafstemning_households(ctx.db, question),
        result=result,
    )


@doc(
    "Record the meeting's demand for an urafstemning of a proposal (the chair, vice chair and "
    "administration)",
    ok=m.UrafstemningOut,
    body=m.UrafstemningBody,
    status=201,
    errors=(403, 404, 409, 422),
    description="`demanding` of `present` must reach the organisation's share (at most 25 %; below: 422 "
    "naming the numbers). The question (yes / no / blank) opens for every household of the department, "
    "on a roll made today, from `opens_at` (default now) until `closes_at` (at most 8 weeks); digital "
    "households get a notice with the link, the others a paper ballot letter with a one-time code. The "
    "same proposal cannot go to a new urafstemning before the department's next ordinary meeting (409).",
    op_id="callUrafstemning",
)
@api
def call_urafstemning(ctx: Ctx) -> Any:
    ctx.require_login()
    body = parse(ctx, m.UrafstemningBody)
    meeting = service.managed_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    question = service.call_urafstemning(
        ctx.db,
        ctx.principal,
        meeting_id=meeting.id,
        department_id=meeting.department_id or meeting.board.department_id or 0,
        source_question_id=body.source_question_id,
        agenda_item_id=body.agenda_item_id,
        text=body.question,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        called_by="meeting",
        demanding=body.demanding,
        present=body.present,
        settings=ctx.settings,
    )
    return JSONResponse(out(urafstemning_json(ctx, question)), status_code=201)


@doc(
    "Register a returned paper ballot of an urafstemning by its one-time code (the administration)",
    ok=m.PaperBallotOut,
    body=m.PaperBallotBody,
    errors=(403, 404, 409, 422),
    description="An unknown code is 404, a code already used 409; 1 or 2 `choices` (yes / no / blank). The "
    "household's 2 votes are shared with its online votes: more is 409 \"Husstanden har brugt sine 2 "
    'stemmer". After the close: 409.',
    op_id="registerPaperBallot",
)
@api
def paper_ballot(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    body = parse(ctx, m.PaperBallotBody)
    votes = service.register_paper_ballot(
        ctx.db, ctx.principal, question_id=ctx.int_param("question_id"), code=body.code, choices=body.choices
    )
    return out(m.PaperBallotOut(status="registered", votes=votes, message=_("Stemmesedlen er registreret.")))


routes = [
    Route(
        "/meetings/{meeting_id:id}/urafstemning",
        call_urafstemning,
        methods=["POST"],
        name="democracy_urafstemning",
    ),
    Route(
        "/questions/{question_id:id}/paper-ballots",
        paper_ballot,
        methods=["POST"],
        name="democracy_paper_ballots",
    ),
]
