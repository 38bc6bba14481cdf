"""The year plan (årshjul): the budget meeting's last day and its deadlines, the accounts, the inspection walk
and the constituting board meeting, from the organisation's rules (pure computations: no database); and
its events in the personal calendar feed through ``core.calendar_extras`` (the last test, on the demo)."""

from __future__ import annotations

import re
from datetime import date

import icalendar
import pytest
import vobject
from starlette.testclient import TestClient

from boardkit.core import calendar_extras, i18n
from boardkit.core.db import Database
from boardkit.meetings import calendar
from boardkit.onboarding import yearplan
from boardkit.onboarding.yearplan import YearEvent, budget_meeting_deadline, to_ics_events, year_plan
from boardkit.org import service as org_service
from tests.helpers import login_as, person_id
from tests.meetings.ics_check import unfold
from tests.meetings.meeting_env import CHAIR

BUDGET = ("notice_by", "proposals_due", "material_due", "budget_meeting")


def days(events: list[YearEvent], *kinds: str) -> dict[str, date]:
    found = {e.kind: e.day for e in events if e.kind in kinds}
    assert len(found) == len([e for e in events if e.kind in kinds]), "a kind twice in one year"
    return found


def test_a_financial_year_starting_1_july_2026_has_its_budget_meeting_by_31_march() -> None:
    events = year_plan({"financial_year_start": "07-01"}, year=2026)
    # The meetings domain's defaults: notice 28 days, proposals 14 days, material 7 days before.
    assert days(events, *BUDGET) == {
        "notice_by": date(2026, 3, 3),
        "proposals_due": date(2026, 3, 17),
        "material_due": date(2026, 3, 24),
        "budget_meeting": date(2026, 3, 31),
    }
    budget = [e for e in events if e.kind in BUDGET]
    assert [e.kind for e in budget] == list(BUDGET)  # sorted by day: every deadline before the meeting
    assert all(e.statutory for e in budget)
    meeting = budget[-1]
    assert meeting.title == "Budgetmøde (ordinært afdelingsmøde) senest"
    assert "2026/27" in meeting.note and "1. juli 2026" in meeting.note
    assert budget[0].title == "Indkaldelse til budgetmødet senest" and "28 dage" in budget[0].note


def test_a_calendar_financial_year_has_its_budget_meeting_by_30_september_the_year_before() -> None:
    assert budget_meeting_deadline(date(2027, 1, 1)) == date(2026, 9, 30)
    events = year_plan({}, year=2026)  # the default financial year is the calendar year
    assert days(events, *BUDGET) == {
        "notice_by": date(2026, 9, 2),
        "proposals_due": date(2026, 9, 16),
        "material_due": date(2026, 9, 23),
        "budget_meeting": date(2026, 9, 30),
    }
    assert "regnskabsåret 2027 " in next(e.note for e in events if e.kind == "budget_meeting")


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (date(2026, 7, 1), date(2026, 3, 31)),
        (date(2026, 10, 1), date(2026, 6, 30)),
        (date(2028, 6, 1), date(2028, 2, 29)),  # a leap year: the day before 1 March is 29 February
        (date(2027, 6, 1), date(2027, 2, 28)),
        (date(2028, 5, 31), date(2028, 2, 28)),  # 31 February does not exist: counted from the 29th
        (date(2027, 5, 31), date(2027, 2, 27)),
        (date(2026, 7, 31), date(2026, 4, 29)),  # 30 April, minus one day
        (date(2026, 3, 15), date(2025, 12, 14)),
    ],
)
def test_three_calendar_months_before_the_start_minus_one_day(start: date, deadline: date) -> None:
    assert budget_meeting_deadline(start) == deadline


def test_29_february_as_the_budget_meetings_last_day() -> None:
    leap = year_plan({"financial_year_start": "06-01"}, year=2028)
    assert days(leap, *BUDGET) == {
        "notice_by": date(2028, 2, 1),
        "proposals_due": date(2028, 2, 15),
        "material_due": date(2028, 2, 22),
        "budget_meeting": date(2028, 2, 29),
    }
    plain = year_plan({"financial_year_start": "06-01"}, year=2027)
    assert days(plain, "notice_by", "budget_meeting") == {
        "notice_by": date(2027, 1, 31),
        "budget_meeting": date(2027, 2, 28),
    }


def test_a_financial_year_start_that_not_every_year_has_is_the_default() -> None:
    for bad in ("02-29", "13-01", "7-1", "", 701, None):
        assert yearplan.financial_year_start({"financial_year_start": bad}, 2026) == date(2026, 1, 1), bad


