"""The meeting pack's drawing: what is on which page, for whom, and how fast."""

from __future__ import annotations

import dataclasses
import io
import time
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from boardkit.core.pdf import prep as pdfprep
from boardkit.meetings.packs import pdf as pack_pdf
from boardkit.meetings.packs.pdf import PackFile, PackItem, PackSpec, render_pack
from tests.core.pdf import pdf_corpus as corpus

READER = "Ødegård Şahin Nguyễn"


def packfile(name: str, data: bytes, content_type: str = "application/pdf") -> PackFile:
    result = pdfprep.prepare(data, content_type)
    return PackFile(name, result.pdf, result.pages, result.problem)


@pytest.fixture(scope="module")
def files() -> dict[str, PackFile]:
    return {
        "budget": packfile("budget-2027.pdf", corpus.document(3, text="Budgetlinje")),
        "drawing": packfile("tegning-A3.pdf", corpus.document(size="A3", landscape=True, text="Tegning")),
        "scan": packfile("scan.pdf", corpus.rotated(90)),
        "secret": packfile("fortrolig-sag.pdf", corpus.document(text="Hemmeligt bilagsindhold")),
        "photo": packfile("foto.jpg", corpus.image("JPEG", exif_orientation=6), "image/jpeg"),
        "locked": packfile("låst.pdf", corpus.encrypted(user="kode")),
    }


