"""Urafstemning's pages for those who manage them: the demand recorded at a department meeting
(how many demand it, of how many present, against the organisation's share), a call by the board,
the list of a department's urafstemninger with their status, and the administration's form for
registering a returned paper ballot by its one-time code (the code is never shown back)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.db import utcnow
from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Resource, can
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.democracy import access, roll, urafstemning
from boardkit.democracy.models import Question
from boardkit.democracy.settings import demand_share
from boardkit.meetings.service import Meeting
from boardkit.org import service as org_service

CHOICES = [("", "—"), ("yes", "Ja"), ("no", "Nej"), ("blank", "Blank")]


def _errors(exc: AppError) -> dict[str, str]:
    """A field's entry is a message, or a code (then the error's message says it)."""
    fields = {k: str(v) if " " in str(v) else exc.message for k, v in exc.fields.items()}
    if exc.code == "demand_below_threshold" or not fields:
        fields = {"_form": exc.message, **{k: v for k, v in fields.items() if k != "_form"}}
    return fields


def _again(ctx: Ctx, template: str, exc: AppError, *, hide: tuple[str, ...] = (), **context: Any) -> Response:
    """The form again with the service's messages and status (403 and 404 stay what they are)."""
    if exc.status in (403, 404) and exc.code not in ("unknown_code",):
        raise exc
    values = {k: v[0] if len(v) == 1 else v for k, v in ctx.form.items() if k not in ("csrf_token", *hide)}
    return form_errors(ctx, template, _errors(exc), status_code=exc.status, values=values, **context)


def _moment(ctx: Ctx, name: str, *, required: bool) -> datetime | None:
    """A local (Copenhagen) date and time from a datetime-local field, as an aware moment."""
    raw = ctx.value(name)
    if not raw:
        if required:
            raise ValidationFailed(
                _("Nogle felter skal rettes."), fields={name: _("Skriv dato og klokkeslæt.")}
            )
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            _("Nogle felter skal rettes."), fields={name: _("Skriv dato og klokkeslæt som 2027-03-15 20:00.")}
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def _count(ctx: Ctx, name: str) -> int | None:
    raw = ctx.value(name)
    if not raw.isdigit() or len(raw) > 6:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields={name: _("Skriv et helt tal.")})
    return int(raw)


def _optional_id(ctx: Ctx, name: str) -> int | None:
    raw = ctx.value(name)
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _local_input(value: datetime) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%dT%H:%M")


def _default_close() -> str:
    """Three weeks from today at noon: a suggestion for the close."""
    return _local_input(
        utcnow().astimezone(TZ).replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(weeks=3)
    )


# --- from a meeting --------------------------------------------------------------------------------


def _meeting_context(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    department_id = meeting.department_id or meeting.board.department_id
    share = demand_share(ctx.db, meeting.board.organisation_id)
    found = roll.get_roll(ctx.db, meeting.id)
    present = roll.attendance(ctx.db, found).residents_present if found is not None else None
    questions = (
        list(
            ctx.db.scalars(
                select(Question)
                .where(Question.meeting_id == meeting.id, Question.kind != urafstemning.KIND)
                .order_by(Question.id)
            )
        )
        if found is not None
        else []
    )
    items = [(str(i.id), f"{i.position}. {i.title}") for i in meeting.items if not i.closed]
    return {
        "meeting": meeting,
        "department_id": department_id,
        "share": share,
        "percent": urafstemning.percent(share),
        "present_default": present,
        "items": [("", _("Intet bestemt punkt")), *items],
        "questions": [("", _("Ingen")), *[(str(q.id), q.text[:120]) for q in questions]],
        "close_default": _default_close(),
        "active_nav": "home",
    }


@page
def call_from_meeting(ctx: Ctx) -> Response:
    """The demand recorded at the department meeting: how many of those present demand it."""
    ctx.require_login()
    meeting = access.managed_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))
    context = _meeting_context(ctx, meeting)
    template = "democracy/urafstemning_call.html"
    if ctx.request.method == "GET":
        return render(ctx, template, errors={}, values={}, **context)
    try:
        question = urafstemning.call(
            ctx.db,
            ctx.principal,
            meeting_id=meeting.id,
            department_id=context["department_id"],
            source_question_id=_optional_id(ctx, "source_question_id"),
            agenda_item_id=_optional_id(ctx, "agenda_item_id"),
            text=ctx.value("question"),
            opens_at=_moment(ctx, "opens_at", required=False),
            closes_at=_moment(ctx, "closes_at", required=True),
            called_by="meeting",
            demanding=_count(ctx, "demanding"),
            present=_count(ctx, "present"),
            settings=ctx.settings,
        )
    except AppError as exc:
        return _again(ctx, template, exc, **context)
    ctx.flash(_("Urafstemningen er sat i gang. Stemmesedler og meddelelser sendes til alle husstande."))
    return redirect(ctx, "democracy_urafstemninger", department_id=question.department_id)


