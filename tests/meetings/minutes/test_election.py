"""The election in an ordinary department meeting's minutes: recorded (API and form), checked, shown
on the page and in the PDF, compared between versions, handed on when the last approval locks them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.meetings.minutes import approval
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.minutes.election import meeting_day
from boardkit.meetings.models import Meeting, Minutes
from boardkit.org.models import Membership, Person
from tests.helpers import api_token, login_as
from tests.meetings.meeting_env import CHAIR, RESIDENT, TREASURER
from tests.meetings.minutes.election_env import engparken
from tests.meetings.minutes.minutes_env import (
    held_board_meeting,
    held_department_meeting,
    minutes_body,
    post,
    put,
)
from tests.meetings.minutes.test_minutes import approve_all, form_of
from tests.meetings.packs.pack_service_env import text_of


def names(db: Database, ids: list[int]) -> dict[int, str]:
    with db.transaction() as s:
        return {
            pid: name for pid, name in s.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
        }


def meeting_year(db: Database, meeting_id: int) -> int:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting_day(meeting).year


def an_election(db: Database, meeting_id: int) -> tuple[dict[str, Any], Any]:
    board = engparken(db)
    year = meeting_year(db, meeting_id)
    re_elected, stepping_down = board.members[-1], board.members[-2]
    first_sub, second_sub = board.substitutes
    new_member, new_sub = board.outsiders[:2]
    election = {
        "elected": [
            {"person_id": re_elected, "until_year": year + 2},
            {"person_id": new_member, "role": "chair", "term_end": f"{year + 2}-09-30"},
            {"person_id": first_sub, "until_year": year + 2},
        ],
        "substitutes": [
            {"person_id": new_sub, "order": 2, "until_year": year + 1},
            {"person_id": second_sub, "order": 1, "until_year": year + 1},
        ],
        # The current substitutes are ticked by default: one is elected member, one substitute again.
        "leaving": [stepping_down, first_sub, second_sub],
    }
    return election, board


def test_an_election_is_recorded_shown_and_printed(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    election, board = an_election(demo, meeting_id)
    r = put(client, chair, meeting_id, minutes_body(demo, meeting_id, election=election))
    assert r.status_code == 200, r.text
    got = r.json()["election"]
    year = meeting_year(demo, meeting_id)
    assert [e["person_id"] for e in got["elected"]] == [
        board.members[-1],
        board.outsiders[0],
        board.substitutes[0],
    ]
    assert got["elected"][1] == {
        "person_id": board.outsiders[0],
        "name": names(demo, [board.outsiders[0]])[board.outsiders[0]],
        "role": "chair",
        "term_end": f"{year + 2}-09-30",
        "until_year": None,
    }
    # Substitutes by their order; those elected again are not leaving.
    assert [(s["person_id"], s["order"]) for s in got["substitutes"]] == [
        (board.substitutes[1], 1),
        (board.outsiders[1], 2),
    ]
    assert [x["person_id"] for x in got["leaving"]] == [board.members[-2]]

    named = names(demo, [board.outsiders[0], board.outsiders[1], board.members[-2]])
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}/minutes").text
    assert "Valg til afdelingsbestyrelsen" in page
    assert f"til ordinært afdelingsmøde {year + 2}" in page and f"til 30.09.{year + 2}" in page
    assert "formand, valgt direkte" in page
    for name in named.values():
        assert name in page
    pdf = text_of(client.get(f"/meetings/{meeting_id}/minutes.pdf").content)
    assert "Valg til afdelingsbestyrelsen" in pdf and "Suppleanter i rækkefølge" in pdf
    assert named[board.outsiders[1]] in pdf and "Udtræder af bestyrelsen" in pdf

    # The result as the lead's transitions read it.
    with demo.transaction() as s:
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        assert minutes is not None
        result = minutes_service.election_result(minutes)
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        ends_at = meeting.ends_at
    assert result is not None
    assert result.meeting_id == meeting_id and result.board_id and result.department_id
    assert result.meeting_ends_at == ends_at and result.meeting_ends_at.utcoffset() is not None
    assert result.elected == (
        (board.members[-1], "member", None),
        (board.outsiders[0], "chair", date(year + 2, 9, 30)),
        (board.substitutes[0], "member", None),
    )
    assert result.substitutes == ((board.substitutes[1], 1, None), (board.outsiders[1], 2, None))
    assert result.leaving == (board.members[-2],)
    assert (board.members[-1], year + 2) in result.until_years


def test_minutes_without_an_election_work_as_before(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    r = put(client, chair, meeting_id, minutes_body(demo, meeting_id))
    assert r.status_code == 200 and r.json()["election"] is None
    empty = {"elected": [], "substitutes": [], "leaving": []}
    assert (
        put(client, chair, meeting_id, minutes_body(demo, meeting_id, election=empty)).json()["election"]
        is None
    )
    with demo.transaction() as s:
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        assert minutes is not None and "election" not in minutes.content
        assert minutes_service.election_result(minutes) is None


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (
            lambda e, b, y: e["substitutes"].append(
                {"person_id": b.outsiders[0], "order": 3, "until_year": y + 1}
            ),
            "election.substitutes.2.person_id",
            "allerede valgt",
        ),
        (
            lambda e, b, y: e["elected"].append({"person_id": b.elsewhere, "until_year": y + 2}),
            "election.elected.3.person_id",
            "bo i afdelingen",
        ),
        (
            lambda e, b, y: e["substitutes"][0].update(order=1),
            "election.substitutes.1.order",
            "brugt to gange",
        ),
        (lambda e, b, y: e["elected"][0].update(until_year=y), "election.elected.0.term", "efter mødets år"),
        (
            lambda e, b, y: e["elected"][0].update(until_year=None, term_end="2001-01-01"),
            "election.elected.0.term",
            "slutte efter mødet",
        ),
        (
            lambda e, b, y: e["elected"][0].update(until_year=None),
            "election.elected.0.term",
            "hvornår perioden",
        ),
        (lambda e, b, y: e["elected"][0].update(role="chair"), "election.elected.1.role", "Kun én"),
        (lambda e, b, y: e["leaving"].append(b.outsiders[3]), "election.leaving.3", "ikke i bestyrelsen"),
        (lambda e, b, y: e["substitutes"][0].update(order=None), "election.substitutes.0.order", "nummer"),
    ],
)
def test_a_wrong_election_is_refused_field_by_field_and_nothing_is_lost(
    client: TestClient, demo: Database, change: Any, key: str, message: str
) -> None:
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    election, board = an_election(demo, meeting_id)
    assert (
        put(client, chair, meeting_id, minutes_body(demo, meeting_id, election=election)).status_code == 200
    )
    wrong, _board = an_election(demo, meeting_id)
    change(wrong, board, meeting_year(demo, meeting_id))
    body = minutes_body(demo, meeting_id, election=wrong, meeting_chair="Ændret")
    r = put(client, chair, meeting_id, body)
    assert r.status_code == 422, r.text
    fields = r.json()["error"]["fields"]
    assert key in fields and message in fields[key], fields
    saved = client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()
    assert saved["meeting_chair"] == "Søren Ødegård" and len(saved["election"]["elected"]) == 3


def test_only_an_ordinary_department_meeting_records_an_election(client: TestClient, demo: Database) -> None:
    department_meeting = held_department_meeting(demo)
    election, _board = an_election(demo, department_meeting)
    meeting_id = held_board_meeting(demo)
    r = put(client, api_token(demo, CHAIR), meeting_id, minutes_body(demo, meeting_id, election=election))
    assert r.status_code == 422 and "ordinært afdelingsmøde" in r.json()["error"]["fields"]["election"]
    login_as(client, demo, CHAIR)
    assert "Valg til afdelingsbestyrelsen" not in client.get(f"/meetings/{meeting_id}/minutes/edit").text


def test_the_form_records_an_election_and_a_carried_over_item(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    board = engparken(demo)
    year = meeting_year(demo, meeting_id)
    login_as(client, demo, CHAIR)
    html = client.get(f"/meetings/{meeting_id}/minutes/edit").text
    assert "Valg til afdelingsbestyrelsen" in html and "<optgroup" in html
    for sub in board.substitutes:  # every current substitute is ticked as leaving by default
        assert re.search(
            rf'id="leaving-{sub}" name="leaving-{sub}" value="1" class="form-checkbox" checked', html
        )
    data = form_of(client, meeting_id)
    data.update({f"leaving-{p}": "1" for p in board.substitutes})
    first_item = re.findall(r'name="notes-(\d+)"', html)[0]
    data.update(
        {
            "election": "1",
            "el_person-0": str(board.outsiders[0]),
            "el_role-0": "member",
            "el_term-0": "snart",
            "sub_person-0": str(board.substitutes[1]),
            "sub_term-0": str(year + 1),
            f"carried_over-{first_item}": "1",
        }
    )
    r = client.post(f"/meetings/{meeting_id}/minutes/edit", data=data)
    assert r.status_code == 422 and "Skriv en dato (dd.mm.åååå) eller et årstal." in r.text
    assert 'value="snart"' in r.text  # what was typed is kept
    data["el_term-0"] = f"30.09.{year + 2}"
    r = client.post(f"/meetings/{meeting_id}/minutes/edit", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    with demo.transaction() as s:
        minutes = s.scalar(select(Minutes).where(Minutes.meeting_id == meeting_id))
        assert minutes is not None
        content = minutes.content
    assert content["election"]["elected"][0]["term_end"] == f"{year + 2}-09-30"
    assert [s["person_id"] for s in content["election"]["substitutes"]] == [board.substitutes[1]]
    assert [x["person_id"] for x in content["election"]["leaving"]] == [board.substitutes[0]]
    assert content["items"][0]["carried_over"] is True
    page = client.get(f"/meetings/{meeting_id}/minutes").text
    assert "Udsat til næste møde" in page and "Valg til afdelingsbestyrelsen" in page
    # The form shows it again as saved.
    html = client.get(f"/meetings/{meeting_id}/minutes/edit").text
    assert f'value="30.09.{year + 2}"' in html
    assert re.search(rf'<option value="{board.outsiders[0]}" selected>', html)


def test_a_changed_election_shows_in_the_versions_diff(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    election, board = an_election(demo, meeting_id)
    put(client, chair, meeting_id, minutes_body(demo, meeting_id, election=election))
    assert post(client, chair, meeting_id, "submit").status_code == 200
    election["substitutes"] = election["substitutes"][1:]
    put(client, chair, meeting_id, minutes_body(demo, meeting_id, election=election))
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}/minutes?diff=2").text
    assert "Valg: suppleanter" in page
    assert names(demo, [board.outsiders[1]])[board.outsiders[1]] in page


def test_the_hook_runs_once_when_the_last_approval_locks_the_minutes(
    client: TestClient, demo: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(approval, "_ON_APPROVED", {})
    calls: list[tuple[int, str, Any]] = []

    def hook(db: Any, minutes: Minutes, meeting: Meeting) -> None:
        calls.append((meeting.id, minutes.status, minutes_service.election_result(minutes)))

    minutes_service.on_minutes_approved("test", lambda db, minutes, meeting: calls.append((0, "", None)))
    minutes_service.on_minutes_approved("test", hook)  # registering again replaces
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    election, board = an_election(demo, meeting_id)
    body = minutes_body(demo, meeting_id, election=election, households_represented=31, residents_present=40)
    put(client, chair, meeting_id, body)
    post(client, chair, meeting_id, "submit")
    assert post(client, chair, meeting_id, "approve").status_code == 200
    assert calls == []  # not yet: the others have not approved
    approve_all_but(client, demo, meeting_id, CHAIR)
    assert len(calls) == 1
    called_meeting, status, result = calls[0]
    assert called_meeting == meeting_id and status == "approved"
    assert result is not None and result.leaving == (board.members[-2],)
    assert post(client, api_token(demo, TREASURER), meeting_id, "approve").status_code == 409
    assert len(calls) == 1


def approve_all_but(client: TestClient, demo: Database, meeting_id: int, done: str) -> None:
    chair = api_token(demo, CHAIR)
    approvals = client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["approvals"]
    for a in approvals:
        if a["approved_at"] is None:
            with demo.transaction() as s:
                email = s.scalar(select(Person.email).where(Person.id == a["person_id"]))
            assert post(client, api_token(demo, str(email)), meeting_id, "approve").status_code == 200


def test_residents_see_the_elected_once_published(client: TestClient, demo: Database) -> None:
    meeting_id = held_department_meeting(demo)
    chair = api_token(demo, CHAIR)
    election, board = an_election(demo, meeting_id)
    body = minutes_body(demo, meeting_id, election=election, households_represented=31, residents_present=40)
    put(client, chair, meeting_id, body)
    post(client, chair, meeting_id, "submit")
    approve_all(client, demo, meeting_id)
    assert post(client, chair, meeting_id, "publish").status_code == 200
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}/minutes")
    assert page.status_code == 200
    assert names(demo, [board.outsiders[0]])[board.outsiders[0]] in page.text


def test_who_leaves_by_default(client: TestClient, demo: Database) -> None:
    """Ticked in advance: a member whose term ends on or before the meeting's day and every current
    substitute; a member whose term goes on is not."""
    meeting_id = held_department_meeting(demo)
    board = engparken(demo)
    ending, staying = board.members[-1], board.members[-2]
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        day = meeting_day(meeting)
        s.execute(
            update(Membership)
            .where(
                Membership.person_id == ending, Membership.role != "substitute", Membership.end_date.is_(None)
            )
            .values(end_date=day)
        )
    login_as(client, demo, CHAIR)
    html = client.get(f"/meetings/{meeting_id}/minutes/edit").text

    def ticked(pid: int) -> bool:
        return bool(
            re.search(
                rf'id="leaving-{pid}" name="leaving-{pid}" value="1" class="form-checkbox" checked', html
            )
        )

    assert ticked(ending) and all(ticked(p) for p in board.substitutes)
    assert not ticked(staying) and f'id="leaving-{staying}"' in html
