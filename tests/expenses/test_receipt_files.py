"""Receipt files: upright clean copies without metadata, previews, perceptual hashes, refusals."""

from __future__ import annotations

import io
import itertools
import struct
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader

from boardkit.core.errors import TooLarge, UnsupportedType
from boardkit.expenses import receipt_files
from boardkit.expenses.receipt_files import hamming, process_receipt
from tests.core.pdf import pdf_corpus
from tests.expenses import receipt_corpus as corpus


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    assert not image.getexif(), dict(image.getexif())
    assert not set(image.info) & {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "dpi"}, (
        image.info
    )
    assert b"Exif\x00\x00" not in data and b"\xff\xe1" not in data  # no APP1 segment at all
    for marker in (b"boardkit-xmp-marker", b"Telefonfabrikken", b"Model 12", b"hemmelig"):
        assert marker not in data


def test_an_exif_rotated_jpeg_with_gps_is_stored_upright_and_without_metadata() -> None:
    # Stored 300×150 with the marker top-left; orientation 6 means "turn 90° clockwise to show".
    original = corpus.jpeg(
        corpus.marked(), exif=corpus.camera_exif(6).tobytes(), xmp=corpus.XMP, comment=b"hemmelig kommentar"
    )
    assert opened(original).getexif().get_ifd(0x8825)  # the test photo really carries GPS

    result = process_receipt(original, "kvittering.jpg", "image/jpeg")

    assert result.original == original  # kept byte for byte
    assert result.content_type == result.clean_type == "image/jpeg"
    clean = opened(result.clean)
    assert clean.format == "JPEG" and clean.size == (150, 300) == (result.width, result.height)
    assert corpus.red_corner(clean) == "tr"
    assert_no_metadata(result.clean)
    preview = opened(result.preview)
    assert preview.format == "JPEG" and preview.size == (150, 300)
    assert corpus.red_corner(preview) == "tr"
    assert_no_metadata(result.preview)
    assert result.pages == 1 and len(result.phash or "") == 16


@pytest.mark.parametrize(
    ("orientation", "size", "corner"), [(1, (300, 150), "tl"), (3, (300, 150), "br"), (8, (150, 300), "bl")]
)
def test_every_orientation_is_applied(orientation: int, size: tuple[int, int], corner: str) -> None:
    original = corpus.jpeg(corpus.marked(), exif=corpus.camera_exif(orientation).tobytes())
    clean = opened(process_receipt(original, "k.jpg").clean)
    assert clean.size == size
    assert corpus.red_corner(clean) == corner


def test_a_big_photo_gets_a_screen_sized_preview_and_a_bounded_clean_copy() -> None:
    photo = corpus.receipt_photo(1, size=(4800, 3600))
    result = process_receipt(corpus.jpeg(photo), "stor.jpg")
    assert opened(result.clean).size == (4096, 3072) == (result.width, result.height)
    assert opened(result.preview).size == (1200, 900)


@pytest.mark.parametrize(("orientation", "size", "corner"), [(1, (300, 150), "tl"), (6, (150, 300), "tr")])
def test_a_heic_becomes_an_upright_jpeg(orientation: int, size: tuple[int, int], corner: str) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    corpus.marked().save(out, "HEIF", exif=corpus.camera_exif(orientation).tobytes())
    original = out.getvalue()

    result = process_receipt(original, "IMG_0001.HEIC", "image/heic")

    assert result.original == original
    assert result.content_type == "image/heic" and result.clean_type == "image/jpeg"
    clean = opened(result.clean)
    assert clean.format == "JPEG" and clean.size == size
    assert corpus.red_corner(clean) == corner
    assert_no_metadata(result.clean)


def test_a_png_stays_png_without_text_chunks_and_its_transparency_shows_on_white() -> None:
    from PIL import PngImagePlugin

    picture = corpus.marked().convert("RGBA")
    picture.paste((0, 0, 0, 0), (200, 100, 300, 150))  # a transparent block, bottom right
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "hemmelig")
    info.add_itxt("XML:com.adobe.xmp", corpus.XMP.decode())
    out = io.BytesIO()
    picture.save(out, "PNG", pnginfo=info, exif=corpus.camera_exif(1).tobytes())
    result = process_receipt(out.getvalue(), "skærmbillede.png", "image/png")
    assert result.clean_type == "image/png"
    clean = opened(result.clean)
    assert clean.format == "PNG" and clean.mode == "RGBA" and clean.getpixel((250, 125))[3] == 0  # type: ignore[index]
    assert not clean.text  # type: ignore[attr-defined]
    assert_no_metadata(result.clean)
    assert min(opened(result.preview).getpixel((250, 125))) > 245  # type: ignore[arg-type]


def test_a_palette_png_keeps_its_transparent_colour() -> None:
    picture = Image.new("P", (100, 100), 0)
    picture.putpalette([220, 20, 20, 0, 200, 0])
    picture.paste(1, (50, 50, 100, 100))
    out = io.BytesIO()
    picture.save(out, "PNG", transparency=1)
    result = process_receipt(out.getvalue(), "palet.png")
    assert opened(result.clean).convert("RGBA").getpixel((75, 75))[3] == 0  # type: ignore[index]
    assert min(opened(result.preview).getpixel((75, 75))) > 245  # type: ignore[arg-type]


def test_a_photo_in_another_colour_space_is_converted_to_srgb_and_loses_its_profile() -> None:
    original = corpus.jpeg(corpus.marked(), icc_profile=corpus.swapped_primaries_profile())
    clean = opened(process_receipt(original, "p3.jpg").clean)
    assert "icc_profile" not in clean.info
    r, _g, b = clean.getpixel((20, 10))  # type: ignore[misc]
    assert b > 180 and r < 90  # stored red, meant (by the profile) as blue: now blue in sRGB
    r, _g, b = clean.getpixel((200, 100))  # type: ignore[misc]
    assert r > b  # and the blue background turned reddish


