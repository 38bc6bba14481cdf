"""Export batches: the administration hands approved claims to the bookkeeping.

A batch takes every approved, not yet exported claim of one organisation that the staff member
administers, marks each exported (``flow.mark_exported``: history, audit, mail) and is read back
as

* a CSV for Danish Excel (UTF-8 with BOM, ``;`` separated, comma decimals), one row per line,
  with the columns of :data:`CSV_COLUMNS`: claim, line, date, account, amount, VAT, claimant,
  bank account, department;
* one PDF with every receipt (the clean copy) in claim and line order, each page stamped
  "Udlæg {claim} · linje {line}" in the footer band ``core.pdfprep`` leaves free.

Heavy work is synchronous here; the API's views run in a threadpool.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, StreamObject
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from boardkit.core import pdfimage, pdfprep
from boardkit.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.core.storage import FileStore
from boardkit.expenses import flow, rules, service
from boardkit.expenses.models import ExpenseClaim, ExpenseExport
from boardkit.org import service as org_service

# The bookkeeping's import reads these headers; they are a file format, not UI text.
CSV_COLUMNS = ("Udlæg", "Linje", "Dato", "Konto", "Beløb", "Moms", "Udlægger", "Bankkonto", "Afdeling")
STAMP_FONT = "/BkStamp"
STAMP_SIZE = 9
STAMP_X_MM, STAMP_Y_MM = 15.0, 4.5
PICTURE = "/BkReceipt"
JPEG_SPACES = {"RGB": "/DeviceRGB", "L": "/DeviceGray"}  # what a clean copy is (receipt_files.py)


def kroner(ore: int) -> str:
    """Øre as Danish kroner for Excel: ``12345`` → ``"123,45"`` (no thousands separator)."""
    sign = "-" if ore < 0 else ""
    ore = abs(ore)
    return f"{sign}{ore // 100},{ore % 100:02d}"


def stamp_text(claim_id: int, line_no: int) -> str:
    return f"Udlæg {claim_id} · linje {line_no}"


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
    """Batches of the organisations I administer (and those I made), newest first."""
    if principal.person_id is None or not principal.is_staff:
        return []
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


def _cell(text: str) -> str:
    """Text as Excel shows it: a leading = + - @ would start a formula, so it is quoted away."""
    text = " ".join(text.split())
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


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
        bank = service.bank_details(claim, secret_key=secret_key)
        for n, line in enumerate(claim.lines, 1):
            writer.writerow(
                [
                    claim.id,
                    n,
                    line.spent_on.isoformat() if line.spent_on else "",
                    claim.account.code,
                    kroner(line.amount_ore),
                    kroner(line.vat_ore if line.kind == "receipt" else 0),
                    _cell(people.get(claim.claimant_id, "")),
                    f"{bank[0]} {bank[1]}" if bank else "",
                    _cell(departments.get(claim.department_id, "")) if claim.department_id else "",
                ]
            )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- PDF ----------------------------------------------------------------------------------


def _pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding (æ, ø, å and · are in it; anything else is ``?``)."""
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _text_stream(lines: Sequence[tuple[float, float, float, str]]) -> StreamObject:
    """Text at (x mm, y mm from the bottom, size pt)."""
    ops = [b"q 0 g BT"]
    for x, y, size, text in lines:
        at = f"1 0 0 1 {x * pdfprep.PT_PER_MM:.2f} {y * pdfprep.PT_PER_MM:.2f} Tm"
        ops.append(f"{STAMP_FONT} {size:g} Tf {at} ".encode() + _pdf_text(text) + b" Tj")
    ops.append(b"ET Q")
    stream = StreamObject()
    stream.set_data(b"\n".join(ops))
    return stream