def spec(files: dict[str, PackFile], **changes: object) -> PackSpec:
    items = (
        PackItem(1, "Valg af dirigent", "decision", presenter="Formanden"),
        PackItem(
            2,
            "Budget for 2027",
            "decision",
            "Budgettet viser et lille overskud.\n\nBestyrelsen anbefaler det.",
            "Kassereren",
            files=(files["budget"], files["drawing"], files["scan"]),
        ),
        PackItem(
            3,
            "Personalesag",
            "discussion",
            "Fortrolig beskrivelse af sagen.",
            closed=True,
            files=(files["secret"],),
        ),
        PackItem(4, "Billeder og en låst fil", "information", files=(files["photo"], files["locked"])),
        PackItem(5, "Eventuelt", "information"),
    )
    base = PackSpec(
        organisation="Boligselskabet Lærkehaven",
        board="Afdelingsbestyrelsen",
        title="Bestyrelsesmøde marts 2027",
        meeting_kind="board",
        starts_at=datetime(2027, 3, 9, 17, 0, tzinfo=UTC),
        ends_at=datetime(2027, 3, 9, 19, 30, tzinfo=UTC),
        location="Fælleshuset",
        room="Mødelokale 2",
        online_url="https://meet.example.org/abc",
        version=3,
        built_at=datetime(2027, 3, 1, 12, 0, tzinfo=UTC),
        items=items,
        watermark=READER,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def outline(reader: PdfReader) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """(title, page, [(file, page) …]) per top-level bookmark, pages 1-based."""
    result: list[tuple[str, int, list[tuple[str, int]]]] = []
    for entry in reader.outline:
        if isinstance(entry, list):
            title, page, _ = result[-1]
            result[-1] = (title, page, [(e.title, reader.get_destination_page_number(e) + 1) for e in entry])  # type: ignore[union-attr,arg-type]
        else:
            result.append((entry.title, reader.get_destination_page_number(entry) + 1, []))
    return result


def test_a_board_pack_has_every_part_in_place(files: dict[str, PackFile]) -> None:
    data, pages = render_pack(spec(files))
    corpus.qpdf_check(data)
    reader = PdfReader(io.BytesIO(data))
    # cover + agenda + one page per item + 3 + 1 + 1 + 1 attachment pages + 1 photo + 1 placeholder
    assert pages == len(reader.pages) == 2 + 5 + 3 + 1 + 1 + 1 + 1 + 1
    marks = outline(reader)
    assert [m[0] for m in marks] == [
        "1. Valg af dirigent",
        "2. Budget for 2027",
        "3. Personalesag",
        "4. Billeder og en låst fil",
        "5. Eventuelt",
    ]
    assert [m[1] for m in marks] == [3, 4, 10, 12, 15]
    assert marks[1][2] == [("budget-2027.pdf", 5), ("tegning-A3.pdf", 8), ("scan.pdf", 9)]
    assert marks[3][2] == [("foto.jpg", 13), ("låst.pdf", 14)]
    texts = corpus.texts(data)
    assert "Budgetlinje 3" in texts[6]
    assert "Hemmeligt bilagsindhold" in texts[10]
    assert "Bilaget kan ikke vises i mødemappen" in texts[13] and "låst.pdf" in texts[13]
    assert "adgangskode" in texts[13]
    assert reader.page_labels[:3] == ["Forside", "2", "3"]
    assert reader.metadata is not None and reader.metadata.title == "Bestyrelsesmøde marts 2027"


def test_cover_and_agenda(files: dict[str, PackFile]) -> None:
    data, _pages = render_pack(spec(files))
    cover, agenda = corpus.texts(data)[:2]
    facts = ["Boligselskabet Lærkehaven", "Afdelingsbestyrelsen", "Bestyrelsesmøde marts 2027"]
    facts += ["Tirsdag den 9. marts 2027", "kl. 18.00–20.30", "Fælleshuset", "Mødelokale 2"]
    facts += ["https://meet.example.org/abc", "Version 3", "5 punkter · 6 bilag · 15 sider"]
    for text in facts:
        assert text in cover, text
    assert "Dagsorden" in agenda
    assert "Budget for 2027" in agenda and "Bilag: tegning-A3.pdf" in agenda
    # Each agenda line links to its item's page, each file line to the file's first page.
    reader = PdfReader(io.BytesIO(data))
    targets = {
        reader.get_page_number(a.get_object()["/Dest"][0].get_object()) + 1
        for a in reader.pages[1]["/Annots"]
        if "/Dest" in a.get_object()
    }
    assert {3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15} <= targets
    urls = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"] if "/A" in a.get_object()]
    assert urls == ["https://meet.example.org/abc"]


def test_every_page_has_the_footer_and_the_watermark(files: dict[str, PackFile]) -> None:
    data, pages = render_pack(spec(files))
    for n, text in enumerate(corpus.texts(data), start=1):
        assert "Bestyrelsesmøde marts 2027" in text
        assert f"Side {n} af {pages}" in text
        assert f"Fortroligt — {READER}" in text
    texts = corpus.texts(data)
    assert "Punkt 2: Budget for 2027" in texts[4]  # the item page
    assert "Punkt 2: Budget for 2027 · tegning-A3.pdf" in texts[7]  # and its attachment's


def test_a_pack_without_a_reader_has_no_watermark(files: dict[str, PackFile]) -> None:
    data, _ = render_pack(spec(files, watermark=""))
    corpus.qpdf_check(data)
    assert all("Fortroligt" not in text for text in corpus.texts(data))


def test_redacted_items_show_title_and_closed_mark_only(files: dict[str, PackFile]) -> None:
    items = list(spec(files).items)
    items[2] = dataclasses.replace(items[2], redacted=True)
    data, pages = render_pack(spec(files, items=tuple(items), watermark=""))
    corpus.qpdf_check(data)
    everything = "\n".join(corpus.texts(data))
    assert "Personalesag" in everything and "Lukket punkt" in everything
    assert "Fortrolig beskrivelse" not in everything
    assert "Hemmeligt bilagsindhold" not in everything
    assert "fortrolig-sag.pdf" not in everything
    assert pages == 14  # one page fewer: the secret attachment is gone
    marks = outline(PdfReader(io.BytesIO(data)))
    assert marks[2] == ("3. Personalesag", 10, [])


def test_the_readers_note_is_printed_in_a_box_on_the_item_page(files: dict[str, PackFile]) -> None:
    items = list(spec(files).items)
    items[1] = dataclasses.replace(items[1], note="Spørg til vedligeholdelsen.\nOg til huslejen.")
    data, _ = render_pack(spec(files, items=tuple(items)))
    texts = corpus.texts(data)
    assert (
        "Min note" in texts[3]
        and "Spørg til vedligeholdelsen." in texts[3]
        and "Og til huslejen." in texts[3]
    )
    assert "Kun du kan se denne note." in texts[3]
    assert all("Min note" not in t for n, t in enumerate(texts) if n != 3)


def test_a_long_description_flows_over_pages(files: dict[str, PackFile]) -> None:
    long = "\n\n".join(f"Afsnit {n}. " + "Ord " * 120 for n in range(1, 16))
    items = (PackItem(1, "Lang sag", "discussion", long, note="Note " * 300),)
    data, pages = render_pack(spec(files, items=items))
    corpus.qpdf_check(data)
    texts = corpus.texts(data)
    assert pages > 4
    assert "Afsnit 15." in "\n".join(texts[2:])
    assert "Punkt 1: Lang sag (fortsat)" in texts[3]
    assert outline(PdfReader(io.BytesIO(data))) == [("1. Lang sag", 3, [])]


def test_a_file_that_is_not_a_pdf_after_all_gets_a_placeholder(files: dict[str, PackFile]) -> None:
    items = (PackItem(1, "Punkt", "information", files=(PackFile("rod.pdf", b"no pdf", 1),)),)
    data, pages = render_pack(spec(files, items=items))
    corpus.qpdf_check(data)
    assert pages == 4
    assert "rod.pdf" in corpus.texts(data)[3] and "Bilaget kan ikke vises" in corpus.texts(data)[3]


def test_english_readers_get_english_page_numbers(files: dict[str, PackFile]) -> None:
    data, pages = render_pack(spec(files, language="en"))
    assert f"Page 2 of {pages}" in corpus.texts(data)[1]


def test_a_new_version_with_a_replaced_attachment_reuses_the_drawing(files: dict[str, PackFile]) -> None:
    first = spec(files, watermark="")
    _data, pages = render_pack(first)
    items = list(first.items)
    replacement = packfile("budget-2027.pdf", corpus.document(3, text="Rettet budgetlinje"))
    items[1] = dataclasses.replace(items[1], files=(replacement, *items[1].files[1:]))
    second = dataclasses.replace(
        first, items=tuple(items), version=4, built_at=datetime(2027, 3, 2, 9, 15, tzinfo=UTC)
    )
    again, pages_again = render_pack(second)
    corpus.qpdf_check(again)
    assert pages_again == pages
    texts = corpus.texts(again)
    assert "Version 4 · dannet 2. marts 2027 kl. 10:15" in texts[0] and "Version 3" not in texts[0]
    assert "Rettet budgetlinje 1" in texts[4] and "Budgetlinje 1" not in texts[4]
    books = pack_pdf._books
    assert books[second].drawing is books[first].drawing  # drawn once, bound twice
    # A replacement with another page count changes the layout: drawn anew.
    longer = packfile("budget-2027.pdf", corpus.document(5, text="Langt budget"))
    items[1] = dataclasses.replace(items[1], files=(longer, *items[1].files[1:]))
    third = dataclasses.replace(second, items=tuple(items), version=5)
    data3, pages3 = render_pack(third)
    assert pages3 == pages + 2
    assert books[third].drawing is not books[first].drawing
    assert f"Side {pages3} af {pages3}" in corpus.texts(data3)[-1]


def test_a_big_pack_is_fast(files: dict[str, PackFile]) -> None:
    """40 items, 60 ten-page attachments, 600 attachment pages (the budget scenario)."""
    attachments = [packfile(f"bilag-{n}.pdf", corpus.document(10, text=f"Bilag {n}")) for n in range(60)]
    share = [tuple(attachments[n * 3 // 2 : (n + 1) * 3 // 2]) for n in range(40)]  # 1 or 2 files each
    items = tuple(
        PackItem(n + 1, f"Punkt {n + 1}", "decision", "Beskrivelse. " * 40, files=share[n]) for n in range(40)
    )
    assert sum(len(i.files) for i in items) == 60
    big = spec(files, items=items)
    start = time.perf_counter()
    data, pages = render_pack(big)
    cold = time.perf_counter() - start
    reader = PdfReader(io.BytesIO(data))
    assert pages == len(reader.pages)
    assert len(reader.outline) == 40 + 40  # an item and the list of its files, for each
    start = time.perf_counter()
    copy, _ = render_pack(dataclasses.replace(big, watermark="En anden læser"))
    again = time.perf_counter() - start
    corpus.qpdf_check(copy)
    # Loose bounds that still catch a gross regression while other tests share the cores; the
    # budgets themselves are measured on a quiet machine by bench/bench_pack.py.
    assert cold < 6, f"cold render {cold:.2f} s"
    assert again < 2, f"next reader's copy {again:.2f} s"
    assert "En anden læser" in PdfReader(io.BytesIO(copy)).pages[300].extract_text()
    assert sum(len(files) for files in reader.outline if isinstance(files, list)) == 60
    pack_pdf._books.clear()
