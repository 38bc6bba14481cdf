"""REST API for a board's changes of membership: the proposed and done transitions, and confirming one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.routing import Route

from boardkit.api.models import transitions as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.org import service as org_service


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(TZ).isoformat() if value else None


def _transition(ctx: Ctx, t: org_service.Transition) -> m.Transition:
    names = org_service.get_people(ctx.db, ids=[c["person_id"] for c in t.changes])
    return m.Transition(
        id=t.id,
        board_id=t.board_id,
        kind=t.kind,
        status=t.status,
        effective_at=_iso(t.effective_at) or "",
        meeting_id=t.meeting_id,
        changes=[
            m.TransitionChange(
                action=c["action"],
                person_id=c["person_id"],
                name=names[c["person_id"]].name if c["person_id"] in names else "",
                role=c["role"],
                membership_id=c.get("membership_id"),
                end_date=c.get("end_date"),
                until_year=c.get("until_year"),
                position=c.get("position"),
                reason=c.get("reason"),
            )
            for c in t.changes
        ],
        summary=org_service.describe_transition(ctx.db, t),
        decided_at=_iso(t.decided_at),
    )


@doc(
    "A board's changes of membership, proposed ones first: elections from approved minutes, "
    "substitutes proposed for a vacant seat, resignations and move-outs (the chair, vice chair and "
    "the administration)",
    ok=m.TransitionList,
    errors=(404,),
    op_id="listTransitions",
)
@api
def list_transitions(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    board = org_service.transitions_board(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    items = [_transition(ctx, t) for t in org_service.list_transitions(ctx.db, board=board)]
    return out(m.TransitionList(items=items, next=None))


@doc(
    "Confirm a proposed transition: its changes become memberships in one step (the administration). "
    "Confirming again answers the same, changing nothing; a dismissed proposal is 409",
    ok=m.Transition,
    errors=(404, 409),
    op_id="confirmTransition",
)
@api
def confirm_transition(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    board = org_service.transitions_board(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    found = org_service.get_transition(ctx.db, board=board, transition_id=ctx.int_param("transition_id"))
    done = org_service.confirm_transition(ctx.db, found, principal=ctx.principal)
    return out(_transition(ctx, done))


routes = [
    Route("/boards/{board_id:id}/transitions", list_transitions, name="transitions"),
    Route(
        "/boards/{board_id:id}/transitions/{transition_id:id}/confirm",
        confirm_transition,
        methods=["POST"],
        name="transition_confirm",
    ),
]
