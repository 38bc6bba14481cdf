"""Check-in at the door: once per voter and idempotent, the counts (residents present, households
represented, units present), the window (2 hours before the meeting until its recorded end), who
may check in, the tablet page without JavaScript, the API, and two devices at the same instant."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database, utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.democracy import checkin, roll
from boardkit.democracy.models import CheckIn, Roll, RollHousehold, RollVoter
from boardkit.meetings.models import Meeting
from boardkit.org import service as org_service
from boardkit.org.models import Organisation, Residency, Tenancy
from tests.democracy.roll_env import (
    ADMIN,
    CHAIR,
    ELSEWHERE,
    OTHER_RESIDENT,
    RESIDENT,
    TREASURER,
    Env,
    env,
)
from tests.helpers import api_token, csrf_from, login_as


def made(db: Database, e: Env, *, both: bool = False, two_homes: bool = False) -> int:
    """Make the roll as the chair (optionally with the one-person-both-units rule, and beboer@ in
    two homes); returns its id."""
    with db.transaction() as s:
        if both:
            org = s.get(Organisation, e.organisation_id)
            org.rules = {**(org.rules or {}), roll.BOTH_UNITS_RULE: True}
        if two_homes:
            mine = s.scalar(select(Residency.tenancy_id).where(Residency.person_id == e.people[RESIDENT]))
            other = s.scalar(
                select(Tenancy.id)
                .where(Tenancy.department_id == e.department_id, Tenancy.id != mine)
                .limit(1)
            )
            s.add(Residency(person_id=e.people[RESIDENT], tenancy_id=other, role="household_member"))
        chair = org_service.build_principal(s, person_id=e.people[CHAIR])
        return roll.ensure_roll(s, chair, s.get(Meeting, e.meeting_id)).id


def voters_of(db: Database, roll_id: int, person_id: int) -> list[int]:
    with db.transaction(readonly=True) as s:
        return list(
            s.scalars(
                select(RollVoter.id)
                .join(RollHousehold)
                .where(RollHousehold.roll_id == roll_id, RollVoter.person_id == person_id)
                .order_by(RollVoter.id)
            )
        )


def household_of(db: Database, voter_id: int) -> list[int]:
    """The voters of the voter's household."""
    with db.transaction(readonly=True) as s:
        household = s.get(RollVoter, voter_id).household_id  # type: ignore[union-attr]
        return list(s.scalars(select(RollVoter.id).where(RollVoter.household_id == household)))


def test_check_in_once_out_and_in_again_with_the_counts(demo: Database) -> None:
    e = env(demo)
    roll_id = made(demo, e)
    voter = voters_of(demo, roll_id, e.people[RESIDENT])[0]
    housemates = household_of(demo, voter)
    with demo.transaction() as s:
        door = org_service.build_principal(s, person_id=e.people[TREASURER])
        first = checkin.check_in(s, door, e.meeting_id, voter_id=voter)
        assert first.changed and first.checked_in
        assert first.attendance == roll.Attendance(1, 1, 1)
        again = checkin.check_in(s, door, e.meeting_id, voter_id=voter)
        assert not again.changed and again.attendance == first.attendance
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 1
        # A second voter of the household: two units; a third person cannot add a third.
        if len(housemates) > 1:
            other = next(v for v in housemates if v != voter)
            both = checkin.check_in(s, door, e.meeting_id, voter_id=other)
            assert both.attendance == roll.Attendance(2, 1, 2)
            checkin.check_out(s, door, e.meeting_id, voter_id=other)
        out = checkin.check_out(s, door, e.meeting_id, voter_id=voter)
        assert out.changed and not out.checked_in and out.attendance == roll.Attendance(0, 0, 0)
        assert not checkin.check_out(s, door, e.meeting_id, voter_id=voter).changed
        back = checkin.check_in(s, door, e.meeting_id, voter_id=voter)
        assert back.changed and back.attendance == roll.Attendance(1, 1, 1)
        row = s.scalar(select(CheckIn).where(CheckIn.voter_id == voter))
        assert row is not None and row.checked_out_at is None
        assert s.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.voter_id == voter)) == 1


def test_one_person_both_units_and_one_person_in_two_homes(demo: Database) -> None:
    e = env(demo)
    roll_id = made(demo, e, both=True, two_homes=True)
    assert len(voters_of(demo, roll_id, e.people[RESIDENT])) == 2
    with demo.transaction() as s:
        door = org_service.build_principal(s, person_id=e.people[ADMIN])
        result = checkin.check_in(s, door, e.meeting_id, person_id=e.people[RESIDENT])
        assert len(result.voters) == 2
        # One person in the room, two households represented, each with both units.
        assert result.attendance == roll.Attendance(1, 2, 4)
        found = s.get(Roll, roll_id)
        assert sorted(roll.units_present(s, found).values()) == [2, 2]
        out = checkin.check_out(s, door, e.meeting_id, person_id=e.people[RESIDENT])
        assert out.attendance == roll.Attendance(0, 0, 0)


