"""REST API for the votes counted at a department meeting, its elections, the meeting's recorded end
and its decision to vote digitally afterwards; thin over democracy.service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.routing import Route

from boardkit.api.models import democracy_votes as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.democracy import service
from boardkit.meetings.service import Meeting


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _placed(option: dict[str, Any]) -> m.Placed:
    return m.Placed(person_id=option["person_id"], name=option["label"], votes=option["votes"])


def question_json(question: service.Question) -> m.QuestionOut:
    counts = dict(question.meeting_counts or {})
    election = None
    if question.kind == "election":
        result = service.result_of_election(question, counts)
        election = m.ElectionResult(
            elected=[
                m.Placed(person_id=o["person_id"], name=o["label"], votes=o["votes"])
                for o in result["elected"]
            ],
            substitutes=[
                m.Placed(person_id=o["person_id"], name=o["label"], votes=o["votes"])
                for o in result["substitutes"]
            ],
            blank=result["blank"],
            tie=result["tie"],
        )
    else:
        counts = service.minutes_votes(counts)
    return m.QuestionOut(
        id=question.id,
        meeting_id=question.meeting_id or 0,
        agenda_item_id=question.agenda_item_id,
        kind="election" if question.kind == "election" else "proposal",
        text=question.text,
        method=question.method,
        status=question.status,
        options=[m.Option.model_validate(o) for o in question.options],
        counts=counts,
        units_present=question.units_present,
        counted_at=_iso(question.counted_at),
        seats=question.seats,
        election=election,
    )


def meeting_json(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    state = service.votes_state(ctx.db, meeting)
    roll = state.roll
    return out(
        m.MeetingVotesOut(
            meeting_id=meeting.id,
            ended_at=_iso(roll.ended_at),
            digital_decided_at=_iso(roll.digital_decided_at),
            digital_decision_item_id=roll.digital_decision_item_id,
            digital_decision_text=roll.digital_decision_text,
            residents_present=state.turnout.residents_present,
            households_represented=state.turnout.households_represented,
            units_present=state.units_present,
            questions=[question_json(q) for q in state.questions],
        )
    )


def vote_input(body: m.VoteBody) -> service.VoteInput | service.ElectionVoteInput:
    if body.kind == "election" or body.candidates:
        return service.ElectionVoteInput(
            question=body.question,
            method=body.method,
            candidates=[service.CandidateInput(c.person_id, c.votes) for c in body.candidates],
            blank=body.blank,
            seats=body.seats,
            substitutes=body.substitutes,
            until_year=body.until_year,
            substitutes_until_year=body.substitutes_until_year,
        )
    counts = body.counts or m.CountsIn()
    return service.VoteInput(
        question=body.question,
        method=body.method,
        votes_for=counts.for_,
        against=counts.against,
        blank=counts.blank,
    )


@doc(
    "Record (or correct) the vote on an agenda item at the department meeting (the chair, vice chair and "
    "administration)",
    ok=m.QuestionOut,
    body=m.VoteBody,
    errors=(403, 404, 409, 422),
    description="A proposal: `{question, method, counts: {for, against, blank}}`. An election: `{kind: "
    '"election", question, method, candidates: [{person_id, votes}], blank, seats, substitutes}`. The counts '
    "may not exceed the units present (422). Recording again corrects the count while the question has not "
    "gone on to a digital vote (409 after). The result goes into the minutes' draft.",
    op_id="recordVote",
)
@api
def record_vote(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.VoteBody)
    question = service.record_vote(
        ctx.db, ctx.principal, agenda_item_id=ctx.int_param("item_id"), data=vote_input(body)
    )
    return out(question_json(question))


@doc(
    "The meeting's votes: the questions counted, attendance, its end and digital decision (managers)",
    ok=m.MeetingVotesOut,
    errors=(403, 404, 409),
    op_id="getMeetingVotes",
)
@api
def meeting_votes(ctx: Ctx) -> dict[str, Any]:
    meeting = service.votes_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    return meeting_json(ctx, meeting)


@doc(
    "Record the end of the physical meeting (digital voting, if decided, opens then)",
    ok=m.MeetingVotesOut,
    body=m.EndBody,
    body_required=False,
    errors=(403, 404, 409, 422),
    op_id="endMeeting",
)
@api
def end_meeting(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.EndBody, optional=True)
    meeting = service.votes_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    service.end_meeting(ctx.db, ctx.principal, meeting, ended_at=body.ended_at)
    return meeting_json(ctx, meeting)


@doc(
    "Record the meeting's decision to continue voting digitally afterwards",
    ok=m.MeetingVotesOut,
    body=m.DigitalDecisionBody,
    errors=(403, 404, 409, 422),
    op_id="recordDigitalDecision",
)
@api
def digital_decision(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.DigitalDecisionBody)
    meeting = service.votes_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    service.record_digital_decision(
        ctx.db, ctx.principal, meeting, agenda_item_id=body.agenda_item_id, text=body.text
    )
    return meeting_json(ctx, meeting)


routes = [
    Route("/agenda-items/{item_id:id}/votes", record_vote, methods=["POST"], name="democracy_vote"),
    Route("/meetings/{meeting_id:id}/votes", meeting_votes, methods=["GET"], name="democracy_meeting_votes"),
    Route("/meetings/{meeting_id:id}/end", end_meeting, methods=["POST"], name="democracy_meeting_end"),
    Route(
        "/meetings/{meeting_id:id}/digital-decision",
        digital_decision,
        methods=["POST"],
        name="democracy_digital_decision",
    ),
]