class _Stamper:
    def __init__(self) -> None:
        self.writer = PdfWriter()
        self.writer.pdf_header = "%PDF-1.7"
        self.font = self.writer._add_object(
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Font"),
                    NameObject("/Subtype"): NameObject("/Type1"),
                    NameObject("/BaseFont"): NameObject("/Helvetica"),
                    NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
                }
            )
        )

    def _stamp(self, page: DictionaryObject, texts: Sequence[tuple[float, float, float, str]]) -> None:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        resources = DictionaryObject(resources)  # a copy: prepared pages share nothing with others
        fonts = resources.get("/Font")
        fonts = DictionaryObject(fonts.get_object()) if fonts is not None else DictionaryObject()
        fonts[NameObject(STAMP_FONT)] = self.font
        resources[NameObject("/Font")] = fonts
        page[NameObject("/Resources")] = resources
        stamp = self.writer._add_object(_text_stream(texts))
        contents = page.get("/Contents")
        parts = ArrayObject()
        if contents is not None:
            raw = page.raw_get("/Contents")
            if isinstance(contents.get_object(), ArrayObject):
                parts.extend(contents.get_object())
            else:
                parts.append(raw)
        parts.append(stamp)
        page[NameObject("/Contents")] = parts

    def add_jpeg(self, data: bytes, label: str) -> bool:
        """A clean JPEG copy placed on an A4 page as it is: no decoding, no re-encoding, fitted
        and framed as ``pdfprep`` would fit ``pdfimage``'s page. False: not a plain upright RGB or
        grey JPEG, so the caller takes the general way."""
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height, mode = image.width, image.height, image.mode
                upright = image.format == "JPEG" and image.getexif().get(0x0112, 1) in (0, 1)
        except Exception:  # Pillow raises many kinds on broken files; the general way says why
            return False
        if not upright or mode not in JPEG_SPACES or not width or not height:
            return False
        pad = pdfimage.MARGIN * max(width, height)
        framed_w, framed_h = width + 2 * pad, height + 2 * pad
        page_w, page_h = (pdfprep.A4_H, pdfprep.A4_W) if framed_w > framed_h else (pdfprep.A4_W, pdfprep.A4_H)
        scale = min(page_w / framed_w, (page_h - pdfprep.BAND) / framed_h)
        x = (page_w - scale * framed_w) / 2 + scale * pad
        y = pdfprep.BAND + (page_h - pdfprep.BAND - scale * framed_h) / 2 + scale * pad
        picture = StreamObject()
        picture._data = data  # DCTDecode: the JPEG's bytes are the stream
        picture.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(width),
                NameObject("/Height"): NumberObject(height),
                NameObject("/ColorSpace"): NameObject(JPEG_SPACES[mode]),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        page = self.writer.add_blank_page(page_w, page_h)
        page[NameObject("/Resources")] = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject(
                    {NameObject(PICTURE): self.writer._add_object(picture)}
                )
            }
        )
        draw = StreamObject()
        draw.set_data(
            f"q {scale * width:.3f} 0 0 {scale * height:.3f} {x:.3f} {y:.3f} cm {PICTURE} Do Q".encode()
        )
        page[NameObject("/Contents")] = self.writer._add_object(draw)
        self._stamp(page, [(STAMP_X_MM, STAMP_Y_MM, STAMP_SIZE, label)])
        return True

    def add(self, prepared: pdfprep.Prepared, label: str, filename: str) -> None:
        if prepared.pdf is None:
            page = self.writer.add_blank_page(pdfprep.A4_W, pdfprep.A4_H)
            problem = (
                _("Bilaget %(file)s kan ikke vises: %(problem)s", file=filename, problem=prepared.problem)
                if filename
                else prepared.problem
            )
            self._stamp(page, [(STAMP_X_MM, STAMP_Y_MM, STAMP_SIZE, label), (STAMP_X_MM, 270, 12, problem)])
            return
        for source in PdfReader(io.BytesIO(prepared.pdf)).pages:
            page = self.writer.add_page(source)
            self._stamp(page, [(STAMP_X_MM, STAMP_Y_MM, STAMP_SIZE, label)])

    def output(self) -> bytes:
        out = io.BytesIO()
        self.writer.write(out)
        return out.getvalue()


def export_pdf(db: Session, batch: ExpenseExport, store: FileStore) -> bytes:
    """Every receipt of the batch (its clean copy) in claim and line order, each page stamped."""
    stamper = _Stamper()
    for claim in _claims(db, batch):
        for n, line in enumerate(claim.lines, 1):
            if line.kind != "receipt":
                continue
            label = stamp_text(claim.id, n)
            if not line.clean_sha256:
                stamper.add(pdfprep.Prepared(None, 1, _("Intet bilag vedhæftet.")), label, "")
                continue
            data = store.get(line.clean_sha256)
            # Most receipts are photos, whose clean copy is a JPEG made at upload: placed as it is,
            # a thousand of them take seconds instead of most of a minute (bench_expense_export.py).
            if line.clean_type == "image/jpeg" and stamper.add_jpeg(data, label):
                continue
            stamper.add(pdfprep.prepare(data, line.clean_type), label, line.filename)
    if not stamper.writer.pages:
        page = stamper.writer.add_blank_page(pdfprep.A4_W, pdfprep.A4_H)
        stamper._stamp(page, [(STAMP_X_MM, 270, 12, _("Eksporten har ingen bilag."))])
    return stamper.output()
