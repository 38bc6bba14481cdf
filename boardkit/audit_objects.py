"""Composition: what the audit log's objects are called and where they are, per object type.

``core.audit`` knows no domain, so the names are registered here (by ``wiring.wire``); the audit
log page shows "Ordinært afdelingsmøde" with a link instead of "meeting #12". Each resolver takes
the ids on the page and answers with one query.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.i18n import _
from boardkit.core.models import ApiToken
from boardkit.expenses.models import ExpenseClaim
from boardkit.meetings.minutes_models import Minutes
from boardkit.meetings.models import AgendaItem, Attachment, Meeting, PrintBatch, Proposal
from boardkit.org.models import Board, Membership, Organisation, Person


def _people(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Person.id, Person.name).where(Person.id.in_(ids)))
    return {i: ObjectRef(name, "org:person", {"person_id": i}) for i, name in rows}


def _boards(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Board.id, Board.name).where(Board.id.in_(ids)))
    return {i: ObjectRef(name, "org:board", {"board_id": i}) for i, name in rows}


def _memberships(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(Membership.id, Person.name, Board.id, Board.name)
        .join(Person, Person.id == Membership.person_id)
        .join(Board, Board.id == Membership.board_id)
        .where(Membership.id.in_(ids))
    )
    return {i: ObjectRef(f"{person} → {board}", "org:board", {"board_id": b}) for i, person, b, board in rows}


def _organisations(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    return {
        i: ObjectRef(name)
        for i, name in db.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    }


def _meetings(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Meeting.id, Meeting.title).where(Meeting.id.in_(ids)))
    return {i: ObjectRef(title, "meeting", {"meeting_id": i}) for i, title in rows}


def _items(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(AgendaItem.id, AgendaItem.title, AgendaItem.meeting_id).where(AgendaItem.id.in_(ids))
    )
    return {i: ObjectRef(title, "meeting", {"meeting_id": m}) for i, title, m in rows}


def _attachments(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(Attachment.id, Attachment.filename, AgendaItem.meeting_id)
        .join(AgendaItem, AgendaItem.id == Attachment.agenda_item_id)
        .where(Attachment.id.in_(ids))
    )
    return {i: ObjectRef(name, "meeting", {"meeting_id": m}) for i, name, m in rows}


def _minutes(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(
        select(Minutes.id, Meeting.id, Meeting.title)
        .join(Meeting, Meeting.id == Minutes.meeting_id)
        .where(Minutes.id.in_(ids))
    )
    return {i: ObjectRef(_("Referat: %(title)s", title=t), "minutes", {"meeting_id": m}) for i, m, t in rows}


def _proposals(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(Proposal.id, Proposal.title, Proposal.meeting_id).where(Proposal.id.in_(ids)))
    return {i: ObjectRef(title, "proposals", {"meeting_id": m}) for i, title, m in rows}


def _batches(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.scalars(select(PrintBatch.id).where(PrintBatch.id.in_(ids)))
    return {i: ObjectRef(_("Brevbatch %(n)s", n=i), "letters:batch", {"batch_id": i}) for i in rows}


def _claims(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(ExpenseClaim.id, ExpenseClaim.purpose).where(ExpenseClaim.id.in_(ids)))
    return {
        i: ObjectRef(_("Udlæg %(n)s: %(purpose)s", n=i, purpose=purpose), "expense_claim", {"claim_id": i})
        for i, purpose in rows
    }


def _tokens(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(ApiToken.id, ApiToken.name).where(ApiToken.id.in_(ids)))
    return {i: ObjectRef(_("API-token »%(name)s«", name=name)) for i, name in rows}


def register() -> None:
    for object_type, names in {
        "person": _people,
        "board": _boards,
        "membership": _memberships,
        "organisation": _organisations,
        "meeting": _meetings,
        "agenda_item": _items,
        "attachment": _attachments,
        "minutes": _minutes,
        "proposal": _proposals,
        "print_batch": _batches,
        "expense_claim": _claims,
        "api_token": _tokens,
    }.items():
        register_object_names(object_type, names)
