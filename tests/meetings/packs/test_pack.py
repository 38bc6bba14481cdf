"""Pack versions: built after publication, a new version only when inputs change, what changed, caching."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import AuditEntry, Job, OutboxEmail, PreparedFile
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.meetings import service
from boardkit.meetings.attachments import PREPARE
from boardkit.meetings.invitations import service as invitations
from boardkit.meetings.models import Meeting, PackFile, PackVersion
from boardkit.meetings.pack_queue import BUILD, RENDER
from boardkit.meetings.service import ItemInput, MeetingInput
from boardkit.org import service as org_service
from boardkit.org.models import Person
from tests.meetings.meeting_env import CHAIR, TREASURER, closed_item, make_meeting, pdf_bytes, png_bytes
from tests.meetings.packs.pack_service_env import (
    add_file,
    add_item,
    admin,
    build,
    delete_file,
    download,
    item_id,
    publish,
    qpdf_check,
    run_jobs,
    text_of,
    versions,
)


def queued(db: Database, kind: str = BUILD) -> int:
    with db.transaction() as s:
        return (
            s.scalar(select(func.count()).select_from(Job).where(Job.kind == kind, Job.status == "queued"))
            or 0
        )


def kinds(changes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (c["kind"], c.get("item_title"), c.get("filename"), tuple(c.get("fields") or ())) for c in changes
    ]


@pytest.mark.postgres
def test_nothing_is_built_before_publication_and_a_burst_of_edits_queues_one_build(
    demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=10)
    add_item(demo, meeting_id, title="Før udgivelsen")
    assert queued(demo) == 0 and build(demo, settings, meeting_id) == {}
    publish(demo, meeting_id)
    assert queued(demo) == 1
    add_item(demo, meeting_id, title="Nyt punkt")
    add_file(demo, settings, item_id(demo, meeting_id, "Nyt punkt"), "bilag.pdf", pdf_bytes(2))
    assert queued(demo) == 1  # one build waits for the whole burst
    assert run_jobs(demo, settings) >= 1
    assert [v.number for v in versions(demo, meeting_id, "full")] == [1]
    assert [v.number for v in versions(demo, meeting_id, "open")] == [1]
    assert versions(demo, meeting_id, "public") == []  # residents' packs are for department meetings
    assert build(demo, settings, meeting_id) == {}  # the same inputs make no new version


def test_an_uploaded_document_is_prepared_in_the_background_before_any_build(
    demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=10)
    item = add_item(demo, meeting_id, title="Haven")
    add_file(demo, settings, item, "Tilbud.pdf", pdf_bytes(2))
    add_file(demo, settings, item, "noter.txt", b"ikke et dokument")
    assert queued(demo, PREPARE) == 1  # documents only
    run_jobs(demo, settings)
    with demo.transaction() as s:
        prepared = s.scalars(select(PreparedFile)).all()
        assert [p.pages for p in prepared] == [2] and not prepared[0].problem
    assert versions(demo, meeting_id, "full") == []  # nothing published, nothing built


def test_sending_the_invitation_publishes_the_pack(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=10)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None and meeting.pack_published_at is None
        invitations.send_invitations(s, meeting=meeting, settings=settings)
        assert meeting.pack_published_at is not None
    assert queued(demo) == 1


def test_a_new_version_under_the_same_name_takes_the_old_files_place(
    demo: Database, settings: Settings
) -> None:
    meeting_id = make_meeting(demo, days=10)
    item = add_item(demo, meeting_id, title="Haven")
    first = add_file(demo, settings, item, "Tilbud.pdf", pdf_bytes(2))
    add_file(demo, settings, item, "Tegning.pdf", pdf_bytes(1))
    publish(demo, meeting_id)
    assert build(demo, settings, meeting_id) == {"full": 1, "open": 1}
    assert add_file(demo, settings, item, "Tilbud.pdf", pdf_bytes(2)) == first  # the same bytes: nothing
    assert build(demo, settings, meeting_id) == {}
    assert add_file(demo, settings, item, "Tilbud.pdf", pdf_bytes(4)) == first  # same row, same place
    assert build(demo, settings, meeting_id) == {"full": 2, "open": 2}
    assert kinds(versions(demo, meeting_id, "full")[1].changes) == [
        ("file_replaced", "Haven", "Tilbud.pdf", ())
    ]
    with demo.transaction() as s:
        names = [a.filename for a in service.get_item(s, principal=_admin(demo, s), item_id=item).attachments]
        actions = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "attachment", AuditEntry.object_id == first
            )
        ).all()
    assert names == ["Tilbud.pdf", "Tegning.pdf"]
    assert actions.count("attachment.replace") == 1

    # A third version: the first version's drawn copies go (bytes too), the second's stay a while.
    with demo.transaction() as s:
        first_copies = s.scalars(
            select(PackFile.sha256).join(PackVersion).where(PackVersion.number == 1)
        ).all()
    assert first_copies and all(FileStore(settings.files_dir).exists(sha) for sha in first_copies)
    add_file(demo, settings, item, "Tilbud.pdf", pdf_bytes(5))
    assert build(demo, settings, meeting_id) == {"full": 3, "open": 3}
    with demo.transaction() as s:
        left = dict(
            s.execute(
                select(PackVersion.number, func.count(PackFile.id))
                .outerjoin(PackFile)
                .where(PackVersion.meeting_id == meeting_id)
                .group_by(PackVersion.number)
            ).all()
        )
    assert left[1] == 0 and left[2] >= 1 and left[3] >= 1
    assert not any(FileStore(settings.files_dir).exists(sha) for sha in first_copies)


def test_versions_record_what_changed(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=10, title="Bestyrelsesmøde om haven")
    first = add_item(demo, meeting_id, title="Haven", description="Plan for haven")
    old_file = add_file(demo, settings, first, "Tilbud.pdf", pdf_bytes(2))
    add_file(demo, settings, first, "Foto.png", png_bytes())
    publish(demo, meeting_id)
    assert build(demo, settings, meeting_id) == {"full": 1, "open": 1}

    # Replace a file (same name, new content), add one, change an item, add one, delete one, move one.
    delete_file(demo, old_file)
    add_file(demo, settings, first, "Tilbud.pdf", pdf_bytes(3))
    add_file(demo, settings, first, "Tegning.pdf", pdf_bytes(1))
    with demo.transaction() as s:
        item = service.get_item(s, principal=_admin(demo, s), item_id=first)
        service.update_item(
            s, item, actor_id=admin(s), data=ItemInput(title="Haven", description="Ny plan", position=1)
        )
    add_item(demo, meeting_id, title="Legeplads", position=2)
    economy = item_id(demo, meeting_id, "Økonomi")
    with demo.transaction() as s:
        service.delete_item(
            s, service.get_item(s, principal=_admin(demo, s), item_id=economy), actor_id=admin(s)
        )
    assert build(demo, settings, meeting_id) == {"full": 2, "open": 2}

    full = versions(demo, meeting_id, "full")
    assert full[0].changes == []
    changes = kinds(full[1].changes)
    assert ("item_changed", "Haven", None, ("description", "position")) in changes
    assert ("file_replaced", "Haven", "Tilbud.pdf", ()) in changes
    assert ("file_added", "Haven", "Tegning.pdf", ()) in changes
    assert ("item_added", "Legeplads", None, ()) in changes
    assert ("item_removed", "Økonomi", None, ()) in changes
    # Renumbering after an insertion is not a change of its own.
    assert not any(k == "item_changed" and t not in ("Haven",) for k, t, _f, _x in changes)
    assert full[1].changes[0]["kind"] in ("item_changed", "file_replaced")  # in agenda order: Haven first

    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        data = MeetingInput(
            title=meeting.title,
            kind=meeting.kind,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location="Kontoret",
        )
        service.update_meeting(s, meeting, actor_id=admin(s), data=data)
    assert queued(demo) >= 1
    assert build(demo, settings, meeting_id) == {"full": 3, "open": 3}
    assert versions(demo, meeting_id, "full")[2].changes == [
        {"kind": "meeting_changed", "fields": ["location"]}
    ]


def _admin(db: Database, s: Session) -> Principal:
    return org_service.build_principal(s, person_id=admin(s))


def test_closed_items_change_only_the_packs_that_show_them(demo: Database, settings: Settings) -> None:
    meeting_id, closed_id = closed_item(demo)
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    add_file(demo, settings, closed_id, "Fortroligt.pdf", pdf_bytes(1))
    assert build(demo, settings, meeting_id) == {"full": 2}  # the open pack does not show the item
    full = versions(demo, meeting_id, "full")[1]
    assert kinds(full.changes) == [("file_added", "Personalesag", "Fortroligt.pdf", ())]
    assert "Personalesag" not in str(versions(demo, meeting_id, "open")[0].manifest)


@pytest.mark.postgres
def test_an_unchanged_attachment_is_prepared_once(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=10)
    first = add_item(demo, meeting_id, title="Budget")
    add_file(demo, settings, first, "Budget.pdf", pdf_bytes(4))
    add_file(demo, settings, first, "Kopi af budget.pdf", pdf_bytes(4))  # the same content twice
    add_file(demo, settings, first, "Foto.png", png_bytes())
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    with demo.transaction() as s:
        before = {row.source_sha256: row.id for row in s.scalars(select(PreparedFile))}
    assert len(before) == 2
    add_file(demo, settings, first, "Nyt.pdf", pdf_bytes(5))
    build(demo, settings, meeting_id)
    with demo.transaction() as s:
        after = {row.source_sha256: row.id for row in s.scalars(select(PreparedFile))}
    assert len(after) == 3 and all(after[sha] == before[sha] for sha in before)


def test_copies_are_drawn_ahead_for_the_board_and_cached(demo: Database, settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)
    add_file(
        demo, settings, item_id(demo, meeting_id, "Legepladsen ved Engvænget"), "Tilbud.pdf", pdf_bytes(2)
    )
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    assert queued(demo, RENDER) > 0  # the other members' copies follow in their own jobs
    full = versions(demo, meeting_id, "full")[0]
    assert full.pages > 0
    run_jobs(demo, settings)
    with demo.transaction() as s:
        drawn = s.scalar(
            select(func.count()).select_from(PackFile).where(PackFile.pack_version_id == full.id)
        )
    assert drawn == 5  # one watermarked copy per sitting member of the Engparken board
    version, pdf = download(demo, settings, meeting_id, TREASURER)
    with demo.transaction() as s:
        total = s.scalar(select(func.count()).select_from(PackFile))
    assert total == drawn + 1  # and the open pack's one copy
    assert version == 1 and "Fortroligt" in text_of(pdf)
    qpdf_check(pdf)


def test_board_readers_are_told_what_changed(demo: Database, settings: Settings) -> None:
    meeting_id, _closed = closed_item(demo)
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    with demo.transaction() as s:
        s.execute(update(Person).where(Person.email == TREASURER).values(language="en"))
    add_item(demo, meeting_id, title="Fælles grill & bålsted")
    build(demo, settings, meeting_id)
    with demo.transaction() as s:
        mails = s.scalars(select(OutboxEmail).where(OutboxEmail.template == "pack_updated")).all()
        s.expunge_all()
    addresses = {m.to_address for m in mails}
    assert CHAIR in addresses and TREASURER in addresses and len(mails) == 5  # the sitting members
    chair = next(m for m in mails if m.to_address == CHAIR)
    assert "Ny version af mødemappen" in chair.subject
    assert "Nyt punkt: " in chair.body_text and "Fælles grill & bålsted" in chair.body_text
    assert "Fælles grill &amp; bålsted" in chair.body_html
    assert next(m for m in mails if m.to_address == TREASURER).language == "en"


def test_a_file_that_cannot_be_used_gets_a_placeholder_page(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=10)
    first = add_item(demo, meeting_id, title="Bilag i stykker")
    add_file(demo, settings, first, "i stykker.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 50)
    add_file(demo, settings, first, "Referat.docx", b"PK\x03\x04" + b"\x00" * 100)
    add_file(demo, settings, first, "God.pdf", pdf_bytes(2))
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    _version, pdf = download(demo, settings, meeting_id, CHAIR)
    qpdf_check(pdf)
    text = text_of(pdf)
    assert "i stykker.pdf" in text and "Referat.docx" in text


@pytest.mark.postgres
def test_two_workers_building_at_once_take_turns(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=10)
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    add_item(demo, meeting_id, title="Nyt punkt")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            build(demo, settings, meeting_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert [v.number for v in versions(demo, meeting_id, "full")] == [1, 2]


def test_a_moved_meeting_is_told_by_its_update_not_twice(demo: Database, settings: Settings) -> None:
    meeting_id = make_meeting(demo, days=10)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        invitations.send_invitations(s, meeting=meeting, settings=settings)  # publishes the pack too
    build(demo, settings, meeting_id)
    with demo.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        data = MeetingInput(
            meeting.title, meeting.kind, meeting.starts_at, meeting.ends_at, location="Kontoret"
        )
        service.update_meeting(s, meeting, actor_id=admin(s), data=data)
    assert build(demo, settings, meeting_id) == {"full": 2, "open": 2}
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).where(OutboxEmail.template == "pack_updated")) == 0
