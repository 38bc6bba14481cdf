"""Who sees what in the demo organisation, through the real principal builder, pages and API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.permissions import Action, Audience, can
from boardkit.org import service
from boardkit.org.models import Board, Membership
from tests.helpers import api_token, login_as, person_id

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def board_named(db: Database, name: str) -> Board:
    with db.transaction() as s:
        board = s.scalar(select(Board).where(Board.name == name))
    assert board is not None
    return board


def principal(db: Database, email: str):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        return service.build_principal(s, person_id=person_id(db, email))


def test_sobakken_member_gets_404_for_engparken_closed_material(client: TestClient, demo: Database) -> None:
    engparken = board_named(demo, "Afdelingsbestyrelsen i Engparken")
    closed = service.board_resource(engparken, closed=True)
    assert not can(principal(demo, "medlem@demo.boardkit.dk"), Action.VIEW, closed)
    assert can(principal(demo, "formand@demo.boardkit.dk"), Action.VIEW, closed)
    r = client.get(f"/api/v1/boards/{engparken.id}", headers=api_token(demo, "medlem@demo.boardkit.dk"))
    assert r.status_code == 404
    assert (
        r.json()
        == client.get("/api/v1/boards/987654", headers=api_token(demo, "medlem@demo.boardkit.dk")).json()
    )


def test_a_resident_cannot_see_another_departments_material(demo: Database) -> None:
    engparken = board_named(demo, "Afdelingsbestyrelsen i Engparken")
    sobakken = board_named(demo, "Afdelingsbestyrelsen i Søbakken")
    beboer = principal(demo, "beboer@demo.boardkit.dk")
    assert can(beboer, Action.VIEW, service.board_resource(engparken, audience=Audience.RESIDENTS))
    assert not can(beboer, Action.VIEW, service.board_resource(sobakken, audience=Audience.RESIDENTS))
    assert not can(beboer, Action.VIEW, service.board_resource(engparken))  # board-only material
    beboer2 = principal(demo, "beboer2@demo.boardkit.dk")
    assert not can(beboer2, Action.VIEW, service.board_resource(engparken, audience=Audience.RESIDENTS))


def test_an_ended_membership_grants_nothing(client: TestClient, demo: Database) -> None:
    with demo.transaction() as s:
        ended = s.scalar(select(Membership).where(Membership.end_date < date.today()))
        assert ended is not None
        board = s.get(Board, ended.board_id)
        email = ended.person.email
        board_id = ended.board_id
        assert board is not None
        p = service.build_principal(s, person_id=ended.person_id)
    assert board_id not in p.board_roles
    assert not can(p, Action.VIEW, service.board_resource(board))
    if email:
        me = client.get("/api/v1/me", headers=api_token(demo, email)).json()
        assert board_id not in [b["id"] for b in me["boards"]]
        assert client.get(f"/api/v1/boards/{board_id}", headers=api_token(demo, email)).status_code == 404


def test_ending_a_membership_today_keeps_it_until_tomorrow(demo: Database) -> None:
    kasserer = person_id(demo, "kasserer@demo.boardkit.dk")
    with demo.transaction() as s:
        m = s.scalar(select(Membership).where(Membership.person_id == kasserer))
        assert m is not None
        m.end_date = service.today()
    with demo.transaction() as s:
        assert service.build_principal(s, person_id=kasserer).board_roles
        later = date.fromordinal(service.today().toordinal() + 1)
        midnight = service.day_start(later)
        assert service.build_principal(s, person_id=kasserer, now=midnight - timedelta(seconds=1)).board_roles
        assert not service.build_principal(s, person_id=kasserer, now=midnight).board_roles


def test_admin_pages_are_404_for_non_staff(client: TestClient, demo: Database) -> None:
    login_as(client, demo, "formand@demo.boardkit.dk")
    for path in ("/admin/", "/admin/people", "/admin/boards", "/admin/mail", "/admin/audit", "/admin/import"):
        assert client.get(path).status_code == 404, path


def test_staff_of_another_organisation_see_nothing(client: TestClient, demo: Database) -> None:
    from boardkit.org.models import Organisation, Person, StaffRole

    with demo.transaction() as s:
        other = Organisation(name="Anden Boligforening", short_name="anden")
        s.add(other)
        s.flush()
        person = Person(name="Fremmed Kundechef", email="fremmed@example.dk", organisation_id=other.id)
        s.add(person)
        s.flush()
        s.add(StaffRole(person_id=person.id, organisation_id=other.id, role="admin"))
    engparken = board_named(demo, "Afdelingsbestyrelsen i Engparken")
    headers = api_token(demo, "fremmed@example.dk")
    assert client.get("/api/v1/boards", headers=headers).json()["items"] == []
    assert client.get(f"/api/v1/boards/{engparken.id}", headers=headers).status_code == 404
    login_as(client, demo, "fremmed@example.dk")
    assert client.get(f"/admin/boards/{engparken.id}").status_code == 404
    formand = person_id(demo, "formand@demo.boardkit.dk")
    assert client.get(f"/admin/people/{formand}").status_code == 404
    people = client.get("/admin/people").text
    assert "Søren Ødegård" not in people
