"""The meetings domain's public face for the rest of boardkit: meetings scheduled, changed and cancelled.

It imports only downward: the loaders and access checks (``lookup``, ``access``), the agenda
(``agenda``), files, RSVPs and the calendar feed are their own modules, which every part of the
meetings domain imports directly; this module re-exports what other domains use of them. The
sub-domains have their own faces: ``meetings.invitations.service``, ``meetings.proposals.service``,
``meetings.minutes.service`` and ``meetings.packs.service``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Forbidden, RuleViolation, ValidationFailed
from boardkit.core.i18n import _, ngettext
from boardkit.core.permissions import Action, Principal, can
from boardkit.core.templating import TZ
from boardkit.meetings import pack_queue, search_docs, timeline
from boardkit.meetings.access import AgendaLine as AgendaLine
from boardkit.meetings.access import agenda_lines as agenda_lines
from boardkit.meetings.access import can_manage as can_manage
from boardkit.meetings.access import can_see_closed as can_see_closed
from boardkit.meetings.access import in_own_diary as in_own_diary
from boardkit.meetings.access import is_board_reader as is_board_reader
from boardkit.meetings.access import meeting_resource as meeting_resource
from boardkit.meetings.access import visible_items as visible_items
from boardkit.meetings.agenda import ItemInput as ItemInput
from boardkit.meetings.agenda import add_item as add_item
from boardkit.meetings.agenda import delete_item as delete_item
from boardkit.meetings.agenda import move_item as move_item
from boardkit.meetings.agenda import update_item as update_item
from boardkit.meetings.attachments import add_attachment as add_attachment
from boardkit.meetings.attachments import attachment_response as attachment_response
from boardkit.meetings.attachments import delete_attachment as delete_attachment
from boardkit.meetings.feeds import calendar_feed_url as calendar_feed_url
from boardkit.meetings.feeds import webcal as webcal
from boardkit.meetings.lookup import find_clashes as find_clashes
from boardkit.meetings.lookup import get_attachment as get_attachment
from boardkit.meetings.lookup import get_item as get_item
from boardkit.meetings.lookup import get_meeting as get_meeting
from boardkit.meetings.lookup import list_meetings as list_meetings
from boardkit.meetings.lookup import list_resident_meetings as list_resident_meetings
from boardkit.meetings.lookup import load_agenda as load_agenda
from boardkit.meetings.lookup import meeting_for as meeting_for
from boardkit.meetings.lookup import previous_meeting
from boardkit.meetings.lookup import residents_clause as residents_clause
from boardkit.meetings.lookup import upcoming_by_board as upcoming_by_board
from boardkit.meetings.models import DEPARTMENT_KINDS, MEETING_KINDS, AgendaItem, Meeting
from boardkit.meetings.models import Attachment as Attachment
from boardkit.meetings.overview import departments as departments
from boardkit.meetings.overview import my_proposals as my_proposals
from boardkit.meetings.overview import published_minutes_for_residents as published_minutes_for_residents
from boardkit.meetings.overview import upcoming_for_residents as upcoming_for_residents
from boardkit.meetings.rsvp import RsvpSummary
from boardkit.meetings.rsvp import answer as answer_rsvp  # noqa: F401  (re-exported)
from boardkit.meetings.rsvp import can_see_rsvps as can_see_rsvps
from boardkit.meetings.rsvp import require_invitee as require_invitee
from boardkit.meetings.rsvp import rsvp_summary as rsvp_summary
from boardkit.meetings.rsvp import set_rsvp as set_rsvp
from boardkit.meetings.timeline import milestones as milestones
from boardkit.meetings.timeline import milestones_of as milestones_of
from boardkit.meetings.timeline import rules_for as rules_for
from boardkit.meetings.timeline import rules_of as rules_of
from boardkit.meetings.timeline import timeline_of as timeline_of
from boardkit.org import service as org_service

MEETING_FIELDS = ("title", "kind", "starts_at", "ends_at", "location", "room", "online_url", "status")

# The ordinary department meeting's standard agenda (DOMAIN.md, fsb.dk).
STANDARD_AGENDA = (
    ("Valg af dirigent", "decision", ""),
    ("Forretningsorden", "decision", ""),
    ("Bestyrelsens beretning", "discussion", ""),
    ("Indkomne forslag", "decision", "proposals"),
    ("Regnskab for aktivitetsmidler", "information", ""),
    ("Budget for aktivitetsmidler", "decision", ""),
    ("Afdelingens budget for næste år", "decision", ""),
    ("Valg", "decision", ""),
    ("Eventuelt", "information", ""),
)
BOARD_AGENDA = (
    ("Godkendelse af dagsorden", "decision", ""),
    ("Godkendelse af referat fra sidste møde", "decision", "approve_minutes"),
    ("Meddelelser fra formanden", "information", ""),
    ("Økonomi", "information", ""),
    ("Eventuelt", "information", ""),
)


@dataclass
class MeetingInput:
    title: str
    kind: str
    starts_at: datetime | None
    ends_at: datetime | None
    location: str = ""
    room: str = ""
    online_url: str = ""
    description: str = ""
    invite_substitutes: bool = False
    override_notice: bool = False
    override_reason: str = ""


def validate_meeting(data: MeetingInput, *, board_kind: str, now: datetime | None = None) -> dict[str, str]:
    """Field errors in Danish (empty when the input can be saved)."""
    now = now or utcnow()
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Skriv mødets titel.")
    elif len(data.title) > 200:
        errors["title"] = _("Titlen må højst have 200 tegn.")
    if data.kind not in MEETING_KINDS:
        errors["kind"] = _("Vælg en mødetype fra listen.")
    elif data.kind in DEPARTMENT_KINDS and board_kind != "department_board":
        errors["kind"] = _("Afdelingsmøder indkaldes af en afdelingsbestyrelse.")
    if data.starts_at is None:
        errors["starts_at"] = _("Skriv starttidspunktet, fx 2027-03-15T19:00.")
    elif data.starts_at < now:
        errors["starts_at"] = _("Mødet kan ikke ligge i fortiden.")
    if data.ends_at is None:
        errors["ends_at"] = _("Skriv sluttidspunktet.")
    elif data.starts_at is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("Mødet skal slutte efter det starter.")
    elif data.starts_at is not None and data.ends_at - data.starts_at > timedelta(hours=24):
        errors["ends_at"] = _("Et møde kan højst vare et døgn.")
    if not data.location.strip() and not data.online_url.strip():
        errors["location"] = _("Skriv et mødested eller et link til et onlinemøde.")
    if data.online_url and not data.online_url.startswith(("https://", "http://")):
        errors["online_url"] = _("Linket skal begynde med https://.")
    for name, limit in (("location", 200), ("room", 100), ("online_url", 500)):
        if len(getattr(data, name)) > limit:
            errors[name] = _("Højst %(n)s tegn.", n=limit)
    return errors


def ensure_notice(*, board: Any, data: MeetingInput, now: datetime | None = None) -> bool:
    """Refuse a department meeting inside its notice period unless overridden with a reason.

    Returns True when the notice is short and the override was used (the caller audits it).
    """
    if data.kind not in DEPARTMENT_KINDS or data.starts_at is None:
        return False
    rules = timeline.rules_for(board.organisation.rules)
    short = timeline.notice_short_by(kind=data.kind, starts_at=data.starts_at, rules=rules, now=now)
    if not short:
        return False
    if data.override_notice and data.override_reason.strip():
        return True
    raise RuleViolation(
        ngettext(
            "Indkaldelsesfristen er overskredet med %(num)s dag. Vælg en senere dato, eller bekræft og "
            "begrund, at mødet indkaldes med kortere varsel.",
            "Indkaldelsesfristen er overskredet med %(num)s dage. Vælg en senere dato, eller bekræft og "
            "begrund, at mødet indkaldes med kortere varsel.",
            short,
        ),
        code="notice_too_short",
        fields={"override_notice": "required"},
    )


def board_to_call(db: Session, *, principal: Principal, board_id: int) -> org_service.Board:
    """The one loader of the board a meeting is called for (the form and ``create_meeting``): a board
    this person sees (404 otherwise) and may call meetings of: the chair, the administration (403)."""
    board = org_service.get_board(db, principal=principal, board_id=board_id)
    if not can(principal, Action.MANAGE, org_service.board_resource(board)):
        raise Forbidden(_("Kun formanden og administrationen kan indkalde til møder."))
    return board


def create_meeting(
    db: Session,
    *,
    principal: Principal,
    actor_id: int,
    board_id: int,
    data: MeetingInput,
    domain: str = "boardkit.local",
) -> Meeting:
    """Schedule a meeting with its starting agenda; a short notice needs an audited override."""
    board = board_to_call(db, principal=principal, board_id=board_id)
    errors = validate_meeting(data, board_kind=board.kind)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    overridden = ensure_notice(board=board, data=data)
    assert data.starts_at is not None and data.ends_at is not None
    meeting = Meeting(
        board_id=board.id,
        department_id=board.department_id if data.kind in DEPARTMENT_KINDS else None,
        kind=data.kind,
        title=data.title.strip(),
        starts_at=data.starts_at.astimezone(UTC),
        ends_at=data.ends_at.astimezone(UTC),
        location=data.location.strip(),
        room=data.room.strip(),
        online_url=data.online_url.strip(),
        description=data.description.strip(),
        invite_substitutes=data.invite_substitutes,
        notice_override_reason=data.override_reason.strip() if overridden else "",
        uid=f"{uuid.uuid4()}@{domain}",
        created_by=actor_id,
    )
    db.add(meeting)
    db.flush()
    meeting.board = board
    add_starting_agenda(db, meeting)
    search_docs.changed(db, meeting.id)
    audit.record(
        db,
        actor_id=actor_id,
        action="meeting.create",
        obj=meeting,
        organisation_id=board.organisation_id,
        summary=meeting.title,
        diff=audit.changes({}, audit.snapshot(meeting, MEETING_FIELDS)),
    )
    if meeting.notice_override_reason:
        audit.record(
            db,
            actor_id=actor_id,
            action="meeting.notice_override",
            obj=meeting,
            organisation_id=board.organisation_id,
            summary=meeting.notice_override_reason,
        )
    return meeting


def add_starting_agenda(db: Session, meeting: Meeting) -> None:
    """The standard nine items for an ordinary department meeting; the board's template otherwise."""
    if meeting.kind == "ordinary_department":
        template: tuple[tuple[str, str, str], ...] = STANDARD_AGENDA
    elif meeting.kind == "extraordinary_department":
        template = (("Valg af dirigent", "decision", ""),)
    else:
        own = meeting.board.organisation.rules.get("board_agenda")
        template = tuple((t, k, r) for t, k, r in own) if own else BOARD_AGENDA
    previous = previous_meeting(db, meeting) if meeting.kind in ("board", "committee") else None
    for position, (title, kind, role) in enumerate(template, start=1):
        db.add(
            AgendaItem(
                meeting_id=meeting.id,
                position=position,
                title=title,
                kind=kind,
                role=role,
                previous_meeting_id=previous.id
                if previous is not None and role == "approve_minutes"
                else None,
            )
        )
    db.flush()
    db.refresh(meeting, ["items"])


