"""Meeting services: meetings, their agenda and attachments, and who may see them.

Invitations, proposals, letters and reminders live in their own modules of this package and
are reached from other domains through this module.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from boardkit.core.i18n import _, ngettext
from boardkit.core.permissions import Action, Audience, Principal, can
from boardkit.core.templating import TZ
from boardkit.meetings import attachments as attachments  # other domains reach files as service.attachments
from boardkit.meetings import feeds as feeds  # the personal calendar feed: service.feeds.calendar_feed_url
from boardkit.meetings import invitations as invitations  # reached from the API as service.invitations
from boardkit.meetings import letters as letters  # other domains reach print batches as service.letters
from boardkit.meetings import pack_queue, search_docs, timeline
from boardkit.meetings import rsvp as rsvp  # answers to invitations: service.rsvp.set_rsvp, .rsvp_summary
from boardkit.meetings.access import meeting_resource as meeting_resource
from boardkit.meetings.models import (
    DEPARTMENT_KINDS,
    ITEM_KINDS,
    MEETING_KINDS,
    AgendaItem,
    Attachment,
    Meeting,
    Minutes,
)
from boardkit.org import service as org_service

MEETING_FIELDS = ("title", "kind", "starts_at", "ends_at", "location", "room", "online_url", "status")
ITEM_FIELDS = (
    "title",
    "description",
    "kind",
    "closed",
    "person_case",
    "presenter",
    "minutes_allotted",
    "position",
)
# "Eventuelt" (any other business) closes every agenda: new and moved items go before it.
LAST_ITEM_TITLES = frozenset({"eventuelt", "evt.", "evt"})

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


# --- access ---------------------------------------------------------------------------


def get_meeting(
    db: Session, *, principal: Principal, meeting_id: int, action: Action = Action.VIEW
) -> Meeting:
    """A meeting the principal may see (or act on); 404 otherwise, exactly like a missing one."""
    meeting = db.get(Meeting, meeting_id, options=[joinedload(Meeting.board)])
    if meeting is None or not can(principal, Action.VIEW, meeting_resource(meeting)):
        raise NotFound()
    if action is not Action.VIEW and not can(principal, action, meeting_resource(meeting)):
        raise Forbidden(_("Kun formanden og administrationen kan ændre mødet."))
    return meeting


def can_manage(principal: Principal, meeting: Meeting) -> bool:
    return can(principal, Action.MANAGE, meeting_resource(meeting))


def can_see_closed(principal: Principal, meeting: Meeting) -> bool:
    return can(principal, Action.VIEW_CLOSED, meeting_resource(meeting))


def visible_items(principal: Principal, meeting: Meeting) -> list[AgendaItem]:
    """The agenda items this reader may open (closed items only for those allowed)."""
    closed_ok = can_see_closed(principal, meeting)
    return [item for item in meeting.items if closed_ok or not item.closed]


def is_board_reader(principal: Principal, meeting: Meeting) -> bool:
    """The board's members (substitutes too) and the administration, as opposed to the residents."""
    return can(principal, Action.VIEW, replace(meeting_resource(meeting), audience=Audience.BOARD))


def in_own_diary(principal: Principal, meeting: Meeting) -> bool:
    """Whether the meeting belongs in the person's calendar and deadlines: department meetings they
    may see, and the meetings of boards they sit on or administer — not the department board's
    meetings a resident may read about but does not attend."""
    return meeting.is_department_meeting or is_board_reader(principal, meeting)


@dataclass(frozen=True)
class AgendaLine:
    """One line of the agenda as a reader sees it, with the meeting's own item number."""

    number: int
    item: AgendaItem | None  # None: a closed item this reader sees only as "Lukket punkt"


def agenda_lines(principal: Principal, meeting: Meeting) -> list[AgendaLine]:
    """The agenda as this reader sees it, numbered as the meeting numbers it.

    A closed item the reader may not open is "Lukket punkt" without its topic (DOMAIN.md allows
    naming it; titles are written for the board, so none is shown). An item about a person or a
    complaint is left out entirely for everyone outside the board and the administration.
    """
    closed_ok = can_see_closed(principal, meeting)
    board_reader = closed_ok or is_board_reader(principal, meeting)
    lines = []
    for item in sorted(meeting.items, key=lambda i: i.position):
        if item.closed and item.person_case and not board_reader:
            continue
        lines.append(AgendaLine(item.position, item if closed_ok or not item.closed else None))
    return lines


