"""Pages of the minutes: read (residents once published), write, submit, approve, comment, publish, PDF."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.meetings import access, lookup
from boardkit.meetings.invitations import send_plan
from boardkit.meetings.invitations.views import confirm_page  # the one confirmation page of mass sends
from boardkit.meetings.minutes import election, form
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import Meeting, Minutes
from boardkit.org import service as org_service


def _load(ctx: Ctx) -> tuple[Meeting, Minutes | None]:
    ctx.require_login()
    return minutes_service.load_minutes(
        ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id")
    )


def _existing(ctx: Ctx) -> tuple[Meeting, Minutes]:
    ctx.require_login()
    return minutes_service.existing_minutes(
        ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id")
    )


def minutes_context(ctx: Ctx, meeting: Meeting, minutes: Minutes | None) -> dict[str, Any]:
    """What the minutes page shows this reader."""
    m = minutes_service
    principal = ctx.principal
    insider = m.is_insider(principal, meeting)
    manage = access.can_manage(principal, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "minutes": minutes,
        "insider": insider,
        "manage": manage,
        "may_edit": m.may_edit(principal, meeting, minutes) and meeting.status != "cancelled",
        "active_nav": "home",
        "stats": None,
        "approvers": [],
        "comments": [],
        "may_approve": False,
        "versions": [],
        "diff": None,
        "diff_version": 0,
        "via_link": False,
        "election": None,
    }
    if minutes is None:
        return context
    content = m.content_for(principal, meeting, minutes.content)
    context["content"] = content
    context["election"] = election.display(content)
    context["decision_year"] = meeting.starts_at.year
    if insider:
        approval = minutes_service
        approvers = approval.approvers(ctx.db, meeting, minutes)
        context.update(
            approvers=approvers,
            comments=approval.comments(ctx.db, minutes),
            may_approve=approval.may_approve(principal, meeting)
            and minutes.status in ("submitted", "approved")
            and any(a.person_id == principal.person_id and a.approved_at is None for a in approvers),
            versions=m.list_versions(ctx.db, minutes=minutes),
        )
        shown = ctx.query_int("diff") or minutes.version
        context["diff_version"] = shown
        context["diff"] = m.version_diff(ctx.db, minutes=minutes, number=shown)
    if manage and minutes.status == "published":
        context["stats"] = minutes_service.read_stats(ctx.db, minutes=minutes)
    return context


@page
def minutes_page(ctx: Ctx) -> Response:
    """The minutes; opening published minutes marks their notice read for this reader."""
    meeting, minutes = _load(ctx)
    context = minutes_context(ctx, meeting, minutes)
    if minutes is not None and minutes.status == "published":
        mark = minutes_service.read_mark(ctx.db, minutes=minutes, person_id=ctx.person_id)
        if mark is not None:
            ctx.bookkeep(("minutes_read", minutes.id, ctx.person_id), mark)
            if context.get("stats") is not None:  # this reader counts already, as their mark is on its way
                stats = minutes_service.read_stats(ctx.db, minutes=minutes, reading=ctx.person_id)
                context["stats"] = stats
    return render(ctx, "meetings/minutes.html", **context)


def minutes_by_link(ctx: Ctx, minutes_id: int, person_id: int) -> Response | None:
    """Published minutes as residents read them (closed items as "Lukket punkt"), shown by a notice's
    personal link to the person it was sent to, without a login — when they are public material (a
    resident of the department may read them) and that person may read them; None otherwise (the
    link then asks for a login as usual)."""
    minutes = ctx.db.get(Minutes, minutes_id)
    person = ctx.db.get(org_service.Person, person_id)
    if minutes is None or minutes.status != "published" or person is None or not person.active:
        return None
    meeting = ctx.db.get(Meeting, minutes.meeting_id)
    department_id = (meeting.department_id or meeting.board.department_id) if meeting else None
    if meeting is None or department_id is None:
        return None  # organisation board minutes are no department's public material
    any_resident = Principal(person_id=0, resident_department_ids=frozenset({department_id}))
    for reader in (any_resident, org_service.build_principal(ctx.db, person_id=person.id)):
        try:
            minutes_service.get_minutes(ctx.db, principal=reader, meeting_id=meeting.id)
        except NotFound:
            return None
    lookup.load_agenda(ctx.db, meeting)
    # The context is built for the anonymous reader, so only the public version is ever shown here.
    response = render(
        ctx, "meetings/minutes.html", **{**minutes_context(ctx, meeting, minutes), "via_link": True}
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the address holds the personal link
    return response


# --- writing --------------------------------------------------------------------------------


@page
def minutes_edit(ctx: Ctx) -> Response:
    ctx.require_login()
    meeting, minutes = minutes_service.editable_minutes(
        ctx.db, principal=ctx.principal, meeting_id=ctx.int_param("meeting_id")
    )
    content = minutes.content if minutes is not None else minutes_service.blank_content(ctx.db, meeting)
    context = form.form_context(ctx, meeting, minutes, content)
    if ctx.request.method == "GET":
        values = form.form_values(content, form.default_leaving(context))
        return render(ctx, "meetings/minutes_form.html", values=values, **context)
    data, errors = form.form_input(ctx, meeting)
    if not errors:
        try:
            saved = minutes_service.save_minutes(ctx.db, principal=ctx.principal, meeting=meeting, data=data)
        except ValidationFailed as exc:
            errors = {k: str(v) for k, v in exc.fields.items()}
        except Conflict as exc:
            errors = {"_rule": exc.message}
        else:
            if (
                saved.status == "submitted"
                and saved.version > 1
                and minutes is not None
                and minutes.version > 1
            ):
                ctx.flash(
                    _(
                        "Referatet er gemt som version %(n)s. Bestyrelsen skal godkende det igen.",
                        n=saved.version,
                    )
                )
            else:
                ctx.flash(_("Referatet er gemt."))
            return redirect(ctx, "minutes", meeting_id=meeting.id)
    return form_errors(ctx, "meetings/minutes_form.html", form.field_errors(errors, meeting), **context)


def _action(ctx: Ctx, run: Any, done: str) -> Response:
    meeting, minutes = _existing(ctx)
    try:
        run(meeting, minutes)
    except Conflict as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(done)
    return redirect(ctx, "minutes", meeting_id=meeting.id)


@page
def minutes_submit(ctx: Ctx) -> Response:
    def run(meeting: Meeting, minutes: Minutes) -> None:
        minutes_service.submit(
            ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, settings=ctx.settings
        )

    return _action(ctx, run, _("Referatet er sendt til bestyrelsen til godkendelse."))


@page
def minutes_approve(ctx: Ctx) -> Response:
    meeting, minutes = _existing(ctx)
    try:
        done = minutes_service.approve(
            ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, settings=ctx.settings
        )
    except Conflict as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(
            _("Tak. Referatet er nu godkendt og låst.") if done else _("Tak. Din godkendelse er registreret.")
        )
    return redirect(ctx, "minutes", meeting_id=meeting.id)


@page
def minutes_comment(ctx: Ctx) -> Response:
    meeting, minutes = _existing(ctx)
    try:
        minutes_service.comment(
            ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, text=ctx.value("text")
        )
    except (ValidationFailed, Conflict) as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(_("Din bemærkning er gemt."))
    response = redirect(ctx, "minutes", meeting_id=meeting.id)
    response.headers["location"] += "#approval-heading"
    return response


def _confirm_publish(ctx: Ctx, meeting: Meeting, groups: list[Any], *, changed: bool) -> Response:
    return confirm_page(
        ctx,
        meeting,
        groups=groups,
        heading=_("Udgiv referatet"),
        lead=_(
            "Referatet bliver offentligt for dem, der må læse det, og modtagerne får besked. "
            "Kontrollér listen, og udgiv med ét tryk."
        ),
        action_url=ctx.url("minutes_publish", meeting_id=meeting.id),
        button=_("Udgiv referatet"),
        back_url=ctx.url("minutes", meeting_id=meeting.id),
        changed=changed,
    )


@page
def minutes_publish(ctx: Ctx) -> Response:
    """ "Udgiv referatet": GET (or a POST without the confirmation) shows who gets what; the confirmed
    POST publishes."""
    meeting, minutes = _existing(ctx)
    try:
        minutes_service.check_publish(ctx.principal, meeting, minutes)
    except Conflict as exc:
        ctx.flash(exc.message, "error")
        return redirect(ctx, "minutes", meeting_id=meeting.id)
    plan = minutes_service.plan_publication(ctx.db, meeting=meeting, settings=ctx.settings)
    groups = send_plan.groups_of_notice(plan)
    confirmed = ctx.value("confirmed")
    if ctx.request.method == "GET" or not confirmed:
        return _confirm_publish(ctx, meeting, groups, changed=False)
    if send_plan.fingerprint(groups) != confirmed:
        return _confirm_publish(ctx, meeting, groups, changed=True)
    try:
        minutes_service.publish(
            ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes, settings=ctx.settings
        )
    except Conflict as exc:
        ctx.flash(exc.message, "error")
    else:
        ctx.flash(_("Referatet er udgivet. Modtagerne får besked."))
    return redirect(ctx, "minutes", meeting_id=meeting.id)


@page
def minutes_pdf(ctx: Ctx) -> Response:
    meeting, minutes = _existing(ctx)
    data = minutes_service.minutes_pdf(ctx.db, principal=ctx.principal, meeting=meeting, minutes=minutes)
    return minutes_service.pdf_response(data, meeting)


routes = [
    Route("/meetings/{meeting_id:id}/minutes", minutes_page, name="minutes"),
    Route(
        "/meetings/{meeting_id:id}/minutes/edit", minutes_edit, methods=["GET", "POST"], name="minutes_edit"
    ),
    Route(
        "/meetings/{meeting_id:id}/minutes/submit", minutes_submit, methods=["POST"], name="minutes_submit"
    ),
    Route(
        "/meetings/{meeting_id:id}/minutes/approve", minutes_approve, methods=["POST"], name="minutes_approve"
    ),
    Route(
        "/meetings/{meeting_id:id}/minutes/comment", minutes_comment, methods=["POST"], name="minutes_comment"
    ),
    Route(
        "/meetings/{meeting_id:id}/minutes/publish",
        minutes_publish,
        methods=["GET", "POST"],
        name="minutes_publish",
    ),
    Route("/meetings/{meeting_id:id}/minutes.pdf", minutes_pdf, name="minutes_pdf"),
]
