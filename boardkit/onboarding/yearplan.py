"""The board's year plan (årshjul): the recurring dates of one calendar year, from the organisation's rules.

``year_plan(rules, year=2026)`` lists every event whose day falls in calendar year 2026, whichever
financial year it concerns (each event's note names that financial year). So plans of consecutive
years never repeat nor miss an event: a notice in December for a meeting in January is in the first
year's plan, the meeting in the second's.

Rules (``Organisation.rules``; a missing or invalid value means the default):

``financial_year_start`` (default ``"01-01"``)
    The first day of the financial year, ``"MM-DD"``; a day that exists in every year (not 02-29).
``notice_days["ordinary_department"]``, ``proposals_due_days``, ``material_due_days``
    The meetings domain's rules and defaults (``meetings.timeline.DEFAULT_RULES``: 28, 14 and 7 days;
    DOMAIN.md). The dates are what the meetings domain would compute for a meeting on the budget
    meeting's last possible day: hold the meeting earlier and its deadlines move with it.
``accounts_approval_month`` (default: the 5th month after the financial year ends, so May for a
    calendar financial year)
    The month by whose end the department board approves the department's accounts: the first such
    month after the month in which the financial year ends. The default follows fsb's practice (the
    board returns the signed accounts by 31 May for a calendar year), which leaves the organisation
    time to send the audited accounts on.
``inspection_month`` (default ``5``, May)
    The annual inspection walk (markvandring). The plan shows the whole month, as an event on its
    first day: the date is agreed with the administration and the estate's staff.
``constituting_meeting_days`` (default ``14``)
    The department board constitutes itself (chair, vice-chair, …) at a board meeting within this
    many days after an election. DOMAIN.md states no period; 14 days is a common local practice.

The budget meeting: the ordinary department meeting is held no later than 3 months before the next
financial year starts (DOMAIN.md). "No later than 3 months before" is read as: before the last 3
calendar months preceding the start, so the last day is the start minus 3 calendar months, minus one
day: 1 July 2026 → 31 March 2026, 1 January 2027 → 30 September 2026, 1 June 2028 → 29 February
2028. A start on the 29th-31st whose day the month 3 months earlier lacks counts from that month's
last day (31 May 2027 → 28 February 2027 → 27 February 2027).

``statutory`` marks the dates the law or the statutes set (the budget meeting and its notice,
proposal and material deadlines); the others are the board's practice.

``to_ics_events`` turns a plan into all-day events for the personal calendar feed
(``core.calendar_extras``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from boardkit.core.calendar_extras import FeedEvent
from boardkit.core.i18n import _, ngettext
from boardkit.core.templating import TZ, fmt_date
from boardkit.meetings import service as meetings_service

DEFAULT_FINANCIAL_YEAR_START = (1, 1)
DEFAULT_INSPECTION_MONTH = 5
ACCOUNTS_APPROVAL_MONTHS_AFTER = 5  # months after the month in which the financial year ends
DEFAULT_CONSTITUTING_DAYS = 14
BUDGET_MEETING_MONTHS_BEFORE = 3
BUDGET_MEETING_KIND = "ordinary_department"

# The order of events on the same day.
KINDS = (
    "notice_by",
    "proposals_due",
    "material_due",
    "budget_meeting",
    "accounts_approval",
    "inspection",
    "constituting_meeting",
)
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


@dataclass(frozen=True, kw_only=True)
class YearEvent:
    kind: str  # one of KINDS
    title: str  # in the current language (Danish by default)
    day: date
    note: str = ""
    statutory: bool


# --- rules ----------------------------------------------------------------------------------------


def _month_day(value: object) -> tuple[int, int]:
    found = _MONTH_DAY.match(value) if isinstance(value, str) else None
    if found:
        month, day = int(found.group(1)), int(found.group(2))
        try:
            date(2001, month, day)  # not a leap year: 02-29 is refused
        except ValueError:
            return DEFAULT_FINANCIAL_YEAR_START
        return month, day
    return DEFAULT_FINANCIAL_YEAR_START


def _whole(value: object, *, low: int, high: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return value
    return None


def financial_year_start(rules: dict[str, Any] | None, year: int) -> date:
    """The first day of the financial year that starts in calendar year ``year``."""
    month, day = _month_day((rules or {}).get("financial_year_start"))
    return date(year, month, day)


def inspection_month(rules: dict[str, Any] | None) -> int:
    return _whole((rules or {}).get("inspection_month"), low=1, high=12) or DEFAULT_INSPECTION_MONTH


def accounts_approval_month(rules: dict[str, Any] | None) -> int:
    """The month of the accounts' approval: the rule, else the 5th month after the financial year ends."""
    own = _whole((rules or {}).get("accounts_approval_month"), low=1, high=12)
    if own is not None:
        return own
    start = financial_year_start(rules, 2001)
    last_month = (start - timedelta(days=1)).month
    return (last_month - 1 + ACCOUNTS_APPROVAL_MONTHS_AFTER) % 12 + 1