def test_a_pdf_receipt_is_kept_harmless_with_a_preview_of_page_one() -> None:
    original = pdf_corpus.active()
    result = process_receipt(original, "faktura.pdf", "application/pdf")
    assert result.original == original
    assert result.content_type == result.clean_type == "application/pdf"
    assert result.pages == 1
    pdf_corpus.qpdf_check(result.clean)
    reader = PdfReader(io.BytesIO(result.clean))
    root = reader.trailer["/Root"]
    assert "/OpenAction" not in root and "/Names" not in root and "/AA" not in root
    assert b"JavaScript" not in result.clean and b"hemmelig.txt" not in result.clean
    assert "Aktivt indhold 1" in pdf_corpus.texts(result.clean)[0]
    preview = opened(result.preview)
    assert preview.format == "JPEG" and max(preview.size) == 1200 and preview.height > preview.width
    assert corpus.red_corner(preview) == "tl"
    assert result.phash is not None


def test_a_pdf_without_a_renderer_gets_a_placeholder_and_no_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipt_files.shutil, "which", lambda name: None)
    result = process_receipt(pdf_corpus.document(3), "tre.pdf")
    assert result.pages == 3 and result.phash is None
    assert opened(result.preview).format == "JPEG"


def test_a_locked_pdf_is_refused() -> None:
    with pytest.raises(UnsupportedType) as exc:
        process_receipt(pdf_corpus.encrypted("hemmelig"), "låst.pdf", "application/pdf")
    assert exc.value.status == 415 and exc.value.code == "pdf_locked"
    assert "låst med en adgangskode" in exc.value.message


def _png_bomb(width: int, height: int) -> bytes:
    """A real PNG of ``width``×``height`` black 1-bit pixels: tiny on disk, huge in memory."""
    row = b"\0" + b"\0" * ((width + 7) // 8)
    body = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


@pytest.mark.parametrize("size", [(10_000, 6_000), (30_000, 30_000)])
def test_a_decompression_bomb_is_refused(size: tuple[int, int]) -> None:
    bomb = _png_bomb(*size)
    assert len(bomb) < 200_000  # 60 megapixels in a small file: what makes it a bomb
    with pytest.raises(TooLarge) as exc:
        process_receipt(bomb, "bombe.png", "image/png")
    assert exc.value.status == 413 and exc.value.code == "too_many_pixels"
    assert "over 50 megapixel" in exc.value.message


def test_an_executable_named_jpg_is_refused() -> None:
    program = (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 200 + b"This program cannot be run"
    )
    with pytest.raises(UnsupportedType) as exc:
        process_receipt(program, "kvittering.jpg", "image/jpeg")
    assert exc.value.status == 415
    assert "Filen “kvittering.jpg” kan ikke bruges" in exc.value.message
    with pytest.raises(UnsupportedType):
        process_receipt(b"#!/bin/sh\nrm -rf /\n", "kvittering.jpeg", "image/jpeg")


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 100,  # a JPEG head and then nothing
        corpus.jpeg(corpus.marked())[:300],  # cut off in the middle
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 20,
        b"\x00\x00\x00\x18ftypheic" + b"\x00" * 200,
    ],
)
def test_a_corrupt_image_is_refused(data: bytes) -> None:
    with pytest.raises(UnsupportedType) as exc:
        process_receipt(data, "ødelagt.jpg", "image/jpeg")
    assert exc.value.status == 415 and exc.value.code == "corrupt_file"
    assert "ødelagt.jpg" in exc.value.message


def test_a_file_over_the_limit_is_refused() -> None:
    data = corpus.jpeg(corpus.marked()) + b"\0" * receipt_files.MAX_BYTES
    with pytest.raises(TooLarge) as exc:
        process_receipt(data, "kæmpe.jpg", "image/jpeg")
    assert exc.value.status == 413 and "højst fylde 15 MB" in exc.value.message


def test_a_png_named_jpg_is_judged_by_its_content() -> None:
    out = io.BytesIO()
    corpus.marked().save(out, "PNG")
    result = process_receipt(out.getvalue(), "forkert.jpg", "image/jpeg")
    assert result.content_type == result.clean_type == "image/png"


def test_a_rephotographed_receipt_is_a_near_duplicate_and_other_receipts_are_not() -> None:
    hashes = {}
    for seed in range(6):
        photo = corpus.receipt_photo(seed)
        first = process_receipt(corpus.jpeg(photo, quality=92), "a.jpg")
        # The same receipt again: smaller, recompressed harder, a little brighter, cropped a bit.
        again = photo.point(lambda v: min(255, int(v * 1.08))).crop(
            (16, 12, photo.width - 16, photo.height - 12)
        )
        copy = process_receipt(corpus.jpeg(again.resize((960, 720)), quality=55), "b.jpg")
        assert first.phash and copy.phash
        assert hamming(first.phash, copy.phash) <= receipt_files.DUPLICATE_DISTANCE
        hashes[seed] = first.phash
    distances = [hamming(hashes[a], hashes[b]) for a, b in itertools.combinations(hashes, 2)]
    assert min(distances) > 2 * receipt_files.DUPLICATE_DISTANCE, distances


def test_hamming_counts_differing_bits() -> None:
    assert hamming("0000000000000000", "0000000000000000") == 0
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    assert hamming("8000000000000001", "0000000000000000") == 2
