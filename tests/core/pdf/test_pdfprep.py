"""Preparing uploaded documents: awkward PDFs and images in, clean A4 pages out, never a crash."""

from __future__ import annotations

import io
import time

import pytest
from pypdf import PdfReader

from boardkit.core.pdf import prep as pdfprep
from tests.core.pdf import pdf_corpus as corpus

A4 = (595, 842)
A4_LANDSCAPE = (842, 595)


def sizes(data: bytes) -> list[tuple[int, int]]:
    return [
        (round(float(p.mediabox.width)), round(float(p.mediabox.height)))
        for p in PdfReader(io.BytesIO(data)).pages
    ]


def prepared(data: bytes, content_type: str = "application/pdf") -> pdfprep.Prepared:
    result = pdfprep.prepare(data, content_type)
    assert result.pdf is not None, result.problem
    assert result.problem == ""
    corpus.qpdf_check(result.pdf)
    return result


def test_a_plain_pdf_becomes_a4_pages_of_one_form_each() -> None:
    result = prepared(corpus.document(3, text="Budget"))
    assert result.pages == 3
    assert sizes(result.pdf or b"") == [A4] * 3
    reader = PdfReader(io.BytesIO(result.pdf or b""))
    for n, page in enumerate(reader.pages, start=1):
        xobjects = page["/Resources"]["/XObject"]
        assert list(xobjects) == [pdfprep.FORM]
        assert xobjects[pdfprep.FORM]["/Subtype"] == "/Form"
        assert page.get_contents().get_data().strip() == f"{pdfprep.FORM} Do".encode()
        assert f"Budget {n}" in page.extract_text()


def test_the_content_is_fitted_above_the_footer_band() -> None:
    result = prepared(corpus.document())
    form = PdfReader(io.BytesIO(result.pdf or b"")).pages[0]["/Resources"]["/XObject"][pdfprep.FORM]
    a, _b, _c, d, e, f = (float(v) for v in form["/Matrix"])
    band = pdfprep.FOOTER_BAND_MM * 72 / 25.4
    assert a == pytest.approx(d)  # aspect kept
    assert f == pytest.approx(band)  # the bottom sits on the band
    assert e == pytest.approx((pdfprep.A4_W - a * 595.28) / 2, abs=0.1)  # centred
    assert f + d * 841.89 == pytest.approx(pdfprep.A4_H, abs=0.1)  # and fills the height


@pytest.mark.parametrize(
    ("size", "landscape", "expected"),
    [
        ("A3", False, A4),
        ("Letter", False, A4),
        ((50, 30), False, A4_LANDSCAPE),  # tiny and wide
        ("A4", True, A4_LANDSCAPE),
        ("A3", True, A4_LANDSCAPE),
        ((20, 400), False, A4),  # a long strip
    ],
)
def test_odd_sizes_become_a4(
    size: str | tuple[float, float], landscape: bool, expected: tuple[int, int]
) -> None:
    result = prepared(corpus.document(size=size, landscape=landscape))
    assert sizes(result.pdf or b"") == [expected]
    assert corpus.red_corner(corpus.render(result.pdf or b"")) == "tl"


@pytest.mark.parametrize(
    ("degrees", "expected", "corner"),
    [(90, A4_LANDSCAPE, "tr"), (180, A4, "br"), (270, A4_LANDSCAPE, "bl")],
)
def test_rotation_is_taken_into_the_content(degrees: int, expected: tuple[int, int], corner: str) -> None:
    source = corpus.rotated(degrees)
    # What a viewer shows for the original is what the prepared page shows, without any /Rotate.
    assert corpus.red_corner(corpus.render(source)) == corner
    result = prepared(source)
    assert sizes(result.pdf or b"") == [expected]
    assert "/Rotate" not in PdfReader(io.BytesIO(result.pdf or b"")).pages[0]
    assert corpus.red_corner(corpus.render(result.pdf or b"")) == corner


def test_a_broken_cross_reference_table_is_repaired() -> None:
    source = corpus.broken_xref()
    with pytest.raises(AssertionError):
        corpus.qpdf_check(source)  # really broken
    result = prepared(source)
    assert result.pages == 3
    assert "Reparer mig 3" in corpus.texts(result.pdf or b"")[2]


def test_encrypted_with_an_empty_user_password_is_decrypted() -> None:
    source = corpus.encrypted(user="")
    assert PdfReader(io.BytesIO(source)).is_encrypted
    pdfprep.check_pdf(source)  # no password needed: fine at upload
    result = prepared(source)
    assert not PdfReader(io.BytesIO(result.pdf or b"")).is_encrypted
    assert "Krypteret 1" in corpus.texts(result.pdf or b"")[0]


