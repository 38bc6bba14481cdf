"""Pages of the meeting core: the meeting page, the meeting form and the timeline (the dashboard is
``boardkit.dashboard``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from boardkit.core.db import utcnow
from boardkit.core.errors import RuleViolation, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.meetings import access, attachments, forms, lookup, service, timeline
from boardkit.meetings.agenda_views import routes as agenda_routes
from boardkit.meetings.board_meeting_views import routes as board_meeting_routes
from boardkit.meetings.department import may_see_department
from boardkit.meetings.department_views import routes as department_routes
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.invitations import views as invitation_views
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import Meeting
from boardkit.meetings.packs.views import pack_panel


def has_route(request: Request, path: str, method: str = "GET") -> bool:
    """Whether the app answers ``method path`` (pages of other features link only once they exist)."""

    def search(routes: Sequence[BaseRoute], rest: str) -> bool:
        for route in routes:
            if isinstance(route, Mount):
                found = route.path_regex.match(rest)
                if found and route.routes and search(route.routes, "/" + found.groupdict()["path"]):
                    return True
            elif (
                isinstance(route, Route)
                and route.path_regex.match(rest)
                and (route.methods is None or method in route.methods)
            ):
                return True
        return False

    return search(request.app.routes, path)


def meeting_context(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page shows to this reader."""
    lookup.load_agenda(ctx.db, meeting)
    path = f"/meetings/{meeting.id}"
    manage = access.can_manage(ctx.principal, meeting)
    now = utcnow()
    items = access.visible_items(ctx.principal, meeting)
    minutes = minutes_service.find_minutes(ctx.db, meeting_id=meeting.id)
    insider = minutes_service.is_insider(ctx.principal, meeting)
    published = minutes is not None and minutes.status == "published"
    department_id = meeting.department_id or meeting.board.department_id
    department = meeting.board.department if department_id is not None else None
    return {
        "meeting": meeting,
        "items": items,
        "lines": access.agenda_lines(ctx.principal, meeting),
        "department": department if department and may_see_department(ctx.principal, department) else None,
        "can_cancel": manage and meeting.status != "cancelled" and not service.is_held(meeting, now=now),
        **pack_panel(ctx, meeting, items),
        "milestones": [(m, m.status(now)) for m in timeline.milestones_of(meeting, minutes_done=published)],
        "minutes_url": path + "/minutes" if insider or published else None,
        "minutes_status": minutes_service.status_label(minutes.status) if minutes is not None else None,
        "manage": manage and meeting.status != "cancelled",
        "proposals_url": path + "/proposals"
        if meeting.is_department_meeting and has_route(ctx.request, path + "/proposals")
        else None,
        "invitations_url": path + "/invitations"
        if manage and meeting.status != "cancelled" and has_route(ctx.request, path + "/invitations", "POST")
        else None,
        "is_image": attachments.is_image,
        "rsvp_panel": invitation_views.rsvp_panel(ctx, meeting),
        "active_nav": "home",
    }


@page
def meeting_page(ctx: Ctx) -> Response:
    meeting = lookup.meeting_for(ctx)
    return render(ctx, "meetings/meeting.html", **meeting_context(ctx, meeting))


def _form_context(ctx: Ctx, board: Any, meeting: Meeting | None, **extra: Any) -> dict[str, Any]:
    return {
        "board": board,
        "meeting": meeting,
        "kinds": forms.kinds_for(board.kind),
        "active_nav": "home",
        **extra,
    }


def _uid_domain(ctx: Ctx) -> str:
    return urlsplit(ctx.settings.base_url).hostname or "boardkit.local"


@page
def meeting_new(ctx: Ctx) -> Response:
    """Call a meeting: the form, then ``create_meeting`` (a short notice needs an audited override)."""
    ctx.require_login()
    board = service.board_to_call(ctx.db, principal=ctx.principal, board_id=ctx.int_param("board_id"))
    context = _form_context(ctx, board, None)
    if ctx.request.method == "GET":
        kinds = context["kinds"]
        return render(ctx, "meetings/meeting_form.html", values={"kind": kinds[0]}, **context)
    data, errors = forms.meeting_input(ctx, kinds=context["kinds"])
    if not errors:
        try:
            meeting = service.create_meeting(
                ctx.db,
                principal=ctx.principal,
                actor_id=ctx.person_id,
                board_id=board.id,
                data=data,
                domain=_uid_domain(ctx),
            )
        except (ValidationFailed, RuleViolation) as exc:
            return _form_failed(ctx, exc, context)
        if (clash := _clash_warning(ctx, board.id, data, meeting.id, context)) is not None:
            return clash
        ctx.flash(_("Mødet er oprettet, og dagsordenen er lagt ud fra skabelonen."))
        return redirect(ctx, "meeting", meeting_id=meeting.id)
    return form_errors(
        ctx, "meetings/meeting_form.html", errors, **context, notice_short=data.override_notice
    )


