"""Files on posts: photos stored clean (upright, no EXIF/GPS) with a screen-sized preview; the wrong
kind of file, a locked PDF, too many files and too large a file are refused."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.core.errors import TooLarge, UnsupportedType, ValidationFailed
from boardkit.core.storage import FileStore
from boardkit.forum.files import MAX_FILE_BYTES, MAX_FILES, PREVIEW_SIDE, check_files, store_files
from boardkit.forum.models import Post, PostFile, Space, Thread
from boardkit.org.models import Board, Organisation
from tests.core.pdf import pdf_corpus
from tests.expenses import receipt_corpus as corpus


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_no_metadata(data: bytes) -> None:
    image = opened(data)
    assert not image.getexif(), dict(image.getexif())
    assert not image.getexif().get_ifd(0x8825)
    assert not set(image.info) & {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"}, image.info
    assert b"Exif\x00\x00" not in data and b"\xff\xe1" not in data  # no APP1 segment at all
    for marker in (b"Telefonfabrikken", b"Model 12", b"boardkit-xmp-marker", b"hemmelig"):
        assert marker not in data


def gps_photo(size: tuple[int, int] = (3000, 1500), orientation: int = 6) -> bytes:
    """A phone photo with GPS in its EXIF, stored sideways (the red marker top-left as stored)."""
    data = corpus.jpeg(corpus.marked(size), exif=corpus.camera_exif(orientation).tobytes(), xmp=corpus.XMP)
    assert opened(data).getexif().get_ifd(0x8825)  # the test photo really carries a position
    assert b"Telefonfabrikken" in data
    return data


def test_a_jpeg_with_gps_is_kept_upright_without_it_and_gets_a_preview() -> None:
    original = gps_photo()
    [checked] = check_files([Upload("IMG_2041.JPG", original)])

    assert checked.content_type == "image/jpeg" and checked.filename == "IMG_2041.JPG"
    assert checked.data != original
    assert_no_metadata(checked.data)
    stored = opened(checked.data)
    assert stored.format == "JPEG" and stored.size == (1500, 3000)  # turned by its orientation
    assert corpus.red_corner(stored) == "tr"

    assert checked.preview is not None
    assert_no_metadata(checked.preview)
    preview = opened(checked.preview)
    assert preview.format == "JPEG" and max(preview.size) <= PREVIEW_SIDE and preview.size == (600, 1200)
    assert corpus.red_corner(preview) == "tr"


def test_a_small_photo_keeps_its_size() -> None:
    [checked] = check_files([Upload("lille.jpg", gps_photo((300, 150), orientation=1))])
    assert checked.preview is not None
    assert opened(checked.data).size == opened(checked.preview).size == (300, 150)


def test_a_heic_becomes_a_clean_jpeg() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    corpus.marked().save(out, "HEIF", exif=corpus.camera_exif(6).tobytes())
    [checked] = check_files([Upload("IMG_0001.HEIC", out.getvalue())])
    assert checked.content_type == "image/jpeg" and checked.filename == "IMG_0001.jpg"
    assert opened(checked.data).size == (150, 300)
    assert_no_metadata(checked.data)


def test_a_png_stays_png_without_its_text_chunks() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "hemmelig")
    out = io.BytesIO()
    corpus.marked().save(out, "PNG", pnginfo=info, exif=corpus.camera_exif(1).tobytes())
    [checked] = check_files([Upload("skærmbillede.png", out.getvalue())])
    assert checked.content_type == "image/png" and checked.filename == "skærmbillede.png"
    assert opened(checked.data).format == "PNG"
    assert_no_metadata(checked.data)
    assert checked.preview is not None and opened(checked.preview).format == "JPEG"


def test_a_pdf_is_kept_as_uploaded_without_a_preview() -> None:
    pdf = pdf_corpus.document(2)
    [checked] = check_files([Upload("referat", pdf)])
    assert checked.content_type == "application/pdf" and checked.filename == "referat.pdf"
    assert checked.data == pdf and checked.preview is None


def test_a_text_file_named_jpg_is_refused() -> None:
    with pytest.raises(UnsupportedType) as caught:
        check_files([Upload("ferie.jpg", b"Dette er bare tekst, ikke et billede.\n" * 20)])
    assert caught.value.status == 415 and "ferie.jpg" in caught.value.message


@pytest.mark.parametrize("name", ["program.pdf", "billede.png", "ukendt"])
def test_other_kinds_are_refused_whatever_their_name(name: str) -> None:
    with pytest.raises(UnsupportedType) as caught:
        check_files([Upload(name, b"MZ\x90\x00" + b"\x00" * 200)])  # a Windows program
    assert caught.value.status == 415


def test_a_broken_photo_is_refused() -> None:
    with pytest.raises(UnsupportedType) as caught:
        check_files([Upload("halv.jpg", gps_photo((300, 150))[:400])])
    assert caught.value.status == 415


def test_a_pdf_with_a_password_is_refused() -> None:
    locked = pdf_corpus.encrypted("hemmelig")
    with pytest.raises(UnsupportedType) as caught:
        check_files([Upload("budget.pdf", locked)])
    assert caught.value.status == 415 and caught.value.code == "pdf_locked"


def test_more_than_five_files_are_refused() -> None:
    photo = gps_photo((300, 150), orientation=1)
    assert len(check_files([Upload(f"{i}.jpg", photo) for i in range(MAX_FILES)])) == MAX_FILES
    with pytest.raises(ValidationFailed) as caught:
        check_files([Upload(f"{i}.jpg", photo) for i in range(MAX_FILES + 1)])
    assert caught.value.status == 422 and "5" in caught.value.message


def test_the_empty_part_of_a_form_without_a_file_is_left_out() -> None:
    assert check_files([Upload("", b"")]) == []
    with pytest.raises(UnsupportedType):  # a chosen file that is empty is another matter
        check_files([Upload("tom.jpg", b"")])


def test_a_16_mb_file_is_refused() -> None:
    data = gps_photo((300, 150)) + b"\0" * (16 * 1024 * 1024)
    assert len(data) > MAX_FILE_BYTES
    with pytest.raises(TooLarge) as caught:
        check_files([Upload("stor.jpg", data)])
    assert caught.value.status == 413
    just_under = gps_photo((300, 150)) + b"\0" * (MAX_FILE_BYTES - 5_000)
    assert len(check_files([Upload("næsten.jpg", just_under)])) == 1


def test_one_bad_file_refuses_them_all_before_any_work() -> None:
    with pytest.raises(UnsupportedType):
        check_files([Upload("god.jpg", gps_photo()), Upload("slem.jpg", b"tekst")])


def test_stored_files_are_the_clean_copies(db: Database, tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files")
    checked = check_files([Upload("IMG_2041.JPG", gps_photo()), Upload("bilag.pdf", pdf_corpus.document(1))])
    with db.transaction() as s:
        organisation = Organisation(name="Boligselskabet Test", short_name="test")
        s.add(organisation)
        s.flush()
        board = Board(organisation_id=organisation.id, kind="department", name="Bestyrelsen")
        s.add(board)
        s.flush()
        space = Space(organisation_id=board.organisation_id, kind="board", board_id=board.id)
        s.add(space)
        s.flush()
        thread = Thread(space_id=space.id, title="Kælderen")
        s.add(thread)
        s.flush()
        post = Post(thread_id=thread.id, body="Se billedet", html="<p>Se billedet</p>")
        s.add(post)
        s.flush()
        photo, pdf = store_files(s, post.id, checked, store)
        post_id = post.id

    with db.transaction() as s:
        rows = list(s.scalars(select(PostFile).where(PostFile.post_id == post_id).order_by(PostFile.id)))
    assert [r.id for r in rows] == [photo.id, pdf.id]
    assert photo.filename == "IMG_2041.JPG" and photo.content_type == "image/jpeg"
    assert photo.size == len(checked[0].data)
    assert store.get(photo.sha256) == checked[0].data
    assert_no_metadata(store.get(photo.sha256))
    assert photo.preview_sha256 is not None and max(opened(store.get(photo.preview_sha256)).size) <= 1200
    assert pdf.content_type == "application/pdf" and pdf.preview_sha256 is None
    assert store.get(pdf.sha256) == checked[1].data
