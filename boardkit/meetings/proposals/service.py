"""Residents' proposals for department meetings: handed in before the deadline, triaged by the board.

Only a current resident of the meeting's department may propose, until the end of the deadline day
(Europe/Copenhagen; the rules are in ``proposals.rules``). The chair or the administration accepts a
proposal onto the agenda (under "Indkomne forslag"), asks for clarification or rejects it with a
reason; the proposer hears of every step by e-mail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import audit, mail, uploads
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound, RuleViolation, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Action, Principal, can
from boardkit.core.storage import FileStore
from boardkit.meetings import access, agenda, attachments, lookup, search_docs
from boardkit.meetings.models import AgendaItem, Attachment, Meeting, Proposal
from boardkit.meetings.proposals import rules
from boardkit.meetings.proposals.rules import deadline as deadline
from boardkit.meetings.proposals.rules import department_of as department_of
from boardkit.meetings.proposals.rules import is_open as is_open
from boardkit.meetings.proposals.rules import may_propose as may_propose
from boardkit.meetings.proposals.rules import may_see_reason as may_see_reason
from boardkit.org import service as org_service
from boardkit.org.service import Person

MAX_TITLE = 200
MAX_TEXT = 10_000
MAX_FILES = 5
MAX_FILE_BYTES = 20 * uploads.MB
ALLOWED_TYPES = uploads.DOCUMENTS_AND_IMAGES
DECISIONS = ("accepted", "needs_clarification", "rejected")
LinkFn = Callable[[int], str]  # proposal id → absolute URL of its page


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposalEntry:
    proposal: Proposal
    proposer_name: str
    attachments: list[Attachment]


def _check_visible(principal: Principal, meeting: Meeting) -> None:
    if rules.department_of(meeting) is None or not can(
        principal, Action.VIEW, access.meeting_resource(meeting)
    ):
        raise NotFound()


def get_meeting(db: Session, *, principal: Principal, meeting_id: int) -> Meeting:
    """The one loader of a meeting's proposals (pages and API): a department meeting this reader
    may see; 404 for anything else (board meetings take no proposals)."""
    meeting = lookup.get_meeting(db, principal=principal, meeting_id=meeting_id)
    _check_visible(principal, meeting)
    return meeting


def list_proposals(db: Session, *, meeting: Meeting) -> list[ProposalEntry]:
    """The proposals received for a meeting, oldest first, with the proposers' names."""
    rows = db.execute(
        select(Proposal, Person.name)
        .join(Person, Person.id == Proposal.proposer_id)
        .where(Proposal.meeting_id == meeting.id)
        .order_by(Proposal.created_at, Proposal.id)
    ).all()
    files = attachments.proposal_files(db, proposal_ids=[p.id for p, _n in rows])
    return [ProposalEntry(p, name, files.get(p.id, [])) for p, name in rows]


def get_proposal(db: Session, *, principal: Principal, proposal_id: int) -> tuple[ProposalEntry, Meeting]:
    """A proposal with its meeting, for someone who may see the meeting; 404 otherwise."""
    proposal = db.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound()
    meeting = lookup.get_meeting(db, principal=principal, meeting_id=proposal.meeting_id)
    _check_visible(principal, meeting)
    name = org_service.get_person(db, person_id=proposal.proposer_id).name
    files = attachments.proposal_files(db, proposal_ids=[proposal.id]).get(proposal.id, [])
    return ProposalEntry(proposal, name, files), meeting