def test_who_may_check_in_and_bad_input(demo: Database) -> None:
    e = env(demo)
    with demo.transaction() as s:
        door = org_service.build_principal(s, person_id=e.people[TREASURER])
        with pytest.raises(Conflict) as no_roll:
            checkin.check_in(s, door, e.meeting_id, person_id=e.people[RESIDENT])
        assert no_roll.value.code == "no_roll"
    roll_id = made(demo, e)
    voter = voters_of(demo, roll_id, e.people[RESIDENT])[0]
    with demo.transaction() as s:
        for stranger in (RESIDENT, ELSEWHERE, OTHER_RESIDENT):
            who = org_service.build_principal(s, person_id=e.people[stranger])
            with pytest.raises(NotFound):
                checkin.check_in(s, who, e.meeting_id, voter_id=voter)
        door = org_service.build_principal(s, person_id=e.people[TREASURER])
        # Not on this roll: another department's resident, a voter id of nothing.
        with pytest.raises(NotFound) as missing:
            checkin.check_in(s, door, e.meeting_id, person_id=e.people[OTHER_RESIDENT])
        assert "valglisten" in missing.value.message
        with pytest.raises(NotFound):
            checkin.check_in(s, door, e.meeting_id, voter_id=10**8)
        with pytest.raises(ValidationFailed):
            checkin.check_in(s, door, e.meeting_id)
        with pytest.raises(ValidationFailed):
            checkin.check_in(s, door, e.meeting_id, voter_id=voter, person_id=e.people[RESIDENT])
        with pytest.raises(NotFound):  # a board meeting has no roll
            checkin.check_in(s, door, e.board_meeting_id, voter_id=voter)
        # The board's member may check in but not manage the roll.
        with pytest.raises(Forbidden):
            roll.ensure_roll(s, door, s.get(Meeting, e.meeting_id))


def test_the_door_opens_two_hours_before_and_closes_at_the_recorded_end(demo: Database) -> None:
    e = env(demo, starts_in=timedelta(hours=5))
    roll_id = made(demo, e)
    voter = voters_of(demo, roll_id, e.people[RESIDENT])[0]
    with demo.transaction() as s:
        door = org_service.build_principal(s, person_id=e.people[TREASURER])
        starts = s.get(Meeting, e.meeting_id).starts_at  # type: ignore[union-attr]
        with pytest.raises(Conflict) as early:
            checkin.check_in(s, door, e.meeting_id, voter_id=voter)
        assert early.value.code == "check_in_closed" and "to timer før" in early.value.message
        opened = checkin.check_in(s, door, e.meeting_id, voter_id=voter, now=starts - timedelta(hours=2))
        assert opened.changed
        s.get(Roll, roll_id).ended_at = utcnow()  # type: ignore[union-attr]
        s.flush()
        with pytest.raises(Conflict) as late:
            checkin.check_out(s, door, e.meeting_id, voter_id=voter, now=starts + timedelta(hours=1))
        assert "afsluttet" in late.value.message


def test_the_tablet_page_works_as_plain_forms(demo: Database, client: TestClient) -> None:
    e = env(demo)
    page = f"/meetings/{e.meeting_id}/check-in"
    login_as(client, demo, TREASURER)
    assert "Der er ikke lavet en valgliste" in client.get(page).text
    roll_id = made(demo, e)
    voter = voters_of(demo, roll_id, e.people[RESIDENT])[0]
    with demo.transaction(readonly=True) as s:
        house = s.get(RollVoter, voter).household  # type: ignore[union-attr]
        address, name = house.address, s.get(RollVoter, voter).name  # type: ignore[union-attr]
    html = client.get(page).text
    assert 'type="search"' in html and "fremmødte beboere" in html
    found = client.get(page, params={"q": address})
    assert found.status_code == 200 and name in found.text and "Tjek ind" in found.text
    token = csrf_from(found.text)
    done = client.post(
        page,
        data={"csrf_token": token, "voter_id": str(voter), "action": "in", "q": address},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith(f"#h-{house.id}")
    after = client.get(done.headers["location"].split("#")[0])
    assert "er tjekket ind" in after.text and "Tjek ud" in after.text
    # Bad input: a clear message and a 4xx, nothing lost.
    nothing = client.post(page, data={"csrf_token": token, "voter_id": "abc", "action": "in"})
    assert nothing.status_code == 422
    stranger = client.post(page, data={"csrf_token": token, "voter_id": "999999", "action": "in"})
    assert stranger.status_code == 404 and "står ikke på valglisten" in stranger.text
    no_csrf = client.post(page, data={"voter_id": str(voter), "action": "out"})
    assert no_csrf.status_code in (400, 403)
    with demo.transaction(readonly=True) as s:
        assert (
            s.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.checked_out_at.is_(None))) == 1
        )
    # The roll page shows who is checked in.
    assert "Tjekket ind" in client.get(f"/meetings/{e.meeting_id}/roll").text
    login_as(client, demo, RESIDENT)
    assert client.get(page).status_code == 404
    assert client.post(
        page, data={"csrf_token": token, "voter_id": str(voter), "action": "out"}
    ).status_code in (
        403,
        404,
    )


