"""Export batches: the CSV for Danish Excel, the stamped receipts PDF, 409 twice, 403/404 for others."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from typing import Any

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core import spreadsheet
from boardkit.core.db import Database
from boardkit.core.errors import Conflict, Forbidden, NotFound
from boardkit.core.models import OutboxEmail
from boardkit.expenses import export, receipt_pages
from boardkit.expenses.models import ExpenseClaim, ExpenseEvent
from tests.api.test_expenses_api import CLAIMS, jpeg, new_claim
from tests.expenses.expense_env import BOOKKEEPER, CHAIR, MEMBER_SOEBAKKEN, TREASURER, who
from tests.helpers import api_token, login_as

EXPORTS = "/api/v1/expense-exports"


def pdf_receipt() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(400, 600)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def receipt(client: TestClient, url: str, me: dict[str, str], name: str, data: bytes, **fill: Any) -> None:
    kind = "application/pdf" if name.endswith(".pdf") else "image/jpeg"
    r = client.post(f"{url}/receipts", files={"file": (name, data, kind)}, headers=me)
    assert r.status_code == 201, r.text
    changed = client.patch(f"{url}/lines/{r.json()['id']}", json=fill, headers=me)
    assert changed.status_code == 200, changed.text


def approved_claim(
    client: TestClient,
    db: Database,
    claimant: str,
    attester: str,
    receipts: list[tuple[str, bytes, dict[str, Any]]],
) -> int:
    me = api_token(db, claimant)
    claim = new_claim(client, db, claimant)
    url = f"{CLAIMS}/{claim['id']}"
    for name, data, fill in receipts:
        receipt(client, url, me, name, data, **fill)
    for action, token in (("submit", me), ("attest", api_token(db, attester))):
        assert client.post(f"{url}/{action}", headers=token).status_code == 200
    approved = client.post(f"{url}/approve", headers=api_token(db, BOOKKEEPER))
    assert approved.json()["status"] == "approved", approved.text
    return int(claim["id"])


def test_an_export_batch_reads_back_as_csv_and_stamped_pdf(
    client: TestClient, demo: Database, tmp_path: Any
) -> None:
    first = approved_claim(
        client,
        demo,
        TREASURER,
        CHAIR,
        [
            ("kaffe.jpg", jpeg(), {"amount_ore": 12345, "spent_on": "2026-03-02"}),
            ("kage.pdf", pdf_receipt(), {"amount_ore": 5000, "vat_ore": 0, "spent_on": "2026-03-03"}),
        ],
    )
    second = approved_claim(
        client,
        demo,
        CHAIR,
        TREASURER,
        [("tog.jpg", jpeg((20, 90, 200)), {"amount_ore": 99, "spent_on": "2026-03-04"})],
    )
    open_claim = new_claim(client, demo)  # a draft is not exported
    staff = api_token(demo, BOOKKEEPER)

    assert client.post(EXPORTS, headers=api_token(demo, TREASURER)).status_code == 403
    made = client.post(EXPORTS, headers=staff)
    assert made.status_code == 201, made.text
    batch = made.json()
    assert batch["claims"] == [first, second]
    again = client.post(EXPORTS, headers=staff)
    assert again.status_code == 409 and again.json()["error"]["code"] == "nothing_to_export"

    for claim_id in (first, second):
        assert client.get(f"{CLAIMS}/{claim_id}", headers=staff).json()["status"] == "exported"
    assert (
        client.get(f"{CLAIMS}/{open_claim['id']}", headers=api_token(demo, TREASURER)).json()["status"]
        == "draft"
    )
    listed = client.get(EXPORTS, headers=staff).json()
    assert [b["id"] for b in listed["items"]] == [batch["id"]] and listed["next"] is None
    assert client.get(EXPORTS, headers=api_token(demo, TREASURER)).status_code == 404

    got = client.get(f"{EXPORTS}/{batch['id']}.csv", headers=staff)
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert got.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Udlæg",
        "Linje",
        "Dato",
        "Konto",
        "Beløb",
        "Moms",
        "Udlægger",
        "Bankkonto",
        "Afdeling",
    ]
    body = [[*r[:6], r[7]] for r in rows[1:]]
    assert body == [
        [str(first), "1", "2026-03-02", "119", "123,45", "24,69", "1234 0012345678"],
        [str(first), "2", "2026-03-03", "119", "50,00", "0,00", "1234 0012345678"],
        [str(second), "1", "2026-03-04", "119", "0,99", "0,20", "1234 0012345678"],
    ]
    names = client.get(
        f"/api/v1/boards/{client.get(f'{CLAIMS}/{first}', headers=staff).json()['board_id']}", headers=staff
    )
    people = {m["person_id"]: m["name"] for m in names.json()["members"]}
    claimants = {c: client.get(f"{CLAIMS}/{c}", headers=staff).json()["claimant_id"] for c in (first, second)}
    assert [r[6] for r in rows[1:]] == [people[claimants[first]]] * 2 + [people[claimants[second]]]
    assert all(len(r) == 9 for r in rows)

    pdf = client.get(f"{EXPORTS}/{batch['id']}.pdf", headers=staff)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    stamps = [f"Udlæg {first} · linje 1", f"Udlæg {first} · linje 2", f"Udlæg {second} · linje 1"]
    assert len(reader.pages) == 3
    for page, stamp in zip(reader.pages, stamps, strict=True):
        assert stamp in page.extract_text()
    if shutil.which("qpdf"):
        path = tmp_path / "export.pdf"
        path.write_bytes(pdf.content)
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr

    for outsider in (TREASURER, MEMBER_SOEBAKKEN):
        token = api_token(demo, outsider)
        assert client.get(f"{EXPORTS}/{batch['id']}.csv", headers=token).status_code == 404
        assert client.get(f"{EXPORTS}/{batch['id']}.pdf", headers=token).status_code == 404
    assert client.get(f"{EXPORTS}/999999.csv", headers=staff).status_code == 404


@pytest.mark.postgres
def test_the_export_list_is_the_administrations_alone_on_the_page_and_in_the_api(
    client: TestClient, demo: Database
) -> None:
    """The page always said 404 to anyone but staff; the API answered an empty list. Both 404 now."""
    assert client.get(EXPORTS, headers=api_token(demo, TREASURER)).status_code == 404
    assert client.get(EXPORTS, headers=api_token(demo, BOOKKEEPER)).status_code == 200
    login_as(client, demo, TREASURER)
    assert client.get("/expenses/exports").status_code == 404


def test_the_service_marks_claims_exported_with_history(client: TestClient, demo: Database) -> None:
    claim_id = approved_claim(
        client, demo, TREASURER, CHAIR, [("a.jpg", jpeg(), {"amount_ore": 1000, "spent_on": "2026-02-01"})]
    )
    with demo.transaction() as s, pytest.raises(Forbidden):
        export.create_export(s, principal=who(s, CHAIR))
    with demo.transaction() as s:
        batch = export.create_export(s, principal=who(s, BOOKKEEPER))
        assert [c.id for c in batch.claims] == [claim_id]
    with demo.transaction() as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None and claim.status == "exported" and claim.export_id == batch.id
        assert claim.exported_at is not None
        actions = s.scalars(select(ExpenseEvent.action).where(ExpenseEvent.claim_id == claim_id)).all()
        assert actions[-1] == "export"
    with demo.transaction() as s, pytest.raises(Conflict):
        export.create_export(s, principal=who(s, BOOKKEEPER))


@pytest.mark.postgres
def test_a_paid_batch_pays_every_claim_and_tells_the_claimants(client: TestClient, demo: Database) -> None:
    first = approved_claim(
        client, demo, TREASURER, CHAIR, [("a.jpg", jpeg(), {"amount_ore": 1000, "spent_on": "2026-02-01"})]
    )
    second = approved_claim(
        client,
        demo,
        CHAIR,
        TREASURER,
        [("b.jpg", jpeg((20, 90, 200)), {"amount_ore": 2500, "spent_on": "2026-02-02"})],
    )
    staff = api_token(demo, BOOKKEEPER)
    batch = client.post(EXPORTS, headers=staff).json()
    assert batch["paid"] is False and batch["paid_at"] is None
    exported = client.get(f"{CLAIMS}/{first}", headers=staff).json()
    assert exported["exported_at"] and exported["export_id"] == batch["id"] and exported["paid_at"] is None
    url = f"{EXPORTS}/{batch['id']}/paid"

    for board_member in (TREASURER, CHAIR, MEMBER_SOEBAKKEN):  # not the administration: not theirs
        assert client.post(url, headers=api_token(demo, board_member)).status_code == 404
    assert client.post(f"{EXPORTS}/999999/paid", headers=staff).status_code == 404
    assert client.get(f"{CLAIMS}/{first}", headers=staff).json()["status"] == "exported"

    paid = client.post(url, headers=staff)
    assert paid.status_code == 200, paid.text
    assert paid.json()["paid"] is True and paid.json()["paid_at"] and paid.json()["claims"] == [first, second]
    for claim_id in (first, second):
        got = client.get(f"{CLAIMS}/{claim_id}", headers=staff).json()
        assert got["status"] == "paid" and got["paid_at"] and got["history"][-1]["action"] == "pay"
    with demo.transaction() as s:
        mails = s.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.template == "expense_status", OutboxEmail.subject == "Dit udlæg er udbetalt")
            .order_by(OutboxEmail.id)
        ).all()
        assert [m.to_address for m in mails] == [TREASURER, CHAIR]
        assert "10,00\xa0kr." in mails[0].body_text and "udbetalt" in mails[0].body_text

    again = client.post(url, headers=staff)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_paid"
    listed = client.get(EXPORTS, headers=staff).json()["items"]
    assert listed[0]["paid"] is True and listed[0]["paid_at"] == paid.json()["paid_at"]
    with demo.transaction() as s, pytest.raises(NotFound):
        export.mark_export_paid(s, principal=who(s, TREASURER), export_id=batch["id"])


def test_a_clean_jpeg_is_placed_as_it_is_anything_else_takes_the_general_way() -> None:
    from PIL import Image

    photo = jpeg()
    stamper = receipt_pages.Stamper()
    assert stamper.add_jpeg(photo, "Udlæg 1 · linje 1")
    page = PdfReader(io.BytesIO(stamper.output())).pages[0]
    resources: Any = page["/Resources"]
    picture = resources["/XObject"][receipt_pages.PICTURE].get_object()
    assert picture["/Filter"] == "/DCTDecode" and picture.get_data() == photo  # not re-encoded
    assert "Udlæg 1 · linje 1" in page.extract_text()
    assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842

    def saved(image: Any, **options: Any) -> bytes:
        out = io.BytesIO()
        image.save(out, "JPEG", **options)
        return out.getvalue()

    source = Image.open(io.BytesIO(photo))
    turned = Image.Exif()
    turned[0x0112] = 6
    for other in (
        saved(source.convert("CMYK")),
        saved(source, exif=turned.tobytes()),
        pdf_receipt(),
        b"junk",
    ):
        assert not receipt_pages.Stamper().add_jpeg(other, "Udlæg 1 · linje 1")


def test_kroner_and_cells() -> None:
    assert (
        export.kroner(12345) == "123,45" and export.kroner(5) == "0,05" and export.kroner(100000) == "1000,00"
    )
    assert (
        spreadsheet.cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
        and spreadsheet.cell("Anne  Berg") == "Anne Berg"
    )


def test_trips_get_a_voucher_page_in_the_receipts_pdf(demo: Database, tmp_path: Any) -> None:
    from datetime import date

    from boardkit.core.storage import FileStore
    from boardkit.expenses import flow
    from tests.expenses import expense_env as env

    with demo.transaction() as s:
        claim = env.new_claim(s, TREASURER, purpose="Kursus i Ølby")
        env.receipt(s, TREASURER, claim, 4000, date(2026, 3, 2))
        env.trip(s, TREASURER, claim, 42, date(2026, 3, 2))
        env.trip(s, TREASURER, claim, 42, date(2026, 3, 3), to="Ølby Kursuscenter")
        claim_id = claim.id
        flow.submit_claim(s, principal=who(s, TREASURER), claim_id=claim_id, secret_key=env.SECRET)
        flow.attest_claim(s, principal=who(s, CHAIR), claim_id=claim_id)
        flow.approve_claim(s, principal=who(s, BOOKKEEPER), claim_id=claim_id)
        batch = export.create_export(s, principal=who(s, BOOKKEEPER))
        data = export.export_pdf(s, batch, FileStore(tmp_path))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2  # the receipt line (no file: a note), then one page for both trips
    assert f"Udlæg {claim_id} · linje 1" in reader.pages[0].extract_text()
    voucher = reader.pages[1].extract_text()
    assert f"Udlæg {claim_id} · linje 2, 3" in voucher
    assert "Kørselsbilag" in voucher and "Ølby Kursuscenter" in voucher and "Ayşe Şahin" in voucher
    assert "42 × 3,94" in voucher and "I alt kørsel: 330,96 kr." in voucher
