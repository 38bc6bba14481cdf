"""Uploads are judged by content and size, with Danish messages; names are made safe."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from boardkit.core import uploads
from boardkit.core.errors import TooLarge, UnsupportedType


@dataclass(frozen=True)
class File:
    filename: str
    data: bytes


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", uploads.PDF),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", uploads.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", uploads.PNG),
        (b"GIF89a\x01\x00", uploads.GIF),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", uploads.WEBP),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", uploads.HEIC),
        (b" %PDF-1.7", None),
        (b"<html><body>%PDF-</body></html>", None),
        (b"\x89PNG", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes(data: bytes, kind: str | None) -> None:
    assert uploads.sniff(data) == kind


def test_check_upload_answers_413_and_415_with_clear_messages() -> None:
    allowed = uploads.DOCUMENTS_AND_IMAGES
    assert uploads.check_upload(File("a.pdf", b"%PDF-1.4"), allowed, 100) == uploads.PDF
    with pytest.raises(UnsupportedType) as exc:
        uploads.check_upload(File("referat.pdf", b"PK\x03\x04 a zip"), allowed, 100)
    assert exc.value.status == 415 and exc.value.code == "unsupported_media_type"
    assert "Filen “referat.pdf” kan ikke bruges: den er hverken PDF, JPEG eller PNG" in exc.value.message
    with pytest.raises(UnsupportedType) as one:
        uploads.check_upload(File("referat.pdf", b"\x89PNG\r\n\x1a\n"), {uploads.PDF}, 100)
    assert "Filen “referat.pdf” er ikke en PDF-fil, selv om navnet måske siger det." in one.value.message
    with pytest.raises(TooLarge) as big:
        uploads.check_upload(
            File("stor.png", b"\x89PNG\r\n\x1a\n" + b"0" * 3 * uploads.MB), allowed, 2 * uploads.MB
        )
    assert big.value.status == 413 and "fylder 3,0 MB. Den må højst fylde 2 MB." in big.value.message
    with pytest.raises(UnsupportedType):
        uploads.check_upload(File("tom.pdf", b""), allowed, 100)


def test_describe_lists_types_in_danish() -> None:
    assert uploads.describe({uploads.PNG, uploads.PDF, uploads.JPEG}) == "PDF, JPEG eller PNG"
    assert uploads.describe({uploads.PDF}) == "PDF"


@pytest.mark.parametrize(
    ("name", "kind", "safe"),
    [
        ("../../etc/passwd", None, "passwd"),
        ("C:\\Users\\mads\\Forslag.pdf", uploads.PDF, "Forslag.pdf"),
        ("scan.pdf", uploads.PNG, "scan.png"),
        ("billede.JPEG", uploads.JPEG, "billede.JPEG"),
        ("uden endelse", uploads.PDF, "uden endelse.pdf"),
        ('ond"<navn>.pdf', uploads.PDF, "ondnavn.pdf"),
        ("...", None, "fil"),
    ],
)
def test_safe_filename(name: str, kind: str | None, safe: str) -> None:
    assert uploads.safe_filename(name, kind) == safe