def constituting_days(rules: dict[str, Any] | None) -> int:
    return (
        _whole((rules or {}).get("constituting_meeting_days"), low=1, high=365) or DEFAULT_CONSTITUTING_DAYS
    )


# --- dates ----------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, on the month's last day where the day does not exist."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def last_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def budget_meeting_deadline(start: date) -> date:
    """The last day for the budget meeting of the financial year starting on ``start``."""
    return add_months(start, -BUDGET_MEETING_MONTHS_BEFORE) - timedelta(days=1)


def financial_year_label(start: date) -> str:
    """``2027`` for a calendar financial year, ``2026/27`` otherwise."""
    if (start.month, start.day) == (1, 1):
        return str(start.year)
    return f"{start.year}/{(start.year + 1) % 100:02d}"


# --- the events -----------------------------------------------------------------------------------


def _budget_events(rules: dict[str, Any], start: date) -> list[YearEvent]:
    """The budget meeting of the financial year starting on ``start`` and its deadlines."""
    meeting_day = budget_meeting_deadline(start)
    label = financial_year_label(start)
    events = [
        YearEvent(
            kind="budget_meeting",
            title=_("Budgetmøde (ordinært afdelingsmøde) senest"),
            day=meeting_day,
            note=_(
                "Budgettet for regnskabsåret %(year)s vedtages på et ordinært afdelingsmøde senest 3 måneder "
                "før regnskabsåret begynder den %(start)s.",
                year=label,
                start=fmt_date(start),
            ),
            statutory=True,
        )
    ]
    # What the meetings domain computes for a meeting that day (the time of day does not matter).
    starts_at = datetime.combine(meeting_day, time(12, 0), tzinfo=TZ)
    found = meetings_service.milestones(
        kind=BUDGET_MEETING_KIND, starts_at=starts_at, rules=meetings_service.rules_for(rules)
    )
    for milestone in found:
        days = (meeting_day - milestone.day).days
        if milestone.key == "notice_by":
            title = _("Indkaldelse til budgetmødet senest")
            note = ngettext(
                "%(num)s dag før budgetmødet, skriftligt til alle husstande (regnet fra mødets sidste "
                "mulige dag; holdes mødet før, rykker fristen med).",
                "%(num)s dage før budgetmødet, skriftligt til alle husstande (regnet fra mødets sidste "
                "mulige dag; holdes mødet før, rykker fristen med).",
                days,
            )
        elif milestone.key == "proposals_due":
            title = _("Frist for beboernes forslag til budgetmødet")
            note = ngettext(
                "Forslag skal være modtaget %(num)s dag før budgetmødet (regnet fra mødets sidste "
                "mulige dag).",
                "Forslag skal være modtaget %(num)s dage før budgetmødet (regnet fra mødets sidste "
                "mulige dag).",
                days,
            )
        elif milestone.key == "material_due":
            title = _("Dagsorden med bilag til budgetmødet senest")
            note = ngettext(
                "Dagsorden med forslag, regnskab, budget og bestyrelsens beretning offentliggøres "
                "%(num)s dag før budgetmødet (regnet fra mødets sidste mulige dag).",
                "Dagsorden med forslag, regnskab, budget og bestyrelsens beretning offentliggøres "
                "%(num)s dage før budgetmødet (regnet fra mødets sidste mulige dag).",
                days,
            )
        else:  # minutes_due: after the meeting itself, not a date of the plan
            continue
        events.append(
            YearEvent(kind=milestone.key, title=title, day=milestone.day, note=note, statutory=True)
        )
    return events


