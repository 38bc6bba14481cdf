"""What a department's residents see of its meetings (issue 12, points 10, 11 and 13).

A meeting is the residents' once it is announced (invitations sent, or its minutes published):
their department meetings and their department board's meetings. Board agendas before the meeting,
approved minutes after it, closed items as "Lukket punkt" without their topic, person and
complaint cases not at all — on the pages, in the API, in search and on the department's page.
Never-announced meetings appear nowhere for residents; minutes wait for the meeting; a held
meeting cannot be cancelled.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.notify import Notice, NoticeDelivery
from boardkit.core.search import indexing as search_index
from boardkit.meetings.models import Letter, Meeting
from boardkit.org.models import Board, Membership
from tests.helpers import api_token, csrf_from, login_as, person_id
from tests.meetings import ics_check
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    RESIDENT_SOEBAKKEN,
    SOEBAKKEN,
    TREASURER,
    make_meeting,
)
from tests.meetings.minutes.minutes_env import held_board_meeting, post
from tests.meetings.packs.pack_service_env import qpdf_check, text_of
from tests.meetings.resident_env import (
    CASE_TEXT,
    CASE_TITLE,
    CLOSED_DECISION,
    CLOSED_TEXT,
    CLOSED_TITLE,
    add_closed_items,
    run_jobs,
    write_and_approve,
)
from tests.meetings.test_feed import feed_url

pytestmark = pytest.mark.postgres  # see tests/conftest.py

SECRETS = (CLOSED_TITLE, CLOSED_TEXT, CASE_TITLE, CASE_TEXT, CLOSED_DECISION)


def engparken_id(db: Database, board: str = ENGPARKEN) -> int:
    with db.transaction() as s:
        found = s.scalar(select(Board.department_id).where(Board.name == board))
    assert found is not None
    return found


def values(html: str) -> list[int]:
    """The item numbers of the page's agenda (``<li value="n">``)."""
    return [int(n) for n in re.findall(r'<li value="(\d+)"', html)]


