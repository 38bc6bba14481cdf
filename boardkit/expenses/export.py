"""Export batches: the administration hands approved claims to the bookkeeping.

A batch takes every approved, not yet exported claim of one organisation that the staff member
administers, marks each exported (``flow.mark_exported``: history, audit, mail) and is read back
as

* a CSV for Danish Excel (UTF-8 with BOM, ``;`` separated, comma decimals), one row per line,
  with the columns of :data:`CSV_COLUMNS`: claim, line, date, account, amount, VAT, claimant,
  bank account, department;
* one PDF with every receipt (the clean copy) in claim and line order, each page stamped
  "Udlæg {claim} · linje {line}" in the footer band ``core.pdfprep`` leaves free
  (``receipt_pages.py``).

Heavy work is synchronous here; the API's views run in a threadpool.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.pdf import prep as pdfprep
from boardkit.core.permissions import Principal
from boardkit.core.spreadsheet import cell
from boardkit.core.storage import FileStore
from boardkit.expenses import flow, rules
from boardkit.expenses.claims import bank_details
from boardkit.expenses.models import ExpenseClaim, ExpenseExport, ExpenseLine
from boardkit.expenses.receipt_pages import Stamper, stamp_text
from boardkit.expenses.trip_pages import trips_pdf
from boardkit.org import service as org_service

# The bookkeeping's import reads these headers; they are a file format, not UI text.
CSV_COLUMNS = ("Udlæg", "Linje", "Dato", "Konto", "Beløb", "Moms", "Udlægger", "Bankkonto", "Afdeling")


def kroner(ore: int) -> str:
    """Øre as Danish kroner for Excel: ``12345`` → ``"123,45"`` (no thousands separator)."""
    sign = "-" if ore < 0 else ""
    ore = abs(ore)
    return f"{sign}{ore // 100},{ore % 100:02d}"


# --- who may ------------------------------------------------------------------------------


def administered_organisations(db: Session, principal: Principal) -> set[int]:
    """The organisations the principal is staff of, or staff of one of their departments."""
    found = set(principal.staff_organisation_ids)
    if principal.staff_department_ids:
        found |= set(
            db.scalars(
                select(org_service.Department.organisation_id).where(
                    org_service.Department.id.in_(principal.staff_department_ids)
                )
            )
        )
    return found


def _visible(principal: Principal, batch: ExpenseExport) -> bool:
    if batch.organisation_id in principal.staff_organisation_ids:
        return True
    return bool(batch.claims) and all(rules.is_administration(principal, c) for c in batch.claims)


def _not_administration() -> Forbidden:
    return Forbidden(_("Kun administrationen kan eksportere udlæg."), code="not_administration")


# --- the batch ----------------------------------------------------------------------------


def create_export(
    db: Session,
    *,
    principal: Principal,
    organisation_id: int | None = None,
    link: flow.LinkFn | None = None,
) -> ExpenseExport:
    """A batch of every approved, not yet exported claim of an organisation I administer."""
    if principal.person_id is None or not principal.is_staff:
        raise _not_administration()
    mine = administered_organisations(db, principal)
    if organisation_id is None:
        if len(mine) != 1:
            raise ValidationFailed(
                _("Nogle felter skal rettes."),
                fields={"organisation_id": _("Vælg organisationen, der skal eksporteres for.")},
            )
        organisation_id = next(iter(mine))
    if organisation_id not in mine:
        raise _not_administration()
    seen = []
    if organisation_id in principal.staff_organisation_ids:
        seen.append(ExpenseClaim.organisation_id == organisation_id)
    if principal.staff_department_ids:
        seen.append(ExpenseClaim.department_id.in_(principal.staff_department_ids))
    ids = list(
        db.scalars(
            select(ExpenseClaim.id)
            .where(
                ExpenseClaim.organisation_id == organisation_id,
                ExpenseClaim.status == "approved",
                ExpenseClaim.export_id.is_(None),
                or_(*seen),
            )
            .order_by(ExpenseClaim.id)
        )
    )
    if not ids:
        raise Conflict(_("Der er ingen godkendte udlæg at eksportere."), code="nothing_to_export")
    batch = ExpenseExport(organisation_id=organisation_id, created_by=principal.person_id)
    db.add(batch)
    db.flush()
    for claim_id in ids:
        claim = flow.mark_exported(db, principal=principal, claim_id=claim_id, link=link)
        claim.export_id = batch.id
    db.flush()
    db.refresh(batch, ["claims"])
    return batch


def get_export(db: Session, *, principal: Principal, export_id: int, lock: bool = False) -> ExpenseExport:
    """A batch of an organisation I administer; 404 otherwise (``lock``: the row is locked for a change)."""
    batch = db.get(ExpenseExport, export_id, with_for_update=lock or None, populate_existing=lock)
    if batch is None or not principal.is_staff or not _visible(principal, batch):
        raise NotFound()
    return batch


def paid_at(batch: ExpenseExport) -> datetime | None:
    """When the batch was paid: the last claim's payment once every claim in it is paid; else None."""
    if not batch.claims or any(c.status != "paid" or c.paid_at is None for c in batch.claims):
        return None
    return max(c.paid_at for c in batch.claims if c.paid_at is not None)


