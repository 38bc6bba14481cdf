"""The election result in the minutes of an ordinary department meeting.

It is a part of the content document (``content["election"]``, absent or None when there was none)::

    {"elected": [{"person_id", "name", "role": member|chair, "term_end": "YYYY-MM-DD" | None,
                  "until_year": int | None}],           # chair: elected directly by the meeting
     "substitutes": [{"person_id", "name", "order", "term_end", "until_year"}],   # by order
     "leaving": [{"person_id", "name", "role"}]}          # current members and substitutes who leave

A term ends on a date (``term_end``) or at the ordinary department meeting of a year
(``until_year``: "til ordinært afdelingsmøde 2028"). Who may be elected: an adult of a household of
the department on the meeting's day (tenants and household members). Who may leave: the board's
members and substitutes of the meeting's day (or whose membership ran out in the 90 days before it).
A person elected again is not leaving. The names are public (they are in the published minutes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.meetings.models import Meeting, Minutes
from boardkit.org import service as org_service

ELECTION_KIND = "ordinary_department"
ROLES = ("member", "chair")
MAX_ROWS = 40
RECENTLY_ENDED = timedelta(days=90)
MAX_YEARS = 10


@dataclass
class ElectedInput:
    person_id: int | None
    role: str = "member"
    term_end: date | None = None
    until_year: int | None = None


@dataclass
class SubstituteInput:
    person_id: int | None
    order: int | None = None
    term_end: date | None = None
    until_year: int | None = None


@dataclass
class ElectionInput:
    elected: list[ElectedInput] = field(default_factory=list)
    substitutes: list[SubstituteInput] = field(default_factory=list)
    leaving: list[int] = field(default_factory=list)  # person ids


@dataclass(frozen=True)
class Elected:
    person_id: int
    role: str  # member | chair
    term_end: date | None


@dataclass(frozen=True)
class Substitute:
    person_id: int
    order: int
    term_end: date | None


@dataclass(frozen=True)
class ElectionResult:
    """What an approved election says, for turning it into membership changes. ``term_end`` is None
    when the term runs until an ordinary department meeting (its year in ``until_years``)."""

    meeting_id: int
    board_id: int
    department_id: int | None
    meeting_ends_at: datetime  # UTC
    elected: tuple[tuple[int, str, date | None], ...]  # (person_id, "member" | "chair", term_end)
    substitutes: tuple[tuple[int, int, date | None], ...]  # (person_id, order, term_end), by order
    leaving: tuple[int, ...]  # person ids
    until_years: tuple[tuple[int, int], ...] = ()  # (person_id, year) for "til ordinært afdelingsmøde"


def meeting_day(meeting: Meeting) -> date:
    return meeting.starts_at.astimezone(TZ).date()


def has_election(meeting: Meeting) -> bool:
    return meeting.kind == ELECTION_KIND


@dataclass(frozen=True)
class Candidate:
    person_id: int
    name: str
    address: str


def candidates(db: Session, meeting: Meeting) -> list[Candidate]:
    """Who may be elected: the adults of the department's households on the meeting's day, by address."""
    department_id = meeting.department_id or meeting.board.department_id
    if department_id is None:
        return []
    found: list[Candidate] = []
    seen: set[int] = set()
    for household in org_service.list_households(db, department_id=department_id, day=meeting_day(meeting)):
        for person in household.residents:
            if person.id not in seen:
                seen.add(person.id)
                found.append(Candidate(person.id, person.name, household.tenancy.address_line))
    return found


@dataclass(frozen=True)
class Seat:
    person_id: int
    name: str
    role: str
    end_date: date | None
    leaves_by_default: bool

    @property
    def role_label(self) -> str:
        return org_service.role_name(self.role)


def current_seats(db: Session, meeting: Meeting) -> list[Seat]:
    """The board's members and substitutes at the meeting (memberships of its day, or ended in the 90
    days before it), with whether they leave unless elected again: a member whose term ends on or
    before the meeting's day, and every substitute (the meeting elects the substitutes anew)."""
    day = meeting_day(meeting)
    seats: dict[int, Seat] = {}
    for m in org_service.list_board_members(db, board_id=meeting.board_id, include_ended=True):
        if m.start_date > day or (m.end_date is not None and m.end_date < day - RECENTLY_ENDED):
            continue
        leaves = m.role == "substitute" or (m.end_date is not None and m.end_date <= day)
        seat = Seat(m.person_id, m.person.name, m.role, m.end_date, leaves)
        known = seats.get(m.person_id)
        if known is None or (
            known.end_date is not None and (m.end_date is None or m.end_date > known.end_date)
        ):
            seats[m.person_id] = seat
    return sorted(seats.values(), key=lambda s: (s.role == "substitute", s.name, s.person_id))


