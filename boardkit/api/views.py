"""REST API v1 (thin: every endpoint calls a domain service)."""

from __future__ import annotations

from functools import cache
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from boardkit.api import (
    democracy_ballots,
    democracy_roll,
    democracy_urafstemning,
    democracy_votes,
    expense_exports,
    expense_reports,
    expenses,
    forum,
    handover,
    invitations,
    library,
    meetings,
    memberships,
    minutes,
    notifications,
    onboarding,
    onboarding_progress,
    packs,
    permit_moveout,
    permits,
    print_batches,
    proposals,
    transitions,
    yearplan,
)
from boardkit.api import search as search_api
from boardkit.api.models import boards as b
from boardkit.api.models.common import out
from boardkit.api.openapi import doc, spec
from boardkit.core.web import Ctx, api, page, render
from boardkit.core.web.pagecache import cacheable
from boardkit.meetings import service as meetings_service
from boardkit.org import service as org_service
from boardkit.org.service import Board


def board_json(board: Board, role: str | None = None) -> b.Board:
    return b.Board(
        id=board.id,
        name=board.name,
        kind=board.kind,
        role=role,
        department_id=board.department_id,
        department_name=board.department.name if board.department else None,
        organisation_id=board.organisation_id,
        organisation_name=board.organisation.name,
    )


@doc("Who I am, my roles and my boards", ok=b.Me, op_id="getMe")
@api
@cacheable
def me(ctx: Ctx) -> dict[str, Any]:
    """Who I am, my roles and every board I sit on."""
    person = org_service.get_person(ctx.db, person_id=ctx.person_id)
    principal = ctx.principal
    boards = org_service.list_my_boards(ctx.db, principal=principal)
    roles = sorted({mb.role for mb in boards})
    if principal.resident_department_ids:
        roles.append("resident")
    if principal.is_staff:
        roles += sorted({r.role for r in person.staff_roles})
        roles.append("staff")
    me = b.Me(
        id=person.id,
        name=person.name,
        email=person.email,
        language=person.language,
        preferred_channel=person.preferred_channel,
        roles=roles,
        calendar_feed_url=meetings_service.calendar_feed_url(
            ctx.db, person_id=person.id, base_url=ctx.settings.base_url, secret_key=ctx.settings.secret_key
        ),
        resident_department_ids=sorted(principal.resident_department_ids),
        staff_organisation_ids=sorted(principal.staff_organisation_ids),
        boards=[board_json(mb.board, mb.role) for mb in boards],
    )
    return out(me)


@doc("Boards visible to me", ok=b.BoardList, op_id="listBoards")
@api
def boards(ctx: Ctx) -> dict[str, Any]:
    """Boards visible to me: the ones I sit on, and for staff those of their organisations."""
    principal = ctx.principal
    visible = org_service.list_visible_boards(ctx.db, principal=principal)
    return out(
        b.BoardList(items=[board_json(v, principal.board_roles.get(v.id)) for v in visible], next=None)
    )


@doc("One board with its current members", ok=b.BoardDetail, op_id="getBoard")
@api
def board(ctx: Ctx) -> dict[str, Any]:
    principal = ctx.principal
    found = org_service.get_board(ctx.db, principal=principal, board_id=ctx.int_param("board_id"))
    members = [
        b.BoardMember(
            person_id=m.person_id,
            name=m.person.name,
            role=m.role,
            start_date=m.start_date.isoformat(),
            end_date=m.end_date.isoformat() if m.end_date else None,
        )
        for m in org_service.list_board_members(ctx.db, board_id=found.id)
    ]
    summary = board_json(found, principal.board_roles.get(found.id))
    return out(b.BoardDetail(**dict(summary), members=members))


@cache
def openapi() -> dict[str, Any]:
    """The OpenAPI document, generated once from the routes and their models."""
    return spec(routes)


async def openapi_json(request: Any) -> Response:
    return JSONResponse(openapi())


@page
def docs(ctx: Ctx) -> Response:
    return render(ctx, "api/docs.html", spec=openapi())


routes = [
    Route("/me", me, name="me"),
    Route("/boards", boards, name="boards"),
    Route("/boards/{board_id:id}", board, name="board"),
    *meetings.routes,
    *memberships.routes,
    *proposals.routes,
    *invitations.routes,
    *packs.routes,
    *minutes.routes,
    *print_batches.routes,
    *notifications.routes,
    *search_api.routes,
    *expenses.routes,
    *expense_exports.routes,
    *expense_reports.routes,
    *permits.routes,
    *permit_moveout.routes,
    *onboarding_progress.routes,
    *onboarding.routes,
    *yearplan.routes,
    *forum.routes,
    *library.routes,
    *handover.routes,
    *transitions.routes,
    *democracy_roll.routes,
    *democracy_votes.routes,
    *democracy_ballots.routes,
    *democracy_urafstemning.routes,
    Route("/openapi.json", openapi_json, name="openapi"),
    Route("/docs", docs, name="docs"),
]
