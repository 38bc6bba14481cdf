"""Residents' proposals through the services: who may propose, until when, files, triage and e-mails."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    RuleViolation,
    TooLarge,
    UnsupportedType,
    ValidationFailed,
)
from boardkit.core.models import AuditEntry, OutboxEmail
from boardkit.core.storage import FileStore
from boardkit.meetings import service, timeline
from boardkit.meetings.models import AgendaItem, Attachment, Meeting, Proposal
from boardkit.meetings.proposals import rules as proposal_rules
from boardkit.meetings.proposals import service as proposals
from boardkit.org import service as org_service
from boardkit.org.models import Membership, Person
from tests.helpers import person_id
from tests.meetings.packs.pack_service_env import build, download, publish
from tests.meetings.proposals.proposal_env import (
    ADMIN,
    CHAIR,
    OUTSIDER,
    PDF,
    PNG,
    RESIDENT,
    TREASURER,
    Upload,
    board_id,
    create_meeting,
    local_day,
)


def deadline_of(db: Database, meeting_id: int) -> Any:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return proposal_rules.deadline(meeting)


def submit(
    db: Database,
    meeting_id: int,
    email: str = RESIDENT,
    *,
    title: str = "Hundeluftning på græsplænen",
    text: str = "Afdelingsmødet beslutter, at hunde ikke må luftes på den store græsplæne.",
    files: tuple[Upload, ...] = (),
    now: Any = None,
    store: FileStore | None = None,
    tmp: Path | None = None,
) -> int:
    pid = person_id(db, email)
    with db.transaction() as s:
        principal = org_service.build_principal(s, person_id=pid)
        meeting = service.get_meeting(s, principal=principal, meeting_id=meeting_id)
        proposal = proposals.submit_proposal(
            s,
            principal=principal,
            meeting=meeting,
            proposer_id=pid,
            title=title,
            text=text,
            files=files,
            store=store or FileStore(tmp or Path("/nonexistent")),
            link=lambda i: f"http://testserver/proposals/{i}",
            now=now,
        )
        return proposal.id


def decide(db: Database, proposal_id: int, status: str, reason: str = "", email: str = CHAIR) -> int | None:
    pid = person_id(db, email)
    with db.transaction() as s:
        principal = org_service.build_principal(s, person_id=pid)
        proposal = s.get(Proposal, proposal_id)
        assert proposal is not None
        item = proposals.decide_proposal(
            s, principal=principal, proposal=proposal, status=status, reason=reason
        )
        return item.id if item else None


def mails(db: Database, template: str) -> list[OutboxEmail]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxEmail).where(OutboxEmail.template == template)))


def count(db: Database, model: Any) -> int:
    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_resident_proposes_before_the_deadline_and_gets_a_receipt(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    pid = submit(demo, meeting_id)
    resident = person_id(demo, RESIDENT)
    with demo.transaction() as s:
        proposal = s.get(Proposal, pid)
        assert proposal is not None and proposal.status == "received"
        assert proposal.proposer_id == resident
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.submit"))
        assert audit is not None and audit.object_id == pid
    [receipt] = mails(demo, "proposal_received")
    assert receipt.to_address == RESIDENT
    assert "Hundeluftning på græsplænen" in receipt.subject
    assert f"http://testserver/proposals/{pid}" in receipt.body_text
    assert "Du kan rette forslaget frem til fristen" in receipt.body_text
    assert "Hundeluftning" in receipt.body_html and "<html" in receipt.body_html


@pytest.mark.postgres
def test_intake_closes_at_the_end_of_the_deadline_day_in_copenhagen(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=100)  # no ordinary meeting is planned after this one
    due = deadline_of(demo, meeting_id)
    local = due.astimezone(timeline.TZ)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)
    assert local.date() == local_day(100) - timedelta(days=14)

    submit(demo, meeting_id, now=due)  # the last moment still counts
    with pytest.raises(RuleViolation) as exc:
        submit(demo, meeting_id, title="For sent", now=due + timedelta(microseconds=1))
    assert exc.value.code == "deadline_passed" and exc.value.status == 422
    message = exc.value.message
    assert "Fristen for forslag til “Ordinært afdelingsmøde”" in message
    assert proposal_rules.long_datetime(due) in message and "kl. 23.59" in message
    assert "Der er endnu ikke planlagt et nyt ordinært afdelingsmøde" in message
    assert exc.value.fields["next_meeting_id"] is None
    assert count(demo, Proposal) == 1


def test_after_the_deadline_the_message_names_the_next_ordinary_meeting(demo: Database) -> None:
    early = create_meeting(demo, days=30)
    later = create_meeting(demo, days=80)
    now = deadline_of(demo, early) + timedelta(hours=1)
    with pytest.raises(RuleViolation) as exc:
        submit(demo, early, now=now)
    with demo.transaction() as s:
        upcoming = s.get(Meeting, later)
        assert upcoming is not None
        nxt = proposal_rules.next_ordinary_meeting(s, s.get(Meeting, early), now=now)  # type: ignore[arg-type]
        assert nxt is not None
        # The demo's own ordinary meeting (~6 weeks ahead) may come first; either way it is named.
        expected = proposal_rules.long_datetime(nxt.starts_at)
    assert f"Næste ordinære afdelingsmøde er {expected}" in exc.value.message
    assert "Du kan stille forslaget til det møde frem til" in exc.value.message
    assert exc.value.fields["next_meeting_id"] == nxt.id


def test_someone_outside_the_department_gets_404(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    with pytest.raises(NotFound):
        submit(demo, meeting_id, OUTSIDER)
    pid = person_id(demo, OUTSIDER)
    with pytest.raises(NotFound), demo.transaction() as s:  # handed the meeting, the service checks again
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        proposals.submit_proposal(
            s,
            principal=org_service.build_principal(s, person_id=pid),
            meeting=meeting,
            proposer_id=pid,
            title="x",
            text="y",
            store=FileStore(Path("/nonexistent")),
        )
    assert count(demo, Proposal) == 0


def test_staff_and_board_members_who_are_not_residents_get_403(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    with pytest.raises(Forbidden) as exc:
        submit(demo, meeting_id, ADMIN)
    assert exc.value.code == "not_a_resident"
    assert "Kun beboere i afdelingen kan stille forslag" in exc.value.message
    engparken = board_id(demo)
    with demo.transaction() as s:  # a board member who lives elsewhere
        outsider = Person(name="Bo Udenbys", email="bo@example.dk", language="da", active=True)
        s.add(outsider)
        s.flush()
        s.add(Membership(board_id=engparken, person_id=outsider.id, role="member", start_date=local_day(-30)))
    with pytest.raises(Forbidden) as exc:
        submit(demo, meeting_id, "bo@example.dk")
    assert exc.value.code == "not_a_resident"
    submit(demo, meeting_id, CHAIR)  # the chair lives in Engparken: a resident like any other
    assert count(demo, Proposal) == 1


def test_a_board_meeting_takes_no_proposals(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50, kind="board")
    with pytest.raises(NotFound):
        submit(demo, meeting_id, CHAIR)
    with pytest.raises(NotFound):
        submit(demo, meeting_id, RESIDENT)


def test_a_cancelled_meeting_takes_no_proposals(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    admin = person_id(demo, ADMIN)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        service.cancel_meeting(s, meeting, actor_id=admin, reason="Flyttet")
    with pytest.raises(RuleViolation) as exc:
        submit(demo, meeting_id)
    assert exc.value.code == "meeting_cancelled"


@pytest.mark.parametrize(
    ("title", "text", "field"),
    [
        ("", "Afdelingsmødet beslutter noget.", "title"),
        ("   ", "Afdelingsmødet beslutter noget.", "title"),
        ("x" * 201, "Afdelingsmødet beslutter noget.", "title"),
        ("Titel", "", "text"),
        ("Titel", "x" * 10_001, "text"),
    ],
)
def test_title_and_text_are_required_and_bounded(demo: Database, title: str, text: str, field: str) -> None:
    meeting_id = create_meeting(demo, days=50)
    with pytest.raises(ValidationFailed) as exc:
        submit(demo, meeting_id, title=title, text=text)
    assert field in exc.value.fields
    assert count(demo, Proposal) == 0
    submit(demo, meeting_id, title="x" * 200, text="y" * 10_000)  # the limits themselves are fine


def test_attachments_are_judged_by_content_and_size(demo: Database, tmp_path: Path) -> None:
    meeting_id = create_meeting(demo, days=50)
    store = FileStore(tmp_path / "files")
    with pytest.raises(UnsupportedType) as exc:
        submit(demo, meeting_id, files=(Upload("forslag.pdf", b"<html>not a pdf</html>"),), store=store)
    assert exc.value.status == 415 and exc.value.code == "unsupported_media_type"
    assert "“forslag.pdf” er ikke en PDF-fil" in exc.value.message
    with pytest.raises(UnsupportedType):  # a picture dressed as a PDF is still not a PDF
        submit(demo, meeting_id, files=(Upload("forslag.pdf", PNG),), store=store)
    with pytest.raises(UnsupportedType):
        submit(demo, meeting_id, files=(Upload("virus.exe", b"MZ\x90\x00"),), store=store)
    with pytest.raises(TooLarge) as big:
        submit(demo, meeting_id, files=(Upload("stor.pdf", PDF + b"0" * (20 * 1024 * 1024)),), store=store)
    assert big.value.status == 413 and "højst fylde 20 MB" in big.value.message
    with pytest.raises(ValidationFailed) as many:
        submit(demo, meeting_id, files=tuple(Upload(f"{n}.png", PNG) for n in range(6)), store=store)
    assert "file" in many.value.fields
    assert count(demo, Proposal) == 0 and count(demo, Attachment) == 0
    assert not (tmp_path / "files").exists()  # nothing was stored for refused uploads

    pid = submit(
        demo,
        meeting_id,
        files=(
            Upload("tegning.PDF", PDF),
            Upload("foto", PNG),
            Upload("kort.jpeg", b"\xff\xd8\xff\xe0" + b"1" * 9),
        ),
        store=store,
    )
    with demo.transaction() as s:
        files = list(
            s.scalars(select(Attachment).where(Attachment.proposal_id == pid).order_by(Attachment.id))
        )
    assert [(f.filename, f.content_type) for f in files] == [
        ("tegning.PDF", "application/pdf"),
        ("foto.png", "image/png"),
        ("kort.jpeg", "image/jpeg"),
    ]
    assert all(f.agenda_item_id is None for f in files)
    assert store.get(files[1].sha256) == PNG


def test_accepting_puts_the_proposal_on_the_agenda_under_proposals(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    first = submit(demo, meeting_id, title="Hundeluftning")
    second = submit(
        demo, meeting_id, CHAIR, title="Nye bænke", text="Afdelingsmødet beslutter at købe to bænke."
    )
    first_item = decide(demo, first, "accepted")
    second_item = decide(demo, second, "accepted", email=ADMIN)
    chair = person_id(demo, CHAIR)
    with demo.transaction() as s:
        items = list(
            s.scalars(
                select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)
            )
        )
        titles = [i.title for i in items]
        assert [i.position for i in items] == list(range(1, 12))
        anchor = titles.index("Indkomne forslag")
        assert titles[anchor + 1 : anchor + 3] == ["Forslag: Hundeluftning", "Forslag: Nye bænke"]
        assert titles[-1] == "Eventuelt" and len(titles) == 11
        item = s.get(AgendaItem, first_item)
        assert item is not None and item.proposal_id == first and item.kind == "decision"
        assert "ikke må luftes" in item.description and "Mads Højgaard Frølund" in item.description
        assert second_item is not None
        proposal = s.get(Proposal, first)
        assert proposal is not None and proposal.status == "accepted" and proposal.decided_at is not None
        assert proposal.decided_by == chair
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"proposal.decide", "agenda_item.create"} <= actions
    accepted = mails(demo, "proposal_accepted")
    assert sorted(m.to_address for m in accepted) == sorted([CHAIR, RESIDENT])
    assert "Dit forslag er sat på dagsordenen" in accepted[0].subject
    with pytest.raises(Conflict) as exc:
        decide(demo, first, "rejected", "for sent")
    assert exc.value.code == "already_decided"


def test_clarification_and_rejection_need_a_reason_and_tell_the_proposer(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    pid = submit(demo, meeting_id)
    for status in ("needs_clarification", "rejected"):
        with pytest.raises(ValidationFailed) as exc:
            decide(demo, pid, status, "   ")
        assert "reason" in exc.value.fields
    with pytest.raises(ValidationFailed):
        decide(demo, pid, "maybe")
    decide(demo, pid, "needs_clarification", "Gælder det hele året?")
    [ask] = mails(demo, "proposal_needs_clarification")
    assert ask.to_address == RESIDENT and "Gælder det hele året?" in ask.body_text

    # The proposer clarifies: back to the board.
    resident = person_id(demo, RESIDENT)
    with demo.transaction() as s:
        principal = org_service.build_principal(s, person_id=resident)
        entry, meeting = proposals.get_proposal(s, principal=principal, proposal_id=pid)
        proposals.update_proposal(
            s,
            principal=principal,
            proposal=entry.proposal,
            meeting=meeting,
            title="Hundeluftning om sommeren",
            text="Afdelingsmødet beslutter, at hunde ikke må luftes på græsplænen fra maj til september.",
            store=FileStore(Path("/nonexistent")),
        )
        assert entry.proposal.status == "received"

    decide(demo, pid, "rejected", "Husordenen hører under et ekstraordinært møde.")
    [no] = mails(demo, "proposal_rejected")
    assert "Husordenen hører under" in no.body_text and "Hundeluftning om sommeren" in no.subject
    assert count(demo, OutboxEmail) == 3  # received, needs clarification, rejected
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).where(AgendaItem.proposal_id == pid)) == 0


@pytest.mark.postgres
def test_only_the_chair_and_the_administration_decide(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    pid = submit(demo, meeting_id)
    for email in (TREASURER, RESIDENT):
        with pytest.raises(Forbidden):
            decide(demo, pid, "accepted", email=email)
    with pytest.raises(NotFound):
        decide(demo, pid, "accepted", email=OUTSIDER)
    assert mails(demo, "proposal_accepted") == []


def test_the_proposer_may_edit_only_until_the_deadline_and_before_a_decision(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    pid = submit(demo, meeting_id)
    due = deadline_of(demo, meeting_id)

    def edit(email: str, now: Any = None) -> None:
        editor = person_id(demo, email)
        with demo.transaction() as s:
            principal = org_service.build_principal(s, person_id=editor)
            entry, meeting = proposals.get_proposal(s, principal=principal, proposal_id=pid)
            proposals.update_proposal(
                s,
                principal=principal,
                proposal=entry.proposal,
                meeting=meeting,
                title="Ny titel",
                text="Ny tekst",
                store=FileStore(Path("/nonexistent")),
                now=now,
            )

    with pytest.raises(Forbidden):
        edit(CHAIR)  # not theirs
    with pytest.raises(RuleViolation) as exc:
        edit(RESIDENT, now=due + timedelta(seconds=1))
    assert exc.value.code == "deadline_passed"
    edit(RESIDENT)
    decide(demo, pid, "accepted")
    with pytest.raises(RuleViolation) as decided:
        edit(RESIDENT)
    assert decided.value.code == "already_decided"


@pytest.mark.postgres
def test_the_list_shows_title_proposer_status_and_date(demo: Database) -> None:
    meeting_id = create_meeting(demo, days=50)
    submit(demo, meeting_id, title="Første")
    submit(demo, meeting_id, CHAIR, title="Andet")
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        entries = proposals.list_proposals(s, meeting=meeting)
    assert [(e.proposal.title, e.proposer_name, e.proposal.status) for e in entries] == [
        ("Første", "Mads Højgaard Frølund", "received"),
        ("Andet", "Søren Ødegård", "received"),
    ]


def test_an_accepted_proposals_files_go_into_the_pack(demo: Database, settings: Settings) -> None:
    meeting_id = create_meeting(demo, days=50)
    store = FileStore(settings.files_dir)
    proposal = submit(demo, meeting_id, title="Bænke", files=(Upload("tegning.pdf", PDF),), store=store)
    decide(demo, proposal, "accepted")
    publish(demo, meeting_id)
    built = build(demo, settings, meeting_id)
    assert built["full"] == 1 and built["public"] == 1
    _version, pdf = download(demo, settings, meeting_id, RESIDENT)
    reader = PdfReader(io.BytesIO(pdf))
    titles = [entry.title for entry in reader.outline if not isinstance(entry, list)]
    nested = [e.title for entries in reader.outline if isinstance(entries, list) for e in entries]
    assert any("Forslag: Bænke" in t for t in titles) and "tegning.pdf" in nested
