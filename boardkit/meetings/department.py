"""The department's page: its meetings as the department's residents see them.

What is on it: the department's announced meetings — department meetings and its own board's
meetings (``lookup.list_resident_meetings``) — upcoming with their agenda, and past ones with
their published minutes and decisions. The residents of the department, the members of its
boards and the administration may open it; anyone else gets 404. Each reader sees the agenda and
the minutes as they may (``access.agenda_lines``, ``minutes.content_for``): a resident sees a
closed item only as "Lukket punkt", and a person or complaint case not at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound
from boardkit.core.permissions import Action, Audience, Principal, Resource, can
from boardkit.meetings import access, lookup, timeline
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import AgendaItem, Meeting, Minutes
from boardkit.org import service as org_service

PAST = timedelta(days=365)  # the page shows the last year's meetings; older ones are in search
UPCOMING_LIMIT, PAST_LIMIT = 20, 40


def department_resource(department: org_service.Department) -> Resource:
    return Resource(
        organisation_id=department.organisation_id, department_id=department.id, audience=Audience.RESIDENTS
    )


def get_department(db: Session, *, principal: Principal, department_id: int) -> org_service.Department:
    """A department whose page the principal may open; 404 otherwise, exactly like a missing one."""
    department = db.get(org_service.Department, department_id)
    if department is None or not can(principal, Action.VIEW, department_resource(department)):
        raise NotFound()
    return department


def may_see_department(principal: Principal, department: org_service.Department) -> bool:
    return can(principal, Action.VIEW, department_resource(department))


@dataclass
class MeetingEntry:
    """One meeting on the page, as this reader may see it."""

    meeting: Meeting
    agenda: list[access.AgendaLine]
    minutes: Minutes | None = None  # published minutes only
    decisions: list[dict[str, Any]] = field(default_factory=list)  # the minutes' items with a decision
    minutes_due: datetime | None = None  # past meetings without published minutes
    proposals_due: datetime | None = None  # upcoming department meetings


@dataclass
class DepartmentPage:
    department: org_service.Department
    board: org_service.Board | None  # the department board (afdelingsbestyrelsen)
    upcoming: list[MeetingEntry]
    past: list[MeetingEntry]


def _load_items(db: Session, meetings: list[Meeting]) -> None:
    """The agendas of all these meetings in one query (they fill ``meeting.items``)."""
    if meetings:
        db.scalars(
            select(Meeting)
            .where(Meeting.id.in_([m.id for m in meetings]))
            .options(selectinload(Meeting.items).selectinload(AgendaItem.attachments))
        ).all()


def department_page(
    db: Session, *, principal: Principal, department: org_service.Department, now: datetime | None = None
) -> DepartmentPage:
    """What the department's page shows this reader (see the module's docstring)."""
    now = now or utcnow()
    upcoming = lookup.list_resident_meetings(db, department_id=department.id, start=now, limit=UPCOMING_LIMIT)
    past = [
        m
        for m in lookup.list_resident_meetings(
            db, department_id=department.id, start=now - PAST, end=now, newest_first=True, limit=PAST_LIMIT
        )
        if m.ends_at < now
    ]
    _load_items(db, upcoming + past)
    published = {
        m.meeting_id: m
        for m in db.scalars(
            select(Minutes).where(Minutes.meeting_id.in_([m.id for m in past]), Minutes.status == "published")
        )
    }
    past_entries = []
    for meeting in past:
        entry = MeetingEntry(meeting, access.agenda_lines(principal, meeting))
        minutes = published.get(meeting.id)
        if minutes is not None:
            content = minutes_service.content_for(principal, meeting, minutes.content)
            entry.minutes = minutes
            entry.decisions = [i for i in content.get("items", []) if i.get("decision")]
        elif meeting.status != "cancelled":
            entry.minutes_due = _due(meeting, "minutes_due")
        past_entries.append(entry)
    board = db.scalar(
        select(org_service.Board).where(
            org_service.Board.department_id == department.id, org_service.Board.kind == "department_board"
        )
    )
    return DepartmentPage(
        department=department,
        board=board,
        upcoming=[
            MeetingEntry(m, access.agenda_lines(principal, m), proposals_due=_due(m, "proposals_due"))
            for m in upcoming
        ],
        past=past_entries,
    )


def _due(meeting: Meeting, key: str) -> datetime | None:
    return next((m.due for m in timeline.milestones_of(meeting) if m.key == key), None)
