"""Pages for invitations: send them, answer them (signed link or logged in), the personal calendar feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from boardkit.core import calendar_extras
from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound, RuleViolation, ValidationFailed
from boardkit.core.i18n import _, ngettext
from boardkit.core.permissions import Action, Principal
from boardkit.core.web import Ctx, file_response, page, redirect, render
from boardkit.meetings import access, calendar, feeds, lookup, rsvp
from boardkit.meetings.invitations import send_plan
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import RSVP_RESPONSES, AgendaItem, Meeting
from boardkit.org import service as org_service

FEED_PAST = timedelta(days=365)  # the feed shows the last year and everything ahead
FEED_LIMIT = 2000


def confirm_page(
    ctx: Ctx,
    meeting: Meeting,
    *,
    groups: list[send_plan.Group],
    heading: str,
    lead: str,
    action_url: str,
    button: str,
    back_url: str,
    changed: bool = False,
) -> Response:
    """The one question before a mass send: who gets what, then one button (nothing is sent here)."""
    total = send_plan.total(groups)
    return render(
        ctx,
        "meetings/send_confirm.html",
        status_code=409 if changed else 200,
        meeting=meeting,
        heading=heading,
        lead=lead,
        groups=groups,
        total=total,
        fingerprint=send_plan.fingerprint(groups),
        action_url=action_url,
        button=button,
        back_url=back_url,
        changed=changed,
        nothing_to_send=total == 0,
        active_nav="home",
    )


def _confirm_invitations(
    ctx: Ctx, meeting: Meeting, groups: list[send_plan.Group], *, changed: bool
) -> Response:
    total = send_plan.total(groups)
    return confirm_page(
        ctx,
        meeting,
        groups=groups,
        heading=_("Send indkaldelse"),
        lead=_(
            "Indkaldelsen går til alle, der ikke allerede har mødet, som det er nu. "
            "Kontrollér listen, og send den med ét tryk."
        ),
        action_url=ctx.url("meeting_invitations", meeting_id=meeting.id),
        button=ngettext("Send indkaldelse til %(num)s", "Send indkaldelse til %(num)s", total),
        back_url=ctx.url("meeting", meeting_id=meeting.id),
        changed=changed,
    )


@page
def send(ctx: Ctx) -> Response:
    """The chair's "Send indkaldelse": GET (or a POST without the confirmation) shows who gets what;
    the confirmed POST sends to everyone not yet reached with the meeting as it is now."""
    meeting = lookup.meeting_for(ctx, Action.MANAGE)
    try:
        invitations.check_open(meeting)
    except RuleViolation as exc:
        ctx.flash(exc.message, "error")
        return redirect(ctx, "meeting", meeting_id=meeting.id)
    confirmed = ctx.value("confirmed")
    if ctx.request.method == "GET" or not confirmed:
        groups = send_plan.groups_of_invitations(send_plan.plan_invitations(ctx.db, meeting=meeting))
        return _confirm_invitations(ctx, meeting, groups, changed=False)
    groups = send_plan.groups_of_invitations(send_plan.plan_invitations(ctx.db, meeting=meeting))
    if send_plan.fingerprint(groups) != confirmed:
        return _confirm_invitations(ctx, meeting, groups, changed=True)
    sent = invitations.send_invitations(
        ctx.db, meeting=meeting, settings=ctx.settings, actor_id=ctx.person_id
    )
    if sent.queued or sent.paper:
        message = _(
            "Indkaldelsen er sendt: %(emails)s og %(letters)s.",
            emails=ngettext("%(num)s på e-mail", "%(num)s på e-mail", sent.queued),
            letters=ngettext("%(num)s brev til print", "%(num)s breve til print", sent.paper),
        )
    else:
        message = _("Alle er allerede indkaldt. Der er ikke sendt noget nyt.")
    if sent.unreachable:
        message += " " + ngettext(
            "%(num)s inviteret har ingen e-mailadresse. Kontakt vedkommende selv.",
            "%(num)s inviterede har ingen e-mailadresse. Kontakt dem selv.",
            sent.unreachable,
        )
    ctx.flash(
        message, "warning" if sent.unreachable else ("success" if sent.queued or sent.paper else "info")
    )
    return redirect(ctx, "meeting", meeting_id=meeting.id)


# --- RSVP ---------------------------------------------------------------------------------


def rsvp_panel(ctx: Ctx, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page shows about answers: my own (with the form) and, for the board, everyone's."""
    principal = ctx.principal
    invitee = meeting.status != "cancelled" and rsvp.is_invitee(ctx.db, meeting=meeting, principal=principal)
    mine = (
        rsvp.get_response(ctx.db, meeting_id=meeting.id, person_id=principal.person_id)
        if principal.person_id
        else None
    )
    board = rsvp.can_see_rsvps(principal, access.meeting_resource(meeting))
    return {
        "invitee": invitee and meeting.ends_at >= utcnow(),
        "mine": mine,
        "summary": rsvp.rsvp_summary(ctx.db, meeting=meeting) if board else None,
        "responses": RSVP_RESPONSES,
    }