def get_item(db: Session, *, principal: Principal, item_id: int, action: Action = Action.VIEW) -> AgendaItem:
    item = db.get(AgendaItem, item_id, options=[joinedload(AgendaItem.meeting).joinedload(Meeting.board)])
    if item is None:
        raise NotFound()
    resource = meeting_resource(item.meeting, closed=item.closed)
    if not can(principal, Action.VIEW, resource):
        raise NotFound()
    if action is not Action.VIEW and not can(principal, action, resource):
        raise Forbidden(_("Kun formanden og administrationen kan ændre dagsordenen."))
    return item


def get_attachment(db: Session, *, principal: Principal, attachment_id: int) -> Attachment:
    attachment = db.get(Attachment, attachment_id)
    if attachment is None or attachment.agenda_item_id is None:
        raise NotFound()
    get_item(db, principal=principal, item_id=attachment.agenda_item_id)
    return attachment


def list_meetings(
    db: Session,
    *,
    principal: Principal,
    board_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 200,
) -> list[Meeting]:
    """Meetings the principal may see: their boards', their departments' meetings, staff's organisations'."""
    M = Meeting
    conditions: list[ColumnElement[bool]] = [M.board_id.in_(list(principal.board_roles))]
    departments = set(principal.resident_department_ids)
    departments |= {d for d in principal.board_departments.values() if d is not None}
    if departments:
        conditions.append(residents_clause(departments))
    boards = org_service.visible_board_ids(db, principal=principal)
    if boards:
        conditions.append(M.board_id.in_(boards))
    q = select(M).options(joinedload(M.board)).where(or_(*conditions))
    if board_id is not None:
        q = q.where(M.board_id == board_id)
    if start is not None:
        q = q.where(M.ends_at >= start)
    if end is not None:
        q = q.where(M.starts_at < end)
    return list(db.scalars(q.order_by(M.starts_at, M.id).limit(limit)).unique())


def residents_clause(department_ids: Iterable[int]) -> ColumnElement[bool]:
    """The meetings these departments' residents see, as SQL (the rule of ``permissions.meeting_audience``):
    announced department meetings of the department and announced meetings of its own board
    (announced: invitations sent, or minutes published — ``access.is_announced``)."""
    ids = sorted(department_ids)
    board = org_service.Board
    own_boards = select(board.id).where(board.kind == "department_board", board.department_id.in_(ids))
    published = select(Minutes.meeting_id).where(Minutes.status == "published")
    return (Meeting.invited_at.is_not(None) | Meeting.id.in_(published)) & or_(
        Meeting.department_id.in_(ids) & Meeting.kind.in_(DEPARTMENT_KINDS),
        Meeting.board_id.in_(own_boards),
    )


def list_resident_meetings(
    db: Session,
    *,
    department_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
    newest_first: bool = False,
    limit: int = 200,
) -> list[Meeting]:
    """What the department's residents see: its announced department meetings and its board's
    announced meetings (cancelled ones too, shown as cancelled), by time; ``start``/``end`` filter
    on the meeting's end and start. The caller checks that the reader may see the department."""
    M = Meeting
    q = select(M).options(joinedload(M.board)).where(residents_clause([department_id]))
    if start is not None:
        q = q.where(M.ends_at >= start)
    if end is not None:
        q = q.where(M.starts_at < end)
    order = (M.starts_at.desc(), M.id.desc()) if newest_first else (M.starts_at, M.id)
    return list(db.scalars(q.order_by(*order).limit(limit)).unique())


def upcoming_by_board(
    db: Session, *, board_ids: Iterable[int], per_board: int = 3, now: datetime | None = None
) -> dict[int, list[Meeting]]:
    """The next few meetings of each board, in one query (a window over the boards)."""
    ids = list(board_ids)
    if not ids:
        return {}
    now = now or utcnow()
    ranked = (
        select(
            Meeting.id,
            func.row_number().over(partition_by=Meeting.board_id, order_by=Meeting.starts_at).label("n"),
        )
        .where(Meeting.board_id.in_(ids), Meeting.ends_at >= now, Meeting.status != "cancelled")
        .subquery()
    )
    meetings = db.scalars(
        select(Meeting)
        .join(ranked, ranked.c.id == Meeting.id)
        .where(ranked.c.n <= per_board)
        .order_by(Meeting.starts_at)
    )
    result: dict[int, list[Meeting]] = defaultdict(list)
    for m in meetings:
        result[m.board_id].append(m)
    return result


