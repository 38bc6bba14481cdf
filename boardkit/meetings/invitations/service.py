"""Invitations: who is invited, the e-mails with their calendar invite, paper letters, updates, cancellations.

Who gets a notice (DOMAIN.md: in writing to every household; e-mail counts as writing):

* **Department meetings** — every household (tenancy) of the department.
  An e-mail goes to each adult living there today who can be *reached by e-mail*: an active
  person with an e-mail address and a digital channel (``Person.has_digital_channel``) who has
  not asked for paper. People whose channel is SMS or Digital Post and who have no e-mail
  address count as not reachable for now (the notification service for those channels comes in
  a later issue), so their household is not left out: it gets paper.
  The household gets **one paper letter** when the tenancy is marked for paper, when any adult
  in it asked for paper, or when nobody in it can be reached by e-mail (a home with no adult
  listed included). Those in a paper household who can be reached by e-mail get the e-mail too.
* **Board and committee meetings** — the board's active members (substitutes only when the
  meeting says so). A member without e-mail (a paper member) gets a letter at home, addressed to
  them; one with no known home either is counted as ``unreachable`` so the chair knows whom to call.
* **Every meeting** — the administration contact: the organisation's account managers
  (kundechefer), organisation-wide or for the meeting's department. Bookkeepers and other staff
  are not invited.

One ``Invitation`` row per meeting and person (e-mail) or meeting and household (paper) records
what was sent: ``sequence_sent`` is the SEQUENCE the invitee last got, so sending again reaches
only those not yet reached (new residents, failed e-mails, anyone behind on an update) and never
sends the same thing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import audit, mail
from boardkit.core.db import utcnow
from boardkit.core.errors import RuleViolation
from boardkit.core.i18n import _
from boardkit.core.models import OutboxEmail
from boardkit.meetings import calendar, lookup, pack_queue, rsvp, search_docs
from boardkit.meetings import service as meetings_service
from boardkit.meetings.invitations import letters
from boardkit.meetings.invitations.letters import batch_filename as batch_filename
from boardkit.meetings.invitations.letters import build_batch_pdf as build_batch_pdf
from boardkit.meetings.invitations.letters import close_batch as close_batch
from boardkit.meetings.invitations.letters import count_letters as count_letters
from boardkit.meetings.invitations.letters import get_batch as get_batch
from boardkit.meetings.invitations.letters import list_batches as list_batches
from boardkit.meetings.invitations.letters import mark_printed as mark_printed
from boardkit.meetings.invitations.notice import Notice, recipient_line
from boardkit.meetings.invitations.notice import invite_ics as invite_ics
from boardkit.meetings.models import Invitation, Letter, Meeting, PrintBatch
from boardkit.org import service as org_service
from boardkit.org.service import Person

FRESH: dict[str, Any] = {"status": "queued", "sequence_sent": -1, "cancelled_sent": False}
TEMPLATES = {
    "invitation": "meeting_invitation",
    "update": "meeting_update",
    "cancellation": "meeting_cancelled",
}


def emailable(person: Person) -> bool:
    """Reachable by e-mail today (see the module's docstring)."""
    return bool(person.active and person.email and person.has_digital_channel and not person.paper)


@dataclass
class Recipients:
    people: list[Person] = field(default_factory=list)  # by e-mail
    households: list[org_service.Household] = field(default_factory=list)  # one paper letter each
    unreachable: list[Person] = field(default_factory=list)  # invited, but with no way to reach them


def recipients(db: Session, *, meeting: Meeting) -> Recipients:
    """Who this meeting's notice goes to, and how."""
    result = Recipients()
    seen: set[int] = set()

    def add(person: Person) -> None:
        if person.id not in seen:
            seen.add(person.id)
            result.people.append(person)

    if meeting.is_department_meeting and meeting.department_id is not None:
        for household in org_service.list_households(db, department_id=meeting.department_id):
            reachable = [p for p in household.residents if emailable(p)]
            for person in reachable:
                add(person)
            paper = household.tenancy.paper or any(p.paper for p in household.residents)
            if paper or not reachable:
                result.households.append(household)
    else:
        now = utcnow()
        for m in org_service.list_board_members(db, board_id=meeting.board_id):
            if not m.active_at(now) or (m.role == "substitute" and not meeting.invite_substitutes):
                continue
            if emailable(m.person):
                add(m.person)
            elif m.person.id not in seen:
                seen.add(m.person.id)
                result.unreachable.append(m.person)
        result.households, result.unreachable = _member_letters(db, result.unreachable)
    board = meeting.board
    for person in org_service.list_administration_contacts(
        db, organisation_id=board.organisation_id, department_id=meeting.department_id or board.department_id
    ):
        if emailable(person):
            add(person)
    return result


def _member_letters(db: Session, people: list[Person]) -> tuple[list[org_service.Household], list[Person]]:
    """Board members without e-mail (paper members): a letter to their home, addressed to them;
    those with no known home stay unreachable."""
    homes = org_service.current_homes(db, person_ids=[p.id for p in people if p.active])
    letters: dict[int, org_service.Household] = {}
    for person in people:
        if person.id in homes:
            tenancy = homes[person.id]
            letters.setdefault(tenancy.id, org_service.Household(tenancy, [])).residents.append(person)
    return list(letters.values()), [p for p in people if p.id not in homes or not p.active]


# --- sending ------------------------------------------------------------------------------


@dataclass
class Sent:
    queued: int = 0  # e-mails queued now
    paper: int = 0  # letters queued now
    unreachable: int = 0
    already: int = 0  # invitees who already had this version

    def as_dict(self) -> dict[str, int]:
        return {
            "queued": self.queued,
            "paper": self.paper,
            "unreachable": self.unreachable,
            "already": self.already,
        }


@dataclass
class _Outgoing:
    """One sending: messages and letters are made as they come and stored together with one flush."""

    db: Session
    notice: Notice
    emails: list[tuple[Invitation, OutboxEmail]] = field(default_factory=list)
    letters: list[tuple[Invitation, Letter]] = field(default_factory=list)
    sent: Sent = field(default_factory=Sent)
    batch: PrintBatch | None = None
    content: dict[str, Any] = field(default_factory=dict)

    def email(self, inv: Invitation, person: Person, kind: str, response: str | None) -> None:
        self.emails.append((inv, self.notice.email(person, TEMPLATES[kind], response)))
        self._mark(inv, kind)
        self.sent.queued += 1

    def letter(self, inv: Invitation, household: org_service.Household, kind: str) -> None:
        """One letter in the organisation's open print batch (as ``letters.queue_letter`` does, but
        with one batch lookup and one flush for the whole sending)."""
        if self.batch is None:
            organisation_id = self.notice.meeting.board.organisation_id
            self.batch = letters.open_batch(self.db, organisation_id=organisation_id)
            self.content = self.notice.letter_content()
        tenancy = household.tenancy
        letter = Letter(
            batch_id=self.batch.id,
            meeting_id=self.notice.meeting.id,
            tenancy_id=tenancy.id,
            kind=kind,
            recipient=recipient_line([p.name for p in household.residents]),
            address_lines=[tenancy.address_line, f"{tenancy.postcode} {tenancy.city}".strip()],
            content=self.content,
        )
        self.letters.append((inv, letter))
        self._mark(inv, kind)
        self.sent.paper += 1

    def _mark(self, inv: Invitation, kind: str) -> None:
        inv.status, inv.sent_at, inv.sequence_sent = "queued", None, self.notice.meeting.sequence
        if kind == "cancellation":
            inv.cancelled_sent = True

    def finish(self) -> Sent:
        mail.queue_rendered(self.db, [email for _inv, email in self.emails])
        self.db.add_all([letter for _inv, letter in self.letters])
        self.db.flush()
        for inv, email in self.emails:
            inv.email_id = email.id
        for inv, letter in self.letters:
            inv.letter_id = letter.id
        self.db.flush()
        return self.sent


def sync_delivery(db: Session, *, meeting_id: int) -> None:
    """Carry the outbox's outcome (sent, failed) over to the meeting's e-mail invitations."""
    rows = db.execute(
        select(Invitation, OutboxEmail.status, OutboxEmail.sent_at)
        .join(OutboxEmail, OutboxEmail.id == Invitation.email_id)
        .where(
            Invitation.meeting_id == meeting_id,
            Invitation.status == "queued",
            OutboxEmail.status.in_(("sent", "failed", "uncertain")),  # not while queued or sending
        )
    ).all()
    for inv, status, sent_at in rows:
        inv.status = "sent" if status == "sent" else "failed"
        inv.sent_at = sent_at


def _invitations(db: Session, meeting_id: int) -> list[Invitation]:
    return list(
        db.scalars(select(Invitation).where(Invitation.meeting_id == meeting_id).order_by(Invitation.id))
    )


def check_open(meeting: Meeting) -> None:
    """A meeting takes invitations until it is cancelled or over (409 otherwise)."""
    if meeting.status == "cancelled":
        raise RuleViolation(_("Mødet er aflyst."), code="meeting_cancelled")
    if meeting.status == "held" or meeting.ends_at < utcnow():
        raise RuleViolation(_("Mødet er afholdt, så der kan ikke indkaldes til det."), code="meeting_over")


def _lock(db: Session, meeting: Meeting) -> None:
    """The meeting's row locked for this transaction and read again (PostgreSQL; on SQLite the
    write lock does it): two sendings for one meeting take turns, the second finds the first's
    invitations, so nobody is invited twice and nothing collides."""
    db.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    db.refresh(meeting)


def send_invitations(
    db: Session, *, meeting: Meeting, settings: Settings, actor_id: int | None = None
) -> Sent:
    """Send the notice to everyone not yet reached with the meeting as it is now; never twice.

    A sending that reaches anyone is written to the audit log (who sent it, how many of each)."""
    _lock(db, meeting)
    check_open(meeting)
    lookup.load_agenda(db, meeting)
    if not meeting.uid:
        meeting.uid = calendar.meeting_uid(meeting, settings.base_url)
    sync_delivery(db, meeting_id=meeting.id)
    out = _Outgoing(db, Notice(meeting, settings))
    who = recipients(db, meeting=meeting)
    existing = _invitations(db, meeting.id)
    by_person = {i.person_id: i for i in existing if i.person_id is not None}
    by_tenancy = {i.tenancy_id: i for i in existing if i.tenancy_id is not None}
    answers = rsvp.responses(db, meeting_id=meeting.id)
    out.sent.unreachable = len(who.unreachable)
    for person in who.people:
        inv = by_person.get(person.id)
        if inv is None:
            inv = Invitation(meeting_id=meeting.id, person_id=person.id, channel="email", **FRESH)
            db.add(inv)
        elif inv.status != "failed" and inv.sequence_sent >= meeting.sequence:
            out.sent.already += 1
            continue
        kind = "update" if inv.sequence_sent >= 0 and inv.status != "failed" else "invitation"
        out.email(inv, person, kind, answers.get(person.id))
    for household in who.households:
        inv = by_tenancy.get(household.tenancy.id)
        if inv is None:
            inv = Invitation(meeting_id=meeting.id, tenancy_id=household.tenancy.id, channel="paper", **FRESH)
            db.add(inv)
        elif inv.sequence_sent >= meeting.sequence:
            out.sent.already += 1
            continue
        out.letter(inv, household, "update" if inv.sequence_sent >= 0 else "invitation")
    if meeting.status == "planned":
        meeting.status = "invited"
    if meeting.invited_at is None:
        meeting.invited_at = out.notice.now
        search_docs.changed(db, meeting.id)  # announced: the residents find it from now on
    pack_queue.publish_pack(db, meeting, actor_id=None)  # the board reads the material from now on
    sent = out.finish()
    if sent.queued or sent.paper:
        audit.record(
            db,
            actor_id=actor_id,
            action="meeting.invitations_sent",
            obj=meeting,
            organisation_id=meeting.board.organisation_id,
            summary=meeting.title,
            diff={"emails": sent.queued, "letters": sent.paper, "unreachable": sent.unreachable},
        )
    return sent


def _households(
    db: Session, invitations: Iterable[Invitation], meeting: Meeting
) -> dict[int, org_service.Household]:
    ids = {i.tenancy_id for i in invitations if i.tenancy_id is not None}
    if not ids:
        return {}
    if not meeting.is_department_meeting:  # the letters went to paper members' homes
        return {h.tenancy.id: h for h in recipients(db, meeting=meeting).households if h.tenancy.id in ids}
    if meeting.department_id is None:
        return {}
    return {
        h.tenancy.id: h
        for h in org_service.list_households(db, department_id=meeting.department_id)
        if h.tenancy.id in ids
    }


def _resend(
    db: Session, *, meeting: Meeting, settings: Settings, kind: str, previous: dict[str, Any] | None
) -> Sent:
    _lock(db, meeting)
    sync_delivery(db, meeting_id=meeting.id)
    out = _Outgoing(db, Notice(meeting, settings, previous or {}))
    if kind == "cancellation":
        due = [i for i in _invitations(db, meeting.id) if i.sequence_sent >= 0 and not i.cancelled_sent]
    else:
        due = [
            i
            for i in _invitations(db, meeting.id)
            if 0 <= i.sequence_sent < meeting.sequence and not i.cancelled_sent
        ]
    people = org_service.get_people(db, ids=[i.person_id for i in due if i.person_id is not None])
    households = _households(db, due, meeting)
    answers = rsvp.responses(db, meeting_id=meeting.id)
    for inv in due:
        person = people.get(inv.person_id or 0)
        if person is not None:
            if person.email and person.active:
                out.email(inv, person, kind, answers.get(person.id))
            else:
                out.sent.unreachable += 1
        elif inv.tenancy_id in households:
            out.letter(inv, households[inv.tenancy_id], kind)
    return out.finish()


def send_updates(
    db: Session, *, meeting: Meeting, settings: Settings, previous: dict[str, Any] | None = None
) -> Sent:
    """After a change of time or place: everyone already invited gets the event with the higher SEQUENCE.

    ``previous`` (``starts_at`` ISO, ``location``, ``room`` before the change) is shown in update letters.
    Nothing happens for a meeting nobody has been invited to yet.
    """
    if meeting.status == "cancelled":
        return Sent()
    return _resend(db, meeting=meeting, settings=settings, kind="update", previous=previous)


def send_cancellations(db: Session, *, meeting: Meeting, settings: Settings) -> Sent:
    """After cancelling: METHOD:CANCEL by e-mail to all invited, a cancellation letter to paper households."""
    if meeting.status != "cancelled":
        raise RuleViolation(_("Mødet er ikke aflyst."), code="not_cancelled")
    return _resend(db, meeting=meeting, settings=settings, kind="cancellation", previous=None)


def previous_of(meeting: Meeting) -> dict[str, Any]:
    """What an update letter shows as "before": call before changing the meeting."""
    return {"starts_at": meeting.starts_at.isoformat(), "location": meeting.location, "room": meeting.room}


def change_meeting(
    db: Session, meeting: Meeting, *, actor_id: int, data: meetings_service.MeetingInput, settings: Settings
) -> bool:
    """Change a meeting (``meetings.service.update_meeting``, pages and API); when its time or place
    moved after the invitations went out, everyone invited gets the update. True when it moved."""
    previous = previous_of(meeting)
    moved = meetings_service.update_meeting(db, meeting, actor_id=actor_id, data=data)
    if moved and meeting.invited_at is not None:
        send_updates(db, meeting=meeting, settings=settings, previous=previous)
    return moved


def cancel_meeting(db: Session, meeting: Meeting, *, actor_id: int, reason: str, settings: Settings) -> None:
    """Cancel a meeting (``meetings.service.cancel_meeting``, pages and API); everyone invited gets
    the cancellation."""
    meetings_service.cancel_meeting(db, meeting, actor_id=actor_id, reason=reason)
    if meeting.invited_at is not None:
        send_cancellations(db, meeting=meeting, settings=settings)
