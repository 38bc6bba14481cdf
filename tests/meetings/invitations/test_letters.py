"""Paper letters: the print batch PDF read back with pypdf (and qpdf), and the print flow."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core import pdf
from boardkit.core.db import Database
from boardkit.core.models import AuditEntry
from boardkit.core.storage import FileStore
from boardkit.meetings.invitations import letters
from boardkit.meetings.models import Invitation, Letter, Meeting, PrintBatch
from boardkit.org.models import Board, Department, Organisation, Person, StaffRole, Tenancy
from tests.helpers import api_token, csrf_from, login_as

ADMIN = "admin@demo.boardkit.dk"
RESIDENT = "beboer@demo.boardkit.dk"
NAMES = ("Søren Ærø", "Şahin Yılmaz", "Nguyễn Thị Hương")
TITLE = "Ordinært afdelingsmøde 2027"
PT_TO_MM = 25.4 / 72


def notice(**extra: Any) -> dict[str, Any]:
    """The content invitations put on a letter: the notice's full content."""
    return {
        "title": TITLE,
        "meeting_kind": "ordinary_department",
        "starts_at": "2027-01-05T18:00:00+00:00",
        "ends_at": "2027-01-05T20:30:00+00:00",
        "location": "Fælleshuset, Engparken 2, 2600 Glostrup",
        "room": "Store sal",
        "online_url": "https://møde.example.dk/engparken",
        "agenda": ["Valg af dirigent", "Forretningsorden", "Bestyrelsens beretning", "Indkomne forslag"],
        "notice_date": "2026-12-01",
        "proposals_due": "2026-12-22",
        "proposals_to": "i bestyrelsens postkasse i Fælleshuset",
        "department": "Engparken",
        "department_number": "101",
        "board": "Afdelingsbestyrelsen i Engparken",
        "organisation": "Boligselskabet Fællesbo",
        "sender_address": ["Fællesvej 1", "2600 Glostrup"],
        **extra,
    }


def make_letters(db: Database, *, count: int = 3, offset: int = 0) -> list[int]:
    """Paper invitations for ``count`` Engparken households: a letter and an invitation row each."""
    ids = []
    with db.transaction() as s:
        dept = s.scalar(select(Department).where(Department.number == "101"))
        assert dept is not None
        meeting = s.scalar(select(Meeting).join(Board).where(Board.department_id == dept.id).limit(1))
        assert meeting is not None
        tenancies = list(
            s.scalars(
                select(Tenancy)
                .where(Tenancy.department_id == dept.id)
                .order_by(Tenancy.id)
                .offset(offset)
                .limit(count)
            )
        )
        org_id = dept.organisation_id
        for n, tenancy in enumerate(tenancies):
            letter = letters.queue_letter(
                s,
                organisation_id=org_id,
                meeting_id=meeting.id,
                tenancy_id=tenancy.id,
                kind="invitation",
                recipient=NAMES[n % len(NAMES)],
                address_lines=[tenancy.address_line, f"{tenancy.postcode} {tenancy.city}"],
                content=notice(),
            )
            s.add(
                Invitation(
                    meeting_id=meeting.id,
                    tenancy_id=tenancy.id,
                    channel="paper",
                    letter_id=letter.id,
                    sequence_sent=meeting.sequence,
                )
            )
            ids.append(letter.id)
    return ids


def load(db: Database, ids: list[int]) -> list[Letter]:
    with db.transaction() as s:
        found = list(s.scalars(select(Letter).where(Letter.id.in_(ids)).order_by(Letter.id)))
        s.expunge_all()
    return found


def positions(page: Any) -> list[tuple[str, float, float]]:
    """Every piece of text on the page with its baseline start in mm from the top-left corner."""
    height = float(page.mediabox.height)
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((unicodedata.normalize("NFC", text.strip()), x * PT_TO_MM, (height - y) * PT_TO_MM))

    page.extract_text(visitor_text=visit)
    return found


