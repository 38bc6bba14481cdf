"""Publishing approved minutes of a held meeting: a notice to those the meeting concerns, with read receipts.

Who gets the notice (``core.notify`` picks each person's channel, paper included):

* **Department meetings** — a statutory notice to every household of the department, as for the
  invitation: each adult living there, and a household with nobody listed as a household alone.
  Paper households get the minutes themselves in their letter (``notice_letters``), not a link.
* **Board and committee meetings** — the board's sitting members and substitutes, not statutory.
  A department board's minutes are the residents' too (DOMAIN.md: within 4 weeks), but they are
  not mailed to every household: publishing makes them visible on the department's page, in
  search and in the API (``access.meeting_resource``); nobody outside the board gets a notice.

The notice links to the minutes page; opening it there (or through the notice's own link) marks
it read, and the chair and the administration see "read by n of N households".
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, notify
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import fmt_date
from boardkit.meetings import access, search_docs, service
from boardkit.meetings.minutes import search as minutes_search
from boardkit.meetings.models import Meeting, Minutes
from boardkit.org import service as org_service

NOTICE_KIND = "minutes_published"


def addressees(db: Session, *, meeting: Meeting) -> list[notify.Addressee]:
    """Everyone the published minutes go to (see the module's docstring)."""
    result: list[notify.Addressee] = []
    if meeting.is_department_meeting and meeting.department_id is not None:
        for household in org_service.list_households(db, department_id=meeting.department_id):
            people = [p for p in household.residents if p.active]
            if not people:
                result.append(notify.Addressee(None, household.tenancy.id))
            result.extend(notify.Addressee(p.id, household.tenancy.id) for p in people)
        return result
    now = utcnow()
    seen: set[int] = set()
    for m in org_service.list_board_members(db, board_id=meeting.board_id):
        if m.active_at(now) and m.person.active and m.person_id not in seen:
            seen.add(m.person_id)
            result.append(notify.Addressee(m.person_id))
    return result


def check_publish(principal: Principal, meeting: Meeting, minutes: Minutes) -> None:
    """The rules of publishing, for ``publish`` and for the page that asks to confirm it first: the
    chair or the administration (403), approved minutes (409 ``already_published`` or
    ``minutes_not_approved``) of a held meeting (409 ``meeting_not_held``)."""
    if not access.can_manage(principal, meeting):
        raise Forbidden(_("Kun formanden og administrationen kan udgive referatet."))
    if minutes.status == "published":
        raise Conflict(_("Referatet er allerede udgivet."), code="already_published")
    if minutes.status != "approved":
        raise Conflict(
            _("Referatet kan først udgives, når bestyrelsen har godkendt det."), code="minutes_not_approved"
        )
    if not service.is_held(meeting):
        raise Conflict(_("Referatet kan først udgives, når mødet er holdt."), code="meeting_not_held")


def publish(
    db: Session, *, principal: Principal, meeting: Meeting, minutes: Minutes, settings: Settings
) -> int:
    """Publish approved minutes of a held meeting (``check_publish``); returns the notice's id."""
    check_publish(principal, meeting, minutes)
    assert principal.person_id is not None
    actor_id = principal.person_id
    day = fmt_date(meeting.starts_at)
    notice = notify.send_notice(
        db,
        organisation_id=meeting.board.organisation_id,
        addressees=addressees(db, meeting=meeting),
        kind=NOTICE_KIND,
        subject=_("Referat: %(title)s %(date)s", title=meeting.title, date=day),
        body=_(
            "Referatet af %(title)s den %(date)s er godkendt af bestyrelsen og kan nu læses.",
            title=meeting.title,
            date=day,
        ),
        link_path=f"/meetings/{meeting.id}/minutes",
        statutory=meeting.is_department_meeting,
        object_type="minutes",
        object_id=minutes.id,
        sender_id=actor_id,
        settings=settings,
    )
    minutes.status, minutes.published_at, minutes.published_by = "published", utcnow(), actor_id
    minutes.published_version, minutes.notice_id = minutes.version, notice.id
    minutes_search.changed(db, meeting.id)
    if meeting.invited_at is None:  # publishing announces it: its agenda becomes findable too
        search_docs.changed(db, meeting.id)
    audit.record(
        db,
        actor_id=actor_id,
        action="minutes.publish",
        obj=minutes,
        organisation_id=meeting.board.organisation_id,
        summary=meeting.title,
    )
    return int(notice.id)


def plan(db: Session, *, meeting: Meeting, settings: Settings) -> notify.Plan:
    """Who publishing would reach and how, for the sender's confirmation (same addressees as ``publish``)."""
    return notify.plan_notice(
        db,
        addressees=addressees(db, meeting=meeting),
        settings=settings,
        statutory=meeting.is_department_meeting,
    )


def mark_read(db: Session, *, minutes: Minutes, person_id: int) -> None:
    """The person opened the published minutes in the web: their notice counts as read."""
    if minutes.notice_id is not None:
        notify.mark_object_read(db, person_id=person_id, object_type="minutes", object_id=minutes.id)


def read_mark(db: Session, *, minutes: Minutes, person_id: int) -> Callable[[Session], None] | None:
    """The read mark opening the minutes makes, as a write for later (``Ctx.bookkeep``: a read
    request never waits for the write lock); None when there is nothing unread to mark."""
    if minutes.notice_id is None or not notify.has_unread_about(
        db, person_id=person_id, object_type="minutes", object_id=minutes.id
    ):
        return None
    return partial(
        notify.mark_object_read,
        person_id=person_id,
        object_type="minutes",
        object_id=minutes.id,
        now=utcnow(),
    )


def read_stats(db: Session, *, minutes: Minutes, reading: int | None = None) -> notify.ReadStats | None:
    """Who has read the minutes' notice (``reading``: a person opening them now counts too)."""
    if minutes.notice_id is None:
        return None
    return notify.read_stats(db, notice_id=minutes.notice_id, reading=reading)