def assert_no_secrets(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.fixture
def indexed(demo: Database, app_settings: Settings) -> Iterator[Database]:
    with demo.transaction() as s:
        search_index.rebuild(s, app_settings)
    yield demo
    search_index.close_all()


def search(client: TestClient, db: Database, email: str, q: str) -> list[dict]:
    r = client.get("/api/v1/search", params={"q": q}, headers=api_token(db, email))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_board_agenda_is_the_residents_once_the_meeting_is_announced(
    client: TestClient, indexed: Database, app_settings: Settings
) -> None:
    demo = indexed
    meeting_id = make_meeting(demo, days=10, title="Bestyrelsesmøde om vinduerne")
    closed_id, case_id = add_closed_items(client, demo, meeting_id)
    run_jobs(demo, app_settings)
    resident = api_token(demo, RESIDENT)
    department = f"/departments/{engparken_id(demo)}"

    # Not announced: nowhere for the resident — API, page, list, department page, search.
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=resident).status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=resident).status_code == 404
    assert meeting_id not in [
        m["id"] for m in client.get("/api/v1/meetings", headers=resident).json()["items"]
    ]
    assert search(client, demo, RESIDENT, "vinduerne") == []
    login_as(client, demo, RESIDENT)
    assert client.get(f"/meetings/{meeting_id}").status_code == 404
    assert "Bestyrelsesmøde om vinduerne" not in client.get(department).text

    # The chair sends the invitations (to the board): from now on the residents see the agenda.
    chair = api_token(demo, CHAIR)
    sent = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=chair)
    assert sent.status_code == 200 and sent.json()["paper"] == 0  # the board is invited, not the households
    run_jobs(demo, app_settings)
    items = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=resident).json()["items"]
    # The template's five items with the closed item (5) and the person case (6) before "Eventuelt" (7):
    # the resident gets 1–4, "Lukket punkt" as 5 and "Eventuelt" as 7; the person case not at all.
    assert [i["position"] for i in items] == [1, 2, 3, 4, 5, 7]
    assert items[4] == {**items[4], "title": "Lukket punkt", "redacted": True, "id": None, "description": ""}
    assert items[5]["title"] == "Eventuelt"
    assert_no_secrets(str(items))
    assert closed_id not in [i["id"] for i in items] and case_id not in [i["id"] for i in items]
    board_view = client.get(f"/api/v1/meetings/{meeting_id}/agenda-items", headers=chair).json()["items"]
    assert [i["position"] for i in board_view] == [1, 2, 3, 4, 5, 6, 7]  # the board sees everything

    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200
    assert values(page.text) == [1, 2, 3, 4, 5, 7] and "Lukket punkt" in page.text
    assert f'href="{department}"' in page.text  # the meeting page links to the department's page
    assert_no_secrets(page.text)
    dept = client.get(department)
    assert dept.status_code == 200 and "Bestyrelsesmøde om vinduerne" in dept.text
    assert "Lukket punkt" in dept.text
    assert_no_secrets(dept.text)
    hits = search(client, demo, RESIDENT, "vinduerne")
    assert [(h["kind"], h["title"]) for h in hits] == [("meeting", "Bestyrelsesmøde om vinduerne")]
    assert search(client, demo, RESIDENT, "glarmester") == [] and search(client, demo, RESIDENT, "støj") == []

    # The resident reads about the board's meeting, but it is not in their own calendar.
    with demo.transaction() as s:
        uid = s.scalar(select(Meeting.uid).where(Meeting.id == meeting_id))
    feed = client.get(feed_url(client, demo, RESIDENT)).text
    assert uid not in {e.uid for e in ics_check.parse(feed, method="PUBLISH")}
    # The administration and the board open the department's page; the board sees the whole agenda.
    for email in (ADMIN, CHAIR):
        login_as(client, demo, email)
        page = client.get(department)
        assert page.status_code == 200 and CLOSED_TITLE in page.text and CASE_TITLE in page.text
    # Another department's residents and boards: 404 everywhere (their own department's page opens).
    for email in (RESIDENT_SOEBAKKEN, MEMBER_SOEBAKKEN):
        login_as(client, demo, email)
        assert client.get(f"/meetings/{meeting_id}").status_code == 404
        assert client.get(department).status_code == 404
        assert search(client, demo, email, "vinduerne") == []
        assert client.get(f"/departments/{engparken_id(demo, SOEBAKKEN)}").status_code == 200
    client.cookies.clear()
    assert client.get(department, follow_redirects=False).status_code in (302, 303)


def test_published_board_minutes_reach_the_residents_without_a_mass_mail(
    client: TestClient, indexed: Database, app_settings: Settings
) -> None:
    demo = indexed
    meeting_id = held_board_meeting(demo)  # held a month ago, announced
    add_closed_items(client, demo, meeting_id)
    write_and_approve(client, demo, meeting_id)
    resident = api_token(demo, RESIDENT)
    # Approved, not published: still the board's.
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=resident).status_code == 404
    assert client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=resident).status_code == 404

    r = post(client, api_token(demo, CHAIR), meeting_id, "publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    run_jobs(demo, app_settings)

    # Point 10: the resident's PDF of published board minutes (was a 500, then 404).
    pdf = client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=resident)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    qpdf_check(pdf.content)
    text = text_of(pdf.content)
    assert "5. Lukket punkt" in text and "7. Eventuelt" in text and "Vedtaget som foreslået." in text
    assert_no_secrets(text)
    data = client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=resident).json()
    assert [i["number"] for i in data["items"]] == [1, 2, 3, 4, 5, 7]
    assert data["items"][4] == {**data["items"][4], "redacted": True} and "approvals" not in data
    assert_no_secrets(str(data))
    decisions = client.get("/api/v1/decisions", headers=resident).json()["items"]
    assert [d["text"] for d in decisions if d["meeting_id"] == meeting_id] == ["Vedtaget som foreslået."]

    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}/minutes")
    assert page.status_code == 200 and values(page.text) == [1, 2, 3, 4, 5, 7]
    assert_no_secrets(page.text)
    assert client.get(f"/meetings/{meeting_id}/minutes.pdf").status_code == 200
    dept = client.get(f"/departments/{engparken_id(demo)}").text
    assert f'href="/meetings/{meeting_id}/minutes"' in dept and "Vedtaget som foreslået." in dept
    assert_no_secrets(dept)
    hits = search(client, demo, RESIDENT, "vedtaget")
    assert ("decision", f"http://testserver/meetings/{meeting_id}/minutes") in {
        (h["kind"], h["url"].split("#")[0]) for h in hits
    }
    assert search(client, demo, RESIDENT, "forlig") == []
    for email in (RESIDENT_SOEBAKKEN, MEMBER_SOEBAKKEN):
        headers = api_token(demo, email)
        assert client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=headers).status_code == 404
        assert search(client, demo, email, "vedtaget") == []

    # No statutory mass mail: the board is told, no household gets a notice or a letter.
    with demo.transaction() as s:
        notice = s.scalar(select(Notice).where(Notice.object_type == "minutes"))
        assert notice is not None and not notice.statutory
        deliveries = s.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id)).all()
        board = set(
            s.scalars(
                select(Membership.person_id)
                .join(Board, Board.id == Membership.board_id)
                .where(Board.name == ENGPARKEN, Membership.end_date.is_(None))
            )
        )
        letters = s.scalars(select(Letter)).all()
    assert deliveries and {d.person_id for d in deliveries} <= board
    assert all(d.tenancy_id is None and d.channel != "paper" for d in deliveries)
    assert person_id(demo, RESIDENT) not in {d.person_id for d in deliveries} and not letters


