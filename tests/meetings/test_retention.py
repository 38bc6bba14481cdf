"""Retention of person and complaint cases: their material (files, notes, description) goes the
configured time after the meeting; the title, the minutes and the decisions stay, and packs built
earlier still open, saying the material was deleted."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fpdf import FPDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import AuditEntry, PreparedFile
from boardkit.core.retention import service as retention
from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ
from boardkit.meetings import retention as person_cases
from boardkit.meetings.models import (
    AgendaItem,
    Attachment,
    Decision,
    Meeting,
    Minutes,
    PackFile,
    PackVersion,
    PrivateNote,
)
from boardkit.org.models import Board, Organisation
from tests.helpers import login_as, person_id
from tests.meetings.meeting_env import CHAIR, closed_item
from tests.meetings.packs.pack_service_env import (
    add_file,
    build,
    download,
    publish,
    qpdf_check,
    run_jobs,
    text_of,
    versions,
)

SECRET = "Klagen over viceværten"


def complaint_pdf() -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=16)
    doc.cell(0, 10, SECRET)
    return bytes(doc.output())


def count(s: Session, column: Any, where: Any) -> int:
    return s.scalar(select(func.count(column)).where(where)) or 0


def meeting_day(db: Database, meeting_id: int) -> date:
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting.ends_at.astimezone(TZ).date()


def add_minutes(db: Database, meeting_id: int, item_id: int) -> tuple[int, int]:
    """Approved minutes with the case's decision: (minutes id, decision id)."""
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        board = s.get(Board, meeting.board_id)
        assert board is not None
        content = {
            "items": [
                {
                    "agenda_item_id": item_id,
                    "title": "Personalesag",
                    "closed": True,
                    "person_case": True,
                    "notes": "Drøftet.",
                    "decision": "Sagen er afsluttet.",
                }
            ]
        }
        minutes = Minutes(meeting_id=meeting_id, status="approved", content=content)
        s.add(minutes)
        s.flush()
        decision = Decision(
            minutes_id=minutes.id,
            meeting_id=meeting_id,
            agenda_item_id=item_id,
            organisation_id=board.organisation_id,
            board_id=board.id,
            decided_on=meeting.starts_at.date(),
            item_title="Personalesag",
            text="Sagen er afsluttet.",
            closed=True,
        )
        s.add(decision)
        s.flush()
        return minutes.id, decision.id


