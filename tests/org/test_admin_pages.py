"""Administration pages: people, boards and memberships, with audit entries for every change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.org.models import Board, Membership, Person
from tests.helpers import csrf_from, login_as

ADMIN = "admin@demo.boardkit.dk"


@pytest.mark.postgres
def test_create_and_edit_a_person_with_unicode_name(client: TestClient, demo: Database) -> None:
    login_as(client, demo, ADMIN)
    form = client.get("/admin/people/new")
    token = csrf_from(form.text)
    bad = client.post(
        "/admin/people/new",
        data={
            "csrf_token": token,
            "name": "",
            "email": "ikke-en-adresse",
            "preferred_channel": "email",
            "language": "da",
        },
    )
    assert bad.status_code == 422
    assert "Skriv personens navn." in bad.text
    assert 'value="ikke-en-adresse"' in bad.text
    ok = client.post(
        "/admin/people/new",
        data={
            "csrf_token": token,
            "name": "Nguyễn Thị Hương",
            "email": "Huong@Example.dk",
            "preferred_channel": "email",
            "language": "da",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get(ok.headers["location"])
    assert page.status_code == 200
    assert "Nguyễn Thị Hương" in page.text
    pid = int(ok.headers["location"].rsplit("/", 1)[1])
    dup = client.post(
        "/admin/people/new",
        data={
            "csrf_token": token,
            "name": "Another",
            "email": "huong@example.dk",
            "preferred_channel": "email",
            "language": "da",
        },
    )
    assert dup.status_code == 422
    assert "bruges allerede" in dup.text
    edit = client.post(
        f"/admin/people/{pid}",
        data={
            "csrf_token": token,
            "name": "Nguyễn Thị Hương",
            "email": "huong@example.dk",
            "phone": "12345678",
            "preferred_channel": "sms",
            "language": "en",
            "active": "1",
        },
        follow_redirects=False,
    )
    assert edit.status_code == 303
    with demo.transaction() as s:
        person = s.get(Person, pid)
        assert person is not None and person.preferred_channel == "sms" and person.language == "en"
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.object_id == pid, AuditEntry.object_type == "person")
        ).all()
        actions = [e.action for e in entries]
        assert actions == ["person.create", "person.update"]
        assert entries[1].changes["preferred_channel"] == ["email", "sms"]
    audit = client.get("/admin/audit")
    assert "Person ændret" in audit.text and "person.update" not in audit.text
    assert "Nguyễn Thị Hương" in audit.text


def test_add_and_end_a_membership(client: TestClient, demo: Database) -> None:
    login_as(client, demo, ADMIN)
    with demo.transaction() as s:
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Søbakken"))
        assert board is not None
        board_id = board.id
    page = client.get(f"/admin/boards/{board_id}")
    assert page.status_code == 200
    token = csrf_from(page.text)
    bad = client.post(
        f"/admin/boards/{board_id}/memberships",
        data={
            "csrf_token": token,
            "email": "beboer2@demo.boardkit.dk",
            "role": "boss",
            "start_date": "i går",
        },
    )
    assert bad.status_code == 422
    assert "Vælg en rolle" in bad.text and "ÅÅÅÅ-MM-DD" in bad.text
    ok = client.post(
        f"/admin/boards/{board_id}/memberships",
        data={
            "csrf_token": token,
            "email": "beboer2@demo.boardkit.dk",
            "role": "substitute",
            "start_date": "2026-01-01",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with demo.transaction() as s:
        m = s.scalar(
            select(Membership).where(
                Membership.board_id == board_id,
                Membership.role == "substitute",
                Membership.start_date == __import__("datetime").date(2026, 1, 1),
            )
        )
        assert m is not None
        mid = m.id
    end = client.post(
        f"/admin/boards/{board_id}/memberships/{mid}/end",
        data={"csrf_token": token, "end_date": "2025-01-01"},
    )
    assert end.status_code == 422  # before the start
    end = client.post(
        f"/admin/boards/{board_id}/memberships/{mid}/end",
        data={"csrf_token": token, "end_date": "2026-02-01"},
        follow_redirects=False,
    )
    assert end.status_code == 303
    with demo.transaction() as s:  # ending sooner is an end, audited with its reason
        ended = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "membership", AuditEntry.object_id == mid
            )
        ).all()
        assert "membership.end" in ended
    board_page = client.get(f"/admin/boards/{board_id}").text
    assert "Afsluttet" in board_page
    assert re.search(r"Medlem tilføjet|Medlemskab ændret", client.get("/admin/audit").text)


def test_create_a_board(client: TestClient, demo: Database) -> None:
    login_as(client, demo, ADMIN)
    token = csrf_from(client.get("/admin/boards/new").text)
    bad = client.post(
        "/admin/boards/new",
        data={"csrf_token": token, "name": "Haveudvalget", "kind": "committee", "department_id": ""},
    )
    assert bad.status_code == 422
    r = client.post(
        "/admin/boards/new",
        data={
            "csrf_token": token,
            "name": "Organisationsudvalg",
            "kind": "organisation_board",
            "department_id": "",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Organisationsudvalg" in client.get("/admin/boards").text


@pytest.mark.postgres
def test_overview_mail_and_people_search(client: TestClient, demo: Database) -> None:
    login_as(client, demo, ADMIN)
    overview = client.get("/admin/")
    assert overview.status_code == 200
    assert "Engparken" in overview.text
    people = client.get("/admin/people", params={"q": "ødegård"})
    assert "Søren Ødegård" in people.text
    assert client.get("/admin/people", params={"side": "x"}).status_code == 200
    mail = client.get("/admin/mail")
    assert mail.status_code == 200
    assert client.get("/admin/mail/999999").status_code == 404