def test_the_api(demo: Database, client: TestClient) -> None:
    e = env(demo)
    base = f"/api/v1/meetings/{e.meeting_id}"
    chair, door = api_token(demo, CHAIR), api_token(demo, TREASURER)
    none = client.get(f"{base}/roll", headers=door)
    assert none.status_code == 404 and none.json()["error"]["code"] == "no_roll"
    assert client.post(f"{base}/roll", headers=door).status_code == 403
    bad = client.post(f"{base}/roll", json={"reference_date": "i går"}, headers=chair)
    assert bad.status_code == 422 and "reference_date" in bad.json()["error"]["fields"]
    made_ = client.post(f"{base}/roll", headers=chair)
    assert made_.status_code == 200, made_.text
    body = made_.json()
    assert body["meeting_id"] == e.meeting_id and body["check_in_open"] is True
    assert body["counts"]["households"] == len(body["households"]) > 0
    resident = e.people[RESIDENT]
    voter = next(v for h in body["households"] for v in h["voters"] if v["person_id"] == resident)
    r = client.post(f"{base}/check-ins", json={"voter_id": voter["id"]}, headers=door)
    assert r.status_code == 200, r.text
    assert r.json()["changed"] is True and r.json()["counts"]["residents_present"] == 1
    assert r.json()["counts"]["units_present"] == 1
    again = client.post(f"{base}/check-ins", json={"person_id": resident}, headers=door)
    assert again.json()["changed"] is False and again.json()["counts"] == r.json()["counts"]
    listed = client.get(f"{base}/roll", params={"q": voter["name"]}, headers=door).json()
    assert any(v["checked_in"] for h in listed["households"] for v in h["voters"] if v["id"] == voter["id"])
    assert client.post(f"{base}/roll", headers=chair).status_code == 409  # someone is checked in
    out = client.post(f"{base}/check-ins", json={"voter_id": voter["id"], "checked_out": True}, headers=door)
    assert out.status_code == 200 and out.json()["checked_in"] is False
    assert out.json()["counts"]["residents_present"] == 0
    for body_, status in (
        ({}, 422),
        ({"voter_id": "12"}, 422),
        ({"voter_id": voter["id"], "person_id": resident}, 422),
        ({"person_id": e.people[OTHER_RESIDENT]}, 404),
        ({"voter_id": 10**8}, 404),
    ):
        got = client.post(f"{base}/check-ins", json=body_, headers=door)
        assert got.status_code == status, (body_, got.text)
    assert client.post(f"{base}/check-ins", content=b"[1]", headers=door).status_code == 400
    resident_token = api_token(demo, RESIDENT)
    assert client.get(f"{base}/roll", headers=resident_token).status_code == 404
    assert (
        client.post(f"{base}/check-ins", json={"voter_id": voter["id"]}, headers=resident_token).status_code
        == 404
    )
    assert client.get(f"/api/v1/meetings/{e.board_meeting_id}/roll", headers=chair).status_code == 404


@pytest.mark.postgres
def test_two_devices_check_in_the_same_voter_at_once(demo: Database) -> None:
    e = env(demo)
    roll_id = made(demo, e)
    voter = voters_of(demo, roll_id, e.people[RESIDENT])[0]
    barrier = threading.Barrier(2)
    results: list[object] = []

    def device(email: str) -> None:
        # PostgreSQL: both transactions are open when both check in. SQLite writes take turns (the
        # second waits for the write lock), so both start together and queue.
        try:
            if demo.is_sqlite:
                barrier.wait(timeout=10)
            with demo.transaction() as s:
                who = org_service.build_principal(s, person_id=e.people[email])
                if not demo.is_sqlite:
                    barrier.wait(timeout=10)
                results.append(checkin.check_in(s, who, e.meeting_id, voter_id=voter).changed)
        except Exception as exc:
            results.append(exc)

    for _round in range(5):
        with demo.transaction() as s:
            s.execute(CheckIn.__table__.delete())
        results.clear()
        threads = [threading.Thread(target=device, args=(who,)) for who in (TREASURER, CHAIR)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert all(isinstance(r, bool) for r in results), results
        assert sorted(results) == [False, True]  # type: ignore[type-var]
        with demo.transaction(readonly=True) as s:
            assert s.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.voter_id == voter)) == 1
            found = s.get(Roll, roll_id)
            assert roll.attendance(s, found).residents_present == 1  # type: ignore[arg-type]