@pytest.mark.postgres
def test_a_person_case_loses_its_material_three_years_after_the_meeting_and_packs_still_open(
    demo: Database, settings: Settings
) -> None:
    compose(demo, settings)
    store = FileStore(settings.files_dir)
    meeting_id, item_id = closed_item(demo)
    file_id = add_file(demo, settings, item_id, "Klage.pdf", complaint_pdf())
    chair = person_id(demo, CHAIR)
    with demo.transaction() as s:
        attachment = s.get(Attachment, file_id)
        assert attachment is not None
        sha = attachment.sha256
        s.add(PrivateNote(person_id=chair, agenda_item_id=item_id, text="Ring til Hansen"))
    publish(demo, meeting_id)
    build(demo, settings, meeting_id)
    run_jobs(demo, settings)
    _version, before = download(demo, settings, meeting_id, CHAIR, notes=True)
    assert SECRET in text_of(before) and "Ring til Hansen" in text_of(before)
    minutes_id, decision_id = add_minutes(demo, meeting_id, item_id)
    with demo.transaction() as s:
        prepared = s.scalar(select(PreparedFile.prepared_sha256).where(PreparedFile.source_sha256 == sha))
        old_copies = list(  # the board's copies showed the file; the "open" pack never had it
            s.scalars(select(PackFile.sha256).join(PackVersion).where(PackVersion.variant == "full"))
        )
    assert prepared is not None and store.exists(prepared)

    day = meeting_day(demo, meeting_id)
    kept_through = day.replace(year=day.year + 3)
    runs = retention.run(demo, store=store, today=kept_through, names=[person_cases.RULE])
    assert runs[0].result.total == 0  # three years to the day: still kept
    with demo.transaction() as s:
        assert s.get(Attachment, file_id) is not None

    runs = retention.run(demo, store=store, today=kept_through + timedelta(days=1), names=[person_cases.RULE])
    result = runs[0].result
    assert result.ids["agenda_item"] == [item_id] and result.ids["attachment"] == [file_id]
    assert result.counts["private_notes"] == 1 and result.counts["pack_copies"] > 0
    assert not store.exists(sha) and not store.exists(prepared)  # nothing else referred to them
    assert old_copies and not any(store.exists(c) for c in old_copies)
    with demo.transaction() as s:
        item = s.get(AgendaItem, item_id)
        assert item is not None and item.title == "Personalesag" and item.description == ""
        assert item.material_deleted_at is not None
        assert (
            s.scalar(
                select(func.count()).select_from(PrivateNote).where(PrivateNote.agenda_item_id == item_id)
            )
            == 0
        )
        assert (
            s.scalar(select(func.count()).select_from(PreparedFile).where(PreparedFile.source_sha256 == sha))
            == 0
        )
        # the statutory record stays, word for word
        minutes = s.get(Minutes, minutes_id)
        assert minutes is not None and minutes.content["items"][0]["decision"] == "Sagen er afsluttet."
        decision = s.get(Decision, decision_id)
        assert decision is not None and decision.agenda_item_id == item_id
        entry = s.scalars(
            select(AuditEntry).where(
                AuditEntry.action == retention.ACTION, AuditEntry.summary == person_cases.RULE
            )
        ).all()[-1]
        assert entry.changes["ids"]["agenda_item"] == [item_id]
        assert entry.changes["counts"]["attachments"] == 1
        assert SECRET not in str(entry.changes) and "Klage.pdf" not in str(entry.changes)
    full = versions(demo, meeting_id, "full")
    shown = next(i for i in full[-1].manifest["items"] if i["id"] == item_id)
    assert shown["files"] == [] and shown["description"] == "" and shown["material_deleted"]
    assert all("Klage.pdf" not in str(v.changes) for v in full)
    # A reader's copy is drawn again from the mended version: it opens, without the material.
    version, after = download(demo, settings, meeting_id, CHAIR, notes=True)
    assert version == full[-1].number
    text = text_of(after)
    assert "Materialet er slettet efter opbevaringsreglerne." in text
    assert SECRET not in text and "Ring til Hansen" not in text and "Personalesag" in text
    qpdf_check(after)
    # Building again finds the same inputs: no new version, nobody told of a change.
    build(demo, settings, meeting_id)
    assert len(versions(demo, meeting_id, "full")) == len(full)

    # Idempotent: a second run deletes nothing and says so.
    runs = retention.run(demo, store=store, today=kept_through + timedelta(days=1), names=[person_cases.RULE])
    assert runs[0].result.total == 0
    with demo.transaction() as s:
        last = s.scalars(
            select(AuditEntry).where(AuditEntry.action == retention.ACTION).order_by(AuditEntry.id.desc())
        ).first()
        assert last is not None and last.changes["counts"] == {"agenda_items": 0}


def test_the_organisation_sets_the_time_and_other_items_keep_their_material(
    demo: Database, settings: Settings
) -> None:
    compose(demo, settings)
    store = FileStore(settings.files_dir)
    meeting_id, item_id = closed_item(demo)
    day = meeting_day(demo, meeting_id)
    with demo.transaction() as s:
        for org in s.scalars(select(Organisation)):
            org.rules = {**(org.rules or {}), person_cases.YEARS_RULE: 5}
        other = s.scalars(
            select(AgendaItem).where(AgendaItem.meeting_id == meeting_id, AgendaItem.person_case.is_(False))
        ).all()
        descriptions = {i.id: i.description for i in other}
    later = day.replace(year=day.year + 4)
    assert retention.run(demo, store=store, today=later, names=[person_cases.RULE])[0].result.total == 0
    later = day.replace(year=day.year + 5) + timedelta(days=1)
    result = retention.run(demo, store=store, today=later, names=[person_cases.RULE])[0].result
    assert result.ids["agenda_item"] == [item_id]
    with demo.transaction() as s:
        for i in s.scalars(select(AgendaItem).where(AgendaItem.id.in_(list(descriptions)))):
            assert i.description == descriptions[i.id] and i.material_deleted_at is None


def test_the_meeting_page_says_the_material_was_deleted(
    client: TestClient, demo: Database, settings: Settings
) -> None:
    meeting_id, _item = closed_item(demo)
    day = meeting_day(demo, meeting_id)
    later = day.replace(year=day.year + 4)
    retention.run(demo, store=FileStore(settings.files_dir), today=later, names=[person_cases.RULE])
    login_as(client, demo, CHAIR)
    page = client.get(f"/meetings/{meeting_id}")
    assert page.status_code == 200
    assert "Materialet er slettet efter opbevaringsreglerne." in page.text
    assert "Behandles for lukkede døre" not in page.text  # the demo's description is gone
    assert "Personalesag" in page.text
