"""Board changes: an election proposes membership changes that the administration confirms in one
step (idempotent, exactly once under concurrency); a resignation and a move-out end the seat and
propose the first substitute."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.models import AuditEntry
from boardkit.org import service
from boardkit.org.importing.service import import_csv
from boardkit.org.models import Board, Membership, Organisation, Person, Transition
from tests.helpers import api_token, csrf_from, login_as

pytestmark = pytest.mark.postgres  # see tests/conftest.py

ENGPARKEN = "Afdelingsbestyrelsen i Engparken"
ADMIN = "admin@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"


def engparken(s) -> Board:  # type: ignore[no-untyped-def]
    board = s.scalar(select(Board).where(Board.name == ENGPARKEN))
    assert board is not None
    return board


def seats(s, board_id: int, at) -> dict[int, Membership]:  # type: ignore[no-untyped-def]
    rows = s.scalars(select(Membership).where(Membership.board_id == board_id))
    return {m.person_id: m for m in rows if m.active_at(at)}


def staff(s) -> service.Principal:  # type: ignore[no-untyped-def]
    return service.build_principal(s, person_id=s.scalar(select(Person.id).where(Person.email == ADMIN)))


def election(demo: Database) -> tuple[int, dict[str, int]]:
    """Engparken elects: the resident beboer@ new, one member re-elected, one member leaves, the second
    substitute is first in line now, the first substitute is not re-elected, a newcomer is second."""
    ended = utcnow() - timedelta(hours=2)
    with demo.transaction() as s:
        board = engparken(s)
        now = seats(s, board.id, ended)
        members = sorted(p for p, m in now.items() if m.role == "member")
        subs = sorted((m.id, p) for p, m in now.items() if m.role == "substitute")
        newcomer = Person(name="Ny Suppleant", email="ny.suppleant@example.dk")
        s.add(newcomer)
        s.flush()
        who = {
            "board": board.id,
            "resident": s.scalar(select(Person.id).where(Person.email == RESIDENT)),
            "re_elected": members[0],
            "leaving": members[1],
            "sub_out": subs[0][1],
            "sub_first": subs[1][1],
            "newcomer": newcomer.id,
        }
        outcome = service.ElectionOutcome(
            meeting_id=424242,
            board_id=board.id,
            ends_at=ended,
            elected=(
                service.Elected(who["resident"], "member", date(2028, 9, 30)),
                service.Elected(who["re_elected"], "member", date(2028, 9, 30)),
            ),
            substitutes=(
                service.ElectedSubstitute(who["sub_first"], 1, date(2027, 9, 30)),
                service.ElectedSubstitute(who["newcomer"], 2, date(2027, 9, 30)),
            ),
            leaving=(who["leaving"],),
        )
        transition = service.propose_election(s, outcome)
        assert transition is not None and transition.status == "proposed"
        # Proposing again (minutes approved once more) brings the proposal up to date, never a second one.
        assert service.propose_election(s, outcome).id == transition.id  # type: ignore[union-attr]
        return transition.id, who


def test_an_election_is_confirmed_in_one_step_and_only_once(demo: Database) -> None:
    tid, who = election(demo)
    with demo.transaction() as s:
        t = s.get(Transition, tid)
        assert t is not None
        actions = sorted((c["action"], c["person_id"]) for c in t.changes)
        assert ("start", who["resident"]) in actions
        assert ("end", who["leaving"]) in actions and ("end", who["sub_out"]) in actions
        assert ("extend", who["re_elected"]) in actions and ("extend", who["sub_first"]) in actions
        assert ("start", who["newcomer"]) in actions
        before = s.scalar(select(func.count()).select_from(Membership))
        service.confirm_transition(s, t, principal=staff(s))
        at = t.effective_at
    with demo.transaction() as s:
        board_id = who["board"]
        after = seats(s, board_id, at)
        assert after[who["resident"]].role == "member" and after[who["resident"]].starts_at == at
        assert after[who["resident"]].end_date == date(2028, 9, 30)
        assert who["leaving"] not in after and who["sub_out"] not in after
        gone = s.scalar(
            select(Membership).where(Membership.board_id == board_id, Membership.person_id == who["leaving"])
        )
        assert gone is not None and gone.ends_at == at  # the seat ends at the meeting's end, not at midnight
        assert not gone.active_at(at) and gone.active_at(at - timedelta(seconds=1))
        assert after[who["sub_first"]].position == 1 and after[who["newcomer"]].position == 2
        assert after[who["re_elected"]].end_date == date(2028, 9, 30)
        count = s.scalar(select(func.count()).select_from(Membership))
        assert count == before + 2  # two new seats: the resident and the new substitute
        actions = set(s.scalars(select(AuditEntry.action).where(AuditEntry.organisation_id.is_not(None))))
        assert {"membership.create", "membership.end", "transition.confirm"} <= actions
    # Confirming again changes nothing; dismissing a done change is refused.
    with demo.transaction() as s:
        t = s.get(Transition, tid)
        assert service.confirm_transition(s, t, principal=staff(s)).status == "done"  # type: ignore[arg-type]
        assert s.scalar(select(func.count()).select_from(Membership)) == count
        with pytest.raises(Conflict):
            service.dismiss_transition(s, t, principal=staff(s))  # type: ignore[arg-type]


def test_two_confirmations_at_once_apply_the_changes_once(demo: Database) -> None:
    tid, _who = election(demo)
    with demo.transaction() as s:
        before = s.scalar(select(func.count()).select_from(Membership))
    barrier, errors = threading.Barrier(2), []

    def confirm() -> None:
        try:
            barrier.wait()
            with demo.transaction() as s:
                service.confirm_transition(s, s.get(Transition, tid), principal=staff(s))  # type: ignore[arg-type]
        except Exception as exc:  # a lost race may surface as a retryable error, never as a second apply
            errors.append(exc)

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Membership)) == before + 2
        assert s.get(Transition, tid).status == "done"  # type: ignore[union-attr]
    assert len(errors) <= 1


def test_only_the_administration_confirms(demo: Database, client: TestClient) -> None:
    tid, who = election(demo)
    chair = api_token(demo, CHAIR)
    url = f"/api/v1/boards/{who['board']}/transitions"
    listed = client.get(url, headers=chair)
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["items"]] == [tid]
    assert listed.json()["items"][0]["status"] == "proposed"
    assert any("begynder som medlem" in line for line in listed.json()["items"][0]["summary"])
    assert client.post(f"{url}/{tid}/confirm", headers=chair).status_code == 404
    assert client.get(url, headers=api_token(demo, RESIDENT)).status_code == 404
    admin = api_token(demo, ADMIN)
    first = client.post(f"{url}/{tid}/confirm", headers=admin)
    assert first.status_code == 200 and first.json()["status"] == "done"
    again = client.post(f"{url}/{tid}/confirm", headers=admin)
    assert again.status_code == 200 and again.json() == first.json()
    assert client.post(f"{url}/999999/confirm", headers=admin).status_code == 404


def test_a_resignation_ends_the_seat_at_the_end_of_its_day_and_proposes_the_first_substitute(
    demo: Database,
) -> None:
    with demo.transaction() as s:
        board = engparken(s)
        now = seats(s, board.id, utcnow())
        member = next(m for m in now.values() if m.role == "member")
        subs = sorted((m for m in now.values() if m.role == "substitute"), key=lambda m: m.id)
        subs[1].position, subs[0].position = 1, 2  # the second one is first in line
        member_id, first_in_line, term = member.id, subs[1].person_id, member.end_date
        principal = service.build_principal(s, person_id=member.person_id)
    with demo.transaction() as s:
        m = s.get(Membership, member_id)
        with pytest.raises(ValidationFailed):
            service.resign(s, m, principal=principal, effective=m.start_date - timedelta(days=1))  # type: ignore[arg-type]
    with demo.transaction() as s:
        m = s.get(Membership, member_id)
        other = service.build_principal(s, person_id=s.scalar(select(Person.id).where(Person.email == CHAIR)))
        with pytest.raises(NotFound):
            service.resign(s, m, principal=other, effective=service.today())  # type: ignore[arg-type]
    day = service.today() + timedelta(days=10)
    with demo.transaction() as s:
        m = s.get(Membership, member_id)
        service.resign(s, m, principal=principal, effective=day)  # type: ignore[arg-type]
    with demo.transaction() as s:
        m = s.get(Membership, member_id)
        assert m is not None and m.end_date == day
        assert m.active_at(service.day_end(day) - timedelta(seconds=1))
        assert not m.active_at(service.day_end(day))
        kinds = {t.kind: t for t in s.scalars(select(Transition).where(Transition.board_id == m.board_id))}
        assert kinds["resignation"].status == "done"
        up = kinds["substitute_up"]
        assert up.status == "proposed" and up.effective_at == service.day_end(day)
        assert [(c["action"], c["person_id"]) for c in up.changes] == [
            ("end", first_in_line),
            ("start", first_in_line),
        ]
        assert up.changes[1]["role"] == "member" and up.changes[1]["end_date"] == (
            term.isoformat() if term else None
        )
        up_id = up.id
    # The administration confirms: the substitute leaves the substitutes and takes the seat as it ends.
    with demo.transaction() as s:
        service.confirm_transition(s, s.get(Transition, up_id), principal=staff(s))  # type: ignore[arg-type]
    with demo.transaction() as s:
        after = seats(s, engparken(s).id, service.day_end(day))
        assert after[first_in_line].role == "member" and after[first_in_line].starts_at == service.day_end(
            day
        )
        assert member.person_id not in after
        ends = s.scalars(select(AuditEntry).where(AuditEntry.action == "membership.end")).all()
        assert any(e.changes.get("reason") == [None, "substitute_up"] for e in ends)


HEADER = "afdeling_nr;afdeling_navn;lejemaal_nr;adresse;postnr;by;person_nr;navn\n"


def residents(n: int, skip: set[int] = frozenset()) -> bytes:  # type: ignore[assignment]
    lines = [HEADER] + [
        f"101;Afdeling 101;{i:04d};Vej {i};2300;København S;P-{i};Beboer {i}\n"
        for i in range(1, n + 1)
        if i not in skip
    ]
    return "".join(lines).encode()


def test_a_move_out_in_the_residents_import_ends_the_seat_and_proposes_the_substitute(db: Database) -> None:
    with db.transaction() as s:
        org = Organisation(name="Boligselskabet Test", short_name="test")
        s.add(org)
        s.flush()
        org_id = org.id
    with db.transaction() as s:
        assert import_csv(s, data=residents(20), organisation_id=org_id, actor_id=None, dry_run=False).ok
    start = service.today() - timedelta(days=100)
    with db.transaction() as s:
        dept = s.scalar(select(service.Department).where(service.Department.organisation_id == org_id))
        board = Board(organisation_id=org_id, department_id=dept.id, kind="department_board", name="AB 101")  # type: ignore[union-attr]
        s.add(board)
        s.flush()
        people = {p.external_id: p for p in s.scalars(select(Person).where(Person.external_id.like("P-%")))}
        roles = {
            "P-1": ("chair", None),
            "P-2": ("member", None),
            "P-3": ("substitute", 2),
            "P-4": ("substitute", 1),
        }
        for nr, (role, position) in roles.items():
            m = service.add_membership(
                s, board, actor_id=None, person=people[nr], role=role, start_date=start
            )
            m.position = position
        board_id, mover, first = board.id, people["P-2"].id, people["P-4"].id
    # P-2 is no longer in the file: moved out today. P-1, the chair, moves to a new home in the
    # department: the seat stays. The dry run says what ends.
    moved = residents(20, {2}).replace(b"101;Afdeling 101;0001;Vej 1;", b"101;Afdeling 101;0021;Vej 21;")
    with db.transaction() as s:
        dry = import_csv(s, data=moved, organisation_id=org_id, actor_id=None, dry_run=True)
        notes = [c for c in dry.changes if "Bestyrelsespost" in c]
        assert notes == ["Bestyrelsespost afsluttes med udflytningen: P-2, medlem i AB 101"]
    with db.transaction() as s:
        assert import_csv(s, data=moved, organisation_id=org_id, actor_id=None, dry_run=False).ok
    with db.transaction() as s:
        seat = s.scalar(
            select(Membership).where(Membership.board_id == board_id, Membership.person_id == mover)
        )
        assert seat is not None and seat.end_date == service.today()
        assert seat.ends_at == service.day_end(service.today())
        kinds = {t.kind: t for t in s.scalars(select(Transition).where(Transition.board_id == board_id))}
        assert kinds["move_out"].status == "done"
        assert [(c["action"], c["person_id"]) for c in kinds["substitute_up"].changes] == [
            ("end", first),
            ("start", first),
        ]
    with db.transaction() as s:
        chair = s.scalar(
            select(Membership).where(Membership.board_id == board_id, Membership.role == "chair")
        )
        assert chair is not None and chair.ends_at is None  # moved within the department: still the chair
    with db.transaction() as s:  # the same file again changes nothing more
        assert import_csv(s, data=moved, organisation_id=org_id, actor_id=None, dry_run=False).ok
        assert (
            s.scalar(select(func.count()).select_from(Transition).where(Transition.board_id == board_id)) == 2
        )


def test_the_page_shows_the_proposal_and_the_administration_confirms_it(
    demo: Database, client: TestClient
) -> None:
    tid, who = election(demo)
    url = f"/board-changes/{who['board']}"
    login_as(client, demo, CHAIR)
    page = client.get(url)
    assert page.status_code == 200
    assert "Valg på afdelingsmødet" in page.text and "Foreslået" in page.text
    assert "Bekræft ændringerne" not in page.text  # the chair reads; the administration decides
    login_as(client, demo, RESIDENT)
    assert client.get(url).status_code == 404
    login_as(client, demo, ADMIN)
    page = client.get(url)
    assert "Bekræft ændringerne" in page.text
    done = client.post(
        f"{url}/{tid}",
        data={"csrf_token": csrf_from(page.text), "decision": "confirm"},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "Ændringerne er gennemført." in done.text and "Gennemført" in done.text
    with demo.transaction() as s:
        assert s.get(Transition, tid).status == "done"  # type: ignore[union-attr]
    # Setting a done change aside is refused with the page's message (409), nothing changes.
    refused = client.post(f"{url}/{tid}", data={"csrf_token": csrf_from(done.text), "decision": "dismiss"})
    assert refused.status_code == 409 and "allerede gennemført" in refused.text
