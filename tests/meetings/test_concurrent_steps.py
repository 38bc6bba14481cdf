"""Issue 12, point 8: steps that only one may win, taken at the same moment, on both databases.

Real concurrency: threads, each with its own connection, against the real database. On
PostgreSQL two members approving the last approvals at once left the minutes "submitted" with
every approval recorded, and concurrent "submit" or "send invitations" answered 500; the rows
are now locked (``SELECT … FOR UPDATE``) so such steps take turns. On SQLite the write lock
already makes them take turns; the same tests hold there.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import OutboxEmail
from boardkit.meetings.minutes import approval as minutes_approval
from boardkit.meetings.minutes import service as minutes
from boardkit.meetings.models import Invitation, Meeting, MinutesVersion
from boardkit.meetings.models import Minutes as MinutesRow
from boardkit.org import service as org_service
from boardkit.org.models import Membership, Person
from tests.helpers import api_token
from tests.meetings.meeting_env import CHAIR, make_meeting
from tests.meetings.minutes.minutes_env import held_board_meeting, minutes_body, post, put

pytestmark = pytest.mark.postgres  # see tests/conftest.py


def _meet(barrier: threading.Barrier) -> None:
    """Wait for the other thread, but not for ever: with the fix the other one is (rightly)
    waiting for our row lock and cannot come."""
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait(timeout=2)


def _run_all(fns: list[Callable[[], Any]]) -> list[Any]:
    results: list[Any] = [None] * len(fns)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            results[n] = fns[n]()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    return results


def _submitted_minutes(client: TestClient, demo: Database) -> tuple[int, list[int]]:
    """A held board meeting's minutes submitted, and who must approve them."""
    meeting_id = held_board_meeting(demo)
    chair = api_token(demo, CHAIR)
    assert put(client, chair, meeting_id, minutes_body(demo, meeting_id)).status_code == 200
    assert post(client, chair, meeting_id, "submit").status_code == 200
    approvers = client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["approvals"]
    return meeting_id, [a["person_id"] for a in approvers]


def _email(demo: Database, person: int) -> str:
    with demo.transaction() as s:
        email = s.scalar(select(Person.email).where(Person.id == person))
    assert email
    return email


def test_the_last_two_approvals_at_the_same_moment_approve_the_minutes(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    meeting_id, approvers = _submitted_minutes(client, demo)
    assert len(approvers) >= 3
    *first, a, b = approvers
    for person in first:
        assert post(client, api_token(demo, _email(demo, person)), meeting_id, "approve").status_code == 200
    loaded, approved = threading.Barrier(2), threading.Barrier(2)

    def approve_as(person: int) -> bool:
        with demo.transaction() as s:
            principal = org_service.build_principal(s, person_id=person)
            meeting, row = minutes.get_minutes(s, principal=principal, meeting_id=meeting_id)
            assert row is not None
            _meet(loaded)  # both have read the minutes as "submitted"
            made = minutes_approval.approve(
                s, principal=principal, meeting=meeting, minutes=row, settings=app_settings
            )
            _meet(approved)  # without the lock, both have counted the approvals before either commits
            return made

    results = _run_all([lambda: approve_as(a), lambda: approve_as(b)])
    assert sorted(results) == [False, True]  # exactly one of them made the minutes approved
    with demo.transaction() as s:
        row = s.scalars(select(MinutesRow).where(MinutesRow.meeting_id == meeting_id)).one()
        assert row.status == "approved" and row.approved_at is not None
        assert set(minutes_approval.approvals(s, row)) == set(approvers)


def _at_once(client: TestClient, n: int, request: Callable[[], Any]) -> list[Any]:
    """``n`` requests through the app at the same moment (each in its own worker thread)."""
    start = threading.Barrier(n)

    def one() -> Any:
        start.wait(timeout=10)
        return request()

    return _run_all([one] * n)


def test_submitting_the_minutes_four_times_at_once_submits_them_once(
    client: TestClient, demo: Database
) -> None:
    meeting_id = held_board_meeting(demo)
    chair = api_token(demo, CHAIR)
    assert put(client, chair, meeting_id, minutes_body(demo, meeting_id)).status_code == 200
    answers = _at_once(client, 4, lambda: post(client, chair, meeting_id, "submit"))
    codes = sorted(r.status_code for r in answers)
    assert codes == [200, 409, 409, 409], [r.text for r in answers]
    assert all(r.json()["error"]["code"] == "already_submitted" for r in answers if r.status_code == 409)
    with demo.transaction() as s:
        row = s.scalars(select(MinutesRow).where(MinutesRow.meeting_id == meeting_id)).one()
        versions = s.scalar(select(func.count()).where(MinutesVersion.minutes_id == row.id))
        asked = s.scalar(select(func.count()).where(OutboxEmail.template == "minutes_submitted"))
    approvers = client.get(f"/api/v1/meetings/{meeting_id}/minutes", headers=chair).json()["approvals"]
    assert row.status == "submitted" and versions == 1
    assert asked == len(approvers) > 0  # the board was asked once, not four times


def test_sending_invitations_four_times_at_once_invites_everyone_once(
    client: TestClient, demo: Database
) -> None:
    """The first sending, and a sending again after new members joined (which once gave 500s):
    four at once, everyone invited exactly once."""
    meeting_id = make_meeting(demo, days=20)
    chair = api_token(demo, CHAIR)

    def send_four() -> list[int]:
        answers = _at_once(
            client, 4, lambda: client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=chair)
        )
        assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
        return [r.json()["queued"] for r in answers]

    first = send_four()
    assert sorted(first)[-1] == sum(first) > 0  # one sending queued them all, the others found them sent
    with demo.transaction() as s:
        board = s.scalar(select(Meeting.board_id).where(Meeting.id == meeting_id))
        organisation = s.scalar(select(Person.organisation_id).where(Person.email == CHAIR))
        for n in range(3):
            person = Person(organisation_id=organisation, name=f"Ny Suppleant {n}", email=f"ny{n}@example.dk")
            s.add(person)
            s.flush()
            s.add(Membership(board_id=board, person_id=person.id, role="member", start_date=date(2020, 1, 1)))
    again = send_four()
    assert sorted(again) == [0, 0, 0, 3]  # only the new members, once
    with demo.transaction() as s:
        invitations = s.scalar(select(func.count()).where(Invitation.meeting_id == meeting_id))
        mails = s.execute(
            select(OutboxEmail.to_address, func.count())
            .where(OutboxEmail.template == "meeting_invitation")
            .group_by(OutboxEmail.to_address)
        ).all()
    assert len(mails) == sum(first) + 3 == invitations and all(n == 1 for _address, n in mails)