def test_the_organisations_own_deadlines_are_the_meetings_domains_rules() -> None:
    rules = {
        "financial_year_start": "07-01",
        "notice_days": {"ordinary_department": 42},
        "proposals_due_days": 21,
        "material_due_days": 10,
    }
    assert days(year_plan(rules, year=2026), *BUDGET) == {
        "notice_by": date(2026, 2, 17),
        "proposals_due": date(2026, 3, 10),
        "material_due": date(2026, 3, 21),
        "budget_meeting": date(2026, 3, 31),
    }


def test_deadlines_in_december_for_a_meeting_in_january_are_in_the_first_years_plan() -> None:
    rules = {"financial_year_start": "04-15"}  # budget meeting by 14 January 2027
    first, second = year_plan(rules, year=2026), year_plan(rules, year=2027)
    # Each year holds one meeting's last deadlines and day, and the next meeting's first deadlines.
    assert days(first, *BUDGET) == {
        "material_due": date(2026, 1, 7),
        "budget_meeting": date(2026, 1, 14),
        "notice_by": date(2026, 12, 17),
        "proposals_due": date(2026, 12, 31),
    }
    assert days(second, "material_due", "budget_meeting") == {
        "material_due": date(2027, 1, 7),
        "budget_meeting": date(2027, 1, 14),
    }
    for one, other in ((first, second), (second, first)):
        assert not {(e.kind, e.day) for e in one} & {(e.kind, e.day) for e in other}


def test_the_accounts_are_approved_by_the_end_of_the_5th_month_after_the_financial_year() -> None:
    calendar_year = [e for e in year_plan({}, year=2026) if e.kind == "accounts_approval"]
    assert [e.day for e in calendar_year] == [date(2026, 5, 31)]
    assert "regnskabsåret 2025." in calendar_year[0].note and not calendar_year[0].statutory
    july = [
        e for e in year_plan({"financial_year_start": "07-01"}, year=2026) if e.kind == "accounts_approval"
    ]
    assert [(e.day, "2025/26" in e.note) for e in july] == [(date(2026, 11, 30), True)]
    own = year_plan({"accounts_approval_month": 4}, year=2026)
    assert days(own, "accounts_approval") == {"accounts_approval": date(2026, 4, 30)}
    assert days(year_plan({"accounts_approval_month": 13}, year=2026), "accounts_approval") == {
        "accounts_approval": date(2026, 5, 31)
    }


def test_the_inspection_walk_is_the_whole_configured_month() -> None:
    assert days(year_plan({}, year=2026), "inspection") == {"inspection": date(2026, 5, 1)}
    september = [e for e in year_plan({"inspection_month": 9}, year=2026) if e.kind == "inspection"]
    assert [(e.day, e.title) for e in september] == [(date(2026, 9, 1), "Markvandring i september")]
    for bad in ("9", 0, 13, True):
        assert days(year_plan({"inspection_month": bad}, year=2026), "inspection") == {
            "inspection": date(2026, 5, 1)
        }


def test_a_constituting_board_meeting_follows_each_election() -> None:
    elections = [date(2026, 3, 25), date(2026, 12, 28), date(2026, 3, 25)]
    events = year_plan({}, year=2026, elections=elections)
    constituting = [e for e in events if e.kind == "constituting_meeting"]
    assert [e.day for e in constituting] == [date(2026, 4, 8)]  # 14 days; the one after 28 December is 2027's
    assert "25. marts 2026" in constituting[0].note and not constituting[0].statutory
    assert days(year_plan({}, year=2027, elections=elections), "constituting_meeting") == {
        "constituting_meeting": date(2027, 1, 11)
    }
    own = year_plan({"constituting_meeting_days": 7}, year=2026, elections=[date(2026, 3, 25)])
    assert days(own, "constituting_meeting") == {"constituting_meeting": date(2026, 4, 1)}


def test_the_plan_is_sorted_by_day_and_in_the_readers_language() -> None:
    events = year_plan({"financial_year_start": "07-01"}, year=2026, elections=[date(2026, 3, 31)])
    assert [e.day for e in events] == sorted(e.day for e in events)
    assert {e.kind for e in events} == set(yearplan.KINDS)
    with i18n.language("en"):
        english = year_plan({"financial_year_start": "07-01"}, year=2026)
    titles = {e.kind: e.title for e in english}
    assert titles["budget_meeting"] == "Budget meeting (ordinary department meeting) no later than"
    assert titles["inspection"] == "Inspection walk in May"


# --- in the calendar feed ---------------------------------------------------------------------------------


