"""A resident's home page: their department's announced meetings with the proposal deadline, the latest
published minutes (department and board) and decisions, unread notices and their own proposals; and a
notice's link that shows public minutes to the resident it was sent to without a login."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, update
from starlette.testclient import TestClient

from boardkit.core import mail
from boardkit.core.db import Database, utcnow
from boardkit.core.models import OutboxEmail
from boardkit.core.notify.models import NoticeDelivery
from boardkit.core.templating import fmt_date
from boardkit.meetings.models import Meeting
from boardkit.org.models import Residency
from tests.helpers import api_token, csrf_from, login_as, person_id
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    RESIDENT_SOEBAKKEN,
    SOEBAKKEN,
    department_meeting,
    make_meeting,
)
from tests.meetings.minutes.minutes_env import held_board_meeting, minutes_body, post, put
from tests.meetings.minutes.test_minutes import approve_all, publish_department_minutes


def announce(db: Database, meeting_id: int) -> None:
    """The meeting was announced (as "Send indkaldelse" records it) without sending anything now."""
    with db.transaction() as s:
        s.execute(update(Meeting).where(Meeting.id == meeting_id).values(invited_at=utcnow()))


def publish_board_minutes(client: TestClient, demo: Database) -> int:
    meeting_id = held_board_meeting(demo)
    chair = api_token(demo, CHAIR)
    assert put(client, chair, meeting_id, minutes_body(demo, meeting_id)).status_code == 200
    post(client, chair, meeting_id, "submit")
    approve_all(client, demo, meeting_id)
    r = post(client, chair, meeting_id, "publish")
    assert r.status_code == 200, r.text
    return meeting_id


def section(html: str, heading_id: str) -> str:
    """The HTML of the card whose heading has ``heading_id``."""
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the app runs on ``db`` meanwhile."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.postgres
def test_the_resident_sees_the_department_on_the_home_page(client: TestClient, demo: Database) -> None:
    dept_meeting = department_meeting(demo)  # the coming ordinary meeting, made not announced yet
    with demo.transaction() as s:
        coming = s.get(Meeting, dept_meeting)
        assert coming is not None
        coming.status, coming.invited_at = "planned", None
    minutes_meeting = publish_department_minutes(client, demo)  # held 3 days ago, published: a notice
    board_minutes = publish_board_minutes(client, demo)
    soebakken = department_meeting(demo, SOEBAKKEN)
    for meeting_id in (minutes_meeting, board_minutes, soebakken):
        announce(demo, meeting_id)
    cancelled = make_meeting(demo, days=20, kind="extraordinary_department", title="Ekstraordinært møde")
    announce(demo, cancelled)
    client.post(
        f"/api/v1/meetings/{cancelled}/cancel", headers=api_token(demo, CHAIR), json={"reason": "Flyttet"}
    )

    login_as(client, demo, RESIDENT)
    page = client.get("/").text
    assert "Du sidder ikke i nogen bestyrelse" not in page
    assert "<h1>Oversigt</h1>" in page and "Din afdeling: Engparken" in page
    meetings = section(page, "resident-meetings")
    assert f'data-meeting="{dept_meeting}"' not in meetings  # never announced: not shown
    assert "Der er ikke indkaldt til nogen møder lige nu." in meetings
    assert f'data-meeting="{cancelled}"' not in meetings and f'data-meeting="{soebakken}"' not in meetings

    # The chair sends the invitation (confirmed on its page): now the resident sees it, with the deadline.
    login_as(client, demo, CHAIR)
    confirm = client.get(f"/meetings/{dept_meeting}/invitations").text
    fingerprint = re.search(r'name="confirmed" value="([^"]+)"', confirm)
    assert fingerprint
    client.post(
        f"/meetings/{dept_meeting}/invitations",
        data={"csrf_token": csrf_from(confirm), "confirmed": fingerprint.group(1)},
    )
    login_as(client, demo, RESIDENT)
    proposal = client.get(f"/meetings/{dept_meeting}/proposals")
    r = client.post(
        f"/meetings/{dept_meeting}/proposals",
        data={
            "csrf_token": csrf_from(proposal.text),
            "title": "Bænke ved legepladsen",
            "text": "Vi ønsker to bænke.",
        },
    )
    assert r.status_code == 200, r.text
    page = client.get("/").text
    meetings = section(page, "resident-meetings")
    assert f'data-meeting="{dept_meeting}"' in meetings
    with demo.transaction() as s:
        meeting = s.get(Meeting, dept_meeting)
        assert meeting is not None
        starts = meeting.starts_at
    from boardkit.meetings.proposals import (
        rules as proposal_rules,
    )  # the deadline as the proposal pages compute it

    with demo.transaction() as s:
        m = s.get(Meeting, dept_meeting)
        assert m is not None
        due = proposal_rules.deadline(m)
    assert "Frist for forslag:" in meetings and fmt_date(due) in meetings and fmt_date(starts) in meetings
    assert f'href="/meetings/{dept_meeting}/proposals"' in meetings and "Stil et forslag" in meetings

    minutes = section(page, "resident-minutes")
    assert f'data-minutes="{minutes_meeting}"' in minutes and f'data-minutes="{board_minutes}"' in minutes
    assert f'href="/meetings/{minutes_meeting}/minutes"' in minutes
    assert minutes.index(f'data-minutes="{board_minutes}"') < minutes.index(
        f'data-minutes="{minutes_meeting}"'
    )
    assert "Vedtaget som foreslået." in minutes  # the latest decisions of the department
    assert "Fortroligt forlig" not in page  # the closed item's decision never shows

    notices = section(page, "resident-notices")
    assert "Referat: Ordinært afdelingsmøde" in notices and "/notifications/" in notices
    proposals = section(page, "resident-proposals")
    assert "Bænke ved legepladsen" in proposals and "Modtaget" in proposals

    # Another department's resident sees none of Engparken's.
    login_as(client, demo, RESIDENT_SOEBAKKEN)
    other = client.get("/").text
    assert "Din afdeling: Søbakken" in other
    assert f'data-meeting="{soebakken}"' in other and f'data-meeting="{dept_meeting}"' not in other
    assert f'data-minutes="{minutes_meeting}"' not in other and "Bænke ved legepladsen" not in other


@pytest.mark.postgres
def test_the_home_page_reads_a_few_rows_and_writes_nothing(client: TestClient, demo: Database) -> None:
    publish_department_minutes(client, demo)
    for meeting_id in (department_meeting(demo), held_board_meeting(demo)):
        announce(demo, meeting_id)
    login_as(client, demo, RESIDENT)
    client.get("/")
    with statements(demo) as seen:
        assert client.get("/").status_code == 200
    writes = [s for s in seen if s.lstrip().split()[0].upper() in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert len(seen) <= 20, "\n\n".join(seen)  # a fixed number of queries, whatever the data


def test_board_members_keep_their_dashboard_and_see_their_department_too(
    client: TestClient, demo: Database
) -> None:
    login_as(client, demo, CHAIR)  # chair in Engparken, and living there
    page = client.get("/").text
    assert "<h1>Mine bestyrelser</h1>" in page and "Afdelingsbestyrelsen i Engparken" in page
    assert "Din afdeling: Engparken" in page and 'id="resident-meetings"' in page
    assert page.index('class="row bk-board-grid"') < page.index("Din afdeling")
    login_as(client, demo, ADMIN)  # staff, no home in the organisation
    page = client.get("/").text
    assert "Du sidder ikke i nogen bestyrelse" in page and "Din afdeling" not in page
    login_as(client, demo, MEMBER_SOEBAKKEN)
    assert "Din afdeling: Søbakken" in client.get("/").text


def _notice_link(demo: Database, email: str) -> str:
    with demo.transaction() as s:
        message = s.scalar(
            select(OutboxEmail)
            .where(OutboxEmail.to_address == email, OutboxEmail.subject.like("Referat%"))
            .order_by(OutboxEmail.id.desc())
        )
        assert message is not None
        body = mail.deliverable(message, "test-secret-key")[0]  # personal links are stored sealed
    found = re.search(r"http://testserver(/n/[\w-]+)", body)
    assert found, body
    return found.group(1)


def test_a_notice_link_shows_the_public_minutes_without_a_login(client: TestClient, demo: Database) -> None:
    meeting_id = publish_department_minutes(client, demo)
    link = _notice_link(demo, RESIDENT)
    client.cookies.clear()  # not logged in, as after a click in a mail program
    r = client.get(link, follow_redirects=False)
    assert r.status_code == 200, r.headers.get("location")
    assert "Referat: Ordinært afdelingsmøde" in r.text and "Vedtaget som foreslået." in r.text
    assert "Lukket punkt" in r.text and "Klagesag" not in r.text and "Fortroligt forlig" not in r.text
    assert "Du læser referatet via linket i din besked." in r.text and "Hent som PDF" not in r.text
    assert r.headers["referrer-policy"] == "no-referrer"
    resident = person_id(demo, RESIDENT)
    with demo.transaction() as s:
        read_at = s.scalar(select(NoticeDelivery.read_at).where(NoticeDelivery.person_id == resident))
    assert read_at is not None  # the link counts as read
    assert client.get(link + "x", follow_redirects=False).status_code == 404

    # Logged in, the link goes on to the minutes page as before.
    login_as(client, demo, RESIDENT)
    r = client.get(link, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/meetings/{meeting_id}/minutes"

    # Someone who has moved out since gets the login, not the minutes.
    with demo.transaction() as s:
        s.execute(
            update(Residency)
            .where(Residency.person_id == resident)
            .values(end_date=utcnow().date().replace(year=2000))
        )
    client.cookies.clear()
    r = client.get(link, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/meetings/{meeting_id}/minutes"


def test_a_notice_link_to_non_public_minutes_still_asks_for_a_login(
    client: TestClient, demo: Database
) -> None:
    """The organisation board's minutes are no department's public material: its link logs in first."""
    meeting_id = held_board_meeting(demo, "Organisationsbestyrelsen")
    chair = api_token(demo, ADMIN)
    assert put(client, chair, meeting_id, minutes_body(demo, meeting_id)).status_code == 200
    post(client, chair, meeting_id, "submit")
    approve_all(client, demo, meeting_id)
    assert post(client, chair, meeting_id, "publish").status_code == 200
    link = _notice_link(demo, CHAIR)  # formand@ sits on the organisation board
    client.cookies.clear()
    r = client.get(link, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/meetings/{meeting_id}/minutes"
    assert client.get(r.headers["location"], follow_redirects=False).headers["location"].startswith("/login")
