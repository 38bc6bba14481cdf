"""The approval cycle: draft → submitted → approved (by the board's rule) → published.

Who must approve (``Organisation.rules["minutes_approval"]``):

* ``"all_present"`` (default) — every board member recorded as present at the meeting; when no
  attendance was recorded, every sitting member (substitutes excepted).
* ``"chair"`` — the board's chair alone.

Approvals belong to a version: an edit after submission makes a new version (``minutes.py``), so
the approvals given to the earlier one stop counting and the board approves again. Approving
twice is a conflict (409); somebody who is not on the board gets 404, like for anything not theirs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, mail
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.meetings import access as meeting_access
from boardkit.meetings import timeline
from boardkit.meetings.minutes import access, decisions
from boardkit.meetings.minutes import search as minutes_search
from boardkit.meetings.models import Meeting, Minutes, MinutesApproval, MinutesComment, MinutesVersion
from boardkit.org import service as org_service
from boardkit.org.service import Person

RULES = ("all_present", "chair")

ApprovedHook = Callable[[Session, Minutes, Meeting], None]
_ON_APPROVED: dict[str, ApprovedHook] = {}


def on_minutes_approved(owner: str, hook: ApprovedHook) -> None:
    """Call ``hook(db, minutes, meeting)`` in the approving transaction when the last approval locks
    a version of minutes (status ``approved``, decisions in the register); registering again replaces."""
    _ON_APPROVED[owner] = hook


@dataclass(frozen=True)
class Approver:
    person_id: int
    name: str
    approved_at: datetime | None


def rule_of(meeting: Meeting) -> str:
    rule = timeline.rules_of(meeting).get("minutes_approval", "all_present")
    return rule if rule in RULES else "all_present"


def _sitting(db: Session, meeting: Meeting) -> dict[int, Any]:
    now = utcnow()
    return {
        m.person_id: m
        for m in org_service.list_board_members(db, board_id=meeting.board_id)
        if m.active_at(now)
    }


def required_ids(db: Session, meeting: Meeting, minutes: Minutes) -> list[int]:
    """Whose approval the current version needs, by the board's rule."""
    sitting = _sitting(db, meeting)
    if rule_of(meeting) == "chair":
        return [pid for pid, m in sitting.items() if m.role == "chair"][:1]
    present = [a["person_id"] for a in minutes.content.get("attendance", []) if a.get("status") == "present"]
    if present:
        return [pid for pid in present if pid in sitting]
    return [pid for pid, m in sitting.items() if m.role != "substitute"]


def approvals(db: Session, minutes: Minutes) -> dict[int, datetime]:
    rows = db.execute(
        select(MinutesApproval.person_id, MinutesApproval.approved_at).where(
            MinutesApproval.minutes_id == minutes.id, MinutesApproval.version == minutes.version
        )
    )
    return {pid: at for pid, at in rows}


def approvers(db: Session, meeting: Meeting, minutes: Minutes) -> list[Approver]:
    """Everyone whose approval counts, with when they approved the current version."""
    given = approvals(db, minutes)
    ids = required_ids(db, meeting, minutes)
    people = org_service.get_people(db, ids=[*ids, *given])
    ordered = ids + [pid for pid in given if pid not in ids]
    return [Approver(pid, people[pid].name, given.get(pid)) for pid in ordered if pid in people]


def may_approve(principal: Principal, meeting: Meeting) -> bool:
    return principal.person_id is not None and meeting.board_id in principal.board_roles


def comments(db: Session, minutes: Minutes) -> list[tuple[MinutesComment, str]]:
    rows = db.execute(
        select(MinutesComment, Person.name)
        .join(Person, Person.id == MinutesComment.person_id, isouter=True)
        .where(MinutesComment.minutes_id == minutes.id)
        .order_by(MinutesComment.created_at, MinutesComment.id)
    )
    return [(c, name or "") for c, name in rows]


def _domain(settings: Settings) -> str:
    return urlsplit(settings.base_url).hostname or "boardkit.local"


def _mail(
    db: Session, people: list[Person], template: str, context: dict[str, Any], settings: Settings
) -> int:
    sent = 0
    for person in people:
        if person.active and person.email:
            mail.queue_mail(
                db,
                to=mail.Recipient(person.email, person.name, person.language, person.id),
                template=template,
                context={**context, "name": person.name},
                domain=_domain(settings),
                organisation_id=context["meeting"].board.organisation_id,
            )
            sent += 1
    return sent


def _link(settings: Settings, meeting: Meeting) -> str:
    return f"{settings.base_url}/meetings/{meeting.id}/minutes"


def lock(db: Session, minutes: Minutes) -> Minutes:
    """The minutes' row locked for this transaction and read again (PostgreSQL; on SQLite the write
    lock does it): a submission and the approvals of one set of minutes take turns, so the last of
    two approvals given at the same moment sees the other, and a second "submit" sees the first."""
    db.execute(select(Minutes.id).where(Minutes.id == minutes.id).with_for_update())
    db.refresh(minutes)
    return minutes


