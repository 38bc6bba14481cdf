"""Binding drawn pages and prepared PDFs into one book: footer, watermark, outline, labels, links."""

from __future__ import annotations

import io
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from boardkit.core import pdf
from boardkit.core.pdf import book as pdfbook
from boardkit.core.pdf import join as pdfjoin
from boardkit.core.pdf import prep as pdfprep
from tests.core.pdf import pdf_corpus as corpus


def prepared(data: bytes) -> bytes:
    result = pdfprep.prepare(data, "application/pdf")
    assert result.pdf is not None
    return result.pdf


def heading(text: str) -> pdfbook.Draw:
    def draw(doc: pdf.Document) -> None:
        doc.put(20, 30, 170, text, size=16, style="B")

    return draw


def small_book(watermark: str = "") -> pdfbook.Book:
    book = pdfbook.Book(title="Årsmøde", author="Boligselskabet", watermark=watermark)
    book.page(heading("Forsiden"), footer="Årsmøde", label=pdfbook.Label(prefix="Forside", style=None))
    first = book.page(heading("Kapitel et"), footer="Årsmøde · Kapitel et", label=pdfbook.Label(start=2))
    book.bookmark("Kapitel et", page=first)
    attached = book.attach(
        prepared(corpus.document(2, text="Bilag")), footer="Årsmøde · Kapitel et · bilag.pdf"
    )
    book.bookmark("bilag.pdf", level=1, page=attached)
    wide = book.attach(
        prepared(corpus.document(landscape=True, text="Tegning")), footer="Årsmøde · tegning.pdf"
    )
    book.bookmark("tegning.pdf", level=1, page=wide)
    second = book.page(heading("Kapitel to"), footer="Årsmøde · Kapitel to")
    book.bookmark("Kapitel to", page=second)

    def back(doc: pdf.Document) -> None:
        doc.put(20, 40, 100, "Tilbage til kapitel et")
        doc.link(20, 40, 100, 5, book.link(first))

    book.page(back, footer="Årsmøde · Slut")
    return book


def test_a_book_binds_drawn_and_prepared_pages() -> None:
    data = small_book().render()
    corpus.qpdf_check(data)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 7
    texts = corpus.texts(data)
    assert "Kapitel et" in texts[1]
    assert "Bilag 1" in texts[2] and "Bilag 2" in texts[3]
    assert "Tegning 1" in texts[4]
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages]
    assert sizes[4] == (842, 595)  # a landscape page stays landscape
    assert reader.metadata is not None and reader.metadata.title == "Årsmøde"


def test_every_page_has_its_footer_with_side_n_af_n() -> None:
    data = small_book().render()
    footers = ["Årsmøde", "Kapitel et", "bilag.pdf", "bilag.pdf", "tegning.pdf", "Kapitel to", "Slut"]
    for n, (text, footer) in enumerate(zip(corpus.texts(data), footers, strict=True), start=1):
        assert f"Side {n} af 7" in text
        assert footer in text


def test_the_prepared_page_lies_under_the_drawing() -> None:
    data = small_book(watermark="Fortroligt").render()
    page = PdfReader(io.BytesIO(data)).pages[2]
    contents = page["/Contents"]
    layers = [part.get_object().get_data() for part in contents]
    assert layers[0].strip() == b"q /BkSlot Do Q"  # first: under everything
    assert layers[-1].strip() == b"q /BkStamp0 Do Q"  # last: the watermark over everything
    # The footer pixels are on the page although the attachment fills it.
    picture = corpus.render(data, page=3, dpi=40)
    w, h = picture.size
    footer_band = picture.crop((0, int(h * 0.955), w, h))
    assert footer_band.getextrema()[0][0] < 200  # something dark was drawn there


