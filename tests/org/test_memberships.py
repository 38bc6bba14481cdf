"""Board memberships: one chair at a time, one role per person and board at a time — in the service,
on the admin pages, in the import and in the database — and members without e-mail (paper members)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.errors import Conflict
from boardkit.core.notify.models import NoticeDelivery
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.minutes import publish as minutes_publish
from boardkit.meetings.models import Letter, Meeting
from boardkit.org import service
from boardkit.org.importing.service import import_csv
from boardkit.org.models import Board, Membership, Person, Residency, Tenancy
from tests.helpers import csrf_from, login_as
from tests.meetings.meeting_env import make_meeting

pytestmark = pytest.mark.postgres  # see tests/conftest.py

ADMIN = "admin@demo.boardkit.dk"
SOEBAKKEN = "Afdelingsbestyrelsen i Søbakken"
RESIDENT = "beboer2@demo.boardkit.dk"  # lives in Søbakken, on no board


def board_of(s, name: str = SOEBAKKEN) -> Board:  # type: ignore[no-untyped-def]
    board = s.scalar(select(Board).where(Board.name == name))
    assert board is not None
    return board


def sitting_chair(s, board: Board) -> Membership:  # type: ignore[no-untyped-def]
    chair = s.scalar(
        select(Membership).where(
            Membership.board_id == board.id, Membership.role == "chair", Membership.end_date.is_(None)
        )
    )
    assert chair is not None
    return chair


def newcomer(s, name: str, email: str | None = None) -> Person:  # type: ignore[no-untyped-def]
    person = Person(name=name, email=email, preferred_channel="email" if email else "paper", paper=not email)
    s.add(person)
    s.flush()
    return person


def add(db: Database, board_name: str, person: int, role: str, start: date, end: date | None = None) -> int:
    with db.transaction() as s:
        board = board_of(s, board_name)
        m = service.add_membership(
            s,
            board,
            actor_id=None,
            person=s.get(Person, person),
            role=role,
            start_date=start,
            end_date=end,
        )
        return m.id


def test_one_chair_at_a_time_and_one_role_per_person(demo: Database) -> None:
    today = service.today()
    with demo.transaction() as s:
        board = board_of(s)
        chair = sitting_chair(s, board)
        chair_person, chair_start = chair.person_id, chair.start_date
        anna = newcomer(s, "Anna Ny", "anna.ny@example.dk").id
        bo = newcomer(s, "Bo Ny", "bo.ny@example.dk").id

    # A second chair while the first sits (open-ended): 409 with a Danish message naming the chair.
    with pytest.raises(Conflict) as err:
        add(demo, SOEBAKKEN, anna, "chair", today)
    assert err.value.code == "chair_taken" and err.value.status == 409
    assert "har allerede en formand" in err.value.message
    # ... also one starting next year, before the sitting chair's term is ended.
    with pytest.raises(Conflict):
        add(demo, SOEBAKKEN, anna, "chair", today + timedelta(days=365))

    # The sitting chair's term ends in the future (end of next month): still the chair until then.
    end = today + timedelta(days=40)
    with demo.transaction() as s:
        service.update_membership(s, s.get(Membership, chair.id), actor_id=None, end_date=end)  # type: ignore[arg-type]
    with pytest.raises(Conflict):
        add(demo, SOEBAKKEN, anna, "chair", today + timedelta(days=10), today + timedelta(days=20))
    with pytest.raises(Conflict):
        add(demo, SOEBAKKEN, anna, "chair", end)  # end dates are inclusive
    successor = add(demo, SOEBAKKEN, anna, "chair", end + timedelta(days=1))  # the day after: fine

    # An ended chair (the past) is history: a past chair overlapping it is refused, one before it is not.
    with pytest.raises(Conflict):
        add(demo, SOEBAKKEN, bo, "chair", chair_start - timedelta(days=30), chair_start)
    add(demo, SOEBAKKEN, bo, "chair", chair_start - timedelta(days=400), chair_start - timedelta(days=1))

    # One role per person: the sitting chair cannot also be a member; a new member cannot become
    # treasurer alongside, nor can a membership's role be changed into a second chair.
    with pytest.raises(Conflict) as err:
        add(demo, SOEBAKKEN, chair_person, "member", today)
    assert err.value.code == "already_member" and "én rolle" in err.value.message
    with pytest.raises(Conflict) as err:
        add(demo, SOEBAKKEN, anna, "treasurer", today)
    assert err.value.code == "already_member"
    with demo.transaction() as s:
        carl = newcomer(s, "Carl Ny", "carl.ny@example.dk").id
    member = add(demo, SOEBAKKEN, carl, "member", today)
    with demo.transaction() as s, pytest.raises(Conflict):  # the transaction still commits: nothing changed
        service.update_membership(s, s.get(Membership, member), actor_id=None, role="chair")  # type: ignore[arg-type]
    with demo.transaction() as s:
        assert s.get(Membership, member).role == "member"  # type: ignore[union-attr]
        assert s.get(Membership, successor).role == "chair"  # type: ignore[union-attr]


def test_the_database_refuses_a_second_open_ended_chair_or_role(demo: Database) -> None:
    """The partial unique indexes hold even for code that bypasses the service."""
    with demo.transaction() as s:
        board = board_of(s)
        board_id, chair_person = board.id, sitting_chair(s, board).person_id
        anna = newcomer(s, "Anna Ny", "anna.ny@example.dk").id
    for person, role in ((anna, "chair"), (chair_person, "member")):
        with pytest.raises(IntegrityError), demo.transaction() as s:
            s.add(Membership(board_id=board_id, person_id=person, role=role, start_date=date(2026, 1, 1)))
            s.flush()
    # Ended ones do not count: a past chair beside the sitting one is fine for the database.
    with demo.transaction() as s:
        s.add(
            Membership(
                board_id=board_id,
                person_id=anna,
                role="chair",
                start_date=date(2020, 1, 1),
                end_date=date(2020, 12, 31),
            )
        )


@pytest.mark.parametrize("open_ended", [True, False])
def test_two_simultaneous_make_chair_requests_cannot_both_win(demo: Database, open_ended: bool) -> None:
    """Two administrators make two different people chair at the same moment: exactly one wins.

    With end dates, only the service's board lock stands between them (the indexes cover open-ended
    terms only); open-ended, the unique index does too. Each request holds its transaction a moment
    after its check, so without the lock both checks would pass."""
    today = service.today()
    with demo.transaction() as s:
        board = board_of(s)
        chair = sitting_chair(s, board)
        chair.end_date = today - timedelta(days=1)  # the chair has stepped down
        people = [newcomer(s, f"Kandidat {n}", f"kandidat{n}@example.dk").id for n in (1, 2)]
        board_id = board.id
    end = None if open_ended else today + timedelta(days=700)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def make_chair(pid: int) -> None:
        barrier.wait()
        try:
            with demo.transaction() as s:
                board = s.get(Board, board_id)
                person = s.get(Person, pid)
                service.add_membership(
                    s,
                    board,
                    actor_id=None,
                    person=person,
                    role="chair",
                    start_date=today,
                    end_date=end,  # type: ignore[arg-type]
                )
                time.sleep(0.4)  # the other request arrives while this one is still open
            outcomes.append("won")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=make_chair, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["chair_taken", "won"] or sorted(outcomes) == ["membership_conflict", "won"]
    with demo.transaction() as s:
        chairs = s.scalar(
            select(func.count()).where(
                Membership.board_id == board_id,
                Membership.role == "chair",
                (Membership.end_date.is_(None)) | (Membership.end_date >= today),
            )
        )
    assert chairs == 1


def test_admin_pages_refuse_a_second_chair_and_add_a_paper_member(client: TestClient, demo: Database) -> None:
    login_as(client, demo, ADMIN)
    with demo.transaction() as s:
        board = board_of(s)
        board_id, chair_name = board.id, sitting_chair(s, board).person.name
        tenancy = s.scalar(
            select(Tenancy)
            .join(Board, Board.department_id == Tenancy.department_id)
            .where(Board.id == board_id)
            .limit(1)
        )
        assert tenancy is not None
        tenancy_id, address = tenancy.id, tenancy.address_line
    page = client.get(f"/admin/boards/{board_id}")
    token = csrf_from(page.text)
    twice = client.post(
        f"/admin/boards/{board_id}/memberships",
        data={"csrf_token": token, "person": RESIDENT, "role": "chair", "start_date": "2026-01-01"},
    )
    assert twice.status_code == 422
    assert "har allerede en formand" in twice.text and chair_name in twice.text

    # A paper member: created without e-mail (channel paper), found on the board page by name.
    created = client.post(
        "/admin/people/new",
        data={
            "csrf_token": token,
            "name": "Ingrid Papir",
            "email": "",
            "preferred_channel": "paper",
            "language": "da",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    ingrid = int(created.headers["location"].rsplit("/", 1)[1])
    with demo.transaction() as s:
        s.add(Residency(person_id=ingrid, tenancy_id=tenancy_id, role="tenant"))
    added = client.post(
        f"/admin/boards/{board_id}/memberships",
        data={"csrf_token": token, "person": "ingrid papir", "role": "member", "start_date": "2026-01-01"},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    assert "Ingrid Papir" in client.get(f"/admin/boards/{board_id}").text
    # ... and from her own page to a second board, where the rules hold too.
    person_page = client.get(f"/admin/people/{ingrid}").text
    assert "brev til sin bopæl" in person_page and "Tilføj til en bestyrelse" in person_page
    with demo.transaction() as s:
        ob = board_of(s, "Organisationsbestyrelsen").id
    ok = client.post(
        f"/admin/people/{ingrid}/memberships",
        data={"csrf_token": token, "board_id": str(ob), "role": "member", "start_date": "2026-02-01"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    again = client.post(
        f"/admin/people/{ingrid}/memberships",
        data={"csrf_token": token, "board_id": str(ob), "role": "treasurer", "start_date": "2026-03-01"},
    )
    assert again.status_code == 422 and "én rolle" in again.text
    with demo.transaction() as s:
        roles = s.scalars(select(Membership.role).where(Membership.person_id == ingrid)).all()
    assert sorted(roles) == ["member", "member"]
    assert address  # used by the paper test below


def test_the_import_obeys_the_same_rules(demo: Database) -> None:
    with demo.transaction() as s:
        board = board_of(s)
        chair = sitting_chair(s, board)
        org_id = board.organisation_id
        number = board.department.number  # type: ignore[union-attr]
        chair_nr = chair.person.external_id
        others = s.scalars(
            select(Person.external_id)
            .join(Residency, Residency.person_id == Person.id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .where(Tenancy.department_id == board.department_id, Person.external_id.is_not(None))
            .order_by(Person.id)
            .limit(40)
        ).all()
        members = set(s.scalars(select(Membership.person_id).where(Membership.board_id == board.id)))
        free = [
            nr for nr in others if s.scalar(select(Person.id).where(Person.external_id == nr)) not in members
        ]
    assert chair_nr and len(free) >= 3
    header = "person_nr;bestyrelse;type;afdeling_nr;rolle;start;slut\n"
    row = "{nr};" + SOEBAKKEN + ";afdelingsbestyrelse;" + number + ";{role};{start};{end}\n"
    bad = header + row.format(nr=free[0], role="formand", start="2026-01-01", end="")  # line 2: a 2nd chair
    bad += row.format(nr=free[1], role="formand", start="2026-01-01", end="2026-06-30")  # line 3: also
    bad += row.format(nr=free[2], role="medlem", start="2026-01-01", end="")  # line 4: fine
    bad += row.format(nr=free[2], role="kasserer", start="2026-03-01", end="")  # line 5: a 2nd role
    with demo.transaction() as s:
        report = import_csv(s, data=bad.encode(), organisation_id=org_id, actor_id=None, dry_run=True)
    assert not report.ok
    errors = dict(report.errors)
    assert set(errors) == {2, 3, 5}, report.errors
    assert "allerede en formand" in errors[2] and "i boardkit" in errors[2]
    assert "samme periode" in errors[5] and "linje 4" in errors[5]
    # Ending the sitting chair in the same file makes room for the successor the day after.
    chair_start = chair.start_date.isoformat()
    good = header + row.format(nr=chair_nr, role="formand", start=chair_start, end="2025-12-31")
    good += row.format(nr=free[0], role="formand", start="2026-01-01", end="")
    with demo.transaction() as s:
        report = import_csv(s, data=good.encode(), organisation_id=org_id, actor_id=None, dry_run=False)
    assert report.ok, report.errors
    with demo.transaction() as s:
        chairs = s.scalars(
            select(Person.external_id)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.board_id == board.id, Membership.role == "chair", Membership.end_date.is_(None))
        ).all()
    assert chairs == [free[0]]


def test_a_paper_member_gets_the_board_invitation_and_the_minutes_notice_on_paper(
    demo: Database, settings: Settings
) -> None:
    with demo.transaction() as s:
        board = board_of(s, "Afdelingsbestyrelsen i Engparken")
        tenancy = s.scalar(select(Tenancy).where(Tenancy.department_id == board.department_id).limit(1))
        assert tenancy is not None
        ingrid = newcomer(s, "Ingrid Papir")
        nomad = newcomer(s, "Niels Uden Bopæl")  # no e-mail and no home: the chair must call him
        s.add(Residency(person_id=ingrid.id, tenancy_id=tenancy.id, role="tenant"))
        for p in (ingrid, nomad):
            service.add_membership(
                s, board, actor_id=None, person=p, role="member", start_date=date(2025, 1, 1)
            )  # type: ignore[arg-type]
        ingrid_id, tenancy_id, address = ingrid.id, tenancy.id, tenancy.address_line
    meeting_id = make_meeting(demo, days=14)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        sent = invitations.send_invitations(s, meeting=meeting, settings=settings)
        assert sent.paper == 1 and sent.unreachable == 1
        letter = s.scalar(select(Letter).where(Letter.meeting_id == meeting_id))
        assert letter is not None and letter.tenancy_id == tenancy_id
        assert letter.recipient == "Ingrid Papir" and letter.address_lines[0] == address
        # Board minutes published: the notice reaches her as a letter of her own at home.
        addressees = minutes_publish.addressees(s, meeting=meeting)
        from boardkit.core import notify

        notice = notify.send_notice(
            s,
            organisation_id=board.organisation_id,
            addressees=addressees,
            kind="test",
            subject="Referat",
            body="Referatet er godkendt.",
            link_path=f"/meetings/{meeting_id}/minutes",
            statutory=True,
            settings=settings,
        )
        rows = s.scalars(select(NoticeDelivery).where(NoticeDelivery.notice_id == notice.id)).all()
        mine = [r for r in rows if r.person_id == ingrid_id]
        assert [(r.channel, r.status) for r in mine] == [("paper", "paper")]
        letters = [r for r in rows if r.person_id is None]
        assert [(r.tenancy_id, r.name) for r in letters] == [(tenancy_id, "Ingrid Papir")]
        assert [r.status for r in rows if r.person_id == nomad.id] == ["unreachable"]
