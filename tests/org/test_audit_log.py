"""The audit log: sending invitations is in it; it is filtered (who, what, object, dates) and paged,
and shows values readably — names, labels, dates and amounts in the reader's language, never raw
codes, ids or JSON where a name is known."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core import audit
from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.core.templating import TZ
from boardkit.meetings.models import Meeting
from boardkit.org import service
from boardkit.org.models import Board, Department, Person
from tests.helpers import csrf_from, login_as
from tests.meetings.meeting_env import CHAIR, make_meeting

pytestmark = pytest.mark.postgres  # see tests/conftest.py

ADMIN = "admin@demo.boardkit.dk"


def rows_of(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in body.split("</tr>") if "<td" in r
    ]


def test_sending_invitations_is_in_the_audit_log(client: TestClient, demo: Database) -> None:
    meeting_id = make_meeting(demo, days=20, title="Bestyrelsesmøde om budgettet")
    chair = login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}/invitations")  # the confirmation: who gets what
    fingerprint = re.search(r'name="confirmed" value="([^"]+)"', page.text)
    assert fingerprint
    sent = client.post(
        f"/meetings/{meeting_id}/invitations",
        data={"csrf_token": csrf_from(page.text), "confirmed": fingerprint.group(1)},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    with demo.transaction() as s:
        entries = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "meeting.invitations_sent", AuditEntry.object_id == meeting_id
            )
        ).all()
        assert len(entries) == 1
        entry = entries[0]
        assert entry.actor_id == chair and entry.object_type == "meeting"
        assert entry.changes["emails"] > 0 and entry.changes["letters"] == 0
        emails = entry.changes["emails"]
    # Sending again reaches nobody new: nothing to log.
    again = client.get(f"/meetings/{meeting_id}/invitations")
    confirmed = re.search(r'name="confirmed" value="([^"]+)"', again.text)
    client.post(
        f"/meetings/{meeting_id}/invitations",
        data={"csrf_token": csrf_from(again.text), "confirmed": confirmed.group(1) if confirmed else ""},
    )
    with demo.transaction() as s:
        count = s.scalar(
            select(AuditEntry.id)
            .where(AuditEntry.action == "meeting.invitations_sent")
            .order_by(AuditEntry.id.desc())
        )
        assert count == entry.id
    login_as(client, demo, ADMIN)
    log = client.get("/admin/audit", params={"what": "invitations"})
    assert log.status_code == 200
    rows = rows_of(log.text)
    assert len(rows) == 1
    assert "Indkaldelse sendt" in rows[0] and "Bestyrelsesmøde om budgettet" in rows[0]
    assert f"E-mails: {emails}" in rows[0] and "Breve: 0" in rows[0]
    assert f'href="/meetings/{meeting_id}"' in log.text


def test_values_are_shown_readably_in_both_languages(client: TestClient, demo: Database) -> None:
    with demo.transaction() as s:
        admin = s.scalar(select(Person).where(Person.email == ADMIN))
        assert admin is not None
        admin_id = admin.id
        person = service.create_person(
            s, actor_id=admin.id, organisation_id=1, name="Ingrid Papir", email="ingrid@example.dk"
        )
        service.update_person(
            s, person, actor_id=admin.id, organisation_id=1, preferred_channel="sms", paper=True
        )
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Søbakken"))
        assert board is not None
        service.add_membership(
            s, board, actor_id=admin.id, person=person, role="substitute", start_date=date(2026, 1, 1)
        )
        department = s.get(Department, board.department_id)
        assert department is not None
        new_board = service.create_board(
            s,
            actor_id=admin.id,
            organisation_id=1,
            department_id=department.id,
            kind="committee",
            name="Haveudvalget",
        )
        new_board_id, department_name = new_board.id, f"{department.number} {department.name}"
    login_as(client, demo, ADMIN)
    page = client.get("/admin/audit", params={"who": admin_id})
    rows = rows_of(page.text)
    text = " ".join(rows)
    assert "Person ændret" in text and "Kanal: E-mail → SMS" in text and "Papir: nej → ja" in text
    assert "Medlem tilføjet" in text and "Rolle: Suppleant" in text and "Start: 1. januar 2026" in text
    assert "Ingrid Papir → Afdelingsbestyrelsen i Søbakken" in text
    assert "Bestyrelse oprettet" in text and f"Afdeling: {department_name}" in text and "Type: Udvalg" in text
    assert f'href="/admin/boards/{new_board_id}"' in page.text
    for raw in (
        "preferred_channel",
        "person.update",
        "membership.create",
        "substitute",
        "department_id",
        "{",
        "[",
        "None",
    ):
        assert raw not in text, raw
    with demo.transaction() as s:
        s.scalars(select(Person).where(Person.id == admin_id)).one().language = "en"
    english = " ".join(rows_of(client.get("/admin/audit", params={"who": admin_id}).text))
    assert "Person changed" in english and "Channel: E-mail → SMS" in english and "Paper: no → yes" in english
    assert "Role: Substitute" in english and "Start: 1 January 2026" in english
    assert " at " in english and " kl. " not in english and "Kanal" not in english


def test_filters_and_paging(client: TestClient, demo: Database) -> None:
    with demo.transaction() as s:
        admin = s.scalar(select(Person.id).where(Person.email == ADMIN))
        other = s.scalar(select(Person.id).where(Person.email == CHAIR))
        person = service.create_person(s, actor_id=admin, organisation_id=1, name="Mange Ændringer")
        for n in range(119):  # 120 entries about one person, the last 60 by another hand, over 120 days
            service.update_person(
                s, person, actor_id=other if n >= 59 else admin, organisation_id=1, phone=f"2000{n:04d}"
            )
        s.flush()
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "person", AuditEntry.object_id == person.id)
            .order_by(AuditEntry.id)
        ).all()
        start = datetime(2026, 1, 1, 12, tzinfo=TZ)
        for day, entry in enumerate(entries):
            entry.at = start + timedelta(days=day)
        person_id = person.id
    login_as(client, demo, ADMIN)
    base = {"object_type": "person", "object_id": person_id}
    first = client.get("/admin/audit", params=base)
    assert "120 hændelser" in first.text and len(rows_of(first.text)) == 50
    assert "historikken for Mange Ændringer" in first.text
    newest_phone = f"2000{118:04d}"
    assert newest_phone in rows_of(first.text)[0]
    older = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert older and "Nyere hændelser" not in first.text
    second = client.get(older.group(1).replace("&amp;", "&"))
    assert len(rows_of(second.text)) == 50 and "Nyere hændelser" in second.text
    third = client.get(re.search(r'href="([^"]+)" rel="next"', second.text).group(1).replace("&amp;", "&"))  # type: ignore[union-attr]
    assert len(rows_of(third.text)) == 20 and 'rel="next"' not in third.text
    back = client.get(re.search(r'href="([^"]+)" rel="prev"', third.text).group(1).replace("&amp;", "&"))  # type: ignore[union-attr]
    assert rows_of(back.text) == rows_of(second.text)
    # Who: the chair's 60; what: people; dates: 10 days (from-to inclusive, local days).
    by_chair = client.get("/admin/audit", params={**base, "who": other})
    assert "60 hændelser" in by_chair.text
    assert client.get("/admin/audit", params={**base, "what": "expenses"}).text.count("<tr") <= 1
    assert "120 hændelser" in client.get("/admin/audit", params={**base, "what": "people"}).text
    window = client.get("/admin/audit", params={**base, "from": "2026-01-11", "to": "2026-01-20"})
    assert "10 hændelser" in window.text
    shown = rows_of(window.text)
    assert "20. januar 2026" in shown[0] and "11. januar 2026" in shown[-1]
    # Nonsense in the query string is ignored, never a 500.
    odd = client.get(
        "/admin/audit",
        params={"who": "x", "what": "nope", "object_type": "car", "from": "igår", "before": "-1"},
    )
    assert odd.status_code == 200
    # The filter form keeps what was chosen.
    assert 'value="2026-01-11"' in window.text and f'<option value="{other}"' in by_chair.text


def test_the_log_shows_only_the_staff_members_organisations(demo: Database) -> None:
    with demo.transaction() as s:
        audit.record(
            s, actor_id=None, action="person.update", object_type="person", object_id=1, organisation_id=999
        )
        mine = audit.list_entries(s, organisation_ids=[1], limit=500)
        assert all(e.organisation_id == 1 for e in mine)
        assert audit.count_entries(s, organisation_ids=[999]) == 1
        meeting = s.scalar(select(Meeting).limit(1))
        assert meeting is not None
