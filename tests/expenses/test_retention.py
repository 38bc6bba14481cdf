"""Retention of expense claims: a claim goes 5 years after the end of its financial year (the
organisation's rule, else the calendar year), files and all; what went is in the audit log by
count and id only."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.core.retention import service as retention
from boardkit.core.storage import FileStore
from boardkit.expenses import retention as claims_retention
from boardkit.expenses import rules
from boardkit.expenses.models import ExpenseClaim, ExpenseEvent, ExpenseExport, ExpenseLine
from boardkit.org.models import Organisation
from tests.expenses.expense_env import TREASURER, new_claim, receipt, through

pytestmark = pytest.mark.postgres  # a bulk delete that cascades, per organisation

PURPOSE = "Blomster til Hansens begravelse"


def claim(db: Database, store: FileStore, submitted: datetime | None, *, tag: str) -> tuple[int, set[str]]:
    """A claim with one receipt whose three stored files are its own; submitted at ``submitted``
    (None: a draft made then): (id, the files' sha256)."""
    with db.transaction() as s:
        made = new_claim(s, TREASURER, purpose=PURPOSE)
        line_id = receipt(s, TREASURER, made, 12_500, date(2020, 6, 1))
        claim_id = made.id
    if submitted is not None:
        through(db, claim_id, to="submitted")
    shas = {store.put(f"%PDF-1.4 {tag} {kind}".encode()) for kind in ("original", "clean", "preview")}
    with db.transaction() as s:
        line = s.get(ExpenseLine, line_id)
        row = s.get(ExpenseClaim, claim_id)
        assert line is not None and row is not None
        line.original_sha256, line.clean_sha256, line.preview_sha256 = sorted(shas)
        row.submitted_at = submitted
        row.created_at = submitted or datetime(2019, 3, 1, tzinfo=UTC)
    return claim_id, shas


def exists(db: Database, claim_id: int) -> bool:
    with db.transaction() as s:
        return s.get(ExpenseClaim, claim_id) is not None


def run(db: Database, store: FileStore, day: date) -> retention.RetentionResult:
    return retention.run(db, store=store, today=day, names=[claims_retention.RULE])[0].result


def test_a_claim_goes_on_the_first_day_of_the_sixth_financial_year_after_its_own(
    demo: Database, settings: Settings, tmp_path: Path
) -> None:
    compose(demo, settings)
    store = FileStore(tmp_path / "files")
    # 23:30 in Copenhagen on New Year's Eve 2020, and half an hour past midnight: FY 2020 and 2021
    fy2020, files2020 = claim(demo, store, datetime(2020, 12, 31, 22, 30, tzinfo=UTC), tag="2020")
    fy2021, files2021 = claim(demo, store, datetime(2020, 12, 31, 23, 30, tzinfo=UTC), tag="2021")
    fy2019, _files = claim(demo, store, datetime(2019, 5, 1, 10, tzinfo=UTC), tag="2019")
    draft, _draft_files = claim(demo, store, None, tag="draft")  # made in 2019, never submitted
    with demo.transaction() as s:
        org_id = s.scalar(select(ExpenseClaim.organisation_id).where(ExpenseClaim.id == fy2020))
        both, alone = ExpenseExport(organisation_id=org_id), ExpenseExport(organisation_id=org_id)
        s.add_all([both, alone])
        s.flush()
        for claim_id, batch in ((fy2020, both), (fy2021, both), (fy2019, alone)):
            row = s.get(ExpenseClaim, claim_id)
            assert row is not None
            row.export_id = batch.id
        both_id, alone_id = both.id, alone.id
        before = s.scalar(select(func.count()).select_from(ExpenseClaim)) or 0

    first = run(demo, store, date(2025, 12, 31))
    assert sorted(first.ids["expense_claim"]) == sorted([fy2019, draft])
    assert first.ids["expense_export"] == [alone_id]  # emptied: it goes too
    assert exists(demo, fy2020) and exists(demo, fy2021)
    assert all(store.exists(sha) for sha in files2020)

    second = run(demo, store, date(2026, 1, 1))
    assert second.ids["expense_claim"] == [fy2020] and second.ids["expense_export"] == []
    assert second.counts == {
        "expense_claims": 1,
        "expense_lines": 1,
        "receipt_files": 3,
        "expense_exports": 0,
    }
    assert not exists(demo, fy2020) and exists(demo, fy2021)
    assert not any(store.exists(sha) for sha in files2020)
    assert all(store.exists(sha) for sha in files2021)
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ExpenseClaim)) == before - 3  # nobody else's
        assert (
            s.scalar(select(func.count()).select_from(ExpenseEvent).where(ExpenseEvent.claim_id == fy2020))
            == 0
        )
        assert s.get(ExpenseExport, both_id) is not None and s.get(ExpenseExport, alone_id) is None
        entries = s.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == retention.ACTION, AuditEntry.summary == claims_retention.RULE)
            .order_by(AuditEntry.id)
        ).all()
        assert [e.changes["ids"]["expense_claim"] for e in entries] == [first.ids["expense_claim"], [fy2020]]
        assert all(PURPOSE not in str(e.changes) and e.actor_id is None for e in entries)

    again = run(demo, store, date(2026, 1, 1))  # idempotent: nothing more, one entry saying so
    assert again.total == 0 and exists(demo, fy2021)
    with demo.transaction() as s:
        last = s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert last is not None and last.summary == claims_retention.RULE
        assert last.changes["counts"] == {"expense_claims": 0}


def test_the_organisation_may_start_its_financial_year_elsewhere(
    demo: Database, settings: Settings, tmp_path: Path
) -> None:
    compose(demo, settings)
    store = FileStore(tmp_path / "files")
    last_day, _ = claim(demo, store, datetime(2020, 6, 30, 12, tzinfo=UTC), tag="2019/20")
    first_day, _ = claim(demo, store, datetime(2020, 7, 1, 12, tzinfo=UTC), tag="2020/21")
    with demo.transaction() as s:
        for org in s.scalars(select(Organisation)):
            org.rules = {**(org.rules or {}), rules.FINANCIAL_YEAR_START_RULE: "07-01"}
        row = s.get(ExpenseClaim, last_day)
        assert row is not None
        assert rules.retained_until(row, {"financial_year_start": "07-01"}) == date(2025, 7, 1)
        assert rules.retained_until(row) == date(2026, 1, 1)  # no rule: the calendar year
    assert run(demo, store, date(2025, 6, 30)).total == 0
    assert run(demo, store, date(2025, 7, 1)).ids["expense_claim"] == [last_day]
    assert exists(demo, first_day)


def test_the_financial_year_start() -> None:
    july = {"financial_year_start": "07-01"}
    assert rules.financial_year_start(None, date(2020, 6, 30)) == date(2020, 1, 1)
    assert rules.financial_year_start(july, date(2020, 6, 30)) == date(2019, 7, 1)
    assert rules.financial_year_start(july, date(2020, 7, 1)) == date(2020, 7, 1)
    for bad in ("02-29", "13-01", "7-1", 701, None):
        assert rules.financial_year_start({"financial_year_start": bad}, date(2020, 6, 30)) == date(
            2020, 1, 1
        )
    assert claims_retention.keep_from(None, date(2026, 1, 1)) == date(2021, 1, 1)
    assert claims_retention.keep_from(None, date(2025, 12, 31)) == date(2020, 1, 1)
    assert claims_retention.keep_from(july, date(2025, 7, 1)) == date(2020, 7, 1)