def _accounts_event(rules: dict[str, Any], start: date) -> YearEvent:
    """The approval of the accounts of the financial year starting on ``start``."""
    last_day = financial_year_start(rules, start.year + 1) - timedelta(days=1)
    month = accounts_approval_month(rules)
    later = (month - last_day.month) % 12 or 12
    approval = add_months(last_day.replace(day=1), later)
    return YearEvent(
        kind="accounts_approval",
        title=_("Godkendelse af årsregnskab senest"),
        day=last_of_month(approval.year, approval.month),
        note=_(
            "Afdelingsbestyrelsen godkender afdelingens driftsregnskab for regnskabsåret %(year)s.",
            year=financial_year_label(start),
        ),
        statutory=False,
    )


def _inspection_event(rules: dict[str, Any], year: int) -> YearEvent:
    first = date(year, inspection_month(rules), 1)
    month = fmt_date(first, "MMMM")
    return YearEvent(
        kind="inspection",
        title=_("Markvandring i %(month)s", month=month),
        day=first,
        note=_(
            "Den årlige gennemgang af afdelingens bygninger og udearealer, i løbet af %(month)s; datoen "
            "aftales med administrationen.",
            month=month,
        ),
        statutory=False,
    )


def _constituting_event(rules: dict[str, Any], election: date) -> YearEvent:
    return YearEvent(
        kind="constituting_meeting",
        title=_("Konstituerende bestyrelsesmøde senest"),
        day=election + timedelta(days=constituting_days(rules)),
        note=_(
            "Bestyrelsen konstituerer sig efter valget den %(date)s: formand, næstformand og de "
            "øvrige poster.",
            date=fmt_date(election),
        ),
        statutory=False,
    )


def year_plan(
    rules: dict[str, Any] | None, *, year: int, elections: Iterable[date] | None = None
) -> list[YearEvent]:
    """Every event of the year plan whose day falls in calendar year ``year``, sorted by day.

    ``elections`` are the days of board elections (of any year); each gives a constituting board
    meeting, listed when that falls in ``year``.
    """
    rules = rules or {}
    events: list[YearEvent] = []
    # Financial years whose budget meeting, deadlines or accounts can fall in ``year``.
    for start_year in range(year - 2, year + 3):
        start = financial_year_start(rules, start_year)
        events += _budget_events(rules, start)
        events.append(_accounts_event(rules, start))
    events.append(_inspection_event(rules, year))
    events += [_constituting_event(rules, day) for day in sorted(set(elections or ()))]
    return sorted((e for e in events if e.day.year == year), key=lambda e: (e.day, KINDS.index(e.kind)))


def to_ics_events(events: Iterable[YearEvent], *, board_name: str, uid_prefix: str) -> list[FeedEvent]:
    """The plan as all-day events for the personal calendar feed (``core.calendar_extras``).

    Each UID is ``uid_prefix`` with the event's kind and day (``yearplan-7@example.dk`` gives
    ``yearplan-7-budget_meeting-20260331@example.dk``), so it stays the same while the rules do.
    """
    local, at, domain = uid_prefix.partition("@")
    return [
        FeedEvent(
            day=e.day,
            uid=f"{local}-{e.kind}-{e.day:%Y%m%d}{at}{domain}",
            summary=f"{board_name}: {e.title}",
            description=e.note,
            organizer=board_name,
        )
        for e in events
    ]
