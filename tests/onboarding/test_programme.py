"""A membership that starts gets its programme; steps are done by the member, by the chair, or by
signing; the chair and the administration follow; a re-elected member gets only what changed; a
gating declaration keeps closed items locked until it is signed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from boardkit.core.db import Database
from boardkit.core.errors import Conflict, NotFound
from boardkit.core.notify.models import Notice
from boardkit.core.permissions import Action, Resource, can
from boardkit.onboarding import service
from boardkit.onboarding.models import Assignment, Declaration, Module, Progress, Signature
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person
from tests.onboarding.onboarding_env import (
    ADMIN,
    CHAIR,
    OTHER_BOARD,
    START,
    TREASURER,
    make_programme,
    new_member,
    who,
)

pytestmark = pytest.mark.postgres


def steps(db: Database, person_id: int) -> dict[str, Progress]:
    with db.transaction(readonly=True) as s:
        rows = s.scalars(
            select(Progress).join(Assignment).where(Assignment.person_id == person_id).order_by(Progress.id)
        ).all()
        return {p.module.title: p for p in rows}


def test_a_new_member_gets_the_programme_with_due_dates_and_a_welcome(demo: Database) -> None:
    env = make_programme(demo)
    with demo.transaction(readonly=True) as s:
        notices = s.scalar(select(func.count()).select_from(Notice).where(Notice.kind == "onboarding"))
    person = new_member(demo, env)
    found = steps(demo, person)
    assert list(found) == [
        "Underskriv tavshedserklæringen",
        "Mød driftschefen",
        "Gennemgå budgettet med formanden",
        "Kursus hos BL",
    ]
    assert found["Mød driftschefen"].due_on == START + timedelta(days=30)
    assert all(p.done_at is None for p in found.values())
    with demo.transaction(readonly=True) as s:
        welcome = s.scalars(select(Notice).where(Notice.kind == "onboarding")).all()
        assert len(welcome) == (notices or 0) + 1
        assert welcome[-1].subject == "Velkommen i Afdelingsbestyrelsen i Engparken"
        assert welcome[-1].link_path == "/onboarding"


def test_steps_are_done_by_the_member_the_chair_or_a_signature(demo: Database) -> None:
    env = make_programme(demo)
    person = new_member(demo, env)
    ids = {title: p.id for title, p in steps(demo, person).items()}
    with demo.transaction() as s:
        member = org_service.build_principal(s, person_id=person)
        service.record(s, principal=member, progress_id=ids["Kursus hos BL"], done=True)
        with pytest.raises(Conflict) as sign_first:
            service.record(s, principal=member, progress_id=ids["Underskriv tavshedserklæringen"], done=True)
        assert sign_first.value.code == "sign_first"
        with pytest.raises(Conflict) as chair_ticks:
            service.record(
                s, principal=member, progress_id=ids["Gennemgå budgettet med formanden"], done=True
            )
        assert chair_ticks.value.code == "chair_ticks"
    with demo.transaction() as s:
        first = service.sign(
            s, principal=org_service.build_principal(s, person_id=person), declaration_id=env.declaration_id
        )
        again = service.sign(
            s, principal=org_service.build_principal(s, person_id=person), declaration_id=env.declaration_id
        )
        assert first.id == again.id  # signing twice changes nothing
        assert s.scalar(select(func.count()).select_from(Signature).where(Signature.person_id == person)) == 1
    with demo.transaction() as s:
        for email in (OTHER_BOARD, TREASURER):  # another board's member, a fellow member: not theirs
            with pytest.raises(NotFound):
                service.record(
                    s, principal=who(s, email), progress_id=ids["Gennemgå budgettet med formanden"], done=True
                )
        service.record(
            s, principal=who(s, CHAIR), progress_id=ids["Gennemgå budgettet med formanden"], done=True
        )
        with pytest.raises(NotFound):  # only the member's own steps otherwise
            service.record(s, principal=who(s, CHAIR), progress_id=ids["Mød driftschefen"], done=True)
    done = steps(demo, person)
    assert [t for t, p in done.items() if p.done_at is None] == ["Mød driftschefen"]
    with demo.transaction() as s:
        member = org_service.build_principal(s, person_id=person)
        service.record(s, principal=member, progress_id=ids["Mød driftschefen"], done=True)
        assignment = s.scalar(select(Assignment).where(Assignment.person_id == person))
        assert assignment is not None and assignment.completed_at is not None


def test_the_chair_and_the_administration_follow_members_see_only_their_own(demo: Database) -> None:
    env = make_programme(demo)
    person = new_member(demo, env)
    with demo.transaction() as s:
        member = org_service.build_principal(s, person_id=person)
        service.record(s, principal=member, progress_id=steps(demo, person)["Kursus hos BL"].id, done=True)
    with demo.transaction(readonly=True) as s:
        for email in (CHAIR, ADMIN):
            status = service.board_status(s, principal=who(s, email), board_id=env.board_id, today=START)
            ((_name, programme),) = [(n, p) for n, p in status if n == "Ny Bestyrelsesmedlem Øberg"]
            assert (
                programme.percent == 25
                and next(m.module.title for m in programme.missing) == "Underskriv tavshedserklæringen"
            )
        for email in (TREASURER, OTHER_BOARD):
            with pytest.raises(NotFound):
                service.board_status(s, principal=who(s, email), board_id=env.board_id, today=START)
        mine = service.current(s, person_id=person, today=START + timedelta(days=31))
        assert mine is not None and mine.percent == 25
        assert [st.module.title for st in mine.steps if st.overdue] == [
            "Underskriv tavshedserklæringen",
            "Mød driftschefen",
        ]


def test_a_re_elected_member_gets_only_what_changed(demo: Database) -> None:
    env = make_programme(demo)
    person = new_member(demo, env)
    with demo.transaction() as s:
        member = org_service.build_principal(s, person_id=person)
        for title, p in steps(demo, person).items():
            if title == "Underskriv tavshedserklæringen":
                service.sign(s, principal=member, declaration_id=env.declaration_id)
            elif title != "Gennemgå budgettet med formanden":
                service.record(s, principal=member, progress_id=p.id, done=True)
        link = s.get(Module, env.modules["Kursus hos BL"])
        assert link is not None
        link.revision += 1  # the course changed since
        membership = s.scalar(select(Membership).where(Membership.person_id == person))
        assert membership is not None
        membership.end_date = date(2027, 11, 30)
    with demo.transaction() as s:
        board = s.get(Board, env.board_id)
        again = s.get(Person, person)
        assert board is not None and again is not None
        org_service.add_membership(
            s, board, actor_id=None, person=again, role="member", start_date=date(2027, 12, 1)
        )
    with demo.transaction(readonly=True) as s:
        latest = service.my_programmes(s, person_id=person, today=date(2027, 12, 1))[0]
        assert latest.assignment.started_on == date(2027, 12, 1)
        assert sorted(st.module.title for st in latest.missing) == [
            "Gennemgå budgettet med formanden",
            "Kursus hos BL",
        ]


def test_a_gating_declaration_locks_closed_items_until_signed(demo: Database) -> None:
    env = make_programme(demo, gates=True)
    closed = Resource(organisation_id=env.organisation_id, board_id=env.board_id, closed=True)
    with demo.transaction(readonly=True) as s:
        treasurer, admin = who(s, TREASURER), who(s, ADMIN)
        assert env.board_id in treasurer.closed_locked_boards
        assert not can(treasurer, Action.VIEW_CLOSED, closed) and not can(treasurer, Action.VIEW, closed)
        assert can(admin, Action.VIEW_CLOSED, closed)  # the administration is never locked out
    with demo.transaction() as s:
        service.sign(s, principal=who(s, TREASURER), declaration_id=env.declaration_id)
    with demo.transaction() as s:
        assert can(who(s, TREASURER), Action.VIEW_CLOSED, closed)
        declaration = s.get(Declaration, env.declaration_id)
        assert declaration is not None
        service.new_declaration_version(s, declaration, actor_id=None, text="Ny tekst: jeg lover det igen.")
    with demo.transaction(readonly=True) as s:
        assert not can(who(s, TREASURER), Action.VIEW_CLOSED, closed)  # a new version asks again


def test_reminders_come_7_and_14_days_after_the_due_day_then_stop(demo: Database) -> None:
    from boardkit.onboarding import reminders
    from tests.onboarding.onboarding_env import SETTINGS

    env = make_programme(demo)
    person = new_member(demo, env)
    due = START + timedelta(days=14)  # the declaration; the tasks are due later
    sent = []
    for day in (
        due + timedelta(days=6),
        due + timedelta(days=7),
        due + timedelta(days=7),
        due + timedelta(days=14),
        due + timedelta(days=40),
    ):
        with demo.transaction() as s:
            sent.append(reminders.remind(s, today=day, settings=SETTINGS))
    assert sent[:4] == [0, 1, 0, 1]
    with demo.transaction(readonly=True) as s:
        subjects = s.scalars(
            select(Notice.subject).where(Notice.kind == "onboarding", Notice.subject.like("Påmindelse%"))
        ).all()
        assert subjects and all("trin i Kom godt i gang" in t for t in subjects)
        declaration = steps(demo, person)["Underskriv tavshedserklæringen"]
        assert declaration.reminders_sent == 2  # and never a third


def test_signing_twice_at_once_makes_one_signature(demo: Database) -> None:
    import threading

    env = make_programme(demo)
    person = new_member(demo, env)
    barrier = threading.Barrier(2)
    results: list[object] = []

    def sign() -> None:
        barrier.wait()
        try:
            with demo.transaction() as s:
                signed = service.sign(
                    s,
                    principal=org_service.build_principal(s, person_id=person),
                    declaration_id=env.declaration_id,
                )
                results.append(signed.sha256)
        except Exception as exc:
            results.append(exc)

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2 and all(isinstance(r, str) for r in results), results
    with demo.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Signature).where(Signature.person_id == person)) == 1
