"""Expense export: 500 approved claims with 1,000 receipt lines → one batch, its CSV and its PDF.

The budget: making the batch (every claim marked exported, with history, audit and mail), the
CSV and the receipts PDF together in under 30 s. The receipts are phone-sized JPEG photos of
about 200 kB and a few two-page PDFs; every file differs (the claim and line are drawn on it),
as content-addressed storage would store identical files once. Setting up (demo organisation,
claims through the services and the flow) is not timed; the generated photos carry no metadata
and are upright, so they are stored as their own clean copies instead of passing
``process_receipt`` (timed in ``bench_receipts.py``); the PDFs do pass it.

The timed steps run in a fresh child process, so its peak RSS is the export's own. The PDF is
read back with pypdf and its pages counted; ``--qpdf`` adds ``qpdf --check`` (minutes: it decodes
every photo).
"""

from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLAIMS = 500
LINES = 1000  # two receipts a claim
PDF_EVERY = 25  # every 25th receipt is a two-page PDF: 40 PDFs, 960 photos
PDF_PAGES = 2
BUDGET_S = 30.0
SECRET = "bench-secret-key"
ENGPARKEN = "Afdelingsbestyrelsen i Engparken"


def receipt_photos(count: int) -> list[bytes]:
    """``count`` different JPEG photos of a receipt (~200 kB each): grain, a paper strip, a label."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    width, height = 1240, 1754
    base = Image.merge(
        "RGB",
        [
            Image.effect_noise((width, height), sigma).point(lambda v, o=o: v * 0.3 + o)
            for sigma, o in ((30, 120), (25, 90), (20, 60))
        ],
    )
    draw = ImageDraw.Draw(base)
    paper = (width // 6, height // 14, width * 5 // 6, height * 13 // 14)
    draw.rectangle(paper, fill=(246, 244, 236))
    for n, y in enumerate(range(paper[1] + 160, paper[3] - 60, height // 50)):
        draw.rectangle(
            (paper[0] + 50, y, paper[0] + 50 + (n * 97) % (paper[2] - paper[0] - 100), y + height // 120),
            fill=(35, 35, 35),
        )
    base = base.filter(ImageFilter.GaussianBlur(0.7))
    font = ImageFont.load_default(size=56)
    photos = []
    for n in range(count):
        picture = base.copy()
        ImageDraw.Draw(picture).text(
            (paper[0] + 50, paper[1] + 40), f"Kvittering {n + 1}", fill=(0, 0, 0), font=font
        )
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=88)
        photos.append(out.getvalue())
    return photos


def receipt_pdf(n: int) -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_font("helvetica", size=11)
    for page in range(PDF_PAGES):
        doc.add_page()
        doc.cell(0, 10, f"Faktura {n}, side {page + 1}")
        doc.ln(12)
        doc.multi_cell(0, 5, f"Varelinje på faktura {n}. " * 40)
    return bytes(doc.output())


def setup(root: Path) -> tuple[int, int, float]:
    """A migrated SQLite database with the demo and 500 approved claims; (photos, PDFs, photo kB)."""
    from datetime import date, timedelta

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from boardkit import migrate
    from boardkit.config import Settings
    from boardkit.core.db import Database
    from boardkit.core.permissions import Principal
    from boardkit.core.storage import FileStore
    from boardkit.demo import BOOKKEEPER_EMAIL, CHAIR_EMAIL, TREASURER_EMAIL, load_demo
    from boardkit.expenses import flow, rules, service
    from boardkit.expenses.receipt_files import process_receipt
    from boardkit.org import service as org_service
    from boardkit.org.models import Board, Person

    url = f"sqlite:///{root / 'bench.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    settings = Settings(data_dir=root, database_url=url, secret_key=SECRET)
    store = FileStore(settings.files_dir)
    pdf_lines = {n for n in range(LINES) if n % PDF_EVERY == PDF_EVERY - 1}
    made = receipt_photos(LINES - len(pdf_lines))
    photo_kb = sum(map(len, made)) / len(made) / 1e3
    photos = iter(made)
    with db.transaction() as s:
        load_demo(s, seed=1)
        board_id = s.scalar(select(Board.id).where(Board.name == ENGPARKEN))
        assert board_id is not None
        # every sitting member claims in turn; the chair attests (the treasurer the chair's own)
        claimants = [
            (m.person.email, TREASURER_EMAIL if m.role == "chair" else CHAIR_EMAIL)
            for m in org_service.list_board_members(s, board_id=board_id)
            if m.role != "substitute" and m.person.email
        ]

    def principal(s: Session, email: str) -> Principal:
        person = s.scalar(select(Person.id).where(Person.email == email))
        assert person is not None
        return org_service.build_principal(s, person_id=person)

    first_day = date(2026, 1, 2)
    line_no = 0
    for n in range(CLAIMS):
        claimant, attester = claimants[n % len(claimants)]
        with db.transaction() as s:
            me = principal(s, claimant)
            claim = service.create_claim(
                s,
                principal=me,
                board_id=board_id,
                purpose=f"Udlæg {n + 1} til bestyrelsens arbejde",
                account_code="119",
                bank_registration="1234",
                bank_account=f"{n + 10_000:010d}",
                secret_key=settings.secret_key,
            )
            for _k in range(LINES // CLAIMS):
                day = first_day + timedelta(days=line_no % 300)
                data = rules.ReceiptInput(amount_ore=1_000 + line_no * 7, spent_on=day, description="Kaffe")
                line = service.lines.add_receipt_line(s, principal=me, claim=claim, data=data)
                if line_no in pdf_lines:
                    done = process_receipt(receipt_pdf(line_no), f"faktura-{line_no}.pdf")
                    line.filename, line.content_type = f"faktura-{line_no}.pdf", "application/pdf"
                    line.original_sha256 = store.put(done.original)
                    line.clean_sha256, line.clean_type = store.put(done.clean), done.clean_type
                else:
                    photo = next(photos)
                    line.filename, line.content_type = f"IMG_{line_no:04d}.jpg", "image/jpeg"
                    line.original_sha256 = line.clean_sha256 = store.put(photo)
                    line.clean_type = "image/jpeg"
                line_no += 1
            claim_id = claim.id
        with db.transaction() as s:
            flow.submit_claim(
                s, principal=principal(s, claimant), claim_id=claim_id, secret_key=settings.secret_key
            )
        with db.transaction() as s:
            flow.attest_claim(s, principal=principal(s, attester), claim_id=claim_id)
        with db.transaction() as s:
            flow.approve_claim(s, principal=principal(s, BOOKKEEPER_EMAIL), claim_id=claim_id)
    db.dispose()
    return LINES - len(pdf_lines), len(pdf_lines), photo_kb


def timed_export(root: Path, pdf_path: Path) -> int:
    """In the child: the batch, its CSV and its PDF, each timed; peak RSS."""
    from sqlalchemy import select

    from boardkit.config import Settings
    from boardkit.core.db import Database
    from boardkit.core.storage import FileStore
    from boardkit.demo import BOOKKEEPER_EMAIL
    from boardkit.expenses import export
    from boardkit.org import service as org_service
    from boardkit.org.models import Person

    url = f"sqlite:///{root / 'bench.sqlite3'}"
    settings = Settings(data_dir=root, database_url=url, secret_key=SECRET)
    db = Database(url)
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with db.transaction() as s:
        person = s.scalar(select(Person.id).where(Person.email == BOOKKEEPER_EMAIL))
        assert person is not None
        staff = org_service.build_principal(s, person_id=person)

    start = time.perf_counter()
    with db.transaction() as s:
        batch = export.create_export(
            s, principal=staff, link=lambda c: f"https://boardkit.example/expenses/{c}"
        )
        batch_id, claims = batch.id, len(batch.claims)
    made = time.perf_counter() - start
    start = time.perf_counter()
    with db.transaction() as s:
        data = export.export_csv(
            s, export.get_export(s, principal=staff, export_id=batch_id), secret_key=settings.secret_key
        )
    csv_s = time.perf_counter() - start
    start = time.perf_counter()
    with db.transaction() as s, pdf_path.open("wb") as out:  # as the download does: into a file
        export.write_pdf(
            s, export.get_export(s, principal=staff, export_id=batch_id), FileStore(settings.files_dir), out
        )
    pdf_s = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pdf_size = pdf_path.stat().st_size
    db.dispose()
    rows = data.count(b"\r\n") - 1
    print(f"batch of {claims} claims (marked exported, history, audit, mail): {made:6.2f} s")
    print(f"CSV ({rows} rows, {len(data) / 1e3:.0f} kB): {csv_s:6.2f} s")
    print(f"PDF ({pdf_size / 1e6:.0f} MB): {pdf_s:6.2f} s")
    print(f"peak memory: {peak_mb:.0f} MB (after imports: {base_mb:.0f} MB)")
    print(f"TIMES {made} {csv_s} {pdf_s}")
    return 0


def child(*args: str) -> list[str] | None:
    """Run this file with ``args`` in a fresh process; its output lines, None (and its output) on failure."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        return None
    return done.stdout.splitlines()


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        return timed_export(Path(sys.argv[2]), Path(sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "--setup":
        print("MADE", *setup(Path(sys.argv[2])))
        return 0
    # Linux keeps a process's peak RSS across exec: this parent stays small (setting up runs in a
    # child of its own), so the timed child's peak is the export's.
    root = Path(tempfile.mkdtemp(prefix="bench-expense-export-"))
    try:
        start = time.perf_counter()
        ready = child("--setup", str(root))
        if ready is None:
            return 1
        photos, pdfs, photo_kb = next(x for x in ready if x.startswith("MADE ")).split()[1:]
        print(
            f"{CLAIMS} approved claims, {LINES} receipt lines: {photos} JPEG photos (about"
            f" {float(photo_kb):.0f} kB each), {pdfs} PDFs of {PDF_PAGES} pages"
            f" (set up in {time.perf_counter() - start:.0f} s, not timed)"
        )
        pdf_path = root / "export.pdf"
        lines = child("--child", str(root), str(pdf_path))
        if lines is None:
            return 1
        print("\n".join(line for line in lines if not line.startswith("TIMES ")))
        made, csv_s, pdf_s = (float(x) for x in next(x for x in lines if x.startswith("TIMES ")).split()[1:])
        total = made + csv_s + pdf_s
        print(f"total: {total:6.2f} s  (budget < {BUDGET_S:.0f} s)")

        from pypdf import PdfReader

        pages = len(PdfReader(pdf_path).pages)
        expected = int(photos) + int(pdfs) * PDF_PAGES
        print(f"PDF pages: {pages} (expected {expected})")
        ok = pages == expected
        if "--qpdf" in sys.argv and shutil.which("qpdf"):
            # qpdf 11 decodes every JPEG while checking (and re-encodes it, qpdf/qpdf#1546): minutes,
            # so only on request; the tests run ``qpdf --check`` on smaller export PDFs.
            start = time.perf_counter()
            check = subprocess.run(["qpdf", "--check", str(pdf_path)], capture_output=True, text=True)
            said = [x for x in check.stdout.splitlines() if x.startswith("No syntax")] or [
                check.stderr.strip()
            ]
            print(f"qpdf --check: exit {check.returncode}, {said[0]} ({time.perf_counter() - start:.0f} s)")
            ok = ok and check.returncode == 0
        else:
            print("qpdf --check skipped (run with --qpdf; it takes minutes)")
        print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
        if total >= BUDGET_S:
            print("OVER BUDGET")
        return 0 if ok and total < BUDGET_S else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