def update_meeting(db: Session, meeting: Meeting, *, actor_id: int, data: MeetingInput) -> bool:
    """Change a meeting; returns True when time or place changed (invitees must get an update)."""
    if meeting.status == "cancelled":
        raise RuleViolation(_("Mødet er aflyst og kan ikke ændres."), code="meeting_cancelled")
    errors = validate_meeting(data, board_kind=meeting.board.kind)
    if data.kind != meeting.kind:
        errors["kind"] = _("Mødetypen kan ikke ændres. Aflys mødet, og indkald til et nyt.")
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    overridden = data.starts_at != meeting.starts_at and ensure_notice(board=meeting.board, data=data)
    before = audit.snapshot(meeting, MEETING_FIELDS)
    assert data.starts_at is not None and data.ends_at is not None
    meeting.title = data.title.strip()
    # In UTC, as stored: the same moment given with another offset is no change (no new SEQUENCE).
    meeting.starts_at, meeting.ends_at = data.starts_at.astimezone(UTC), data.ends_at.astimezone(UTC)
    meeting.location, meeting.room = data.location.strip(), data.room.strip()
    meeting.online_url, meeting.description = data.online_url.strip(), data.description.strip()
    meeting.invite_substitutes = data.invite_substitutes
    diff = audit.changes(before, audit.snapshot(meeting, MEETING_FIELDS))
    moved = bool({"starts_at", "ends_at", "location", "room", "online_url"} & set(diff))
    if moved:
        meeting.sequence += 1
    if diff:
        meeting.updated_at = utcnow()
        pack_queue.changed(db, meeting)
        audit.record(
            db,
            actor_id=actor_id,
            action="meeting.update",
            obj=meeting,
            organisation_id=meeting.board.organisation_id,
            summary=meeting.title,
            diff=diff,
        )
    if overridden:
        meeting.notice_override_reason = data.override_reason.strip()
        audit.record(
            db,
            actor_id=actor_id,
            action="meeting.notice_override",
            obj=meeting,
            organisation_id=meeting.board.organisation_id,
            summary=meeting.notice_override_reason,
        )
    return moved