def test_a_meeting_never_announced_is_nowhere_for_residents(
    client: TestClient, indexed: Database, app_settings: Settings
) -> None:
    demo = indexed
    meeting_id = make_meeting(demo, days=40, kind="ordinary_department", title="Afdelingsmøde om vaskeriet")
    run_jobs(demo, app_settings)
    resident = api_token(demo, RESIDENT)

    def seen() -> dict[str, bool]:
        login_as(client, demo, RESIDENT)
        path = feed_url(client, demo, RESIDENT)
        feed = client.get(path).text
        with demo.transaction() as s:
            uid = s.scalar(select(Meeting.uid).where(Meeting.id == meeting_id))
        return {
            "api": client.get(f"/api/v1/meetings/{meeting_id}", headers=resident).status_code == 200,
            "list": meeting_id
            in [m["id"] for m in client.get("/api/v1/meetings", headers=resident).json()["items"]],
            "page": client.get(f"/meetings/{meeting_id}").status_code == 200,
            "timeline": f'href="/meetings/{meeting_id}"' in client.get("/timeline").text,
            "feed": str(uid) in {e.uid for e in ics_check.parse(feed, method="PUBLISH")},
            "search": bool(search(client, demo, RESIDENT, "vaskeriet")),
            "department": "Afdelingsmøde om vaskeriet"
            in client.get(f"/departments/{engparken_id(demo)}").text,
            "proposals": client.get(f"/meetings/{meeting_id}/proposals").status_code == 200,
        }

    assert not any(seen().values()), seen()
    # The board sees it (and plans it), of course.
    login_as(client, demo, CHAIR)
    assert client.get(f"/meetings/{meeting_id}").status_code == 200
    assert search(client, demo, CHAIR, "vaskeriet")

    client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=api_token(demo, CHAIR))
    run_jobs(demo, app_settings)  # the mail and the search index
    assert all(seen().values()), seen()

    # Cancelled after it was announced: it stays visible, as cancelled.
    r = client.post(
        f"/api/v1/meetings/{meeting_id}/cancel", headers=api_token(demo, CHAIR), json={"reason": "Vandskade"}
    )
    assert r.status_code == 200
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200 and "Mødet er aflyst" in page.text
    assert "Vandskade" in client.get(f"/departments/{engparken_id(demo)}").text


