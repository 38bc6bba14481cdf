"""The demo organisation of API.md: the accounts, their roles, realistic households, meetings."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.core.db import Database, utcnow
from boardkit.demo import ascii_fold, demo_email, load_demo
from boardkit.meetings.models import Meeting
from boardkit.org.models import (
    Board,
    Department,
    Membership,
    Organisation,
    Person,
    Residency,
    StaffRole,
    Tenancy,
)
from boardkit.org.service import build_principal, today

TZ = ZoneInfo("Europe/Copenhagen")


def _person(s: Session, email: str) -> Person:
    person = s.scalar(select(Person).where(Person.email == email))
    assert person is not None, f"no demo account {email}"
    return person


def _department(s: Session, name: str) -> Department:
    dept = s.scalar(select(Department).where(Department.name == name))
    assert dept is not None
    return dept


def _board(s: Session, name: str) -> Board:
    board = s.scalar(select(Board).where(Board.name == name))
    assert board is not None, f"no board {name}"
    return board


def _roles(s: Session, email: str) -> dict[str, str]:
    """Active board roles of an account, by board name."""
    principal = build_principal(s, person_id=_person(s, email).id)
    names = {board_id: name for board_id, name in s.execute(select(Board.id, Board.name))}
    return {names[board_id]: role for board_id, role in principal.board_roles.items()}


def test_organisation_and_departments(demo: Database) -> None:
    with demo.transaction() as s:
        org = s.scalar(select(Organisation))
        assert org is not None
        assert (org.name, org.short_name, org.rules) == ("Boligselskabet Fællesbo", "faellesbo", {})
        departments = {d.number: d.name for d in s.scalars(select(Department))}
        assert departments == {"101": "Engparken", "102": "Søbakken", "103": "Lyngtoften"}

        households = {
            name: n
            for name, n in s.execute(
                select(Department.name, func.count(Tenancy.id))
                .join(Tenancy, Tenancy.department_id == Department.id)
                .group_by(Department.name)
            )
        }
        for name, expected in (("Engparken", 120), ("Søbakken", 60), ("Lyngtoften", 24)):
            assert abs(households[name] - expected) <= expected * 0.1, (name, households[name])

        tenancies = s.scalars(select(Tenancy)).all()
        numbers = [t.number for t in tenancies]
        assert len(set(numbers)) == len(numbers)
        assert "101-0012" in numbers
        assert all(t.address and t.postcode and t.city for t in tenancies)
        assert any(t.unit == "st. tv." for t in tenancies) and any(t.unit == "1. th." for t in tenancies)
        assert any(t.paper for t in tenancies)
        assert not all(t.paper for t in tenancies)


def test_households_have_one_to_three_adults_with_one_tenant(demo: Database) -> None:
    with demo.transaction() as s:
        rows = s.execute(select(Residency.tenancy_id, Residency.role, Residency.adult)).all()
        sizes = Counter(tenancy_id for tenancy_id, _role, _adult in rows)
        tenants = Counter(tenancy_id for tenancy_id, role, _adult in rows if role == "tenant")
        assert set(sizes.values()) <= {1, 2, 3}
        assert {1, 2, 3} <= set(sizes.values())
        assert all(tenants[t] == 1 for t in sizes)
        assert {role for _t, role, _a in rows} == {"tenant", "household_member"}
        assert all(adult for _t, _r, adult in rows)
        assert s.scalar(select(func.count(Tenancy.id))) == len(sizes)  # no empty homes


def test_people_are_a_realistic_mix(demo: Database) -> None:
    with demo.transaction() as s:
        people = s.scalars(select(Person)).all()
        assert len(people) > 250
        assert all(p.external_id and p.external_id.startswith("P") for p in people)
        assert len({p.external_id for p in people}) == len(people)

        no_email = [p for p in people if p.email is None]
        assert 0.25 < len(no_email) / len(people) < 0.55
        paper = [p for p in people if p.paper]
        assert paper and all(p.preferred_channel == "paper" for p in paper)
        assert 0.03 < len(paper) / len(people) < 0.15
        sms = [p for p in people if p.preferred_channel == "sms"]
        assert sms and all(p.phone.startswith("+45 ") for p in sms)
        assert {p.language for p in people} == {"da", "en"}
        assert Counter(p.language for p in people)["da"] > 0.8 * len(people)

        emails = [p.email for p in people if p.email]
        assert len(set(emails)) == len(emails)
        assert all(e == e.lower() and e.isascii() for e in emails)
        assert all(e.endswith(("@example.dk", "@demo.boardkit.dk")) for e in emails)

        names = " ".join(p.name for p in people)
        assert not names.isascii()
        for letter in ("ø", "æ", "å", "Ş"):
            assert letter in names, letter
        assert sum(not p.name.isascii() for p in people) > 0.2 * len(people)


def test_ascii_folded_emails() -> None:
    assert ascii_fold("Søren Ødegård") == "soeren oedegaard"
    assert demo_email("Nguyễn Thị Hương", 7) == "nguyen.huong.7@example.dk"
    assert demo_email("Małgorzata Wiśniewska", 12) == "malgorzata.wisniewska.12@example.dk"
    assert demo_email("Ömer Şahin", 3) == "omer.sahin.3@example.dk"
    assert demo_email("Aqqaluk El-Amin", 4) == "aqqaluk.elamin.4@example.dk"


def test_api_accounts_and_their_roles(demo: Database) -> None:
    with demo.transaction() as s:
        org = s.scalar(select(Organisation))
        assert org is not None
        engparken, soebakken = _department(s, "Engparken"), _department(s, "Søbakken")

        for email in (
            "admin@demo.boardkit.dk",
            "bogholder@demo.boardkit.dk",
            "formand@demo.boardkit.dk",
            "kasserer@demo.boardkit.dk",
            "medlem@demo.boardkit.dk",
            "beboer@demo.boardkit.dk",
            "beboer2@demo.boardkit.dk",
        ):
            person = _person(s, email)
            assert (person.preferred_channel, person.language, person.paper, person.active) == (
                "email",
                "da",
                False,
                True,
            )
            assert len(person.name.split()) >= 2

        assert not _person(s, "formand@demo.boardkit.dk").name.isascii()

        staff = {
            p.email: (r.role, r.organisation_id, r.department_id)
            for r, p in s.execute(select(StaffRole, Person).join(Person, Person.id == StaffRole.person_id))
        }
        assert staff == {
            "admin@demo.boardkit.dk": ("account_manager", org.id, None),
            "bogholder@demo.boardkit.dk": ("bookkeeper", org.id, None),
        }
        for email in ("admin@demo.boardkit.dk", "bogholder@demo.boardkit.dk"):
            p = build_principal(s, person_id=_person(s, email).id)
            assert p.staff_organisation_ids == {org.id}
            assert p.staff_department_ids == frozenset()
            assert p.board_roles == {}
            assert p.resident_department_ids == frozenset()

        residents = {
            "formand@demo.boardkit.dk": engparken.id,
            "kasserer@demo.boardkit.dk": engparken.id,
            "beboer@demo.boardkit.dk": engparken.id,
            "medlem@demo.boardkit.dk": soebakken.id,
            "beboer2@demo.boardkit.dk": soebakken.id,
        }
        for email, department_id in residents.items():
            p = build_principal(s, person_id=_person(s, email).id)
            assert p.resident_department_ids == {department_id}, email
            assert p.staff_organisation_ids == frozenset() and p.staff_department_ids == frozenset()

        assert _roles(s, "formand@demo.boardkit.dk") == {
            "Afdelingsbestyrelsen i Engparken": "chair",
            "Organisationsbestyrelsen": "member",
        }
        assert _roles(s, "kasserer@demo.boardkit.dk") == {"Afdelingsbestyrelsen i Engparken": "treasurer"}
        assert _roles(s, "medlem@demo.boardkit.dk") == {"Afdelingsbestyrelsen i Søbakken": "member"}
        for email in (
            "beboer@demo.boardkit.dk",
            "beboer2@demo.boardkit.dk",
            "admin@demo.boardkit.dk",
            "bogholder@demo.boardkit.dk",
        ):
            assert _roles(s, email) == {}, email


def test_boards(demo: Database) -> None:
    with demo.transaction() as s:
        boards = {b.name: b for b in s.scalars(select(Board))}
        assert {(b.name, b.kind) for b in boards.values()} == {
            ("Afdelingsbestyrelsen i Engparken", "department_board"),
            ("Afdelingsbestyrelsen i Søbakken", "department_board"),
            ("Afdelingsbestyrelsen i Lyngtoften", "department_board"),
            ("Organisationsbestyrelsen", "organisation_board"),
            ("Aktivitetsudvalget i Engparken", "committee"),
        }
        assert boards["Organisationsbestyrelsen"].department_id is None
        assert boards["Aktivitetsudvalget i Engparken"].department_id == _department(s, "Engparken").id
        for dept in s.scalars(select(Department)):
            assert boards[f"Afdelingsbestyrelsen i {dept.name}"].department_id == dept.id

        day, now = today(), utcnow()
        active: dict[str, list[Membership]] = {name: [] for name in boards}
        for m in s.scalars(select(Membership)):
            if m.active_at(now):
                active[m.board.name].append(m)
            assert m.start_date < day

        for name, board in boards.items():
            roles = Counter(m.role for m in active[name])
            members = sum(n for role, n in roles.items() if role != "substitute")
            assert roles["chair"] == 1, name
            assert len({m.person_id for m in active[name]}) == len(active[name]), name  # nobody twice
            if board.kind == "department_board":
                assert members in (3, 5), (name, roles)
                assert 1 <= roles["substitute"] <= 2, (name, roles)
                # Department board members live in the department.
                for m in active[name]:
                    p = build_principal(s, person_id=m.person_id)
                    assert board.department_id in p.resident_department_ids
            elif board.kind == "organisation_board":
                assert 5 <= members <= 7
                # Residents hold the majority.
                resident_members = sum(
                    1
                    for m in active[name]
                    if build_principal(s, person_id=m.person_id).resident_department_ids
                )
                assert resident_members > members / 2

        staff_ids = set(s.scalars(select(StaffRole.person_id)))
        assert not staff_ids & {m.person_id for m in s.scalars(select(Membership))}


def test_an_ended_membership_grants_nothing(demo: Database) -> None:
    with demo.transaction() as s:
        day = today()
        ended = s.scalars(select(Membership).where(Membership.end_date.is_not(None))).all()
        assert ended, "the demo needs a former board member"
        for m in ended:
            assert m.end_date is not None and m.end_date < day
            others = s.scalars(
                select(Membership).where(
                    Membership.person_id == m.person_id,
                    Membership.board_id == m.board_id,
                    Membership.id != m.id,
                )
            ).all()
            assert not any(o.active_at(utcnow()) for o in others)
            assert m.ended_effects_at is not None  # a past end has nothing left to take away
            principal = build_principal(s, person_id=m.person_id)
            assert m.board_id not in principal.board_roles
            assert m.board_id not in principal.board_departments
            # ... but they are still a resident and can log in.
            assert principal.resident_department_ids
            assert m.person.email


def test_meetings(demo: Database) -> None:
    now = datetime.now(UTC)
    with demo.transaction() as s:
        boards = s.scalars(select(Board)).all()
        meetings = s.scalars(select(Meeting)).all()
        for board in boards:
            own = [m for m in meetings if m.board_id == board.id]
            expected_kind = "committee" if board.kind == "committee" else "board"
            upcoming = [m for m in own if m.kind == expected_kind and m.starts_at > now]
            past = [m for m in own if m.starts_at < now]
            assert 2 <= len(upcoming) <= 3, board.name
            assert all(m.status == "planned" for m in upcoming)
            assert len(past) == 1 and past[0].status == "held", board.name
            assert all(m.location for m in own)

        ordinary = [m for m in meetings if m.kind == "ordinary_department"]
        assert sorted(m.board.name for m in ordinary) == [
            "Afdelingsbestyrelsen i Engparken",
            "Afdelingsbestyrelsen i Søbakken",
        ]
        for m in ordinary:
            assert m.title == "Ordinært afdelingsmøde"
            # Announced already, so the residents see it (and may propose) from the start.
            assert m.status == "invited" and m.invited_at is not None and m.invited_at < now
            # Far enough ahead for the 4 weeks' notice to every household.
            assert 35 <= (m.starts_at - now).days <= 50

        assert any(m.title.startswith("Bestyrelsesmøde – ") for m in meetings)
        for m in meetings:
            assert m.starts_at.tzinfo is not None and m.ends_at > m.starts_at
            local = m.starts_at.astimezone(TZ)
            assert local.hour in (17, 19) and local.minute == 0
            assert m.ends_at - m.starts_at <= timedelta(hours=3)


def test_load_demo_only_flushes(db: Database) -> None:
    with db.session() as s:
        org = load_demo(s, seed=1)
        assert org.id is not None
        s.rollback()
    with db.transaction() as s:
        assert s.scalar(select(func.count(Person.id))) == 0


def test_loading_twice_is_refused(demo: Database) -> None:
    with demo.transaction() as s, pytest.raises(ValueError, match="already exists"):
        load_demo(s, seed=1)


def _fresh(path: Path, migrated: Path) -> Database:
    shutil.copy(migrated, path)  # the tests' migrated template: migrations have their own tests
    return Database(f"sqlite:///{path}")


def _people(database: Database, seed: int) -> tuple[float, list[tuple[str | None, str, str | None, str]]]:
    started = time.perf_counter()
    with database.transaction() as s:
        load_demo(s, seed=seed)
    elapsed = time.perf_counter() - started
    with database.transaction() as s:
        rows = s.execute(
            select(Person.external_id, Person.name, Person.email, Person.preferred_channel).order_by(
                Person.external_id
            )
        ).all()
    return elapsed, [(r[0], r[1], r[2], r[3]) for r in rows]


def test_same_seed_same_people_and_fast(tmp_path: Path, sqlite_template: Path) -> None:
    first, second, other = (_fresh(tmp_path / f"{n}.sqlite3", sqlite_template) for n in ("a", "b", "c"))
    try:
        elapsed_a, people_a = _people(first, 1)
        elapsed_b, people_b = _people(second, 1)
        _elapsed, people_c = _people(other, 2)
    finally:
        for database in (first, second, other):
            database.dispose()
    assert people_a == people_b
    assert sorted(p[1] for p in people_a) == sorted(p[1] for p in people_b)
    assert [p[1] for p in people_a] != [p[1] for p in people_c]
    # The API.md accounts do not depend on the seed.
    accounts = {p[2] for p in people_c if p[2] and p[2].endswith("@demo.boardkit.dk")}
    assert len(accounts) == 7
    assert min(elapsed_a, elapsed_b) < 4.0  # about 1 s on SQLite (most of it the forum, permits and agendas)