def test_encrypted_with_a_password_is_locked() -> None:
    source = corpus.encrypted(user="hemmeligt")
    with pytest.raises(pdfprep.PdfLocked):
        pdfprep.check_pdf(source)
    result = pdfprep.prepare(source, "application/pdf")
    assert result.pdf is None
    assert result.pages == 1
    assert "adgangskode" in result.problem


def test_check_pdf_leaves_plain_and_unreadable_files_alone() -> None:
    pdfprep.check_pdf(corpus.document())
    pdfprep.check_pdf(b"%PDF-1.4 not really")  # prepare() is the one to say it is broken


def test_javascript_actions_embedded_files_and_xfa_are_stripped() -> None:
    source = corpus.active()
    for marker in (
        b"/JavaScript",
        b"/OpenAction",
        b"/EmbeddedFiles",
        b"/Launch",
        b"/XFA",
        b"/FileAttachment",
    ):
        assert marker in source  # the corpus file really has them
    result = prepared(source)
    out = result.pdf or b""
    gone = [b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFile", b"/XFA"]
    gone += [b"/AcroForm", b"/FileAttachment", b"/Annots", b"/Names", b"hemmelig.txt"]
    for marker in gone:
        assert marker not in out, marker
    reader = PdfReader(io.BytesIO(out))
    assert reader.attachments == {}
    text = reader.pages[0].extract_text()
    assert "Aktivt indhold 1" in text
    assert "Stempel godkendt" in text  # a visible annotation is kept, flattened into the page


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage" * 100, b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", b"\x89PNG\r\n\x1a\nnope"],
    ids=["empty", "garbage", "pdf-without-pages", "broken-png"],
)
def test_unusable_input_gives_a_placeholder_never_an_exception(data: bytes) -> None:
    content_type = "image/png" if data.startswith(b"\x89PNG") else "application/pdf"
    result = pdfprep.prepare(data, content_type)
    assert result == pdfprep.Prepared(None, 1, result.problem)
    assert result.problem


def test_a_truncated_pdf_is_used_as_far_as_it_goes_or_placeheld() -> None:
    whole = corpus.document(4)
    for cut in (len(whole) // 3, len(whole) // 2, len(whole) - 40):
        result = pdfprep.prepare(whole[:cut], "application/pdf")
        if result.pdf is None:
            assert result.problem and result.pages == 1
        else:
            corpus.qpdf_check(result.pdf)
            assert result.pages >= 1


def test_unknown_file_types_are_placeheld() -> None:
    result = pdfprep.prepare(b"PK\x03\x04 a word document", "application/vnd.openxmlformats")
    assert result.pdf is None and result.problem


def test_too_many_pages_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdfprep, "MAX_PAGES", 3)
    result = pdfprep.prepare(corpus.document(4), "application/pdf")
    assert result.pdf is None and "3" in result.problem


def test_a_jpeg_is_turned_as_its_exif_says() -> None:
    # Stored 300×150 with the marker top-left; orientation 6 means "turn 90° clockwise to show".
    result = prepared(corpus.image("JPEG", exif_orientation=6), "image/jpeg")
    assert result.pages == 1
    assert sizes(result.pdf or b"") == [A4]  # shown upright it is portrait
    assert corpus.red_corner(corpus.render(result.pdf or b"")) == "tr"


def test_a_plain_jpeg_keeps_its_orientation() -> None:
    result = prepared(corpus.image("JPEG"), "image/jpeg")
    assert sizes(result.pdf or b"") == [A4_LANDSCAPE]
    assert corpus.red_corner(corpus.render(result.pdf or b"")) == "tl"


def test_a_png_with_alpha_shows_on_white() -> None:
    result = prepared(corpus.image("PNG", alpha=True), "image/png")
    picture = corpus.render(result.pdf or b"", dpi=30)
    assert corpus.red_corner(picture) == "tl"
    w, h = picture.size
    assert picture.getpixel((w // 2, h // 2)) == (255, 255, 255)  # transparent → paper


def test_a_heic_photo_becomes_a_page() -> None:
    result = prepared(corpus.image("HEIF", size=(200, 300)), "image/heic")
    assert sizes(result.pdf or b"") == [A4]
    assert corpus.red_corner(corpus.render(result.pdf or b"")) == "tl"


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    result = pdfprep.prepare(corpus.png_claiming(30_000, 30_000), "image/png")
    assert result.pdf is None
    assert "megapixel" in result.problem


def test_preparing_a_plain_ten_page_pdf_is_cheap() -> None:
    source = corpus.document(10)
    best = min(_timed(lambda: pdfprep.prepare(source, "application/pdf")) for _ in range(5))
    assert best < 0.05, f"{best * 1000:.1f} ms"


def _timed(run: object) -> float:
    start = time.perf_counter()
    assert callable(run)
    run()
    return time.perf_counter() - start