def test_outline_labels_and_links() -> None:
    reader = PdfReader(io.BytesIO(small_book().render()))
    outline = reader.outline
    assert [getattr(o, "title", None) for o in outline] == ["Kapitel et", None, "Kapitel to"]
    assert [o.title for o in outline[1]] == ["bilag.pdf", "tegning.pdf"]  # type: ignore[union-attr]
    assert reader.get_destination_page_number(outline[1][1]) == 4  # type: ignore[index,arg-type]
    assert reader.page_labels == ["Forside", "2", "3", "4", "5", "6", "7"]
    links = [a.get_object() for a in reader.pages[6]["/Annots"]]
    target = links[0]["/Dest"][0]
    assert reader.get_page_number(reader.get_object(target)) == 1  # type: ignore[arg-type]


def test_the_watermark_is_on_every_page_with_the_readers_name() -> None:
    name = "Fortroligt — Ødegård Şahin Nguyễn"
    book = small_book(watermark=name)
    data = book.render()
    corpus.qpdf_check(data)
    assert all(name in text for text in corpus.texts(data))
    # The next reader's copy of the same book: drawn once, stamped anew.
    other = book.render(watermark="Fortroligt — Åse Ærø")
    corpus.qpdf_check(other)
    texts = corpus.texts(other)
    assert all("Åse Ærø" in t and "Nguyễn" not in t for t in texts)
    assert all("Fortroligt" not in t for t in corpus.texts(book.render(watermark="")))


def test_a_pdf_that_was_not_prepared_is_prepared_on_the_way_in() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain.pdf"
        packed = Path(tmp) / "packed.pdf"
        plain.write_bytes(corpus.document(2, text="Komprimeret"))
        subprocess.run(["qpdf", "--object-streams=generate", str(plain), str(packed)], check=True)
        source = packed.read_bytes()
    with pytest.raises(pdfjoin.Unusable):
        pdfjoin.read(source)  # not prepared (and with a cross-reference stream)
    book = pdfbook.Book(title="T")
    book.attach(source)
    book.attach(corpus.rotated(90))  # unprepared, with /Rotate
    data = book.render()
    corpus.qpdf_check(data)
    assert "Komprimeret 2" in corpus.texts(data)[1]
    with pytest.raises(ValueError):
        book.attach(b"not a pdf at all")


def test_lines_wrap_words_and_break_what_is_too_long() -> None:
    book = pdfbook.Book(title="T")
    lines = book.lines("Et kort ord.\n\nhttps://example.org/" + "x" * 200, 60)
    assert lines[0] == "Et kort ord."
    assert lines[1] == ""
    assert len(lines) > 3
    assert "".join(lines[2:]) == "https://example.org/" + "x" * 200
    book.doc.set_font(pdf.FONT, "", pdf.BODY_SIZE)
    assert all(book.doc.get_string_width(line) <= 60 for line in lines)
    book.render()  # (a book closes its font files when it is rendered)


def test_copies_can_be_rendered_from_several_threads() -> None:
    book = small_book()
    names = [f"Læser {n}" for n in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        copies = list(pool.map(lambda name: book.render(watermark=name), names))
    for name, data in zip(names, copies, strict=True):
        corpus.qpdf_check(data)
        assert name in corpus.texts(data)[0]


def test_late_texts_are_set_on_their_page_only() -> None:
    book = small_book()
    first = book.render(late=(pdfbook.Late(1, 20, 250, "Version 1"),))
    second = book.render(late=(pdfbook.Late(1, 20, 250, "Version 2"), pdfbook.Late(5, 20, 60, "På et bilag")))
    corpus.qpdf_check(second)
    assert "Version 1" in corpus.texts(first)[0]
    texts = corpus.texts(second)
    assert "Version 2" in texts[0] and "Version 1" not in texts[0]
    assert "På et bilag" in texts[4] and "Tegning 1" in texts[4]
    assert all("Version" not in t for t in texts[1:])


def test_a_book_can_take_the_drawing_of_an_identical_one() -> None:
    drawn = small_book()
    drawn.render()
    twin = small_book()
    assert twin.shape() == drawn.shape()
    assert drawn.drawing is not None
    twin.use_drawing(drawn.drawing)
    data = twin.render(watermark="Tvilling")
    corpus.qpdf_check(data)
    assert "Tvilling" in corpus.texts(data)[3]