def is_held(meeting: Meeting, *, now: datetime | None = None) -> bool:
    """The meeting has taken place: marked held, or not cancelled and its end has passed."""
    if meeting.status == "held":
        return True
    return meeting.status != "cancelled" and meeting.ends_at <= (now or utcnow())


def cancel_meeting(db: Session, meeting: Meeting, *, actor_id: int, reason: str) -> None:
    """Cancel a meeting that has not yet taken place (a held meeting stays held)."""
    if meeting.status == "cancelled":
        raise RuleViolation(_("Mødet er allerede aflyst."), code="already_cancelled")
    if is_held(meeting):
        raise RuleViolation(_("Mødet er afholdt og kan ikke aflyses."), code="meeting_held")
    if not reason.strip():
        raise ValidationFailed(_("Skriv en begrundelse for aflysningen."), fields={"reason": "required"})
    meeting.status = "cancelled"
    meeting.cancel_reason = reason.strip()[:2000]
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    audit.record(
        db,
        actor_id=actor_id,
        action="meeting.cancel",
        obj=meeting,
        organisation_id=meeting.board.organisation_id,
        summary=meeting.cancel_reason,
    )


def local_day(value: datetime) -> str:
    return value.astimezone(TZ).date().isoformat()


def rsvps_for(db: Session, *, principal: Principal, meeting: Meeting) -> RsvpSummary:
    """Who answered what, for the board and the administration (403 for anyone else)."""
    if not can_see_rsvps(principal, meeting_resource(meeting)):
        raise Forbidden(_("Kun bestyrelsen og administrationen kan se, hvem der kommer."))
    return rsvp_summary(db, meeting=meeting)


def meeting_of_item(db: Session, *, item_id: int) -> int | None:
    """The meeting an agenda item belongs to (a forum thread links back to it)."""
    item = db.get(AgendaItem, item_id)
    return item.meeting_id if item is not None else None