def submit(
    db: Session, *, principal: Principal, meeting: Meeting, minutes: Minutes, settings: Settings
) -> int:
    """Send the draft to the board for approval (the chair, the minute taker, the administration:
    403 otherwise); returns how many e-mails were queued."""
    access.require_edit(
        principal,
        meeting,
        minutes,
        _("Kun formanden, referenten og administrationen kan sende referatet til godkendelse."),
    )
    assert principal.person_id is not None
    actor_id = principal.person_id
    lock(db, minutes)
    if minutes.status != "draft":
        raise Conflict(_("Referatet er allerede sendt til godkendelse."), code="already_submitted")
    minutes.status, minutes.submitted_at, minutes.submitted_by = "submitted", utcnow(), actor_id
    db.add(
        MinutesVersion(
            minutes_id=minutes.id, number=minutes.version, content=minutes.content, created_by=actor_id
        )
    )
    db.flush()
    audit.record(
        db,
        actor_id=actor_id,
        action="minutes.submit",
        obj=minutes,
        organisation_id=meeting.board.organisation_id,
        summary=meeting.title,
    )
    return notify_approvers(db, meeting=meeting, minutes=minutes, settings=settings)


def notify_approvers(db: Session, *, meeting: Meeting, minutes: Minutes, settings: Settings) -> int:
    """Ask everyone whose approval is missing to approve the current version."""
    given = approvals(db, minutes)
    people = org_service.get_people(db, ids=[p for p in required_ids(db, meeting, minutes) if p not in given])
    context = {"meeting": meeting, "version": minutes.version, "url": _link(settings, meeting)}
    return _mail(db, list(people.values()), "minutes_submitted", context, settings)


def approve(
    db: Session, *, principal: Principal, meeting: Meeting, minutes: Minutes, settings: Settings
) -> bool:
    """One board member approves the current version; returns True when that made the minutes approved."""
    if not may_approve(principal, meeting):
        raise NotFound()
    assert principal.person_id is not None
    lock(db, minutes)
    if minutes.status == "draft":
        raise Conflict(_("Referatet er ikke sendt til godkendelse endnu."), code="minutes_not_submitted")
    if minutes.status == "published":
        raise Conflict(_("Referatet er allerede udgivet."), code="minutes_published")
    if principal.person_id in approvals(db, minutes):
        raise Conflict(_("Du har allerede godkendt denne version af referatet."), code="already_approved")
    required = required_ids(db, meeting, minutes)
    if principal.person_id not in required:
        raise Forbidden(
            _("Referatet godkendes af de bestyrelsesmedlemmer, der var til stede."), code="not_an_approver"
        )
    try:
        with db.begin_nested():
            db.add(
                MinutesApproval(minutes_id=minutes.id, version=minutes.version, person_id=principal.person_id)
            )
    except IntegrityError as exc:  # the same click twice at once: the second one loses here
        raise Conflict(
            _("Du har allerede godkendt denne version af referatet."), code="already_approved"
        ) from exc
    audit.record(
        db,
        actor_id=principal.person_id,
        action="minutes.approve",
        obj=minutes,
        organisation_id=meeting.board.organisation_id,
        summary=f"{meeting.title} (version {minutes.version})",
    )
    given = approvals(db, minutes)
    if minutes.status == "approved" or not all(pid in given for pid in required):
        return False
    minutes.status, minutes.approved_at = "approved", utcnow()
    decisions.sync_decisions(db, meeting=meeting, minutes=minutes)
    minutes_search.changed(db, meeting.id)
    for hook in list(_ON_APPROVED.values()):
        hook(db, minutes, meeting)
    told = {pid for pid in (minutes.submitted_by, *required_ids_of_chair(db, meeting)) if pid is not None}
    people = org_service.get_people(db, ids=told)
    _mail(
        db,
        list(people.values()),
        "minutes_approved",
        {"meeting": meeting, "url": _link(settings, meeting)},
        settings,
    )
    return True


def required_ids_of_chair(db: Session, meeting: Meeting) -> list[int]:
    return [pid for pid, m in _sitting(db, meeting).items() if m.role == "chair"]


def comment(
    db: Session, *, principal: Principal, meeting: Meeting, minutes: Minutes, text: str
) -> MinutesComment:
    """A board member's remark on the current version (the minute taker reads it and edits)."""
    if not may_approve(principal, meeting) and not meeting_access.can_manage(principal, meeting):
        raise NotFound()
    if minutes.status == "published":
        raise Conflict(_("Referatet er allerede udgivet."), code="minutes_published")
    text = text.strip()
    if not text:
        raise ValidationFailed(_("Skriv din bemærkning."), fields={"text": "required"})
    if len(text) > 4000:
        raise ValidationFailed(_("Højst %(n)s tegn.", n=4000), fields={"text": "too_long"})
    entry = MinutesComment(
        minutes_id=minutes.id, version=minutes.version, person_id=principal.person_id, text=text
    )
    db.add(entry)
    db.flush()
    return entry
