"""The statutory timeline of a meeting, from the organisation's rules (defaults: DOMAIN.md).

Deadlines that fall on a date close at the end of that day in Europe/Copenhagen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from boardkit.core.db import utcnow
from boardkit.core.templating import TZ

if TYPE_CHECKING:
    from boardkit.meetings.models import Meeting

# Days before the meeting (after it for minutes). Local statutes may give more, never less.
DEFAULT_RULES: dict[str, Any] = {
    "notice_days": {"ordinary_department": 28, "extraordinary_department": 14, "board": 7, "committee": 7},
    "proposals_due_days": 14,
    "material_due_days": 7,
    "minutes_due_days": 28,
    "material_reminder_days": 2,
}


def rules_for(organisation_rules: dict[str, Any] | None) -> dict[str, Any]:
    """The defaults overlaid by an organisation's own rules (nested for notice_days)."""
    own = organisation_rules or {}
    merged = {**DEFAULT_RULES, **{k: v for k, v in own.items() if k != "notice_days"}}
    merged["notice_days"] = {**DEFAULT_RULES["notice_days"], **own.get("notice_days", {})}
    return merged


def end_of_day(day: date) -> datetime:
    """The last moment of a Copenhagen calendar day, as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=TZ) - timedelta(microseconds=1)


@dataclass(frozen=True)
class Milestone:
    key: str  # notice_by, proposals_due, material_due, minutes_due
    due: datetime  # the deadline itself (end of day local)
    done: bool = False

    @property
    def day(self) -> date:
        return self.due.astimezone(TZ).date()

    def status(self, now: datetime) -> str:
        if self.done:
            return "done"
        if now > self.due:
            return "overdue"
        if now.astimezone(TZ).date() == self.day:
            return "due_today"
        return "upcoming"


def milestones(
    *,
    kind: str,
    starts_at: datetime,
    rules: dict[str, Any],
    invited: bool = False,
    minutes_done: bool = False,
) -> list[Milestone]:
    """The deadlines of one meeting, in time order."""
    meeting_day = starts_at.astimezone(TZ).date()
    department = kind in ("ordinary_department", "extraordinary_department")
    notice_days = int(rules["notice_days"].get(kind, rules["notice_days"]["board"]))
    result = [Milestone("notice_by", end_of_day(meeting_day - timedelta(days=notice_days)), done=invited)]
    if department:
        result.append(
            Milestone("proposals_due", end_of_day(meeting_day - timedelta(days=rules["proposals_due_days"])))
        )
    result.append(
        Milestone("material_due", end_of_day(meeting_day - timedelta(days=rules["material_due_days"])))
    )
    result.append(
        Milestone(
            "minutes_due",
            end_of_day(meeting_day + timedelta(days=rules["minutes_due_days"])),
            done=minutes_done,
        )
    )
    return sorted(result, key=lambda m: m.due)


def as_dict(items: list[Milestone], now: datetime | None = None) -> dict[str, Any]:
    """The API shape: ``{key: {"due": ISO, "date": YYYY-MM-DD, "status": ...}}``."""
    now = now or utcnow()
    return {
        m.key: {"due": m.due.isoformat(), "date": m.day.isoformat(), "status": m.status(now)} for m in items
    }


def notice_short_by(
    *, kind: str, starts_at: datetime, rules: dict[str, Any], now: datetime | None = None
) -> int:
    """How many days too late a notice sent now would be (0 when in time)."""
    now = now or utcnow()
    notice = next(m for m in milestones(kind=kind, starts_at=starts_at, rules=rules) if m.key == "notice_by")
    if now <= notice.due:
        return 0
    return max(1, (now.astimezone(TZ).date() - notice.day).days)


def proposals_open(*, starts_at: datetime, rules: dict[str, Any], now: datetime | None = None) -> bool:
    now = now or utcnow()
    return now <= end_of_day(starts_at.astimezone(TZ).date() - timedelta(days=rules["proposals_due_days"]))


# --- a meeting's own timeline ---------------------------------------------------------


def rules_of(meeting: Meeting) -> dict[str, Any]:
    return rules_for(meeting.board.organisation.rules)


def milestones_of(meeting: Meeting, *, minutes_done: bool = False) -> list[Milestone]:
    return milestones(
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
    return as_dict(milestones_of(meeting, minutes_done=minutes_done), now)