def _clash_warning(
    ctx: Ctx, board_id: int, data: service.MeetingInput, meeting_id: int | None, context: dict[str, Any]
) -> Response | None:
    """After the meeting passed every rule: the form again, and nothing saved, when the board already
    meets then, unless the chair has seen exactly these clashes and chose to go on ("Gem alligevel"
    sends their ids back). Asked last, so a short notice or a typo is dealt with first."""
    if data.starts_at is None or data.ends_at is None:
        return None
    clashes = lookup.find_clashes(
        ctx.db, board_id=board_id, starts_at=data.starts_at, ends_at=data.ends_at, exclude_id=meeting_id
    )
    accepted = {int(v) for v in ctx.value("accept_clash").split(",") if v.isdigit() and len(v) < 18}
    if not clashes or {m.id for m in clashes} <= accepted:
        return None
    values = {
        k: v[0] if len(v) == 1 else v for k, v in ctx.form.items() if k not in ("csrf_token", "accept_clash")
    }
    return form_errors(
        ctx,
        "meetings/meeting_form.html",
        {},
        status_code=409,
        values=values,
        clashes=clashes,
        clash_ids=",".join(str(m.id) for m in clashes),
        notice_short=data.override_notice,
        **context,
    )


def _form_failed(ctx: Ctx, exc: ValidationFailed | RuleViolation, context: dict[str, Any]) -> Response:
    if exc.code == "notice_too_short":
        return form_errors(ctx, "meetings/meeting_form.html", {}, notice_short=exc.message, **context)
    if isinstance(exc, RuleViolation):
        return form_errors(ctx, "meetings/meeting_form.html", {"_rule": exc.message}, **context)
    notice = bool(ctx.value("override_notice"))
    return form_errors(
        ctx, "meetings/meeting_form.html", forms.meeting_errors(exc.fields), notice_short=notice, **context
    )


@page
def meeting_edit(ctx: Ctx) -> Response:
    meeting = lookup.meeting_for(ctx, Action.MANAGE)
    context = _form_context(ctx, meeting.board, meeting)
    if ctx.request.method == "GET":
        return render(ctx, "meetings/meeting_form.html", values=forms.meeting_values(meeting), **context)
    kinds = (meeting.kind,)
    data, errors = forms.meeting_input(ctx, kinds=kinds)
    if errors:
        return form_errors(
            ctx, "meetings/meeting_form.html", errors, notice_short=data.override_notice, **context
        )
    try:
        moved = invitations.change_meeting(
            ctx.db, meeting, actor_id=ctx.person_id, data=data, settings=ctx.settings
        )
    except (ValidationFailed, RuleViolation) as exc:
        return _form_failed(ctx, exc, context)
    if (clash := _clash_warning(ctx, meeting.board_id, data, meeting.id, context)) is not None:
        return clash  # the form again: nothing is saved, and nobody is told
    if moved and meeting.invited_at is not None:
        ctx.flash(_("Mødet er ændret. De indbudte får besked om det nye tidspunkt eller sted."))
    else:
        ctx.flash(_("Mødet er ændret."))
    return redirect(ctx, "meeting", meeting_id=meeting.id)


@page
def meeting_cancel(ctx: Ctx) -> Response:
    meeting = lookup.meeting_for(ctx, Action.MANAGE)
    context: dict[str, Any] = {"meeting": meeting, "active_nav": "home"}
    if ctx.request.method == "GET":
        return render(ctx, "meetings/cancel.html", **context)
    try:
        invitations.cancel_meeting(
            ctx.db, meeting, actor_id=ctx.person_id, reason=ctx.value("reason"), settings=ctx.settings
        )
    except ValidationFailed as exc:
        return form_errors(ctx, "meetings/cancel.html", {"reason": exc.message}, **context)
    except RuleViolation as exc:
        return form_errors(ctx, "meetings/cancel.html", {"_rule": exc.message}, **context)
    ctx.flash(_("Mødet er aflyst."))
    return redirect(ctx, "meeting", meeting_id=meeting.id)


def timeline_rows(meetings: list[Meeting], now: datetime) -> list[dict[str, Any]]:
    """Each meeting with its deadlines; overdue ones first, then by the next open deadline."""
    rows = []
    for meeting in meetings:
        marks = [(m, m.status(now)) for m in timeline.milestones_of(meeting)]
        # A passed proposal deadline is simply closed; only a missed duty counts as overdue.
        overdue = [(m, s) for m, s in marks if s == "overdue" and m.key != "proposals_due"]
        pending = [(m, s) for m, s in marks if s in ("due_today", "upcoming")]
        following = overdue[0] if overdue else (pending[0] if pending else None)
        due = following[0].due if following else meeting.starts_at
        rows.append(
            {
                "meeting": meeting,
                "next": following[0] if following else None,
                "status": following[1] if following else "done",
                "key": (0 if overdue else 1, due, meeting.id),
            }
        )
    return sorted(rows, key=lambda r: r["key"])


@page
def timeline_page(ctx: Ctx) -> Response:
    """The statutory deadlines of the reader's upcoming meetings (``access.in_own_diary``)."""
    ctx.require_login()
    now = utcnow()
    meetings = [
        m
        for m in lookup.list_meetings(ctx.db, principal=ctx.principal, start=now, limit=500)
        if m.status != "cancelled" and access.in_own_diary(ctx.principal, m)
    ]
    return render(ctx, "meetings/timeline.html", rows=timeline_rows(meetings, now), active_nav="timeline")


routes = [
    Route("/timeline", timeline_page, name="timeline"),
    Route("/meetings/{meeting_id:id}", meeting_page, name="meeting"),
    Route("/boards/{board_id:id}/meetings/new", meeting_new, methods=["GET", "POST"], name="meeting_new"),
    Route("/meetings/{meeting_id:id}/edit", meeting_edit, methods=["GET", "POST"], name="meeting_edit"),
    Route("/meetings/{meeting_id:id}/cancel", meeting_cancel, methods=["GET", "POST"], name="meeting_cancel"),
    *agenda_routes,
    *department_routes,
    *board_meeting_routes,
]