# --- rules ----------------------------------------------------------------------------


def rules_of(meeting: Meeting) -> dict[str, Any]:
    return timeline.rules_for(meeting.board.organisation.rules)


def milestones_of(meeting: Meeting, *, minutes_done: bool = False) -> list[timeline.Milestone]:
    return timeline.milestones(
        kind=meeting.kind,
        starts_at=meeting.starts_at,
        rules=rules_of(meeting),
        invited=meeting.invited_at is not None,
        minutes_done=minutes_done,
    )


def timeline_of(
    meeting: Meeting, *, now: datetime | None = None, minutes_done: bool = False
) -> dict[str, Any]:
    """The statutory dates of a meeting with their status, as the API shows them."""
    return timeline.as_dict(milestones_of(meeting, minutes_done=minutes_done), now)


# --- meetings -------------------------------------------------------------------------


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
    board = org_service.get_board(db, principal=principal, board_id=board_id)
    if not can(principal, Action.MANAGE, org_service.board_resource(board)):
        raise Forbidden(_("Kun formanden og administrationen kan indkalde til møder."))
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


def find_clashes(
    db: Session, *, board_id: int, starts_at: datetime, ends_at: datetime, exclude_id: int | None = None
) -> list[Meeting]:
    """The board's other meetings (not cancelled) whose time overlaps ``starts_at``–``ends_at``.

    A clash is a warning the chair may proceed past (two meetings on one evening can be intended),
    so creating and moving meetings never refuse one; the pages ask first.
    """
    q = select(Meeting).where(
        Meeting.board_id == board_id,
        Meeting.status != "cancelled",
        Meeting.starts_at < ends_at.astimezone(UTC),
        Meeting.ends_at > starts_at.astimezone(UTC),
    )
    if exclude_id is not None:
        q = q.where(Meeting.id != exclude_id)
    return list(db.scalars(q.order_by(Meeting.starts_at, Meeting.id)))


