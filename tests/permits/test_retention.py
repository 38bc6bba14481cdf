"""Retention: a household's cases go a configurable time after its tenancy ended, leaving an audit
entry without content; the cases of a current tenancy stay."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from boardkit.app import compose
from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.core.storage import FileStore
from boardkit.meetings.models import AgendaItem, Attachment
from boardkit.org.models import Person, Residency
from boardkit.permits import retention
from boardkit.permits.models import Permit, PermitEvent, PermitFile
from tests.permits.permit_env import RESIDENT, SETTINGS, seed, set_rule

pytestmark = pytest.mark.postgres  # a correlated EXISTS per organisation

TODAY = date(2026, 12, 4)


def moved_out(db: Database, day: date) -> list[int]:
    """beboer@ moved out on ``day``; returns the ids of the household's cases."""
    with db.transaction() as s:
        person = s.scalar(select(Person.id).where(Person.email == RESIDENT))
        residency = s.scalar(
            select(Residency).where(Residency.person_id == person, Residency.role == "tenant")
        )
        assert residency is not None
        residency.end_date = day
        return list(s.scalars(select(Permit.id).where(Permit.applicant_id == person)))


def purge_all(db: Database) -> int:
    total = 0
    while True:
        with db.transaction() as s:
            n = retention.purge(s, today=TODAY, limit=7)
        if not n:
            return total
        total += n


def test_cases_go_five_years_after_the_tenancy_ended_and_leave_no_content(demo: Database) -> None:
    seed(demo)
    with demo.transaction() as s:
        before = s.scalar(select(func.count()).select_from(Permit))
    ids = moved_out(demo, date(2021, 12, 3))  # five years and a day ago
    assert len(ids) == 2  # the demo's dog and kitchen
    assert purge_all(demo) == 2
    assert purge_all(demo) == 0  # once
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Permit)) == before - 2  # nobody else's
        assert (
            s.scalar(select(func.count()).select_from(PermitEvent).where(PermitEvent.permit_id.in_(ids))) == 0
        )
        entries = list(
            s.scalars(select(AuditEntry).where(AuditEntry.action == "permit.deleted_by_retention"))
        )
        assert sorted(e.object_id for e in entries) == sorted(ids)
        assert {e.summary for e in entries} == {"dog", "kitchen"} and all(e.changes == {} for e in entries)


def test_cases_stay_while_the_tenancy_is_current_or_ended_lately_or_the_rule_says_longer(
    demo: Database,
) -> None:
    seed(demo)
    assert purge_all(demo) == 0  # every demo household still lives there
    moved_out(demo, date(2021, 12, 5))  # not yet five years
    assert purge_all(demo) == 0
    moved_out(demo, date(2018, 1, 1))
    with demo.transaction() as s:
        set_rule(s, "permits_retention_years", 10)
    assert purge_all(demo) == 0
    with demo.transaction() as s:
        set_rule(s, "permits_retention_years", 5)
    assert purge_all(demo) == 2


def test_the_files_of_deleted_cases_go_unless_something_else_refers_to_them(
    demo: Database, tmp_path: Path
) -> None:
    compose(demo, SETTINGS)  # every domain names the columns that refer to stored files
    store = FileStore(tmp_path / "files")
    own, shared = store.put(b"%PDF-1.4 only the case's drawing"), store.put(b"%PDF-1.4 also a meeting's")
    ids = moved_out(demo, date(2021, 12, 3))
    with demo.transaction() as s:
        for n, sha in enumerate((own, shared)):
            s.add(
                PermitFile(
                    permit_id=ids[0], sha256=sha, filename=f"{n}.pdf", content_type="application/pdf", size=9
                )
            )
        item = s.scalar(select(AgendaItem.id).limit(1))
        s.add(
            Attachment(
                agenda_item_id=item, filename="x.pdf", content_type="application/pdf", sha256=shared, size=9
            )
        )
    assert retention.run(demo, store=store, today=TODAY) == 2
    assert not store.exists(own)  # nothing refers to it any more
    assert store.exists(shared)  # the meeting's attachment still does
    assert retention.run(demo, store=store, today=TODAY) == 0
