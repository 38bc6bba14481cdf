"""Retention of expense claims: vouchers are kept 5 years from the end of the financial year
(bookkeeping act 2022), then the nightly retention job (``core.retention``, rule :data:`RULE`)
deletes them.

What goes: the whole claim — its receipt lines and their stored files (original, clean copy,
preview), mileage lines with their places, the bank account, the purpose, the history and the
duplicate flags. No anonymised row is kept: nothing else needs one. The booked entries live in
the bookkeeping's own system, which got them through the export; a budget overview or mileage
summary of a year that far back is no board's business any more; an export batch whose every
claim is gone is deleted with them (a batch is only a list of claims). The audit log keeps its
entries (with the ids of what went).

The claim's financial year is the one its submission falls in, by the organisation's
``financial_year_start`` rule ("MM-DD", default 1 January, ``rules.financial_year_start``): a
claim submitted in financial year 2020 is deleted on the first day of financial year 2026 (with
calendar years: kept on 2025-12-31, deleted on 2026-01-01). A draft never submitted counts from
the day it was made: an abandoned draft is deleted after the same time. A claim that is still
open (submitted or attested, never decided) is deleted too once that time has passed.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from boardkit.core.retention import service as retention
from boardkit.core.templating import TZ
from boardkit.expenses import rules
from boardkit.expenses.models import ExpenseClaim, ExpenseExport, ExpenseLine
from boardkit.org import service as org_service

RULE = "expenses.claims"


def keep_from(org_rules: dict[str, object] | None, today: date) -> date:
    """Claims of a financial year that began before this day are due for deletion ``today``."""
    start = rules.financial_year_start(org_rules, today)
    return rules.financial_year_start(org_rules, start.replace(year=start.year - rules.RETENTION_YEARS))


def due_claims(db: Session, *, today: date, limit: int) -> list[int]:
    found: list[int] = []
    for org_id, org_rules in db.execute(select(org_service.Organisation.id, org_service.Organisation.rules)):
        before = datetime.combine(keep_from(org_rules, today), time(), TZ)
        query = (
            select(ExpenseClaim.id)
            .where(
                ExpenseClaim.organisation_id == org_id,
                func.coalesce(ExpenseClaim.submitted_at, ExpenseClaim.created_at) < before,
            )
            .order_by(ExpenseClaim.id)
            .limit(limit - len(found))
        )
        found += db.scalars(query)
        if len(found) >= limit:
            break
    return found


def rule(db: Session, today: date, limit: int) -> retention.RetentionResult:
    """Delete one batch of claims past their retention (see the module's doc)."""
    ids = due_claims(db, today=today, limit=limit)
    if not ids:
        return retention.RetentionResult(counts={"expense_claims": 0})
    lines = db.execute(
        select(
            ExpenseLine.id, ExpenseLine.original_sha256, ExpenseLine.clean_sha256, ExpenseLine.preview_sha256
        ).where(ExpenseLine.claim_id.in_(ids))
    ).all()
    files = {sha for line in lines for sha in line[1:] if sha}
    batches = {
        b for b in db.scalars(select(ExpenseClaim.export_id).where(ExpenseClaim.id.in_(ids))) if b is not None
    }
    # Lines, history and duplicate flags go with the claim (ON DELETE CASCADE).
    db.execute(
        delete(ExpenseClaim).where(ExpenseClaim.id.in_(ids)).execution_options(synchronize_session=False)
    )
    empty: list[int] = []
    if batches:
        still = set(db.scalars(select(ExpenseClaim.export_id).where(ExpenseClaim.export_id.in_(batches))))
        empty = sorted(b for b in batches if b not in still)
        if empty:
            db.execute(
                delete(ExpenseExport)
                .where(ExpenseExport.id.in_(empty))
                .execution_options(synchronize_session=False)
            )
    return retention.RetentionResult(
        counts={
            "expense_claims": len(ids),
            "expense_lines": len(lines),
            "receipt_files": len(files),
            "expense_exports": len(empty),
        },
        ids={"expense_claim": ids, "expense_export": empty},
        files=files,
    )