@page
def answer(ctx: Ctx) -> Response:
    """The logged-in invitee's answer from the meeting page."""
    meeting = lookup.meeting_for(ctx)
    try:
        rsvp.answer(ctx.db, meeting=meeting, principal=ctx.principal, response=ctx.value("response"))
    except (ValidationFailed, RuleViolation) as exc:
        ctx.flash(exc.message, "error")
        return redirect(ctx, "meeting", meeting_id=meeting.id)
    ctx.flash(_("Tak for dit svar."))
    return redirect(ctx, "meeting", meeting_id=meeting.id)


TOKEN_PAGE_DEFAULTS: dict[str, Any] = {
    "meeting": None,
    "problem": None,
    "done": None,
    "error": None,
    "chosen": None,
    "pending": None,
    "mine": None,
    "person_name": "",
    "place": "",
    "responses": RSVP_RESPONSES,
}


def _token_page(ctx: Ctx, token: str, **context: Any) -> Response:
    return render(ctx, "meetings/rsvp.html", token=token, **{**TOKEN_PAGE_DEFAULTS, **context})


@page
def answer_by_link(ctx: Ctx) -> Response:
    """The signed link from the e-mail (``?response=`` names the button clicked there).

    A GET never records anything: mail scanners and link previews fetch every link in a message,
    all three answers included. The page the link opens carries the chosen answer in a form that a
    script submits at once (``data-autosubmit`` in ``static/js/app.js``), so a person's first click
    records it without a second tap; a fetch that runs no script records nothing, and without
    JavaScript one tap on "Bekræft" does it. The POST answers 303 to the same link, whose page shows
    the answer recorded and the buttons to change it.
    """
    token = ctx.param("token")
    check = rsvp.read_token(secret_key=ctx.settings.secret_key, token=token)
    if not check.meeting_id:
        return _token_page(ctx, token, problem="invalid", status_code=410)
    meeting = ctx.db.get(Meeting, check.meeting_id, options=[joinedload(Meeting.board)])
    person = ctx.db.get(org_service.Person, check.person_id) if meeting else None
    if meeting is None or person is None:
        return _token_page(ctx, token, problem="invalid", status_code=410)
    if check.expired or meeting.ends_at < utcnow():
        return _token_page(ctx, token, problem="expired", meeting=meeting, status_code=410)
    if meeting.status == "cancelled":
        return _token_page(ctx, token, problem="cancelled", meeting=meeting, status_code=410)
    if not rsvp.may_answer_by_link(ctx.db, meeting=meeting, person_id=person.id):
        return _token_page(ctx, token, problem="not_invitee", status_code=410)
    common = {
        "meeting": meeting,
        "person_name": person.name,
        "place": calendar.place_of(meeting) if meeting.location or meeting.room else "",
    }
    if ctx.request.method == "POST":
        response = ctx.value("response")
        try:
            rsvp.set_rsvp(ctx.db, meeting=meeting, person_id=person.id, response=response)
        except ValidationFailed as exc:
            return _token_page(ctx, token, error=exc.message, status_code=422, **common)
        return RedirectResponse(ctx.url("rsvp", token=token, _query={"recorded": "1"}), status_code=303)
    mine = rsvp.get_response(ctx.db, meeting_id=meeting.id, person_id=person.id)
    chosen = ctx.request.query_params.get("response")
    chosen = chosen if chosen in RSVP_RESPONSES else None
    recorded = ctx.request.query_params.get("recorded") == "1" and mine is not None
    return _token_page(
        ctx,
        token,
        chosen=chosen,
        mine=mine,
        done=mine if recorded or (chosen is not None and chosen == mine) else None,
        pending=chosen if chosen is not None and chosen != mine else None,
        **common,
    )


