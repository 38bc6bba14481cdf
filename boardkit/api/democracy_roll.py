"""REST API for a department meeting's electoral roll and the check-in at the door; thin over
democracy.service (the same functions as the roll and check-in pages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api.models import democracy as m
from boardkit.api.models.common import out
from boardkit.api.openapi import Query, doc
from boardkit.api.schema import parse
from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.democracy import service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _counts(ctx: Ctx, roll: service.Roll) -> m.AttendanceOut:
    summary = service.roll_summary(ctx.db, roll)
    present = service.attendance(ctx.db, roll)
    return m.AttendanceOut(
        households=summary.households,
        voters=summary.voters,
        residents_present=present.residents_present,
        households_represented=present.households_represented,
        units_present=present.units_present,
    )


def _roll_json(ctx: Ctx, meeting: Any, roll: service.Roll, query: str) -> m.RollOut:
    ids = service.search_households(ctx.db, roll, query, limit=200) if query else None
    states = service.household_states(ctx.db, roll, ids)
    problem = service.check_in_problem(meeting, roll, utcnow())
    return m.RollOut(
        id=roll.id,
        meeting_id=meeting.id,
        reference_date=roll.reference_date.isoformat(),
        one_person_both_units=roll.one_person_both_units,
        ended_at=_iso(roll.ended_at),
        check_in_open=problem is None,
        check_in_message=problem,
        counts=_counts(ctx, roll),
        households=[
            m.HouseholdOut(
                id=s.household.id,
                number=s.household.number,
                address=s.household.address,
                paper=s.household.paper,
                units=s.household.units,
                units_present=s.units_present,
                voters=[
                    m.VoterOut(
                        id=v.voter.id,
                        person_id=v.voter.person_id,
                        name=v.voter.name,
                        role="household_member" if v.voter.role == "household_member" else "tenant",
                        checked_in=v.checked_in,
                        checked_in_at=_iso(v.checked_in_at),
                        checked_out_at=_iso(v.checked_out_at),
                    )
                    for v in s.voters
                ],
            )
            for s in states
        ],
    )


@doc(
    "A department meeting's electoral roll: households, voters, who is checked in, the counts",
    ok=m.RollOut,
    errors=(403, 404),
    query=(
        Query("q", description="Only the households whose address, number or voter's name holds every word"),
    ),
    description="The department board's members and the administration; a resident or anyone else → 404, a "
    "meeting that is not a department meeting → 404, no roll made yet → 404 `no_roll`.",
    op_id="getRoll",
)
@api
def get_roll(ctx: Ctx) -> dict[str, Any]:
    meeting = service.check_in_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    roll = service.get_roll(ctx.db, meeting.id)
    if roll is None:
        raise NotFound(_("Der er ikke lavet en valgliste til mødet endnu."), code="no_roll")
    query = " ".join(ctx.request.query_params.get("q", "").split())[:100]
    return out(_roll_json(ctx, meeting, roll, query))


@doc(
    "Make the meeting's electoral roll, or make it again before anyone is checked in",
    ok=m.RollOut,
    body=m.RollBody,
    body_required=False,
    errors=(400, 403, 404, 409, 422),
    description="The chair, the vice chair and the administration (403 for the board's other members). A new "
    "snapshot of the department's tenants and adult household members (no sub-tenants) on `reference_date`; "
    "after a check-in or a vote on the roll → 409 `roll_in_use`; a date after the meeting → 422.",
    op_id="makeRoll",
)
@api
def make_roll(ctx: Ctx) -> Response:
    body = parse(ctx, m.RollBody, optional=True)
    meeting = service.managed_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    roll = service.ensure_roll(ctx.db, ctx.principal, meeting, reference_date=body.reference_date)
    return JSONResponse(out(_roll_json(ctx, meeting, roll, "")))


@doc(
    "Check a voter in at the door (or out, with checked_out: true); answers the counts",
    ok=m.CheckInOut,
    body=m.CheckInBody,
    errors=(400, 403, 404, 409, 422),
    description="The department board's members and the administration, from 2 hours before the meeting "
    "until its end is recorded (else 409 `check_in_closed`; no roll yet: 409 `no_roll`). Idempotent: a voter "
    "already checked in (or out) stays so, `changed: false`. A voter or person not on this meeting's roll "
    "(a sub-tenant, another department's resident) → 404; neither or both of `voter_id` and `person_id` "
    "→ 422.",
    op_id="checkIn",
)
@api
def check_in(ctx: Ctx) -> dict[str, Any]:
    body = parse(ctx, m.CheckInBody)
    do = service.check_out if body.checked_out else service.check_in
    result = do(
        ctx.db,
        ctx.principal,
        ctx.int_param("meeting_id"),
        voter_id=body.voter_id,
        person_id=body.person_id,
    )
    roll = result.voters[0].household.roll
    return out(
        m.CheckInOut(
            voter_ids=[v.id for v in result.voters],
            household_ids=sorted({v.household_id for v in result.voters}),
            checked_in=result.checked_in,
            changed=result.changed,
            counts=_counts(ctx, roll),
        )
    )


routes = [
    Route("/meetings/{meeting_id:id}/roll", get_roll, methods=["GET"], name="democracy_roll"),
    Route("/meetings/{meeting_id:id}/roll", make_roll, methods=["POST"], name="democracy_roll_make"),
    Route("/meetings/{meeting_id:id}/check-ins", check_in, methods=["POST"], name="democracy_check_ins"),
]
