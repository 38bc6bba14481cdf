"""Invitations via a real SMTP server: each reachable resident once, paper for the rest, updates, cancels."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import OutboxEmail
from boardkit.meetings import service
from boardkit.meetings.invitations import letters, send_plan
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import Invitation, Letter, Meeting
from boardkit.meetings.service import MeetingInput
from boardkit.org.models import Board, Membership, Person, Residency, StaffRole, Tenancy
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings import ics_check
from tests.meetings.meeting_env import (
    ADMIN,
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    TREASURER,
    make_meeting,
)
from tests.smtp import SMTPServer


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


def send(db: Database, settings: Settings, meeting_id: int) -> invitations.Sent:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return invitations.send_invitations(s, meeting=meeting, settings=settings)


def invite_part(msg: Message) -> str:
    """The invite.ics attachment (there is also the inline copy for Outlook)."""
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert parts, "no text/calendar part"
    attached = [p for p in parts if p.get_filename() == "invite.ics"]
    assert len(attached) == 1
    payload = attached[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    text = payload.decode(attached[0].get_content_charset() or "utf-8")
    return text.replace("\r\n", "\n").replace("\n", "\r\n")  # line ends as sent, whatever the transfer did


def subject(msg: Message) -> str:
    return str(make_header(decode_header(msg["Subject"])))


def expected_recipients(db: Database, meeting_id: int) -> tuple[set[str], set[int], set[int]]:
    """Worked out here from the rule (not by the code under test): e-mail addresses, paper households,
    and households where nobody has any digital channel at all."""
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        tenancies = s.scalars(select(Tenancy).where(Tenancy.department_id == meeting.department_id)).all()
        emails: set[str] = set()
        paper: set[int] = set()
        no_digital: set[int] = set()
        for t in tenancies:
            people = s.scalars(
                select(Person)
                .join(Residency, Residency.person_id == Person.id)
                .where(Residency.tenancy_id == t.id, Residency.adult.is_(True), Residency.end_date.is_(None))
            ).all()
            reachable = [p for p in people if p.email and p.active and not p.paper and p.has_digital_channel]
            emails.update(p.email for p in reachable if p.email)
            if t.paper or any(p.paper for p in people) or not reachable:
                paper.add(t.id)
            if not any(p.has_digital_channel for p in people):
                no_digital.add(t.id)
        managers = s.scalars(
            select(Person.email)
            .join(StaffRole, StaffRole.person_id == Person.id)
            .where(StaffRole.role == "account_manager")
        ).all()
        emails.update(e for e in managers if e)
    return emails, paper, no_digital


def department_meeting(db: Database) -> int:
    return make_meeting(db, days=40, kind="ordinary_department", title="Ordinært afdelingsmøde – budget")


@pytest.mark.postgres
def test_a_department_meeting_reaches_every_household_once_and_updates_and_cancels(
    demo: Database, settings: Settings, smtp: SMTPServer
) -> None:
    runner = build_runner(demo, settings.with_(smtp_url=smtp.url))
    meeting_id = department_meeting(demo)
    emails, paper, no_digital = expected_recipients(demo, meeting_id)
    assert len(emails) > 100 and len(paper) > 10 and no_digital  # the demo has realistic households

    sent = send(demo, settings, meeting_id)
    assert (sent.queued, sent.paper) == (len(emails), len(paper))
    assert runner.run_until_idle() >= len(emails)  # the e-mails, and the search index's update
    inbox = smtp.inbox.messages
    received = Counter(parseaddr(m["To"])[1] for m in inbox)
    assert set(received) == emails and set(received.values()) == {1}  # everyone exactly once
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None and meeting.status == "invited" and meeting.invited_at is not None
        uid = meeting.uid
    for msg in inbox:  # every invite, read back by both parsers
        event = ics_check.one(invite_part(msg), method="REQUEST")
        assert event.uid == uid and event.sequence == 0
        assert [a for a, _p in event.attendees] == [f"mailto:{parseaddr(msg['To'])[1]}"]
        notice = {"da": "Indkaldelse: ", "en": "Notice: "}[msg["Content-Language"]]
        assert subject(msg).startswith(notice + "Ordinært afdelingsmøde – budget")
        assert f"/rsvp/{meeting_id}." in str(msg)

    # Paper: one letter per household that needs one, every household without a digital channel among them.
    with demo.transaction() as s:
        batch_letters = s.scalars(
            select(Letter).where(Letter.meeting_id == meeting_id).order_by(Letter.id)
        ).all()
        assert {lt.tenancy_id for lt in batch_letters} == paper and len(batch_letters) == len(paper)
        assert no_digital <= paper
        assert all(lt.kind == "invitation" and lt.content["title"] == meeting.title for lt in batch_letters)
        assert all(lt.content["proposals_due"] and lt.content["agenda"] for lt in batch_letters)
        rendered = letters.render_batch(list(batch_letters))
        reader = PdfReader(io.BytesIO(rendered.pdf))
        assert len(rendered.pages) == len(paper) and len(reader.pages) == sum(rendered.pages)
        first_page = reader.pages[0].extract_text()
        assert batch_letters[0].address_lines[0] in first_page

    # Sending again sends nothing.
    again = send(demo, settings, meeting_id)
    assert (again.queued, again.paper, again.already) == (0, 0, len(emails) + len(paper))
    runner.run_until_idle()
    assert len(smtp.inbox.messages) == len(emails)

    # A new time: everyone already invited gets exactly one update with SEQUENCE 1; paper gets update letters.
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        previous = invitations.previous_of(meeting)
        data = MeetingInput(
            title=meeting.title,
            kind=meeting.kind,
            starts_at=meeting.starts_at + timedelta(days=1),
            ends_at=meeting.ends_at + timedelta(days=1),
            location=meeting.location,
            room="Lille sal",
        )
        assert service.update_meeting(s, meeting, actor_id=meeting.created_by or 0, data=data)
        update = invitations.send_updates(s, meeting=meeting, settings=settings, previous=previous)
    assert (update.queued, update.paper) == (len(emails), len(paper))
    runner.run_until_idle()
    updates = smtp.inbox.messages[len(emails) :]
    assert Counter(parseaddr(m["To"])[1] for m in updates) == Counter(dict.fromkeys(emails, 1))
    for msg in updates:
        event = ics_check.one(invite_part(msg), method="REQUEST")
        assert event.uid == uid and event.sequence == 1 and event.location == "Fælleshuset, Lille sal"
        assert subject(msg).startswith({"da": "Ændret:", "en": "Changed:"}[msg["Content-Language"]])

    # Cancelled: METHOD:CANCEL to everyone, a cancellation letter to each paper household.
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        service.cancel_meeting(s, meeting, actor_id=meeting.created_by or 0, reason="Fælleshuset er lukket.")
        cancel = invitations.send_cancellations(s, meeting=meeting, settings=settings)
        assert (cancel.queued, cancel.paper) == (len(emails), len(paper))
        kinds = Counter(s.scalars(select(Letter.kind).where(Letter.meeting_id == meeting_id)))
        assert kinds == {"invitation": len(paper), "update": len(paper), "cancellation": len(paper)}
    runner.run_until_idle()
    cancels = smtp.inbox.messages[2 * len(emails) :]
    assert Counter(parseaddr(m["To"])[1] for m in cancels) == Counter(dict.fromkeys(emails, 1))
    for msg in cancels:
        event = ics_check.one(invite_part(msg), method="CANCEL")
        assert event.uid == uid and event.sequence == 2 and event.status == "CANCELLED"
    # Nothing more to say: a second cancellation sends nothing.
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        assert invitations.send_cancellations(s, meeting=meeting, settings=settings).queued == 0


def test_a_board_meeting_invites_the_members_and_the_account_manager(
    demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=14)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        members = s.execute(
            select(Person.email, Membership.role)
            .join(Membership, Membership.person_id == Person.id)
            .join(Board, Board.id == Membership.board_id)
            .where(Board.name == ENGPARKEN, Membership.end_date.is_(None))
        ).all()
        who = {p.email for p in invitations.recipients(s, meeting=meeting).people}
        sitting = {e for e, role in members if role != "substitute"}
        substitutes = {e for e, role in members if role == "substitute"}
        assert who == sitting | {ADMIN}
        assert "bogholder@demo.boardkit.dk" not in who and not who & substitutes
        meeting.invite_substitutes = True
        who = {p.email for p in invitations.recipients(s, meeting=meeting).people}
        assert who == sitting | substitutes | {ADMIN}
    sent = send(demo, settings, meeting_id)
    assert (sent.queued, sent.paper) == (len(sitting | substitutes) + 1, 0)


@pytest.mark.postgres
def test_sending_again_reaches_only_those_not_yet_reached(demo: Database, settings: Settings) -> None:
    meeting_id = department_meeting(demo)
    first = send(demo, settings, meeting_id)
    with demo.transaction() as s:
        # One e-mail bounced for good; a new adult moved into a home with e-mail.
        failed = s.scalars(select(OutboxEmail).order_by(OutboxEmail.id).limit(1)).one()
        failed.status = "failed"
        tenancy = s.scalars(select(Tenancy).order_by(Tenancy.id).limit(1)).one()
        newcomer = Person(name="Åse Nyborg", email="aase.nyborg@example.dk")
        s.add(newcomer)
        s.flush()
        s.add(Residency(person_id=newcomer.id, tenancy_id=tenancy.id, role="household_member"))
    again = send(demo, settings, meeting_id)
    assert (again.queued, again.paper) == (2, 0)
    with demo.transaction() as s:
        latest = s.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(2)).all()
        assert {e.to_address for e in latest} == {failed.to_address, "aase.nyborg@example.dk"}
        assert {e.template for e in latest} == {"meeting_invitation"}
        rows = s.scalars(select(Invitation).where(Invitation.meeting_id == meeting_id)).all()
        assert len([r for r in rows if r.person_id]) == first.queued + 1
        assert len({r.person_id for r in rows if r.person_id}) == first.queued + 1  # one row per person


def test_the_chair_sends_from_the_meeting_page_and_others_cannot(client: TestClient, demo: Database) -> None:
    meeting_id = department_meeting(demo)
    # Not announced yet: the residents do not see the meeting at all (404), the board may not send (403).
    for email, status in ((RESIDENT, 404), (TREASURER, 403), (MEMBER_SOEBAKKEN, 404)):
        login_as(client, demo, email)
        page = client.get("/profile")
        r = client.post(f"/meetings/{meeting_id}/invitations", data={"csrf_token": csrf_from(page.text)})
        assert r.status_code == status, email
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}/invitations")  # who gets what, then one confirmation
    confirmed = re.search(r'name="confirmed" value="([^"]+)"', page.text)
    assert confirmed
    r = client.post(
        f"/meetings/{meeting_id}/invitations",
        data={"csrf_token": csrf_from(page.text), "confirmed": confirmed.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"/meetings/{meeting_id}"
    assert "Indkaldelsen er sendt" in client.get(r.headers["location"]).text
    page = client.get(f"/meetings/{meeting_id}/invitations")
    confirmed = re.search(r'name="confirmed" value="([^"]+)"', page.text)
    assert confirmed is None and "Der er ikke nogen at sende til lige nu." in page.text
    r = client.post(
        f"/meetings/{meeting_id}/invitations",
        data={
            "csrf_token": csrf_from(page.text),
            "confirmed": send_plan.fingerprint([send_plan.Group("email", "", 0, [])]),
        },
    )
    assert "Alle er allerede indkaldt" in r.text
    r = client.post(f"/meetings/{meeting_id}/invitations", data={"csrf_token": "forged"})
    assert r.status_code == 403


def test_invitations_api(client: TestClient, demo: Database) -> None:
    meeting_id = department_meeting(demo)
    chair = api_token(demo, CHAIR)
    r = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=chair)
    assert r.status_code == 200
    body = r.json()
    assert body["queued"] > 100 and body["paper"] > 10 and body["status"] == "invited"
    again = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=chair).json()
    assert (again["queued"], again["paper"]) == (0, 0)
    r = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=api_token(demo, TREASURER))
    assert r.status_code == 403
    r = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=api_token(demo, MEMBER_SOEBAKKEN))
    assert r.status_code == 404
    r = client.post(f"/api/v1/meetings/{meeting_id}/cancel", headers=chair, json={"reason": "Aflyst"})
    assert r.status_code == 200
    r = client.post(f"/api/v1/meetings/{meeting_id}/invitations", headers=chair)
    assert r.status_code == 422 and r.json()["error"]["code"] == "meeting_cancelled"
