"""REST API for digital voting after a department meeting: a voter's own ballot, the
administration's letter votes, opening the digital vote, a question's state (the result after the
close), the stored ballots for recounting and who voted (never how); thin over democracy.service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import democracy_ballots as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.democracy import service


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives stored UTC moments back without a zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(TZ).isoformat()


def _receipt(receipt: service.Receipt) -> Response:
    return JSONResponse(out(m.ReceiptOut(status="registered", message=receipt.message)), status_code=201)


def _result(result: dict[str, Any] | None) -> m.ResultOut | None:
    return m.ResultOut.model_validate(result) if result else None


def state_json(state: service.QuestionState) -> dict[str, Any]:
    q, h = state.question, state.household
    labels = {o.get("key"): o.get("label") for o in q.options or []}
    return out(
        m.QuestionStateOut(
            id=q.id,
            meeting_id=q.meeting_id,
            agenda_item_id=q.agenda_item_id,
            kind=q.kind,
            text=q.text,
            status=q.status,
            options=[
                m.OptionOut(key=k, label=str(labels.get(k) or service.choice_label(k)))
                for k in service.choice_keys(q)
            ],
            opens_at=_iso(q.opens_at),
            closes_at=_iso(q.closes_at),
            closed_at=_iso(q.closed_at),
            household=m.HouseholdUnitsOut(
                household_id=h.household_id,
                address=h.address,
                units=h.units,
                used=h.used,
                left=h.left,
                my_units=h.my_units,
                may_vote=h.may_vote and state.is_open,
                may_use_both=h.may_use_both,
            )
            if h is not None
            else None,
            result=_result(state.result),
            may_manage=state.may_manage,
        )
    )


@doc(
    "Cast your own vote on an open question (the receipt holds no choice)",
    ok=m.ReceiptOut,
    status=201,
    body=m.BallotBody,
    errors=(404, 409, 422),
    description="404: you are not on the question's roll (a sub-tenant, another department's resident). "
    "409 `closed`: the vote has closed; 409 `units_used`: the household has used its 2 units (at the "
    "meeting, online or by letter); 409 `person_voted`: you voted already and one person may not use "
    "both units. 422: a choice not on the ballot, or units other than 1 (2 where allowed).",
    op_id="castBallot",
)
@api
def cast(ctx: Ctx) -> Response:
    body = parse(ctx, m.BallotBody)
    receipt = service.cast(
        ctx.db, ctx.principal, question_id=body.question_id, choice=body.choice, units=body.units or 1
    )
    return _receipt(receipt)


@doc(
    "A question's status, times, your household's units and the result after the close",
    ok=m.QuestionStateOut,
    errors=(404,),
    op_id="getQuestion",
)
@api
def get_question(ctx: Ctx) -> dict[str, Any]:
    return state_json(service.question_state(ctx.db, ctx.principal, ctx.int_param("question_id")))


@doc(
    "Register a household's letter vote (the meeting's managers and the administration)",
    ok=m.ReceiptOut,
    status=201,
    body=m.LetterVoteBody,
    errors=(403, 404, 409, 422),
    op_id="registerLetterVote",
)
@api
def letter_vote(ctx: Ctx) -> Response:
    body = parse(ctx, m.LetterVoteBody)
    receipt = service.register_letter(
        ctx.db,
        ctx.principal,
        question_id=ctx.int_param("question_id"),
        household_id=body.household_id,
        choices=body.choices,
    )
    return _receipt(receipt)


@doc(
    "Open the digital vote on a question recorded at the meeting (closes at most 7 × 24 h after its end)",
    ok=m.QuestionStateOut,
    body=m.DigitalBody,
    errors=(403, 404, 409, 422),
    description="409 `no_digital_decision`: the meeting's decision to vote digitally is not recorded; 409 "
    "`meeting_not_ended`: the meeting's end is not recorded; 422: a close later than 7 × 24 hours after "
    "the end, or not in the future.",
    op_id="openDigitalVote",
)
@api
def open_digital(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.DigitalBody)
    question_id = ctx.int_param("question_id")
    service.open_digital(ctx.db, ctx.principal, question_id=question_id, closes_at=body.closes_at)
    return state_json(service.question_state(ctx.db, ctx.principal, question_id))


@doc(
    "The stored ballots of a closed question (random id and choice) and the result, to recompute it",
    ok=m.BallotList,
    errors=(404, 409),
    op_id="listBallots",
)
@api
def list_ballots(ctx: Ctx) -> dict[str, Any]:
    question_id = ctx.int_param("question_id")
    rows = service.stored_ballots(ctx.db, ctx.principal, question_id)
    state = service.question_state(ctx.db, ctx.principal, question_id)
    return out(
        m.BallotList(items=[m.BallotOut(id=i, choice=c) for i, c in rows], result=_result(state.result))
    )


@doc(
    "Who voted (household, units, channel, time), never how: after the close, for the dirigent, the "
    "counting committee and the managers",
    ok=m.ParticipationList,
    errors=(403, 404, 409),
    op_id="listParticipation",
)
@api
def participation(ctx: Ctx) -> dict[str, Any]:
    rows = service.participation_list(ctx.db, ctx.principal, ctx.int_param("question_id"))
    return out(
        m.ParticipationList(
            items=[
                m.ParticipationOut(
                    household_id=r.household_id,
                    number=r.number,
                    address=r.address,
                    units=r.units,
                    channel=r.channel,
                    at=_iso(r.at) or "",
                )
                for r in rows
            ]
        )
    )


routes = [
    Route("/ballots", cast, methods=["POST"], name="democracy_ballots"),
    Route("/questions/{question_id:id}", get_question, methods=["GET"], name="democracy_question"),
    Route(
        "/questions/{question_id:id}/letter-votes",
        letter_vote,
        methods=["POST"],
        name="democracy_letter_votes",
    ),
    Route("/questions/{question_id:id}/digital", open_digital, methods=["POST"], name="democracy_digital"),
    Route(
        "/questions/{question_id:id}/ballots",
        list_ballots,
        methods=["GET"],
        name="democracy_question_ballots",
    ),
    Route(
        "/questions/{question_id:id}/participation",
        participation,
        methods=["GET"],
        name="democracy_participation",
    ),
]
