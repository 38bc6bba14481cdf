"""The home page: what is next across every domain for the person who logs in.

Board members see their boards' next meetings (and the expense claims waiting for them); residents
see their department: next meetings with the proposal deadline, published minutes and decisions,
unread notices and their own proposals. It reads the domains' service modules (and ``has_route``
of the meeting pages), and is cached per person (``core.pagecache``: the page is measured under load).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core import notify
from boardkit.core.db import utcnow
from boardkit.core.permissions import Action, can
from boardkit.core.registry import Registry
from boardkit.core.web import Ctx, page, render
from boardkit.core.web.pagecache import cacheable
from boardkit.democracy import service as democracy_service
from boardkit.expenses import service as expense_service
from boardkit.forum import service as forum_service
from boardkit.meetings import service as meetings_service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.proposals import service as proposals_service
from boardkit.meetings.views import has_route
from boardkit.onboarding import service as onboarding_service
from boardkit.org import service as org_service


@page
@cacheable
def home(ctx: Ctx) -> Response:
    """Every board the person sits on, with its next meetings; for residents their department."""
    ctx.require_login()
    boards = org_service.list_my_boards(ctx.db, principal=ctx.principal)
    upcoming = meetings_service.upcoming_by_board(ctx.db, board_ids=[mb.board.id for mb in boards])
    manages = {
        mb.board.id
        for mb in boards
        if can(ctx.principal, Action.MANAGE, org_service.board_resource(mb.board))
    }
    return render(
        ctx,
        "meetings/dashboard.html",
        boards=boards,
        upcoming=upcoming,
        manages=manages,
        resident=resident_home(ctx) if ctx.principal.resident_department_ids else None,
        to_attest=len(expense_service.queue.awaiting_attestation(ctx.db, principal=ctx.principal)),
        to_approve=expense_service.queue.count_queue(ctx.db, principal=ctx.principal).get("attested", 0),
        forum_unread=forum_service.unread(ctx.db, principal=ctx.principal),
        onboarding=onboarding_service.current(ctx.db, person_id=ctx.person_id, today=org_service.today()),
        open_votes=democracy_service.open_votes(ctx.db, ctx.principal),
        active_nav="home",
    )


def resident_home(ctx: Ctx) -> dict[str, Any]:
    """A resident's department on the home page: next meetings with the proposal deadline, the latest
    published minutes and decisions, unread notices and their own proposals (a handful of reads)."""
    db, principal = ctx.db, ctx.principal
    department_ids = sorted(principal.resident_department_ids)
    now = utcnow()
    departments = meetings_service.departments(db, ids=department_ids)
    meetings = []
    for m in meetings_service.upcoming_for_residents(db, department_ids=department_ids, now=now):
        department_meeting = m.is_department_meeting
        meetings.append(
            {
                "meeting": m,
                "url": ctx.url("meeting", meeting_id=m.id)
                if can(principal, Action.VIEW, meetings_service.meeting_resource(m))
                else None,
                "proposals_due": proposals_service.deadline(m) if department_meeting else None,
                "proposals_open": department_meeting and proposals_service.is_open(m, now=now),
            }
        )
    minutes = [
        {
            "meeting": m,
            "minutes": mi,
            "url": ctx.url("minutes", meeting_id=m.id)
            if can(principal, Action.VIEW, meetings_service.meeting_resource(m))
            else None,
        }
        for m, mi in meetings_service.published_minutes_for_residents(db, department_ids=department_ids)
    ]
    return {
        "departments": [
            (d, f"/departments/{d.id}" if has_route(ctx.request, f"/departments/{d.id}") else None)
            for d in departments
        ],
        "meetings": meetings,
        "minutes": minutes,
        "decisions": minutes_service.list_decisions(
            db,
            principal=principal,
            department_id=department_ids[0] if len(department_ids) == 1 else None,
            limit=3,
        ),
        "notices": notify.list_notices(db, person_id=ctx.person_id, limit=3, unread_only=True),
        "proposals": meetings_service.my_proposals(db, person_id=ctx.person_id),
    }


routes = [Route("/", home, name="home")]


def register(reg: Registry) -> None:
    reg.routes(routes)