# --- a department's urafstemninger, and the board's call -----------------------------------------


def _list_context(ctx: Ctx, department: org_service.Department) -> dict[str, Any]:
    summaries = urafstemning.list_for_department(ctx.db, ctx.principal, department.id)
    staff = can(
        ctx.principal,
        Action.ADMINISTER,
        Resource(organisation_id=department.organisation_id, department_id=department.id),
    )
    return {
        "department": department,
        "summaries": summaries,
        "staff": staff,
        "now": utcnow(),
        "close_default": _default_close(),
        "active_nav": "home",
    }


@page
def department_list(ctx: Ctx) -> Response:
    """The department's urafstemninger with status and turnout; the board calls a new one here."""
    ctx.require_login()
    department = urafstemning.managed_department(ctx.db, ctx.principal, ctx.int_param("department_id"))
    template = "democracy/urafstemning_list.html"
    context = _list_context(ctx, department)
    if ctx.request.method == "GET":
        return render(ctx, template, errors={}, values={}, **context)
    try:
        urafstemning.call(
            ctx.db,
            ctx.principal,
            department_id=department.id,
            text=ctx.value("question"),
            opens_at=_moment(ctx, "opens_at", required=False),
            closes_at=_moment(ctx, "closes_at", required=True),
            called_by="board",
            settings=ctx.settings,
        )
    except AppError as exc:
        return _again(ctx, template, exc, **context)
    ctx.flash(_("Urafstemningen er sat i gang. Stemmesedler og meddelelser sendes til alle husstande."))
    return redirect(ctx, "democracy_urafstemninger", department_id=department.id)


# --- paper ballots ----------------------------------------------------------------------------------


@page
def paper_ballots(ctx: Ctx) -> Response:
    """The administration registers a returned paper ballot: its one-time code and its 1 or 2 votes.
    The code typed is never shown back, not even with an error."""
    ctx.require_login()
    question = urafstemning.administered_question(
        ctx.db, ctx.principal, ctx.db.get(Question, ctx.int_param("question_id"))
    )
    template = "democracy/urafstemning_paper.html"
    context: dict[str, Any] = {"question": question, "choices": CHOICES, "active_nav": "home"}
    if ctx.request.method == "GET":
        return render(ctx, template, errors={}, values={}, **context)
    try:
        n = urafstemning.register_paper_ballot(
            ctx.db,
            ctx.principal,
            question_id=question.id,
            code=ctx.value("code"),
            choices=[ctx.value("choice1"), ctx.value("choice2")],
        )
    except AppError as exc:
        if "choices" in exc.fields:
            exc.fields["choice1"] = exc.fields.pop("choices")
        return _again(ctx, template, exc, hide=("code",), **context)
    ctx.flash(_("Stemmesedlen er registreret (%(n)s stemmer).", n=n))
    return redirect(ctx, "democracy_paper_ballots", question_id=question.id)


routes = [
    Route(
        "/meetings/{meeting_id:int}/urafstemning",
        call_from_meeting,
        methods=["GET", "POST"],
        name="democracy_urafstemning_call",
    ),
    Route(
        "/departments/{department_id:int}/urafstemninger",
        department_list,
        methods=["GET", "POST"],
        name="democracy_urafstemninger",
    ),
    Route(
        "/urafstemninger/{question_id:int}/paper-ballots",
        paper_ballots,
        methods=["GET", "POST"],
        name="democracy_paper_ballots",
    ),
]
