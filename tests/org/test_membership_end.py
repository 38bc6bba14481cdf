"""A membership's moments and its end: exact start and end moments beside the dates, ending a seat
(end_membership), resigning (service, page and API), and the end's effects — run once, on time,
by the job or the sweep, even with two workers at once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.audit import AuditEntry
from boardkit.core.db import Database, utcnow
from boardkit.core.errors import Conflict, NotFound, ValidationFailed
from boardkit.core.models import Job
from boardkit.core.templating import TZ
from boardkit.org import memberships
from boardkit.org import service as org_service
from boardkit.org.models import Membership, Person
from tests.helpers import api_token, csrf_from, login_as, person_id
from tests.org.test_memberships import SOEBAKKEN, board_of, newcomer, sitting_chair

pytestmark = pytest.mark.postgres

MEMBER = "medlem@demo.boardkit.dk"  # a member of the Engparken board (API.md)


def _own(db: Database, email: str = MEMBER) -> int:
    pid = person_id(db, email)
    with db.transaction() as s:
        found = s.scalar(
            select(Membership.id).where(Membership.person_id == pid, Membership.end_date.is_(None))
        )
    assert found is not None
    return found


@pytest.fixture
def hooked():  # type: ignore[no-untyped-def]
    calls: list[int] = []
    memberships.on_membership_ended("test", lambda _db, m: calls.append(m.id))
    yield calls
    memberships._ON_END.pop("test", None)


def test_dates_stand_for_local_midnights_and_moments_may_be_exact(demo: Database) -> None:
    with demo.transaction() as s:
        board = board_of(s)
        person = newcomer(s, "Ny Suppleant")
        m = org_service.add_membership(
            s, board, actor_id=None, person=person, role="substitute", start_date=date(2031, 3, 1)
        )
        assert m.starts_at == datetime(2031, 3, 1, tzinfo=TZ).astimezone(UTC) and m.ends_at is None
        # A date changed directly moves its moment (summer time: midnight is 22:00 UTC).
        m.end_date = date(2031, 6, 30)
        s.flush()
        assert m.ends_at == datetime(2031, 6, 30, 22, 0, tzinfo=UTC)
        assert m.active_at(datetime(2031, 6, 30, 21, 59, tzinfo=UTC))
        assert not m.active_at(datetime(2031, 6, 30, 22, 0, tzinfo=UTC))
        # A membership built directly gets its moments when flushed.
        other = Membership(
            board_id=board.id, person_id=newcomer(s, "Y").id, role="member", start_date=date(2030, 1, 1)
        )
        s.add(other)
        s.flush()
        assert other.starts_at == org_service.day_start(date(2030, 1, 1))
        # An exact end: the date is that local day.
        evening = datetime(2031, 5, 20, 21, 30, tzinfo=TZ)
        org_service.end_membership(s, m, ends_at=evening, actor_id=None, reason="election")
        assert m.end_date == date(2031, 5, 20) and m.ends_at == evening


def test_a_new_chair_may_start_the_moment_the_old_one_ends(demo: Database) -> None:
    meeting_end = utcnow().astimezone(TZ).replace(microsecond=0) + timedelta(days=3)
    with demo.transaction() as s:
        board = board_of(s)
        chair = sitting_chair(s, board)
        successor = newcomer(s, "Ny Formand")
        with pytest.raises(Conflict):  # while the old chair still sits
            org_service.add_membership(
                s,
                board,
                actor_id=None,
                person=successor,
                role="chair",
                start_date=meeting_end.date(),
                starts_at=meeting_end,
            )
        org_service.end_membership(s, chair, ends_at=meeting_end, actor_id=None, reason="election")
        new = org_service.add_membership(
            s,
            board,
            actor_id=None,
            person=successor,
            role="chair",
            start_date=meeting_end.date(),
            starts_at=meeting_end,
        )
        assert new.start_date == chair.end_date == meeting_end.date()
        assert new.starts_at == chair.ends_at
        with pytest.raises(Conflict):  # a minute earlier would overlap
            org_service.add_membership(
                s,
                board,
                actor_id=None,
                person=newcomer(s, "Z"),
                role="chair",
                start_date=meeting_end.date(),
                starts_at=meeting_end - timedelta(minutes=1),
            )


def test_ending_is_audited_never_extends_and_refuses_an_end_before_the_start(demo: Database) -> None:
    with demo.transaction() as s:
        board = board_of(s)
        chair = sitting_chair(s, board)
        with pytest.raises(ValidationFailed) as before:
            org_service.end_membership(
                s, chair, ends_at=chair.starts_at - timedelta(days=1), actor_id=None, reason="other"
            )
        assert before.value.status == 422 and "begyndte" in before.value.message and before.value.fields
        soon = utcnow() + timedelta(days=10)
        org_service.end_membership(s, chair, ends_at=soon, actor_id=None, reason="end_of_term")
        again = org_service.end_membership(s, chair, ends_at=soon, actor_id=None, reason="end_of_term")
        assert again.ends_at == soon  # the same end twice changes nothing
        with pytest.raises(ValidationFailed) as later:
            org_service.end_membership(
                s, chair, ends_at=soon + timedelta(days=1), actor_id=None, reason="other"
            )
        assert later.value.code == "already_ending" and chair.ends_at == soon
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "membership.end", AuditEntry.object_id == chair.id)
        ).all()
        assert len(entries) == 1 and entries[0].changes["reason"] == [None, "end_of_term"]
        jobs_queued = s.scalars(select(Job).where(Job.kind == memberships.END_EFFECTS_JOB)).all()
        assert [j.payload for j in jobs_queued] == [{"membership_id": chair.id}]
        assert abs((jobs_queued[0].run_after - soon).total_seconds()) < 5


def test_the_end_effects_run_once_by_job_or_sweep(demo: Database, hooked: list[int]) -> None:
    with demo.transaction() as s:
        chair = sitting_chair(s, board_of(s))
        chair_id = chair.id
        org_service.end_membership(
            s, chair, ends_at=utcnow() + timedelta(hours=1), actor_id=None, reason="other"
        )
    with demo.transaction() as s:
        assert not memberships.run_end_effects(s, membership_id=chair_id)  # not yet
        later = utcnow() + timedelta(hours=2)
        assert memberships.run_end_effects(s, membership_id=chair_id, now=later)
        assert not memberships.run_end_effects(s, membership_id=chair_id, now=later)
    assert hooked == [chair_id]
    # A date changed elsewhere (the board page, an import): the sweep catches it.
    member = _own(demo)
    with demo.transaction() as s:
        m = s.get(Membership, member)
        assert m is not None
        org_service.update_membership(s, m, actor_id=None, end_date=org_service.today() - timedelta(days=1))
        assert m.ended_effects_at is None
    with demo.transaction() as s:
        assert memberships.sweep_ended(s) == 1
        assert memberships.sweep_ended(s) == 0
    assert hooked == [chair_id, member]
    # Moving the end into the future again re-arms it.
    with demo.transaction() as s:
        m = s.get(Membership, member)
        assert m is not None
        org_service.update_membership(s, m, actor_id=None, end_date=org_service.today() + timedelta(days=5))
        assert m.ended_effects_at is None


def test_the_sweep_is_registered_and_run_by_the_worker(demo: Database, settings, hooked: list[int]) -> None:  # type: ignore[no-untyped-def]
    from boardkit.app import build_runner

    runner = build_runner(demo, settings)
    assert runner.periodic[memberships.END_SWEEP_JOB] == memberships.END_SWEEP_SECONDS
    member = _own(demo)
    with demo.transaction() as s:
        m = s.get(Membership, member)
        assert m is not None
        m.end_date = org_service.today() - timedelta(days=2)  # as a bulk change would leave it
    runner.schedule_periodic()
    runner.run_until_idle()
    assert hooked == [member]


@pytest.mark.parametrize("via", ["job", "sweep"])
def test_two_workers_at_once_end_a_membership_exactly_once(
    demo: Database, hooked: list[int], via: str
) -> None:
    member = _own(demo)
    with demo.transaction() as s:
        m = s.get(Membership, member)
        assert m is not None
        org_service.end_membership(
            s, m, ends_at=utcnow() + timedelta(seconds=1), actor_id=None, reason="other"
        )
    later = utcnow() + timedelta(seconds=5)
    barrier = threading.Barrier(4)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            with demo.transaction() as s:
                if via == "job":
                    results.append(memberships.run_end_effects(s, membership_id=member, now=later))
                else:
                    memberships.ended_without_effects(s, now=later)  # both see it pending
                    results.append(memberships.run_end_effects(s, membership_id=member, now=later))
        except Exception as exc:  # a busy SQLite writer gives up; that is not a second run
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1, results
    assert hooked == [member]


def test_a_member_resigns_by_the_api(client: TestClient, demo: Database) -> None:
    member = _own(demo)
    headers = api_token(demo, MEMBER)
    url = f"/api/v1/memberships/{member}/resign"
    other = _own(demo, "formand@demo.boardkit.dk")
    assert (
        client.post(
            f"/api/v1/memberships/{other}/resign", json={"date": "2099-01-01"}, headers=headers
        ).status_code
        == 404
    )
    for body, field in (({}, "date"), ({"date": "i morgen"}, "date"), ({"date": "2000-01-01"}, "date")):
        r = client.post(url, json=body, headers=headers)
        assert r.status_code == 422 and field in r.json()["error"]["fields"], (body, r.json())
    yesterday = (org_service.today() - timedelta(days=1)).isoformat()
    r = client.post(url, json={"date": yesterday}, headers=headers)
    assert r.status_code == 422 and "før i dag" in r.json()["error"]["message"]
    last = org_service.today() + timedelta(days=7)
    r = client.post(url, json={"date": last.isoformat()}, headers=headers)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["id"] == member and data["end_date"] == last.isoformat() and data["role"] == "member"
    assert datetime.fromisoformat(data["ends_at"]) == org_service.day_end(last)
    me = person_id(demo, MEMBER)
    with demo.transaction() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "membership.end"))
        assert entry is not None and entry.changes["reason"] == [None, "resignation"]
        assert entry.actor_id == me
    # A later date cannot extend it again.
    r = client.post(url, json={"date": (last + timedelta(days=1)).isoformat()}, headers=headers)
    assert r.status_code == 422


def test_resigning_before_the_membership_began_is_refused(demo: Database) -> None:
    with demo.transaction() as s:
        board = board_of(s, SOEBAKKEN)
        person = newcomer(s, "Kommende Medlem", "kommende@example.dk")
        start = org_service.today() + timedelta(days=30)
        m = org_service.add_membership(
            s, board, actor_id=None, person=person, role="member", start_date=start
        )
        principal = org_service.build_principal(s, person_id=person.id)
        with pytest.raises(ValidationFailed) as refused:
            org_service.resign(s, m, principal=principal, effective=start - timedelta(days=1))
        assert "Datoen ligger før medlemskabet begyndte" in refused.value.message
        stranger = org_service.build_principal(
            s, person_id=s.scalar(select(Person.id).where(Person.id != person.id))
        )
        with pytest.raises(NotFound):
            org_service.resign(s, m, principal=stranger, effective=start)


def test_a_member_resigns_on_the_page_after_confirming(client: TestClient, demo: Database) -> None:
    member = _own(demo)
    login_as(client, demo, MEMBER)
    with demo.transaction() as s:
        board_id = s.get(Membership, member).board_id  # type: ignore[union-attr]
    home = client.get("/").text
    assert f'href="/boards/{board_id}/resign"' in home and "Udtræd af bestyrelsen" in home
    page = client.get(f"/boards/{board_id}/resign")
    assert page.status_code == 200 and 'type="date"' in page.text
    csrf = csrf_from(page.text)
    bad = client.post(f"/boards/{board_id}/resign", data={"csrf_token": csrf, "date": "2000-01-01"})
    assert bad.status_code == 422 and "Datoen ligger før medlemskabet begyndte" in bad.text
    last = org_service.today() + timedelta(days=3)
    confirm = client.post(f"/boards/{board_id}/resign", data={"csrf_token": csrf, "date": last.isoformat()})
    assert (
        confirm.status_code == 200
        and "Er du sikker?" in confirm.text
        and 'name="confirm" value="1"' in confirm.text
    )
    with demo.transaction() as s:
        assert s.get(Membership, member).end_date is None  # type: ignore[union-attr]  # nothing yet
    done = client.post(
        f"/boards/{board_id}/resign",
        data={"csrf_token": csrf, "date": last.isoformat(), "confirm": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with demo.transaction() as s:
        assert s.get(Membership, member).end_date == last  # type: ignore[union-attr]
    # Someone who does not sit on the board gets 404.
    login_as(client, demo, "beboer@demo.boardkit.dk")
    assert client.get(f"/boards/{board_id}/resign").status_code == 404