def test_minutes_wait_for_the_meeting_and_a_held_meeting_cannot_be_cancelled(
    client: TestClient, demo: Database
) -> None:
    chair = api_token(demo, CHAIR)
    upcoming = make_meeting(demo, days=10, announced=True)
    write_and_approve(client, demo, upcoming)
    r = post(client, chair, upcoming, "publish")
    assert r.status_code == 409 and r.json()["error"]["code"] == "meeting_not_held"
    assert "når mødet er holdt" in r.json()["error"]["message"]
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{upcoming}/minutes")
    r = client.post(f"/meetings/{upcoming}/minutes/publish", data={"csrf_token": csrf_from(page.text)})
    assert "Referatet kan først udgives, når mødet er holdt." in r.text
    assert client.get(f"/api/v1/meetings/{upcoming}/minutes", headers=chair).json()["status"] == "approved"
    # Once it is over, the same minutes can be published.
    with demo.transaction() as s:
        s.execute(
            update(Meeting)
            .where(Meeting.id == upcoming)
            .values(starts_at=utcnow() - timedelta(hours=3), ends_at=utcnow() - timedelta(hours=1))
        )
    assert post(client, chair, upcoming, "publish").status_code == 200

    # A held meeting cannot be cancelled: marked held, or simply over (its end has passed).
    for meeting_id in (held_board_meeting(demo), upcoming):
        r = client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=chair, json={"reason": "Fejl"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "meeting_held", r.text
        page = client.get(f"/meetings/{meeting_id}")
        assert "Aflys mødet" not in page.text
        form = client.get(f"/meetings/{meeting_id}/cancel")
        r = client.post(
            f"/meetings/{meeting_id}/cancel", data={"csrf_token": csrf_from(form.text), "reason": "Fejl"}
        )
        assert r.status_code == 422 and "Mødet er afholdt og kan ikke aflyses." in r.text
        with demo.transaction() as s:
            assert s.scalar(select(Meeting.status).where(Meeting.id == meeting_id)) != "cancelled"
    # The administration cannot either.
    r = client.post(
        f"/api/v1/meetings/{upcoming}/cancel", headers=api_token(demo, ADMIN), json={"reason": "x"}
    )
    assert r.status_code == 422
    # A meeting still ahead can be cancelled as before.
    ahead = make_meeting(demo, days=12)
    r = client.post(
        f"/api/v1/meetings/{ahead}/cancel", headers=api_token(demo, TREASURER), json={"reason": "x"}
    )
    assert r.status_code == 403
    assert (
        client.post(f"/api/v1/meetings/{ahead}/cancel", headers=chair, json={"reason": "x"}).status_code
        == 200
    )


def test_published_minutes_make_a_board_meeting_the_residents_even_if_never_announced_here(
    client: TestClient, indexed: Database, app_settings: Settings
) -> None:
    """A board that sent its invitations outside boardkit still publishes its minutes here: publishing
    is the announcement. Before it, the meeting is nowhere for the residents; after it, everywhere."""
    demo = indexed
    meeting_id = held_board_meeting(demo)
    with demo.transaction() as s:
        s.execute(update(Meeting).where(Meeting.id == meeting_id).values(invited_at=None))
    add_closed_items(client, demo, meeting_id)
    write_and_approve(client, demo, meeting_id)
    run_jobs(demo, app_settings)
    resident = api_token(demo, RESIDENT)
    department = f"/departments/{engparken_id(demo)}"
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=resident).status_code == 404
    assert search(client, demo, RESIDENT, "vedtaget") == []

    r = post(client, api_token(demo, CHAIR), meeting_id, "publish")
    assert r.status_code == 200 and r.json()["status"] == "published"
    run_jobs(demo, app_settings)

    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=resident).status_code == 200
    assert meeting_id in [m["id"] for m in client.get("/api/v1/meetings", headers=resident).json()["items"]]
    pdf = client.get(f"/api/v1/meetings/{meeting_id}/minutes.pdf", headers=resident)
    assert pdf.status_code == 200
    assert_no_secrets(text_of(pdf.content))
    hits = {h["url"].split("#")[0] for h in search(client, demo, RESIDENT, "vedtaget")}
    assert f"http://testserver/meetings/{meeting_id}/minutes" in hits
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}/minutes")
    assert page.status_code == 200 and values(page.text) == [1, 2, 3, 4, 5, 7]
    assert_no_secrets(page.text)
    assert client.get(f"/meetings/{meeting_id}").status_code == 200
    assert f'href="/meetings/{meeting_id}/minutes"' in client.get(department).text
    assert f'href="/meetings/{meeting_id}/minutes"' in client.get("/").text
    # Another department's residents still see nothing of it.
    other = api_token(demo, RESIDENT_SOEBAKKEN)
    assert client.get(f"/api/v1/meetings/{meeting_id}", headers=other).status_code == 404