def flat(text: str) -> str:
    """Extracted text with line breaks as spaces, NFC."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


def letter_pages(reader: PdfReader) -> Iterator[list[int]]:
    """Page indexes per letter, from the page labels ("3-1", "3-2" …) the letters carry."""
    current: list[int] = []
    for index, label in enumerate(reader.page_labels):
        if label.endswith("-1") and current:
            yield current
            current = []
        current.append(index)
    if current:
        yield current


def embedded_fonts(reader: PdfReader) -> dict[str, bool]:
    fonts: dict[str, bool] = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = "/FontFile2" in descriptor
    return fonts


def test_batch_pdf_holds_one_letter_per_household_with_the_address_in_the_window(
    demo: Database, tmp_path: Path
) -> None:
    ids = make_letters(demo, count=3)
    with demo.transaction() as s:
        first = s.get(Letter, ids[0])
        assert first is not None
        cancellation = letters.queue_letter(
            s,
            organisation_id=first.batch.organisation_id,
            meeting_id=first.meeting_id,
            tenancy_id=first.tenancy_id,
            kind="cancellation",
            recipient="Husstanden Ærø",
            address_lines=first.address_lines,
            content=notice(cancel_reason="Fælleshuset er lukket efter en vandskade."),
        )
        update = letters.queue_letter(
            s,
            organisation_id=first.batch.organisation_id,
            meeting_id=first.meeting_id,
            tenancy_id=first.tenancy_id,
            kind="update",
            recipient=unicodedata.normalize("NFD", "Nguyễn Thị Hương"),  # must come out composed
            address_lines=first.address_lines,
            content=notice(room="Lille sal", previous={"starts_at": "2027-01-04T18:00:00+00:00"}),
        )
        ids += [cancellation.id, update.id]
    batch = load(demo, ids)
    rendered = letters.render_batch(batch)
    reader = PdfReader(io.BytesIO(rendered.pdf))

    assert len(reader.pages) == sum(rendered.pages) >= len(batch) == 5
    per_letter = list(letter_pages(reader))
    assert [len(p) for p in per_letter] == rendered.pages
    assert reader.metadata is not None
    assert reader.metadata.producer == "boardkit"
    assert reader.metadata.title
    assert reader.trailer["/Root"]["/Lang"] == "da"
    fonts = embedded_fonts(reader)
    assert fonts and all(fonts.values()), fonts
    assert all("+IBMPlexSans" in name for name in fonts), fonts  # subset prefix, then the face

    for letter, pages in zip(batch, per_letter, strict=True):
        text = flat("\n".join(reader.pages[i].extract_text() for i in pages))
        recipient = unicodedata.normalize("NFC", letter.recipient)
        assert recipient in text
        for line in letter.address_lines:
            assert line in text
        assert TITLE in text
        assert "tirsdag den 5. januar 2027 kl. 19.00" in text
        assert f"Side 1 af {len(pages)}" in text
        # The recipient's lines sit inside the C5 window, and nothing but them and the small
        # return address shows through it.
        placed = positions(reader.pages[pages[0]])
        window = pdf.WINDOW
        for wanted in [recipient, *letter.address_lines]:
            hits = [(x, y) for t, x, y in placed if t == wanted]
            assert hits, (wanted, placed[:12])
            x, y = hits[0]
            assert pdf.ADDRESS_AREA.contains(x, y), (wanted, x, y)
            assert window.contains(x, y - 3.5) and window.contains(x + 60, y + 1)
        in_window = {t for t, x, y in placed if window.contains(x, y)}
        assert in_window <= {recipient, *letter.address_lines} | {
            t for t in in_window if t.startswith("Afs.")
        }

    invitation_text = flat(reader.pages[per_letter[0][0]].extract_text())
    assert "Indkaldelse til ordinært afdelingsmøde i Engparken" in invitation_text
    assert "Dagsorden" in invitation_text and "Forretningsorden" in invitation_text
    assert "senest tirsdag den 22. december 2026" in invitation_text
    assert "Indkaldelsen er udsendt den 1. december 2026" in invitation_text
    assert "https://møde.example.dk/engparken" in invitation_text
    cancellation_text = flat(reader.pages[per_letter[3][0]].extract_text())
    assert "Aflysning af ordinært afdelingsmøde i Engparken" in cancellation_text
    assert "vandskade" in cancellation_text
    assert "Kære beboere," in cancellation_text  # "Husstanden …" is greeted as the residents
    assert "Kære Søren Ærø," in invitation_text
    changed = flat(reader.pages[per_letter[4][0]].extract_text())
    assert "Ændret indkaldelse" in changed and "Lille sal" in changed
    assert "mandag den 4. januar 2027 kl. 19.00" in changed

    path = tmp_path / "batch.pdf"
    path.write_bytes(rendered.pdf)
    if shutil.which("qpdf") is not None:
        check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_a_long_letter_runs_over_pages_numbered_per_letter(demo: Database) -> None:
    ids = make_letters(demo, count=1)
    letter = load(demo, ids)[0]
    letter.content = notice(agenda=[f"Punkt om vedligeholdelse af blok {n}" for n in range(1, 41)])
    rendered = letters.render_batch([letter, load(demo, ids)[0]])
    assert rendered.pages[0] >= 2 and rendered.pages[1] == 1
    reader = PdfReader(io.BytesIO(rendered.pdf))
    last = flat(reader.pages[rendered.pages[0] - 1].extract_text())
    assert f"Side {rendered.pages[0]} af {rendered.pages[0]}" in last
    assert "Med venlig hilsen" in last
    assert "Søren Ærø" in last  # the running head of continuation pages names the household
    assert reader.page_labels[: rendered.pages[0] + 1] == [
        *(f"1-{n}" for n in range(1, rendered.pages[0] + 1)),
        "2-1",
    ]


def test_text_the_font_cannot_draw_degrades_without_failing() -> None:
    doc = pdf.new_document(title="t")
    assert doc.clean("Nguye\u0302\u0303n") == "Nguyễn"
    assert doc.clean("Zoë 王") == "Zoë ?"
    doc.add_page()
    doc.put(25, 30, 100, "王 Ærø")  # no warning (warnings are errors here)
    long = "Søren Ærø, Şahin Yılmaz og Nguyễn Thị Hương samt husstandens øvrige medlemmer"
    assert doc.put(pdf.ADDRESS_AREA.x, 60, pdf.ADDRESS_AREA.w, long) <= pdf.ADDRESS_AREA.w
    assert doc.put(pdf.ADDRESS_AREA.x, 65, pdf.ADDRESS_AREA.w, long[:40]) <= pdf.ADDRESS_AREA.w
    assert pdf.finish(doc).startswith(b"%PDF")


def _batch_id(db: Database) -> int:
    with db.transaction() as s:
        found = s.scalar(select(PrintBatch.id).order_by(PrintBatch.id.desc()).limit(1))
    assert found is not None
    return found


@pytest.mark.postgres
def test_staff_close_download_and_mark_a_batch_printed(client: TestClient, demo: Database, app: Any) -> None:
    make_letters(demo, count=3)
    batch_id = _batch_id(demo)
    admin_id = login_as(client, demo, ADMIN)

    overview = client.get("/admin/")
    assert "/print-batches/" in overview.text
    listing = client.get("/print-batches/")
    assert listing.status_code == 200
    assert f"/print-batches/{batch_id}" in listing.text
    detail = client.get(f"/print-batches/{batch_id}")
    assert detail.status_code == 200
    assert "Søren Ærø" in detail.text and "Nguyễn Thị Hương" in detail.text
    assert "Afslut og print" in detail.text
    draft = client.get(f"/print-batches/{batch_id}.pdf")
    assert draft.status_code == 200
    assert draft.headers["content-type"] == "application/pdf"
    name = f"breve-batch-{batch_id}.pdf"
    assert draft.headers["content-disposition"] == f"inline; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert len(PdfReader(io.BytesIO(draft.content)).pages) >= 3

    token = csrf_from(detail.text)
    early = client.post(f"/print-batches/{batch_id}/printed", data={"csrf_token": token})
    assert early.status_code == 200 and "Afslut batchen" in early.text  # refused, with a message
    closed = client.post(f"/print-batches/{batch_id}/close", data={"csrf_token": token})
    assert closed.status_code == 200 and "Markér som printet" in closed.text
    with demo.transaction() as s:
        batch = s.get(PrintBatch, batch_id)
        assert batch is not None and batch.status == "closed" and batch.pdf_sha256
        sha = batch.pdf_sha256
    store = FileStore(app.state.settings.files_dir)
    assert store.exists(sha)
    final = client.get(f"/print-batches/{batch_id}.pdf")
    assert final.content == store.get(sha)

    # A letter queued now starts a new batch; the closed one and its PDF stay as they are.
    make_letters(demo, count=1, offset=3)
    assert _batch_id(demo) != batch_id
    assert client.get(f"/print-batches/{batch_id}.pdf").content == final.content

    printed = client.post(f"/print-batches/{batch_id}/printed", data={"csrf_token": token})
    assert printed.status_code == 200 and "Printet" in printed.text
    again = client.post(f"/print-batches/{batch_id}/printed", data={"csrf_token": token})
    assert again.status_code == 200 and "allerede markeret som printet" in again.text
    with demo.transaction() as s:
        batch = s.get(PrintBatch, batch_id)
        assert batch is not None
        assert batch.status == "printed" and batch.printed_by == admin_id and batch.printed_at
        states = s.execute(
            select(Invitation.status, Invitation.sent_at)
            .join(Letter, Letter.id == Invitation.letter_id)
            .where(Letter.batch_id == batch_id)
        ).all()
        assert len(states) == 3 and all(st == "printed" and at is not None for st, at in states)
        others = s.scalars(
            select(Invitation.status)
            .join(Letter, Letter.id == Invitation.letter_id)
            .where(Letter.batch_id != batch_id)
        ).all()
        assert others == ["queued"]
        actions = s.scalars(
            select(AuditEntry.action).where(
                AuditEntry.object_type == "print_batch", AuditEntry.object_id == batch_id
            )
        ).all()
        assert sorted(actions) == ["print_batch.close", "print_batch.printed"]


def test_only_staff_of_the_batch_organisation_reach_it(client: TestClient, demo: Database) -> None:
    make_letters(demo, count=1)
    batch_id = _batch_id(demo)
    login_as(client, demo, RESIDENT)
    token = csrf_from(client.get("/").text)
    for path in ("/print-batches/", f"/print-batches/{batch_id}", f"/print-batches/{batch_id}.pdf"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/print-batches/{batch_id}/close", data={"csrf_token": token}).status_code == 404
    with demo.transaction() as s:
        other = Organisation(name="Andet Boligselskab", short_name="andet")
        s.add(other)
        s.flush()
        person = Person(name="Anden Admin", email="admin@andet.dk")
        s.add(person)
        s.flush()
        s.add(StaffRole(person_id=person.id, organisation_id=other.id, department_id=None))
    login_as(client, demo, "admin@andet.dk")
    assert client.get(f"/print-batches/{batch_id}").status_code == 404
    assert client.get(f"/print-batches/{batch_id}.pdf").status_code == 404
    assert f"/print-batches/{batch_id}" not in client.get("/print-batches/").text
    login_as(client, demo, ADMIN)
    for path in (
        "/print-batches/999999",
        "/print-batches/999999.pdf",
        "/print-batches/abc",
        "/print-batches/0.pdf",
        "/print-batches/99999999999999999999999.pdf",
    ):
        assert client.get(path).status_code == 404, path


def test_print_batches_api(client: TestClient, demo: Database) -> None:
    make_letters(demo, count=2)
    batch_id = _batch_id(demo)
    admin = api_token(demo, ADMIN)
    listing = client.get("/api/v1/print-batches", headers=admin)
    assert listing.status_code == 200
    body = listing.json()
    assert body["next"] is None
    assert body["items"][0] | {"created_at": None} == {
        "id": batch_id,
        "organisation_id": body["items"][0]["organisation_id"],
        "status": "open",
        "letters": 2,
        "created_at": None,
        "printed_at": None,
    }
    got = client.get(f"/api/v1/print-batches/{batch_id}.pdf", headers=admin)
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    refused = client.post(f"/api/v1/print-batches/{batch_id}/printed", headers=admin)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "batch_open"
    closed = client.post(f"/api/v1/print-batches/{batch_id}/close", headers=admin)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    printed = client.post(f"/api/v1/print-batches/{batch_id}/printed", headers=admin)
    assert printed.status_code == 200
    assert printed.json()["status"] == "printed" and printed.json()["invitations_printed"] == 2
    assert printed.json()["printed_at"]

    resident = api_token(demo, RESIDENT)
    assert client.get("/api/v1/print-batches", headers=resident).status_code == 404
    assert client.get(f"/api/v1/print-batches/{batch_id}.pdf", headers=resident).status_code == 404
    assert client.post(f"/api/v1/print-batches/{batch_id}/printed", headers=resident).status_code == 404
    assert (
        client.get("/api/v1/print-batches/424242.pdf", headers=admin).json()["error"]["code"] == "not_found"
    )
    assert client.get("/api/v1/print-batches").status_code == 401


@pytest.mark.parametrize("kind", ["reminder", ""])
def test_unknown_letter_kinds_are_refused(demo: Database, kind: str) -> None:
    with demo.transaction() as s, pytest.raises(ValueError):
        letters.queue_letter(
            s,
            organisation_id=1,
            meeting_id=None,
            tenancy_id=1,
            kind=kind,
            recipient="x",
            address_lines=[],
            content={},
        )