def previous_meeting(db: Session, meeting: Meeting) -> Meeting | None:
    return db.scalar(
        select(Meeting)
        .where(
            Meeting.board_id == meeting.board_id,
            Meeting.starts_at < meeting.starts_at,
            Meeting.id != meeting.id,
            Meeting.status != "cancelled",
            Meeting.kind == meeting.kind,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )


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


# --- agenda ---------------------------------------------------------------------------


@dataclass
class ItemInput:
    title: str
    description: str = ""
    kind: str = "information"
    closed: bool = False
    person_case: bool = False  # about a person or a complaint: always closed, never shown to residents
    presenter: str = ""
    minutes_allotted: int | None = None
    position: int | None = None


def validate_item(data: ItemInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("Skriv punktets titel.")
    elif len(data.title) > 200:
        errors["title"] = _("Titlen må højst have 200 tegn.")
    if data.kind not in ITEM_KINDS:
        errors["kind"] = _("Vælg en type fra listen.")
    if data.minutes_allotted is not None and not 0 < data.minutes_allotted <= 600:
        errors["minutes_allotted"] = _("Skriv et antal minutter mellem 1 og 600.")
    if len(data.presenter) > 200:
        errors["presenter"] = _("Højst %(n)s tegn.", n=200)
    if len(data.description) > 20000:
        errors["description"] = _("Højst %(n)s tegn.", n=20000)
    return errors


def stays_last(item: AgendaItem) -> bool:
    return item.title.strip().lower() in LAST_ITEM_TITLES


def renumber(items: Iterable[AgendaItem]) -> None:
    """Positions 1, 2, … in the given order, except that "Eventuelt" always comes last."""
    ordered = list(items)
    ordered = [i for i in ordered if not stays_last(i)] + [i for i in ordered if stays_last(i)]
    for n, item in enumerate(ordered, start=1):
        if item.position != n:
            item.position = n


def add_item(db: Session, meeting: Meeting, *, actor_id: int, data: ItemInput) -> AgendaItem:
    """Add an item at ``position`` (default: the end), always before "Eventuelt"."""
    errors = validate_item(data)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    items = sorted(meeting.items, key=lambda i: i.position)
    position = len(items) + 1 if data.position is None else max(1, min(data.position, len(items) + 1))
    item = AgendaItem(
        meeting_id=meeting.id,
        position=position,
        title=data.title.strip(),
        description=data.description.strip(),
        kind=data.kind,
        closed=data.closed or data.person_case,
        person_case=data.person_case,
        presenter=data.presenter.strip(),
        minutes_allotted=data.minutes_allotted,
    )
    items.insert(position - 1, item)
    renumber(items)
    db.add(item)
    db.flush()
    db.refresh(meeting, ["items"])
    pack_queue.changed(db, meeting)
    audit.record(
        db,
        actor_id=actor_id,
        action="agenda_item.create",
        obj=item,
        organisation_id=meeting.board.organisation_id,
        summary=item.title,
    )
    return item


def update_item(db: Session, item: AgendaItem, *, actor_id: int, data: ItemInput) -> AgendaItem:
    errors = validate_item(data)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    before = audit.snapshot(item, ITEM_FIELDS)
    item.title, item.description = data.title.strip(), data.description.strip()
    item.kind, item.presenter, item.minutes_allotted = (
        data.kind,
        data.presenter.strip(),
        data.minutes_allotted,
    )
    item.closed, item.person_case = data.closed or data.person_case, data.person_case
    move_item(db, item, position=item.position if data.position is None else data.position)
    diff = audit.changes(before, audit.snapshot(item, ITEM_FIELDS))
    if diff:
        item.updated_at = utcnow()
        pack_queue.changed(db, item.meeting)
        audit.record(
            db,
            actor_id=actor_id,
            action="agenda_item.update",
            obj=item,
            organisation_id=item.meeting.board.organisation_id,
            summary=item.title,
            diff=diff,
        )
    return item


def move_item(db: Session, item: AgendaItem, *, position: int) -> None:
    """Put an item at ``position`` (1-based) and renumber the rest ("Eventuelt" stays last)."""
    items = [i for i in sorted(item.meeting.items, key=lambda i: i.position) if i.id != item.id]
    before = [i.id for i in sorted(item.meeting.items, key=lambda i: i.position)]
    position = max(1, min(position, len(items) + 1))
    items.insert(position - 1, item)
    renumber(items)
    db.flush()
    if [i.id for i in sorted(items, key=lambda i: i.position)] != before:
        pack_queue.changed(db, item.meeting)


def delete_item(db: Session, item: AgendaItem, *, actor_id: int) -> None:
    meeting = item.meeting
    audit.record(
        db,
        actor_id=actor_id,
        action="agenda_item.delete",
        obj=item,
        organisation_id=meeting.board.organisation_id,
        summary=item.title,
    )
    # Delete, flush, then reload the collection: removing from it as well trips SQLAlchemy's
    # flush ("Failed to add object to the flush context") once anything was flushed before.
    db.delete(item)
    db.flush()
    db.expire(meeting, ["items"])
    renumber(sorted(meeting.items, key=lambda i: i.position))
    db.flush()
    pack_queue.changed(db, meeting)


def load_agenda(db: Session, meeting: Meeting) -> Meeting:
    """Load a meeting's items and their attachments in two queries."""
    db.execute(
        select(AgendaItem)
        .options(selectinload(AgendaItem.attachments))
        .where(AgendaItem.meeting_id == meeting.id)
    ).all()
    return meeting


# Proposals use this module, so they join it last; other domains reach them as ``service.proposals``.
from boardkit.meetings import decisions as decisions  # noqa: E402  (the decision register)
from boardkit.meetings import minutes as minutes  # noqa: E402  (minutes: service.minutes.save_minutes, …)
from boardkit.meetings import minutes_approval as minutes_approval  # noqa: E402
from boardkit.meetings import minutes_pdf as minutes_pdf  # noqa: E402
from boardkit.meetings import minutes_publish as minutes_publish  # noqa: E402
from boardkit.meetings import overview as overview  # noqa: E402  (home page and board meeting lists)
from boardkit.meetings import pack as pack  # noqa: E402  (meeting packs: service.pack.reader_pack, …)
from boardkit.meetings import proposal_rules as proposal_rules  # noqa: E402
from boardkit.meetings import proposals as proposals  # noqa: E402
