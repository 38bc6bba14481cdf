"""The demo meetings: for every board one held meeting and three upcoming ones, two announced
department meetings, and their starting agendas. No randomness: names stay the same whatever the date."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from boardkit.demo.accounts import ACCOUNT_NAMES, CHAIR_EMAIL, DEPARTMENTS, OFFICE, TZ
from boardkit.demo.people import Builder
from boardkit.meetings import service as meeting_service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.org.models import (
    Board,
)


def _local(day: date, at: time) -> datetime:
    """A wall-clock time in Copenhagen as an aware datetime in UTC."""
    return datetime.combine(day, at, tzinfo=TZ).astimezone(UTC)


def _theme(day: date) -> str:
    return f"budget {day.year + 1}" if day.month >= 6 else f"regnskab {day.year - 1}"


def _evening_day(day: date) -> date:
    """The first Monday–Thursday on or after ``day`` outside the Christmas and New Year break."""
    while day.weekday() > 3 or (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        day += timedelta(days=1)
    return day


def _meetings(board: Board, *, kind: str, place: str, offset: int, at: time, today: date) -> list[Meeting]:
    """One held meeting ~30 days ago and three upcoming ones (~9, 37 and 65 days ahead, shifted by offset)."""
    base = "Møde i Aktivitetsudvalget" if kind == "committee" else "Bestyrelsesmøde"
    held = today - timedelta(days=30 + offset)
    while held.weekday() > 3:
        held -= timedelta(days=1)
    first, second, third = (_evening_day(today + timedelta(days=d + offset)) for d in (9, 37, 65))
    plan = [
        (held, "held", base),
        (first, "planned", base),
        (second, "planned", f"{base} – {_theme(second)}" if kind == "board" else base),
        (third, "planned", base),
    ]
    meetings = []
    for day, status, title in plan:
        starts = _local(day, at)
        meetings.append(
            Meeting(
                board=board,
                kind=kind,
                title=title,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                location=place,
                status=status,
                # A held meeting was announced (residents see a department board's held meetings).
                invited_at=starts - timedelta(days=10) if status == "held" else None,
            )
        )
    return meetings


def add_meetings(b: Builder, boards: Sequence[Board]) -> None:
    """Every board's meetings, added to ``b`` (boards in the order of :class:`DemoOrg`)."""
    ab_eng, ab_soe, ab_lyn, ob, committee = boards
    # Meetings, relative to today in Copenhagen (no randomness: names stay the same whatever the date).
    today = datetime.now(UTC).astimezone(TZ).date()
    evening = time(19, 0)
    place = {spec.number: spec.meeting_place for spec in DEPARTMENTS}
    places = {
        ab_eng: place["101"],
        ab_soe: place["102"],
        ab_lyn: place["103"],
        ob: OFFICE,
        committee: place["101"],
    }
    for offset, board in enumerate(boards):
        kind = "committee" if board.kind == "committee" else "board"
        at = time(17, 0) if kind == "committee" else evening
        b.objects.extend(_meetings(board, kind=kind, place=places[board], offset=offset, at=at, today=today))
    for board, days in ((ab_eng, 42), (ab_soe, 44)):
        starts = _local(_evening_day(today + timedelta(days=days)), evening)
        b.add(
            Meeting(
                board=board,
                kind="ordinary_department",
                title="Ordinært afdelingsmøde",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2, minutes=30),
                location=places[board],
                # Announced early (the notice is due 4 weeks before): residents see it and may propose.
                status="invited",
                invited_at=_local(today - timedelta(days=1), time(10, 0)),
            )
        )


# A few realistic words on the agenda (the rest keeps the template's titles).
DESCRIPTIONS = {
    "Økonomi": "Kassereren gennemgår kvartalets regnskab mod budgettet. Bilag: saldobalance pr. kvartal.",
    "Bestyrelsens beretning": "Formanden fremlægger bestyrelsens skriftlige beretning for det forløbne år.",
    "Afdelingens budget for næste år": "Budgettet er udarbejdet af administrationen sammen med bestyrelsen. "
    "Lejen foreslås hævet med 1,9 %.",
    "Valg": "På valg er to bestyrelsesmedlemmer og to suppleanter. Kandidater kan melde sig på mødet.",
}


def add_agendas(db: Session, meetings: list[Meeting], *, engparken_board: Board) -> None:
    """Give every demo meeting a UID and its starting agenda; one closed item in Engparken."""
    for meeting in sorted(meetings, key=lambda m: m.starts_at):
        meeting.uid = f"{uuid.uuid4()}@demo.boardkit.dk"
        if meeting.is_department_meeting:
            meeting.department_id = meeting.board.department_id
        meeting_service.add_starting_agenda(db, meeting)
        for item in meeting.items:
            item.description = DESCRIPTIONS.get(item.title, "")
    upcoming = [
        m for m in meetings if m.board is engparken_board and m.kind == "board" and m.status == "planned"
    ]
    first = min(upcoming, key=lambda m: m.starts_at)
    items = sorted(first.items, key=lambda i: i.position)
    playground = AgendaItem(
        meeting_id=first.id,
        title="Legepladsen ved Engvænget",
        description="Tilbud på nyt faldunderlag og to gynger. Bestyrelsen beslutter, om tilbuddet skal "
        "forelægges afdelingsmødet.",
        kind="decision",
        presenter=ACCOUNT_NAMES[CHAIR_EMAIL],
        minutes_allotted=20,
    )
    personnel = AgendaItem(
        meeting_id=first.id,
        title="Personalesag",
        description="Sag om ejendomskontorets personale. Behandles for lukkede døre.",
        kind="discussion",
        closed=True,
        person_case=True,
    )
    items[3:3] = [playground]  # after the chair's news
    items[-1:-1] = [personnel]  # before "Eventuelt"
    for position, item in enumerate(items, start=1):
        item.position = position
    db.add_all([playground, personnel])
    db.flush()
    db.refresh(first, ["items"])
