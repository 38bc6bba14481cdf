"""A draft's lines: receipts typed or uploaded, trips priced from the rate table, corrections.

Every change updates the claim's total and is written to its history with the values before
and after; lines change only while the claim is a draft (``claims.editable_claim``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.expenses import claims, mileage, rules
from boardkit.expenses.models import ExpenseClaim, ExpenseLine
from boardkit.org import service as org_service

RECEIPT_FIELDS = ("amount_ore", "vat_ore", "spent_on", "description")
MILEAGE_FIELDS = (
    "spent_on",
    "from_place",
    "to_place",
    "stops",
    "description",
    "km_tenths",
    "vehicle",
    "amount_ore",
)


def add_receipt_line(
    db: Session, *, principal: Principal, claim: ExpenseClaim, data: rules.ReceiptInput, complete: bool = True
) -> ExpenseLine:
    """A receipt line typed in (``complete=False``: from an upload, filled in later)."""
    errors = rules.check_receipt(data, complete=complete)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    amount = data.amount_ore or 0
    line = ExpenseLine(
        kind="receipt",
        amount_ore=amount,
        vat_ore=data.vat_ore if data.vat_ore is not None else rules.default_vat(amount),
        spent_on=data.spent_on,
        description=data.description.strip(),
    )
    return _append_line(db, principal=principal, claim=claim, line=line, fields=RECEIPT_FIELDS)


def _append_line(
    db: Session, *, principal: Principal, claim: ExpenseClaim, line: ExpenseLine, fields: Sequence[str]
) -> ExpenseLine:
    """Add a new line to the claim (a trip priced first), update the total, record it in the history."""
    claim.lines.append(line)
    db.flush()
    if line.kind == "mileage":
        mileage.price_line(db, line=line, claimant_id=claim.claimant_id)
    claims.refresh_total(claim)
    claims.record_event(
        db,
        claim,
        actor_id=principal.person_id,
        action="line.add",
        line_id=line.id,
        after=audit.snapshot(line, fields),
    )
    return line


def add_mileage_line(
    db: Session, *, principal: Principal, claim: ExpenseClaim, data: rules.MileageInput
) -> ExpenseLine:
    """A trip priced from the rate table and the claimant's km so far this year (``mileage.py``)."""
    errors = rules.check_mileage(data)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    assert data.travelled_on is not None and data.km_tenths is not None
    mileage.get_rate(db, year=data.travelled_on.year, vehicle=data.vehicle)  # 422 before anything is saved
    # One claimant's lines are priced one at a time (PostgreSQL locks the person's row).
    db.refresh(org_service.get_person(db, person_id=claim.claimant_id), with_for_update=True)
    line = ExpenseLine(
        kind="mileage",
        spent_on=data.travelled_on,
        from_place=data.from_place.strip(),
        to_place=data.to_place.strip(),
        stops=[s.strip() for s in data.stops if s.strip()],
        description=data.purpose.strip(),
        km_tenths=data.km_tenths,
        vehicle=data.vehicle,
    )
    return _append_line(db, principal=principal, claim=claim, line=line, fields=MILEAGE_FIELDS)


def update_receipt_line(
    db: Session, *, principal: Principal, claim: ExpenseClaim, line: ExpenseLine, data: rules.ReceiptInput
) -> ExpenseLine:
    """Correct a receipt line of a draft; the history keeps the values before and after."""
    if line.kind != "receipt":
        raise Conflict(
            _("En kørselslinje rettes ved at slette den og lave en ny."), code="not_a_receipt_line"
        )
    merged = rules.ReceiptInput(
        amount_ore=data.amount_ore if data.amount_ore is not None else (line.amount_ore or None),
        vat_ore=data.vat_ore,
        spent_on=data.spent_on or line.spent_on,
        description=data.description if data.description else line.description,
    )
    errors = rules.check_receipt(merged, complete=False)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    before = audit.snapshot(line, RECEIPT_FIELDS)
    line.amount_ore = merged.amount_ore or 0
    if data.vat_ore is not None:
        line.vat_ore = data.vat_ore
    elif data.amount_ore is not None:
        line.vat_ore = rules.default_vat(line.amount_ore)
    line.spent_on, line.description = merged.spent_on, merged.description.strip()
    line.updated_at = utcnow()
    claims.refresh_total(claim)
    claims.record_event(
        db,
        claim,
        actor_id=principal.person_id,
        action="line.update",
        line_id=line.id,
        before=before,
        after=audit.snapshot(line, RECEIPT_FIELDS),
    )
    return line


def delete_line(db: Session, *, principal: Principal, claim: ExpenseClaim, line: ExpenseLine) -> None:
    """Remove a line from a draft (never submitted, so nothing is booked yet); the history keeps it."""
    fields: Sequence[str] = RECEIPT_FIELDS if line.kind == "receipt" else MILEAGE_FIELDS
    before = audit.snapshot(line, fields)
    line_id = line.id
    claim.lines.remove(line)
    db.flush()
    claims.refresh_total(claim)
    claims.record_event(
        db, claim, actor_id=principal.person_id, action="line.delete", line_id=line_id, before=before
    )
