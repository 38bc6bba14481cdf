"""The rules of proposal intake: who may propose, until when, and what to say after the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from babel.dates import format_date, format_datetime
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from boardkit.core import i18n
from boardkit.core.db import utcnow
from boardkit.core.errors import RuleViolation
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.templating import TZ
from boardkit.meetings import access, timeline
from boardkit.meetings.models import Meeting, Proposal

EDITABLE = ("received", "needs_clarification")


def long_datetime(value: datetime) -> str:
    """'fredag den 18. december 2026 kl. 23.59' (English: 'Friday 18 December 2026 at 23:59')."""
    if i18n.current_language() == "en":
        return format_datetime(value.astimezone(TZ), "EEEE d MMMM y 'at' HH:mm", locale="en")
    return format_datetime(value.astimezone(TZ), "EEEE 'den' d. MMMM y 'kl.' HH.mm", locale="da")


def long_date(value: datetime) -> str:
    """'den 4. februar 2027' (English: 'on 4 February 2027')."""
    if i18n.current_language() == "en":
        return "on " + format_date(value.astimezone(TZ), "d MMMM y", locale="en")
    return "den " + format_date(value.astimezone(TZ), "d. MMMM y", locale="da")


def department_of(meeting: Meeting) -> int | None:
    """The department whose residents may propose; None for meetings that take no proposals."""
    if not meeting.is_department_meeting:
        return None
    return meeting.department_id or meeting.board.department_id


def deadline(meeting: Meeting) -> datetime:
    """The end of the last day proposals are received (Europe/Copenhagen)."""
    days = timeline.rules_of(meeting)["proposals_due_days"]
    return timeline.end_of_day(meeting.starts_at.astimezone(TZ).date() - timedelta(days=days))


def is_open(meeting: Meeting, *, now: datetime | None = None) -> bool:
    return meeting.status not in ("cancelled", "held") and timeline.proposals_open(
        starts_at=meeting.starts_at, rules=timeline.rules_of(meeting), now=now
    )


def may_propose(principal: Principal, meeting: Meeting) -> bool:
    department_id = department_of(meeting)
    return department_id is not None and department_id in principal.resident_department_ids


def may_decide(principal: Principal, meeting: Meeting) -> bool:
    return access.can_manage(principal, meeting)


def may_see_reason(principal: Principal, meeting: Meeting, proposal: Proposal) -> bool:
    """The proposer, the board and the administration see why; other residents see the status."""
    return (
        principal.person_id == proposal.proposer_id
        or meeting.board_id in principal.board_roles
        or may_decide(principal, meeting)
    )


def may_edit(
    principal: Principal, meeting: Meeting, proposal: Proposal, *, now: datetime | None = None
) -> bool:
    return (
        principal.person_id == proposal.proposer_id
        and proposal.status in EDITABLE
        and is_open(meeting, now=now)
    )


def next_ordinary_meeting(db: Session, meeting: Meeting, *, now: datetime | None = None) -> Meeting | None:
    """The department's next ordinary meeting after this one (and after now), if one is planned."""
    after = max(meeting.starts_at, now or utcnow())
    department_id = department_of(meeting)
    same = Meeting.board_id == meeting.board_id
    if department_id is not None:
        same = or_(same, Meeting.department_id == department_id)
    return db.scalar(
        select(Meeting)
        .where(
            same,
            Meeting.kind == "ordinary_department",
            Meeting.status != "cancelled",
            Meeting.starts_at > after,
            Meeting.id != meeting.id,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


def deadline_passed(db: Session, meeting: Meeting, *, now: datetime | None = None) -> RuleViolation:
    """The error for a proposal after the deadline: when it was, and when the next ordinary meeting is."""
    message = _(
        "Fristen for forslag til “%(meeting)s” %(date)s var %(deadline)s, så forslaget kan ikke længere "
        "komme på dagsordenen.",
        meeting=meeting.title,
        date=long_date(meeting.starts_at),
        deadline=long_datetime(deadline(meeting)),
    )
    upcoming = next_ordinary_meeting(db, meeting, now=now)
    fields: dict[str, object] = {"deadline": deadline(meeting).isoformat(), "next_meeting_id": None}
    if upcoming is None:
        message += " " + _(
            "Der er endnu ikke planlagt et nyt ordinært afdelingsmøde. Gem din tekst, og stil forslaget, når "
            "bestyrelsen har indkaldt til det næste møde."
        )
    elif is_open(upcoming, now=now):
        fields["next_meeting_id"] = upcoming.id
        message += " " + _(
            "Næste ordinære afdelingsmøde er %(next)s. Du kan stille forslaget til det møde frem til "
            "%(next_deadline)s.",
            next=long_datetime(upcoming.starts_at),
            next_deadline=long_datetime(deadline(upcoming)),
        )
    else:
        fields["next_meeting_id"] = upcoming.id
        message += " " + _(
            "Næste ordinære afdelingsmøde er %(next)s.", next=long_datetime(upcoming.starts_at)
        )
    return RuleViolation(message, code="deadline_passed", fields=fields)
