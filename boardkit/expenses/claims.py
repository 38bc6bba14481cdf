"""A claim's low-level pieces the rest of the domain builds on: reading a claim the principal may
see (:func:`get_claim`), a draft its claimant may change (:func:`editable_claim`), its lines, its
encrypted bank account, its total, and its history (:func:`record_event`).

Every module of ``expenses`` imports this one directly; ``service.py``, the domain's public face,
re-exports what other domains use.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import audit, crypto
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, Forbidden, NotFound
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.expenses import rules
from boardkit.expenses.models import ExpenseClaim, ExpenseEvent, ExpenseFlag, ExpenseLine

BANK_PURPOSE = "expense-bank-account"


def record_event(
    db: Session,
    claim: ExpenseClaim,
    *,
    actor_id: int | None,
    action: str,
    line_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> None:
    """One history entry on the claim (kept for good) and the audit log entry beside it."""
    db.add(
        ExpenseEvent(
            claim_id=claim.id,
            line_id=line_id,
            actor_id=actor_id,
            action=action,
            before=before or {},
            after=after or {},
            note=note,
        )
    )
    audit.record(
        db,
        actor_id=actor_id,
        action=f"expense.{action}",
        obj=claim,
        organisation_id=claim.organisation_id,
        summary=note or claim.purpose[:200],
        diff=audit.changes(before or {}, after or {}),
    )


def set_bank(claim: ExpenseClaim, registration: str, account: str, *, secret_key: str) -> None:
    claim.bank_encrypted = (
        crypto.encrypt(secret_key, f"{registration}:{account}", purpose=BANK_PURPOSE) if account else ""
    )


def bank_details(claim: ExpenseClaim, *, secret_key: str) -> tuple[str, str] | None:
    plain = crypto.decrypt(secret_key, claim.bank_encrypted, purpose=BANK_PURPOSE)
    if not plain:
        return None
    registration, _sep, account = plain.partition(":")
    return registration, account


def get_claim(db: Session, *, principal: Principal, claim_id: int, lock: bool = False) -> ExpenseClaim:
    """A claim the principal may see; 404 otherwise (``lock``: the row is locked for a change)."""
    claim = db.get(ExpenseClaim, claim_id, with_for_update=lock or None, populate_existing=lock)
    if claim is None or not rules.may_view(principal, claim):
        raise NotFound()
    return claim


def history(db: Session, *, claim: ExpenseClaim) -> list[ExpenseEvent]:
    return list(
        db.scalars(select(ExpenseEvent).where(ExpenseEvent.claim_id == claim.id).order_by(ExpenseEvent.id))
    )


def list_flags(db: Session, *, claim: ExpenseClaim) -> list[ExpenseFlag]:
    return list(
        db.scalars(select(ExpenseFlag).where(ExpenseFlag.claim_id == claim.id).order_by(ExpenseFlag.id))
    )


def refresh_total(claim: ExpenseClaim) -> None:
    claim.total_ore = sum(line.amount_ore for line in claim.lines)
    claim.updated_at = utcnow()


# --- lines while a draft --------------------------------------------------------------------


def editable_claim(db: Session, *, principal: Principal, claim_id: int) -> ExpenseClaim:
    """The claimant's own draft, locked; others' claims 403 (or 404), a submitted one 409."""
    claim = get_claim(db, principal=principal, claim_id=claim_id, lock=True)
    check_editable(principal, claim)
    return claim


def check_editable(principal: Principal, claim: ExpenseClaim) -> None:
    if not rules.is_claimant(principal, claim):
        raise Forbidden(_("Kun den, der har lagt ud, kan ændre udlægget."), code="not_claimant")
    if claim.status not in rules.EDITABLE:
        raise Conflict(_("Udlægget er sendt og kan ikke længere ændres."), code="not_a_draft")


def get_line(claim: ExpenseClaim, line_id: int) -> ExpenseLine:
    line = next((line for line in claim.lines if line.id == line_id), None)
    if line is None:
        raise NotFound()
    return line


def editable_line(
    db: Session, *, principal: Principal, claim_id: int, line_id: int
) -> tuple[ExpenseClaim, ExpenseLine]:
    """The one loader of a line to correct or remove (pages and API): a line of my draft
    (``editable_claim``), 404 for a line that is not on it."""
    claim = editable_claim(db, principal=principal, claim_id=claim_id)
    return claim, get_line(claim, line_id)