def mark_export_paid(
    db: Session, *, principal: Principal, export_id: int, link: flow.LinkFn | None = None
) -> ExpenseExport:
    """The administration has paid the batch: every claim in it goes exported → paid (history, mail)."""
    batch = get_export(db, principal=principal, export_id=export_id, lock=True)
    if paid_at(batch) is not None:
        raise Conflict(_("Eksporten er allerede markeret som betalt."), code="already_paid")
    for claim in batch.claims:
        if claim.status == "exported":
            flow.mark_paid(db, principal=principal, claim_id=claim.id, link=link)
    db.flush()
    return batch


def list_exports(
    db: Session, *, principal: Principal, before_id: int | None = None, limit: int = 50
) -> list[ExpenseExport]:
    """Batches of the organisations I administer (and those I made), newest first; 404 for anyone who
    is no staff (the pages and the API alike: the administration's lists are nobody else's)."""
    if principal.person_id is None or not principal.is_staff:
        raise NotFound()
    seen = [ExpenseExport.created_by == principal.person_id]
    if principal.staff_organisation_ids:
        seen.append(ExpenseExport.organisation_id.in_(principal.staff_organisation_ids))
    q = select(ExpenseExport).where(or_(*seen)).order_by(ExpenseExport.id.desc()).limit(limit)
    if before_id:
        q = q.where(ExpenseExport.id < before_id)
    return list(db.scalars(q.options(selectinload(ExpenseExport.claims))))


def _claims(db: Session, batch: ExpenseExport) -> Sequence[ExpenseClaim]:
    return list(
        db.scalars(
            select(ExpenseClaim)
            .where(ExpenseClaim.export_id == batch.id)
            .order_by(ExpenseClaim.id)
            .options(selectinload(ExpenseClaim.lines), selectinload(ExpenseClaim.account))
        )
    )


# --- CSV ----------------------------------------------------------------------------------


def export_csv(db: Session, batch: ExpenseExport, *, secret_key: str) -> bytes:
    """The batch as a CSV for Danish Excel: UTF-8 with BOM, ``;``, one row per line."""
    claims = _claims(db, batch)
    people = {
        p.id: p.name
        for p in db.scalars(
            select(org_service.Person).where(org_service.Person.id.in_({c.claimant_id for c in claims}))
        )
    }
    departments = {
        d.id: d.name
        for d in db.scalars(
            select(org_service.Department).where(
                org_service.Department.id.in_({c.department_id for c in claims if c.department_id})
            )
        )
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for claim in claims:
        bank = bank_details(claim, secret_key=secret_key)
        for n, line in enumerate(claim.lines, 1):
            writer.writerow(
                [
                    claim.id,
                    n,
                    line.spent_on.isoformat() if line.spent_on else "",
                    claim.account.code,
                    kroner(line.amount_ore),
                    kroner(line.vat_ore if line.kind == "receipt" else 0),
                    cell(people.get(claim.claimant_id, "")),
                    f"{bank[0]} {bank[1]}" if bank else "",
                    cell(departments.get(claim.department_id, "")) if claim.department_id else "",
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- PDF ----------------------------------------------------------------------------------


def export_pdf(db: Session, batch: ExpenseExport, store: FileStore) -> bytes:
    """The receipts PDF as bytes (``write_pdf`` writes it to a file)."""
    out = io.BytesIO()
    write_pdf(db, batch, store, out)
    return out.getvalue()


def write_pdf(db: Session, batch: ExpenseExport, store: FileStore, out: BinaryIO) -> None:
    """Every receipt of the batch (its clean copy) in claim and line order, each page stamped;
    a claim's trips get a voucher page of their own where the first of them is."""
    stamper = Stamper()
    claims = _claims(db, batch)
    names = {p.id: p.name for p in org_service.get_people(db, ids={c.claimant_id for c in claims}).values()}
    for claim in claims:
        trips = [(n, line) for n, line in enumerate(claim.lines, 1) if line.kind == "mileage"]
        for n, line in enumerate(claim.lines, 1):
            if line.kind == "mileage":
                if trips and n == trips[0][0]:
                    voucher = trips_pdf(claim, trips, names.get(claim.claimant_id, ""))
                    label = stamp_text(claim.id, n) if len(trips) == 1 else stamp_lines(claim.id, trips)
                    stamper.add(pdfprep.Prepared(voucher, 1), label, "")
                continue
            label = stamp_text(claim.id, n)
            if not line.clean_sha256:
                stamper.add(pdfprep.Prepared(None, 1, _("Intet bilag vedhæftet.")), label, "")
                continue
            data = store.get(line.clean_sha256)
            if line.clean_type == "image/jpeg" and stamper.add_jpeg(data, label):
                continue
            stamper.add(pdfprep.prepare(data, line.clean_type), label, line.filename)
    if not stamper.writer.pages:
        stamper.note(_("Eksporten har ingen bilag."))
    stamper.write(out)


def stamp_lines(claim_id: int, trips: Sequence[tuple[int, ExpenseLine]]) -> str:
    return f"Udlæg {claim_id} · linje {', '.join(str(n) for n, _line in trips)}"