def july_plan_events(prefix: str) -> list[calendar_extras.FeedEvent]:
    plan = year_plan({"financial_year_start": "07-01"}, year=2026)
    return to_ics_events(plan, board_name="Afdelingsbestyrelsen Test", uid_prefix=prefix)


def all_day(text: str) -> dict[str, tuple[date, date, str, str]]:
    """The all-day events as both parsers read them: uid → (start, end, summary, description)."""
    found = {}
    for ev in icalendar.Calendar.from_ical(text).walk("VEVENT"):
        start = ev.decoded("DTSTART")
        if type(start) is date:
            found[str(ev["UID"])] = (start, ev.decoded("DTEND"), str(ev["SUMMARY"]), str(ev["DESCRIPTION"]))
    for ev in vobject.readOne(text).vevent_list:
        if type(ev.dtstart.value) is date:
            assert found[ev.uid.value] == (
                ev.dtstart.value,
                ev.dtend.value,
                ev.summary.value,
                ev.description.value,
            )
            assert ev.organizer.params["CN"] == ["Afdelingsbestyrelsen Test"]
    return found


def test_the_plan_as_all_day_events_with_stable_uids() -> None:
    events = july_plan_events("yearplan-7@example.dk")
    assert [e.uid for e in events][:4] == [
        "yearplan-7-notice_by-20260303@example.dk",
        "yearplan-7-proposals_due-20260317@example.dk",
        "yearplan-7-material_due-20260324@example.dk",
        "yearplan-7-budget_meeting-20260331@example.dk",
    ]
    assert events[3].summary == "Afdelingsbestyrelsen Test: Budgetmøde (ordinært afdelingsmøde) senest"
    assert len({e.uid for e in events}) == len(events)
    text = calendar.feed(
        [], base_url="https://x", mail_from="b@example.dk", agendas={}, name="M", extras=events
    )
    lines = unfold(text)
    assert "DTSTART;VALUE=DATE:20260331" in lines and "DTEND;VALUE=DATE:20260401" in lines
    assert all(len(raw.encode()) <= 75 for raw in text.split("\r\n"))
    found = all_day(text)
    assert found["yearplan-7-budget_meeting-20260331@example.dk"][:2] == (date(2026, 3, 31), date(2026, 4, 1))
    assert "2026/27" in found["yearplan-7-budget_meeting-20260331@example.dk"][3]


def test_providers_are_asked_in_order_and_registering_again_replaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_extras, "_PROVIDERS", {})
    one = calendar_extras.FeedEvent(day=date(2026, 5, 1), uid="b", summary="B")
    two = calendar_extras.FeedEvent(day=date(2026, 3, 1), uid="a", summary="A")
    calendar_extras.register_feed_events("x", lambda db, person, boards: [one])
    calendar_extras.register_feed_events("y", lambda db, person, boards: [two] if 3 in boards else [])
    assert calendar_extras.feed_events(None, person_id=1, board_ids=[3]) == [two, one]  # type: ignore[arg-type]
    calendar_extras.register_feed_events("x", lambda db, person, boards: [])
    assert calendar_extras.feed_events(None, person_id=1, board_ids=[2]) == []  # type: ignore[arg-type]


def test_a_registered_providers_events_appear_in_the_personal_feed(
    client: TestClient, demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[int, frozenset[int]]] = []

    def provider(db: object, person: int, boards: frozenset[int]) -> list[calendar_extras.FeedEvent]:
        asked.append((person, boards))
        return july_plan_events(f"yearplan-{person}@test")

    monkeypatch.setattr(calendar_extras, "_PROVIDERS", {})
    calendar_extras.register_feed_events("onboarding", provider)
    login_as(client, demo, CHAIR)
    found = re.search(r"http://testserver(/calendar/[^<\"\s]+\.ics)", client.get("/profile").text)
    assert found
    client.cookies.clear()  # calendar apps have no session
    r = client.get(found.group(1))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    chair = person_id(demo, CHAIR)
    with demo.transaction() as s:
        boards = frozenset(org_service.build_principal(s, person_id=chair).board_roles)
    assert asked == [(chair, boards)] and boards
    events = all_day(r.text)
    assert events[f"yearplan-{chair}-budget_meeting-20260331@test"] == (
        date(2026, 3, 31),
        date(2026, 4, 1),
        "Afdelingsbestyrelsen Test: Budgetmøde (ordinært afdelingsmøde) senest",
        next(e.description for e in july_plan_events("x") if e.day == date(2026, 3, 31)),
    )
    assert len(events) == len(july_plan_events("x"))
    meetings = [e for e in icalendar.Calendar.from_ical(r.text).walk("VEVENT") if str(e["UID"]) not in events]
    assert meetings, "the meetings are still in the feed"
