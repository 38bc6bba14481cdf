"""The board's year plan (årshjul) on the demo: the page for the board's members and the administration,
the administration's rules on /admin/year-plan, the API and the all-day events in the member's
calendar feed. The demo organisation has no rules of its own: its financial year is the calendar year,
so the budget meeting for next year is due by 30 September this year."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.meetings.models import Meeting
from boardkit.org import service as org_service
from boardkit.org.models import Board, Organisation
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings import ics_check
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    SOEBAKKEN,
    TREASURER,
    at_local,
    board_id,
)

pytestmark = pytest.mark.postgres

BUDGET_TITLE = "Budgetmøde (ordinært afdelingsmøde) senest"


def this_year() -> int:
    return org_service.today().year


def page(client: TestClient, db: Database, email: str, board: str = ENGPARKEN) -> tuple[int, str]:
    login_as(client, db, email)
    r = client.get(f"/boards/{board_id(db, board)}/year-plan")
    return r.status_code, r.text


def rules(db: Database) -> dict[str, object]:
    with db.transaction() as s:
        organisation = s.scalars(select(Organisation)).one()
        return dict(organisation.rules or {})


def audits(db: Database) -> int:
    with db.transaction() as s:
        return (
            s.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "organisation.year_plan_rules")
            )
            or 0
        )


def test_the_chair_sees_the_plan_with_the_budget_meeting_from_the_rules(
    client: TestClient, demo: Database
) -> None:
    year = this_year()
    status, html = page(client, demo, CHAIR)
    assert status == 200
    assert f"Årshjul: {ENGPARKEN}" in html
    # This year and next, by month, the budget meeting (lovkrav) by 30 September with its deadlines.
    assert f'id="year-{year}"' in html and f'id="year-{year + 1}"' in html
    assert f'id="month-{year}-09"' in html and f"September {year}" in html
    budget = html.index(BUDGET_TITLE)
    assert f"30. september {year}" in html[budget - 300 : budget]
    assert "Lovkrav" in html[budget : budget + 200]
    assert "Indkaldelse til budgetmødet senest" in html and f"2. september {year}" in html
    assert "Markvandring i maj" in html and "Godkendelse af årsregnskab senest" in html
    assert f"regnskabsåret {year + 1}" in html  # the note names the financial year
    assert 'href="/admin/year-plan"' not in html  # the rules are the administration's
    # Found from the dashboard's board card and the board's meetings.
    link = f'href="/boards/{board_id(demo)}/year-plan"'
    assert link in client.get("/").text and link in client.get(f"/boards/{board_id(demo)}/meetings").text
    # A member of the board and the administration see it too; the administration finds its rules.
    assert page(client, demo, TREASURER)[0] == 200
    status, html = page(client, demo, ADMIN)
    assert status == 200 and 'href="/admin/year-plan"' in html
    assert 'href="/admin/year-plan"' in client.get("/admin/").text
    login_as(client, demo, RESIDENT)
    assert link not in client.get("/").text


def test_only_the_board_and_the_administration_see_the_plan(client: TestClient, demo: Database) -> None:
    assert page(client, demo, RESIDENT)[0] == 404  # a resident of Engparken
    assert page(client, demo, MEMBER_SOEBAKKEN)[0] == 404  # another department's board
    assert page(client, demo, MEMBER_SOEBAKKEN, SOEBAKKEN)[0] == 200
    with demo.transaction() as s:
        organisation_board = s.scalar(select(Board.id).where(Board.department_id.is_(None)))
    assert organisation_board is not None
    login_as(client, demo, CHAIR)  # sits on the organisation board: it has no year plan
    assert client.get(f"/boards/{organisation_board}/year-plan").status_code == 404
    assert client.get("/boards/999999/year-plan").status_code == 404
    client.cookies.clear()
    r = client.get(f"/boards/{board_id(demo)}/year-plan", follow_redirects=False)
    assert r.status_code in (302, 303, 401)


def test_the_administration_moves_the_financial_year_and_the_plan_follows(
    client: TestClient, demo: Database
) -> None:
    year = this_year()
    login_as(client, demo, ADMIN)
    form = client.get("/admin/year-plan")
    assert form.status_code == 200
    assert 'name="financial_year_start"' in form.text and 'value="01-01"' in form.text
    r = client.post(
        "/admin/year-plan",
        data={
            "csrf_token": csrf_from(form.text),
            "financial_year_start": "07-01",
            "inspection_month": "9",
            "accounts_approval_month": "",
            "constituting_meeting_days": "21",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/year-plan"
    assert rules(demo) == {
        "financial_year_start": "07-01",
        "inspection_month": 9,
        "constituting_meeting_days": 21,
    }
    assert audits(demo) == 1
    status, html = page(client, demo, CHAIR)
    assert status == 200
    budget = html.index(BUDGET_TITLE)
    assert f"31. marts {year}" in html[budget - 300 : budget]  # 1 July minus 3 months, minus a day
    assert f"{year}/{(year + 1) % 100:02d}" in html  # the financial year 2026/27
    assert "Markvandring i september" in html
    assert f"30. september {year}" not in html[budget - 300 : budget]
    # The same values again: nothing changes, nothing audited.
    login_as(client, demo, ADMIN)
    form = client.get("/admin/year-plan")
    assert 'value="07-01"' in form.text and 'value="21"' in form.text
    client.post(
        "/admin/year-plan",
        data={
            "csrf_token": csrf_from(form.text),
            "financial_year_start": "07-01",
            "inspection_month": "9",
            "accounts_approval_month": "",
            "constituting_meeting_days": "21",
        },
    )
    assert audits(demo) == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("financial_year_start", "13-01", "Skriv regnskabsårets første dag som MM-DD"),
        ("financial_year_start", "x", "Skriv regnskabsårets første dag som MM-DD"),
        ("financial_year_start", "02-29", "ikke 29. februar"),
        ("inspection_month", "x", "Vælg måneden for markvandringen."),
        ("inspection_month", "13", "Vælg måneden for markvandringen."),
        ("accounts_approval_month", "0", "Vælg måneden for godkendelse af regnskabet"),
        ("constituting_meeting_days", "x", "Skriv et helt antal dage mellem 1 og 365."),
        ("constituting_meeting_days", "0", "Skriv et helt antal dage mellem 1 og 365."),
    ],
)
def test_bad_rules_are_refused_in_danish_and_nothing_is_saved(
    client: TestClient, demo: Database, field: str, value: str, message: str
) -> None:
    login_as(client, demo, ADMIN)
    form = client.get("/admin/year-plan")
    data = {
        "csrf_token": csrf_from(form.text),
        "financial_year_start": "07-01",
        "inspection_month": "6",
        "accounts_approval_month": "4",
        "constituting_meeting_days": "10",
        field: value,
    }
    r = client.post("/admin/year-plan", data=data)
    assert r.status_code == 422
    assert "Der er problemer" in r.text and message in r.text
    assert f'id="{field}"' in r.text and 'aria-invalid="true"' in r.text
    assert rules(demo) == {} and audits(demo) == 0


def test_the_rules_form_is_the_administrations(client: TestClient, demo: Database) -> None:
    login_as(client, demo, CHAIR)
    assert client.get("/admin/year-plan").status_code == 404
    form = client.get(f"/boards/{board_id(demo)}/year-plan")
    r = client.post(
        "/admin/year-plan",
        data={"csrf_token": csrf_from(form.text), "financial_year_start": "07-01", "inspection_month": "5"},
    )
    assert r.status_code == 404 and rules(demo) == {}
    login_as(client, demo, ADMIN)
    assert client.post("/admin/year-plan", data={"financial_year_start": "07-01"}).status_code == 403


def test_the_api_gives_the_plan_in_date_order(client: TestClient, demo: Database) -> None:
    year = this_year()
    engparken = board_id(demo)
    r = client.get(f"/api/v1/boards/{engparken}/year-plan", headers=api_token(demo, CHAIR))
    assert r.status_code == 200
    plan = r.json()
    assert plan["board_id"] == engparken and plan["board_name"] == ENGPARKEN
    assert plan["years"] == [year, year + 1] and plan["financial_year_start"] == "01-01"
    days = [item["date"] for item in plan["items"]]
    assert days == sorted(days) and days[0].startswith(str(year)) and days[-1].startswith(str(year + 1))
    budget = [i for i in plan["items"] if i["kind"] == "budget_meeting"]
    assert [i["date"] for i in budget] == [f"{year}-09-30", f"{year + 1}-09-30"]
    assert budget[0]["title"] == BUDGET_TITLE and budget[0]["statutory"] is True
    assert {i["kind"] for i in plan["items"] if i["statutory"]} == {
        "notice_by",
        "proposals_due",
        "material_due",
        "budget_meeting",
    }
    assert plan["next"] is None
    for email in (MEMBER_SOEBAKKEN, RESIDENT):
        r = client.get(f"/api/v1/boards/{engparken}/year-plan", headers=api_token(demo, email))
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    r = client.get(f"/api/v1/boards/{engparken}/year-plan", headers=api_token(demo, ADMIN))
    assert r.status_code == 200 and r.json()["items"] == plan["items"]
    assert client.get(f"/api/v1/boards/{engparken}/year-plan").status_code == 401


def test_the_constituting_meeting_follows_the_boards_ordinary_department_meetings(
    client: TestClient, demo: Database
) -> None:
    year = this_year()
    engparken = board_id(demo)
    headers = api_token(demo, CHAIR)
    before = client.get(f"/api/v1/boards/{engparken}/year-plan", headers=headers).json()
    election, cancelled = date(year, 3, 10), date(year, 4, 2)
    with demo.transaction() as s:
        for day, status in ((election, "held"), (cancelled, "cancelled")):
            s.add(
                Meeting(
                    board_id=engparken,
                    kind="ordinary_department",
                    title="Ordinært afdelingsmøde",
                    starts_at=at_local(day),
                    ends_at=at_local(day) + timedelta(hours=2),
                    location="Fælleshuset",
                    status=status,
                    uid=f"election-{day}@test",
                )
            )
    after = client.get(f"/api/v1/boards/{engparken}/year-plan", headers=headers).json()
    assert set(after["elections"]) - set(before["elections"]) == {election.isoformat()}
    constituting = [i for i in after["items"] if i["kind"] == "constituting_meeting"]
    mine = [i for i in constituting if i["date"] == (election + timedelta(days=14)).isoformat()]
    assert mine and mine[0]["title"] == "Konstituerende bestyrelsesmøde senest"
    assert f"10. marts {year}" in mine[0]["note"]
    assert not [i for i in constituting if f"2. april {year}" in i["note"]]


def test_the_chairs_feed_holds_the_year_plan_as_all_day_events(client: TestClient, demo: Database) -> None:
    year = this_year()
    engparken = board_id(demo)
    login_as(client, demo, CHAIR)
    found = re.search(r"http://testserver(/calendar/[^<\"\s]+\.ics)", client.get("/profile").text)
    assert found
    client.cookies.clear()  # calendar apps have no session
    r = client.get(found.group(1))
    assert r.status_code == 200
    events = ics_check.parse(r.text, method="PUBLISH")  # vobject and icalendar both read it
    plan = {e.uid: e for e in events if e.all_day}
    uid = f"yearplan-{engparken}-budget_meeting-{year}0930@testserver"
    budget = plan[uid]
    assert (budget.start, budget.end) == (date(year, 9, 30), date(year, 10, 1))
    assert budget.summary == f"{ENGPARKEN}: {BUDGET_TITLE}"
    assert f"regnskabsåret {year + 1}" in budget.description
    assert f"yearplan-{engparken}-budget_meeting-{year + 1}0930@testserver" in plan  # and next year's
    assert all(e.uid.startswith(f"yearplan-{engparken}-") for e in plan.values())  # only his department board
    assert ics_check.meetings(events), "the meetings are still there"
    assert "DTSTART;VALUE=DATE:" + f"{year}0930" in ics_check.unfold(r.text)
    # The same UIDs on the next read.
    again = {e.uid for e in ics_check.parse(client.get(found.group(1)).text, method="PUBLISH") if e.all_day}
    assert again == set(plan)