def default_leaving(db: Session, meeting: Meeting) -> list[int]:
    return [s.person_id for s in current_seats(db, meeting) if s.leaves_by_default]


# --- terms ----------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{1,2})[.\-/](\d{1,2})[.\-/](\d{4})$")


def parse_term(text: str) -> tuple[date | None, int | None] | None:
    """A term as typed: a year (until the ordinary department meeting of that year), a date as
    dd.mm.åååå or åååå-mm-dd; None when it is neither."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return None, int(text)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text), None
        m = _DATE.match(text)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))), None
    except ValueError:
        return None
    return None


def term_text(entry: dict[str, Any]) -> str:
    """ "til ordinært afdelingsmøde 2028" or "til 31.03.2028"."""
    if entry.get("until_year"):
        return _("til ordinært afdelingsmøde %(year)s", year=entry["until_year"])
    if entry.get("term_end"):
        return _("til %(date)s", date=date.fromisoformat(entry["term_end"]).strftime("%d.%m.%Y"))
    return ""


def term_value(entry: dict[str, Any]) -> str:
    """The term as the form shows it."""
    if entry.get("until_year"):
        return str(entry["until_year"])
    if entry.get("term_end"):
        return date.fromisoformat(entry["term_end"]).strftime("%d.%m.%Y")
    return ""


def role_text(role: str) -> str:
    return _("formand, valgt direkte") if role == "chair" else _("medlem")


# --- checking -------------------------------------------------------------------------------


def _check_term(
    day: date, term_end: date | None, until_year: int | None, key: str, errors: dict[str, str]
) -> None:
    if term_end is None and until_year is None:
        errors[key] = _("Skriv, hvornår perioden slutter: en dato eller et årstal.")
    elif term_end is not None and term_end <= day:
        errors[key] = _("Perioden skal slutte efter mødet.")
    elif term_end is not None and term_end.year > day.year + MAX_YEARS:
        errors[key] = _("Perioden kan højst vare %(n)s år.", n=MAX_YEARS)
    elif until_year is not None and not day.year < until_year <= day.year + MAX_YEARS:
        errors[key] = _("Skriv et årstal efter mødets år (højst %(n)s år frem).", n=MAX_YEARS)


def build_election(
    db: Session, meeting: Meeting, data: ElectionInput | None, errors: dict[str, str]
) -> dict[str, Any] | None:
    """The election part of the content for ``data``, checked (problems added to ``errors`` under
    ``election.…``); None when there was no election. Lines without a person and a term are skipped."""
    if data is None:
        return None

    def blank(row: ElectedInput | SubstituteInput) -> bool:
        return row.person_id is None and row.term_end is None and row.until_year is None

    rows: list[ElectedInput | SubstituteInput] = [*data.elected, *data.substitutes]
    if all(blank(row) for row in rows) and not data.leaving:
        return None
    if not has_election(meeting):
        errors["election"] = _("Valg registreres kun i referatet af et ordinært afdelingsmøde.")
        return None
    if len(data.elected) > MAX_ROWS or len(data.substitutes) > MAX_ROWS or len(data.leaving) > 4 * MAX_ROWS:
        errors["election"] = _("Der er for mange linjer i valget.")
        return None
    day = meeting_day(meeting)
    people = {c.person_id: c for c in candidates(db, meeting)}
    seen: set[int] = set()

    def person(pid: int | None, key: str) -> str | None:
        if pid is None:
            errors[key] = _("Vælg en person.")
        elif pid not in people:
            errors[key] = _("Personen skal bo i afdelingen (lejer eller voksent husstandsmedlem).")
        elif pid in seen:
            errors[key] = _("Personen er allerede valgt på en anden linje.")
        else:
            seen.add(pid)
            return people[pid].name
        return None

    elected: list[dict[str, Any]] = []
    chairs = 0
    for n, e in enumerate(data.elected):
        if blank(e):
            continue
        prefix = f"election.elected.{n}"
        name = person(e.person_id, f"{prefix}.person_id")
        if e.role not in ROLES:
            errors[f"{prefix}.role"] = _("Vælg medlem eller formand.")
        elif e.role == "chair":
            chairs += 1
            if chairs > 1:
                errors[f"{prefix}.role"] = _("Kun én kan vælges direkte som formand.")
        _check_term(day, e.term_end, e.until_year, f"{prefix}.term", errors)
        if name is not None:
            elected.append(
                {
                    "person_id": e.person_id,
                    "name": name,
                    "role": e.role,
                    "term_end": e.term_end.isoformat() if e.term_end and not e.until_year else None,
                    "until_year": e.until_year,
                }
            )
    substitutes: list[dict[str, Any]] = []
    orders: set[int] = set()
    for n, s in enumerate(data.substitutes):
        if blank(s):
            continue
        prefix = f"election.substitutes.{n}"
        name = person(s.person_id, f"{prefix}.person_id")
        if s.order is None or not 1 <= s.order <= MAX_ROWS:
            errors[f"{prefix}.order"] = _("Skriv suppleantens nummer i rækkefølgen (1, 2 …).")
        elif s.order in orders:
            errors[f"{prefix}.order"] = _("Nummeret %(n)s er brugt to gange.", n=s.order)
        else:
            orders.add(s.order)
        _check_term(day, s.term_end, s.until_year, f"{prefix}.term", errors)
        if name is not None:
            substitutes.append(
                {
                    "person_id": s.person_id,
                    "name": name,
                    "order": s.order,
                    "term_end": s.term_end.isoformat() if s.term_end and not s.until_year else None,
                    "until_year": s.until_year,
                }
            )
    seats = {seat.person_id: seat for seat in current_seats(db, meeting)}
    leaving: list[dict[str, Any]] = []
    for n, pid in enumerate(dict.fromkeys(data.leaving)):
        if pid not in seats:
            errors[f"election.leaving.{n}"] = _("Personen er ikke i bestyrelsen.")
        elif pid not in seen:  # somebody elected again does not leave
            seat = seats[pid]
            leaving.append({"person_id": pid, "name": seat.name, "role": seat.role})
    substitutes.sort(key=lambda s: s["order"] or 0)
    return {"elected": elected, "substitutes": substitutes, "leaving": leaving}


# --- the result -----------------------------------------------------------------------------


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def result_of(meeting: Meeting, content: dict[str, Any]) -> ElectionResult | None:
    election = content.get("election")
    if not has_election(meeting) or not election:
        return None
    elected = election.get("elected", [])
    substitutes = sorted(election.get("substitutes", []), key=lambda s: s.get("order") or 0)
    return ElectionResult(
        meeting_id=meeting.id,
        board_id=meeting.board_id,
        department_id=meeting.department_id or meeting.board.department_id,
        meeting_ends_at=meeting.ends_at.astimezone(UTC),
        elected=tuple((e["person_id"], e["role"], _day(e.get("term_end"))) for e in elected),
        substitutes=tuple((s["person_id"], int(s["order"]), _day(s.get("term_end"))) for s in substitutes),
        leaving=tuple(x["person_id"] for x in election.get("leaving", [])),
        until_years=tuple(
            (e["person_id"], int(e["until_year"])) for e in [*elected, *substitutes] if e.get("until_year")
        ),
    )


def election_result(minutes: Minutes) -> ElectionResult | None:
    """The election of these minutes (None when there was none, or the meeting is not an ordinary
    department meeting). Reads the minutes' current content; the caller decides whether the minutes
    are approved (``minutes.status``)."""
    db = Session.object_session(minutes)
    if db is None:
        raise ValueError("the minutes must belong to a session")
    meeting = db.get(Meeting, minutes.meeting_id)
    if meeting is None:
        return None
    return result_of(meeting, minutes.content or {})


def display(content: dict[str, Any]) -> dict[str, Any] | None:
    """The election as the minutes page and PDF show it (with the words for roles and terms)."""
    chosen = content.get("election")
    if not chosen:
        return None
    return {
        "elected": [
            {**e, "role_text": role_text(e.get("role", "member")), "term_text": term_text(e)}
            for e in chosen.get("elected", [])
        ],
        "substitutes": [{**s, "term_text": term_text(s)} for s in chosen.get("substitutes", [])],
        "leaving": [
            {**x, "role_text": org_service.role_name(x.get("role", "member"))}
            for x in chosen.get("leaving", [])
        ],
    }


def board_changes(minutes: Minutes) -> org_service.ElectionOutcome | None:
    """The election of these minutes as the board's changes it asks for (``org.propose_election``)."""
    result = election_result(minutes)
    if result is None:
        return None
    return org_service.ElectionOutcome(
        meeting_id=result.meeting_id,
        board_id=result.board_id,
        ends_at=result.meeting_ends_at,
        elected=tuple(org_service.Elected(p, role, end) for p, role, end in result.elected),
        substitutes=tuple(org_service.ElectedSubstitute(p, n, end) for p, n, end in result.substitutes),
        leaving=result.leaving,
        until_years=result.until_years,
    )