# --- the personal calendar feed -----------------------------------------------------------


def feed_text(db: Session, *, principal: Principal, base_url: str, mail_from: str) -> str:
    """The person's meetings (``access.in_own_diary``), last year and ahead, as one PUBLISH calendar, with
    the all-day events other domains give for the person and their boards (``core.calendar_extras``)."""
    meetings = [
        m
        for m in lookup.list_meetings(db, principal=principal, start=utcnow() - FEED_PAST, limit=FEED_LIMIT)
        if access.in_own_diary(principal, m)
    ]
    agendas: dict[int, list[calendar.AgendaEntry]] = {m.id: [] for m in meetings}
    if agendas:
        rows = db.execute(
            select(AgendaItem.meeting_id, AgendaItem.position, AgendaItem.title, AgendaItem.closed)
            .where(AgendaItem.meeting_id.in_(list(agendas)), AgendaItem.person_case.is_(False))
            .order_by(AgendaItem.meeting_id, AgendaItem.position)
        )
        # As in notices: the meeting's numbers, a closed item untitled, person cases left out.
        for meeting_id, position, title, closed in rows:
            agendas[meeting_id].append((position, None if closed else title))
    extras = (
        calendar_extras.feed_events(db, person_id=principal.person_id, board_ids=principal.board_roles)
        if principal.person_id is not None
        else []
    )
    return calendar.feed(
        meetings, base_url=base_url, mail_from=mail_from, agendas=agendas, name=_("Mine møder"), extras=extras
    )


@page
def feed(ctx: Ctx) -> Response:
    """``/calendar/{token}.ics``: the secret URL is the only key (calendar apps cannot log in)."""
    person_id = feeds.resolve_feed_token(ctx.db, secret_key=ctx.settings.secret_key, token=ctx.param("token"))
    person = ctx.db.get(org_service.Person, person_id) if person_id else None
    if person is None or not person.active:
        raise NotFound()
    principal = org_service.build_principal(ctx.db, person_id=person.id)
    body = feed_text(
        ctx.db, principal=principal, base_url=ctx.settings.base_url, mail_from=ctx.settings.mail_from
    )
    return file_response(
        body.encode(),
        "text/calendar; charset=utf-8",
        "boardkit.ics",
        inline=True,
        cache="private, max-age=300",
        headers={"X-Robots-Tag": "noindex"},
    )


@page
def feed_regenerate(ctx: Ctx) -> Response:
    """ "Lav nyt link": a new secret feed URL; the old one stops working at once."""
    ctx.require_login()
    feeds.regenerate_feed(ctx.db, person_id=ctx.person_id, secret_key=ctx.settings.secret_key)
    ctx.flash(_("Du har fået et nyt kalenderlink. Det gamle virker ikke længere."))
    return redirect(ctx, "accounts:profile")


routes = [
    Route("/meetings/{meeting_id:id}/invitations", send, methods=["GET", "POST"], name="meeting_invitations"),
    Route("/meetings/{meeting_id:id}/rsvp", answer, methods=["POST"], name="meeting_rsvp"),
    Route("/rsvp/{token}", answer_by_link, methods=["GET", "POST"], name="rsvp"),
    Route("/calendar/{token}.ics", feed, name="calendar_feed"),
    Route("/profile/calendar-feed", feed_regenerate, methods=["POST"], name="calendar_feed_regenerate"),
]
