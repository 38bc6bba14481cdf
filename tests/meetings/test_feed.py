"""The personal calendar feed: a secret webcal URL on the profile, every meeting I may see, regenerable."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.meetings import service
from boardkit.meetings.models import AgendaItem, Meeting
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person
from tests.helpers import api_token, csrf_from, login_as, person_id
from tests.meetings import ics_check
from tests.meetings.meeting_env import CHAIR, RESIDENT, SOEBAKKEN, closed_item


def feed_url(client: TestClient, db: Database, email: str) -> str:
    login_as(client, db, email)
    page = client.get("/profile")
    assert page.status_code == 200
    found = re.search(r"http://testserver(/calendar/[^<\"\s]+\.ics)", page.text)
    assert found, "no feed URL on the profile page"
    assert f'href="webcal://testserver{found.group(1)}"' in page.text
    return found.group(1)


@pytest.mark.postgres
def test_the_feed_holds_every_meeting_i_may_see_and_nothing_else(client: TestClient, demo: Database) -> None:
    path = feed_url(client, demo, CHAIR)
    client.cookies.clear()  # calendar apps have no session
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    everything = ics_check.parse(r.text, method="PUBLISH")
    events = ics_check.meetings(everything)
    # After the meetings, the all-day dates of the chair's department board's year plan (onboarding).
    assert any(e.all_day and e.uid.startswith("yearplan-") for e in everything)
    closed_meeting, closed_id = closed_item(demo)
    with demo.transaction() as s:
        principal = org_service.build_principal(s, person_id=person_id(demo, CHAIR))
        mine = service.list_meetings(s, principal=principal, start=utcnow() - timedelta(days=365), limit=5000)
        expected = {m.uid for m in mine}
        kinds = {m.kind for m in mine}
        others = set(
            s.scalars(
                select(Meeting.uid).join(Board, Board.id == Meeting.board_id).where(Board.name == SOEBAKKEN)
            )
        )
        closed_title = s.get(AgendaItem, closed_id).title  # type: ignore[union-attr]
    assert {e.uid for e in events} == expected
    assert {"board", "ordinary_department"} <= kinds  # boards and the department where the chair lives
    assert not expected & others
    assert closed_title not in r.text  # closed items stay out of a URL that can be shared
    assert all(e.alarm_actions == ["DISPLAY"] for e in events if e.status != "CANCELLED")
    assert "X-WR-CALNAME:Mine møder" in ics_check.unfold(r.text)
    assert closed_meeting in {int(e.url.rsplit("/", 1)[1]) for e in events}


def test_the_feed_follows_changes_to_a_meeting(client: TestClient, demo: Database) -> None:
    path = feed_url(client, demo, CHAIR)
    before = ics_check.meetings(ics_check.parse(client.get(path).text, method="PUBLISH"))
    with demo.transaction() as s:
        meeting = s.scalars(select(Meeting).where(Meeting.uid == before[0].uid)).one()
        meeting.title, meeting.sequence = "Flyttet møde", meeting.sequence + 1
        meeting.starts_at += timedelta(hours=1)
        meeting.ends_at += timedelta(hours=1)
        s.add(AgendaItem(meeting_id=meeting.id, position=99, title="Nyt punkt om cykelskure"))
    after = {e.uid: e for e in ics_check.parse(client.get(path).text, method="PUBLISH")}
    changed = after[before[0].uid]
    assert changed.summary == "Flyttet møde" and changed.sequence == before[0].sequence + 1
    assert changed.start == before[0].start + timedelta(hours=1)
    assert "Nyt punkt om cykelskure" in changed.description


def test_a_new_link_kills_the_old_one(client: TestClient, demo: Database) -> None:
    old = feed_url(client, demo, RESIDENT)
    assert client.get(old).status_code == 200
    page = client.get("/profile")
    r = client.post(
        "/profile/calendar-feed", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/profile"
    new = feed_url(client, demo, RESIDENT)
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert feed_url(client, demo, RESIDENT) == new  # shown again, the same, until the next new link
    me = client.get("/api/v1/me", headers=api_token(demo, RESIDENT)).json()
    assert me["calendar_feed_url"] == "http://testserver" + new
    page = client.get("/profile")
    client.post("/profile/calendar-feed", data={"csrf_token": csrf_from(page.text)})
    assert client.get(new).status_code == 404  # twice in a row: still a new link each time
    assert client.post("/profile/calendar-feed", data={"csrf_token": "forged"}).status_code == 403


def test_unknown_and_malformed_feed_tokens_are_404(client: TestClient, demo: Database) -> None:
    path = feed_url(client, demo, RESIDENT)
    token = path[len("/calendar/") : -len(".ics")]
    pid, mac = token.split("-", 1)
    for bad in (
        f"{int(pid) + 1}-{mac}",
        f"{pid}-{mac[:-2]}",
        "abc",
        "1-",
        "-x",
        "9" * 40,
        f"{pid}-{'A' * 500}",
    ):
        assert client.get(f"/calendar/{bad}.ics").status_code == 404, bad
    with demo.transaction() as s:
        person = s.get(Person, int(pid))
        assert person is not None
        person.active = False
    assert client.get(path).status_code == 404


def test_a_feed_of_500_meetings_answers_quickly(client: TestClient, demo: Database) -> None:
    with demo.transaction() as s:
        org_id = s.scalar(select(Board.organisation_id).limit(1))
        chair = s.scalar(select(Person).where(Person.email == CHAIR))
        assert chair is not None and org_id is not None
        board = Board(organisation_id=org_id, kind="committee", name="Byggeudvalget")
        s.add(board)
        s.flush()
        s.add(Membership(board_id=board.id, person_id=chair.id, role="member", start_date=date(2024, 1, 1)))
        now = utcnow()
        for k in range(500):
            start = now + timedelta(days=k - 100, hours=k % 4)
            s.add(
                Meeting(
                    board_id=board.id,
                    kind="committee",
                    title=f"Byggeudvalgsmøde {k}",
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    location="Kontoret",
                    uid=f"feed-{k}@test",
                )
            )
    path = feed_url(client, demo, CHAIR)
    client.get(path)
    t0 = time.perf_counter()
    r = client.get(path)
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200
    assert len(ics_check.parse(r.text, method="PUBLISH")) > 500
    assert elapsed < 1.0, f"{elapsed * 1000:.0f} ms (bench/bench_invitations.py holds the 100 ms budget)"