def get_attachment(db: Session, *, principal: Principal, proposal_id: int, attachment_id: int) -> Attachment:
    entry, _meeting = get_proposal(db, principal=principal, proposal_id=proposal_id)
    found = next((a for a in entry.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound()
    return found


# --- writing ----------------------------------------------------------------------------


def validate(title: str, text: str, files: Sequence[uploads.UploadLike], existing: int = 0) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Skriv en overskrift på forslaget.")
    elif len(title.strip()) > MAX_TITLE:
        errors["title"] = _("Overskriften må højst have %(n)s tegn.", n=MAX_TITLE)
    if not text.strip():
        errors["text"] = _("Skriv selve forslaget.")
    elif len(text.strip()) > MAX_TEXT:
        errors["text"] = _("Forslaget må højst have %(n)s tegn.", n="10.000")
    if len(files) + existing > MAX_FILES:
        errors["file"] = _("Der kan højst være %(n)s bilag til et forslag.", n=MAX_FILES)
    return errors


Checked = list[tuple[uploads.UploadLike, str]]


def _check_files(files: Sequence[uploads.UploadLike]) -> Checked:
    """Every file judged by content and size before anything is saved (413 / 415).

    A file must be what its name says (a ``.pdf`` that is not a PDF is refused), and one of
    ``ALLOWED_TYPES`` whatever its name; then it gets the agenda files' checks (no PDF locked with
    a password, no image with more pixels than a pack draws).
    """
    checked: Checked = []
    for f in files:
        checked.append((f, uploads.check_document(f, ALLOWED_TYPES, MAX_FILE_BYTES)))
    return checked


def _store_files(
    db: Session, *, proposal: Proposal, checked: Checked, store: FileStore, actor_id: int
) -> None:
    added = [
        Attachment(
            proposal_id=proposal.id,
            filename=uploads.safe_filename(upload.filename, content_type),
            content_type=content_type,
            sha256=store.put(upload.data),
            size=len(upload.data),
            pages=attachments.pdf_pages(upload.data) if content_type == uploads.PDF else None,
            uploaded_by=actor_id,
        )
        for upload, content_type in checked
    ]
    db.add_all(added)
    db.flush()
    for attachment in added:  # cleaned for reading (and packs) in the background, as agenda files are
        attachments.queue_prepare(db, attachment)


def _check_may_propose(db: Session, principal: Principal, meeting: Meeting, now: datetime | None) -> None:
    _check_visible(principal, meeting)
    if not rules.may_propose(principal, meeting):
        raise Forbidden(
            _(
                "Kun beboere i afdelingen kan stille forslag til afdelingsmødet, og du er ikke registreret "
                "som beboer her."
            ),
            code="not_a_resident",
        )
    if meeting.status == "cancelled":
        raise RuleViolation(
            _("Mødet er aflyst, så der kan ikke stilles forslag til det."), code="meeting_cancelled"
        )
    if not rules.is_open(meeting, now=now):
        raise rules.deadline_passed(db, meeting, now=now)


def submit_proposal(
    db: Session,
    *,
    principal: Principal,
    meeting: Meeting,
    proposer_id: int,
    title: str,
    text: str,
    files: Sequence[uploads.UploadLike] = (),
    store: FileStore,
    link: LinkFn | None = None,
    now: datetime | None = None,
) -> Proposal:
    """A resident hands in a proposal before the deadline; they get a receipt by e-mail."""
    _check_may_propose(db, principal, meeting, now)
    if principal.person_id != proposer_id:
        raise Forbidden(_("Du kan kun stille forslag i eget navn."))
    errors = validate(title, text, files)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    checked = _check_files(files)
    proposal = Proposal(
        meeting_id=meeting.id, proposer_id=proposer_id, title=title.strip(), text=text.strip()
    )
    db.add(proposal)
    db.flush()
    _store_files(db, proposal=proposal, checked=checked, store=store, actor_id=proposer_id)
    search_docs.changed(db, meeting.id)
    audit.record(
        db,
        actor_id=proposer_id,
        action="proposal.submit",
        obj=proposal,
        organisation_id=meeting.board.organisation_id,
        summary=proposal.title,
    )
    notify(db, proposal=proposal, meeting=meeting, link=link)
    return proposal


def update_proposal(
    db: Session,
    *,
    principal: Principal,
    proposal: Proposal,
    meeting: Meeting,
    title: str,
    text: str,
    files: Sequence[uploads.UploadLike] = (),
    remove_attachment_ids: Sequence[int] = (),
    store: FileStore,
    now: datetime | None = None,
) -> Proposal:
    """The proposer changes their proposal until the deadline, while the board has not decided it."""
    if principal.person_id != proposal.proposer_id:
        raise Forbidden(_("Kun forslagsstilleren kan ændre forslaget."), code="not_proposer")
    db.refresh(proposal, with_for_update=True)  # one change at a time (PostgreSQL locks the row)
    if proposal.status not in rules.EDITABLE:
        raise RuleViolation(
            _("Bestyrelsen har behandlet forslaget, så det kan ikke ændres."), code="already_decided"
        )
    _check_may_propose(db, principal, meeting, now)
    kept = attachments.proposal_files(db, proposal_ids=[proposal.id]).get(proposal.id, [])
    removed = [a for a in kept if a.id in set(remove_attachment_ids)]
    errors = validate(title, text, files, existing=len(kept) - len(removed))
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    checked = _check_files(files)
    before = audit.snapshot(proposal, ("title", "text", "status"))
    proposal.title, proposal.text = title.strip(), text.strip()
    if proposal.status == "needs_clarification":
        proposal.status = "received"  # clarified: back to the board
    for attachment in removed:
        db.delete(attachment)
    _store_files(db, proposal=proposal, checked=checked, store=store, actor_id=proposal.proposer_id)
    proposal.updated_at = utcnow()
    search_docs.changed(db, meeting.id)
    diff = audit.changes(before, audit.snapshot(proposal, ("title", "text", "status")))
    if removed or files:
        diff["attachments"] = [[a.filename for a in removed], [f.filename for f in files]]
    audit.record(
        db,
        actor_id=proposal.proposer_id,
        action="proposal.update",
        obj=proposal,
        organisation_id=meeting.board.organisation_id,
        summary=proposal.title,
        diff=diff,
    )
    return proposal


def decide_proposal(
    db: Session,
    *,
    principal: Principal,
    proposal: Proposal,
    status: str,
    reason: str = "",
    link: LinkFn | None = None,
) -> AgendaItem | None:
    """Accept onto the agenda, ask for clarification or reject (with a reason); the proposer is told."""
    meeting = lookup.get_meeting(db, principal=principal, meeting_id=proposal.meeting_id)
    _check_visible(principal, meeting)
    if not rules.may_decide(principal, meeting):
        raise Forbidden(_("Kun formanden og administrationen kan behandle forslag."))
    reason = reason.strip()
    errors: dict[str, str] = {}
    if status not in DECISIONS:
        errors["status"] = _("Vælg, om forslaget optages, skal uddybes eller afvises.")
    elif status == "needs_clarification" and not reason:
        errors["reason"] = _("Skriv, hvad forslagsstilleren skal uddybe.")
    elif status == "rejected" and not reason:
        errors["reason"] = _("Skriv en begrundelse for afvisningen. Forslagsstilleren får den at se.")
    if len(reason) > 5000:
        errors["reason"] = _("Højst %(n)s tegn.", n=5000)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    db.refresh(proposal, with_for_update=True)  # two chairs at once: the second sees the first's decision
    if proposal.status not in rules.EDITABLE:
        raise Conflict(_("Forslaget er allerede behandlet."), code="already_decided")
    actor_id = principal.person_id
    before = audit.snapshot(proposal, ("status", "reason"))
    proposal.status, proposal.reason = status, reason
    proposal.decided_by, proposal.decided_at = actor_id, utcnow()
    proposal.updated_at = utcnow()
    item = (
        _put_on_agenda(db, meeting=meeting, proposal=proposal, actor_id=actor_id)
        if status == "accepted"
        else None
    )
    audit.record(
        db,
        actor_id=actor_id,
        action="proposal.decide",
        obj=proposal,
        organisation_id=meeting.board.organisation_id,
        summary=f"{status}: {proposal.title}",
        diff=audit.changes(before, audit.snapshot(proposal, ("status", "reason"))),
    )
    notify(db, proposal=proposal, meeting=meeting, link=link)
    return item


def _put_on_agenda(db: Session, *, meeting: Meeting, proposal: Proposal, actor_id: int | None) -> AgendaItem:
    """Right after "Indkomne forslag" and the proposals already accepted; at the end without that item."""
    items = sorted(meeting.items, key=lambda i: i.position)
    anchor = next((n for n, i in enumerate(items) if i.role == "proposals"), None)
    if anchor is None:
        accepted = [n for n, i in enumerate(items) if i.proposal_id is not None]
        index = accepted[-1] + 1 if accepted else len(items)
    else:
        index = anchor + 1
        while index < len(items) and items[index].proposal_id is not None:
            index += 1
    proposer = org_service.get_person(db, person_id=proposal.proposer_id)
    # The agenda is the department's document, in Danish whatever language the chair reads in.
    data = agenda.ItemInput(
        title=f"Forslag: {proposal.title}"[:200],
        description=f"{proposal.text}\n\nForslagsstiller: {proposer.name}",
        kind="decision",
        position=index + 1,
    )
    item = agenda.add_item(db, meeting, actor_id=actor_id or 0, data=data)
    item.proposal_id = proposal.id
    db.flush()
    return item


TEMPLATES = {
    "received": "proposal_received",
    "accepted": "proposal_accepted",
    "needs_clarification": "proposal_needs_clarification",
    "rejected": "proposal_rejected",
}


def notify(db: Session, *, proposal: Proposal, meeting: Meeting, link: LinkFn | None = None) -> None:
    """Tell the proposer where their proposal stands (by e-mail, when we have an address)."""
    person = org_service.get_person(db, person_id=proposal.proposer_id)
    if not person.email or not person.active:
        return
    mail.queue_mail(
        db,
        to=mail.Recipient(person.email, person.name, person.language, person.id),
        template=TEMPLATES[proposal.status],
        context={
            "name": person.name,
            "title": proposal.title,
            "reason": proposal.reason,
            "meeting_title": meeting.title,
            "meeting_starts_at": meeting.starts_at,
            "location": meeting.location,
            "deadline": rules.deadline(meeting),
            "link": link(proposal.id) if link else "",
        },
        organisation_id=meeting.board.organisation_id,
    )
