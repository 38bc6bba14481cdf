"""The bulletin board's poster for the stairwell (issue 17, point 5): it reads back with pypdf,
``qpdf --check`` passes, announcements come first, a long list stops at two pages with a count of
the rest, an empty week is a friendly page, and the QR code is the department's URL."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from boardkit.core import i18n
from boardkit.forum import poster
from boardkit.forum.poster import PosterPost, bulletin_poster

URL = "https://boardkit.example.dk/afdelinger/engparken/opslag"
WEEK = date(2026, 12, 3)  # a Thursday of week 49
A4 = (595.28, 841.89)


def post(title: str, text: str = "", category: str | None = "other", **kw: object) -> PosterPost:
    fields: dict[str, object] = {
        "title": title,
        "text": text,
        "category": category,
        "author": "Anna, Engparken",
        "posted_on": WEEK - timedelta(days=1),
        "expires_on": WEEK + timedelta(days=30),
        "announcement": False,
    }
    fields.update(kw)
    return PosterPost(**fields)  # type: ignore[arg-type]


def make(posts: list[PosterPost], **kw: object) -> bytes:
    args: dict[str, object] = {
        "organisation": "Boligselskabet Engtoften",
        "department": "Engparken",
        "posts": posts,
        "url": URL,
        "week_of": WEEK,
        "printed_on": WEEK,
    }
    args.update(kw)
    return bulletin_poster(**args)  # type: ignore[arg-type]


def pages_of(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def qpdf_check(data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="poster-") as tmp:
        path = Path(tmp) / "poster.pdf"
        path.write_bytes(data)
        done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No syntax or stream encoding errors" in done.stdout


WEEKS_POSTS = [
    post(
        "Vandet lukkes tirsdag",
        "Vandet lukkes i opgang 3-7 tirsdag fra kl. 8 til kl. 14. Fyld en gryde i forvejen.",
        None,
        author="Bestyrelsen, Engparken",
        announcement=True,
        expires_on=WEEK + timedelta(days=5),
    ),
    post("Øster, Şeyma og Nguyễn", "Fandt en nøgle med rød ring ved Øster.", "found"),
    post(
        "Julehygge i fælleshuset 🎄",
        "Gløgg og æbleskiver lørdag kl. 14.",
        "events",
        author="Søren, Engparken",
    ),
    post("Låner ud: stige", "Tre trin.", "lend", expires_on=None),
]


def test_the_poster_reads_back_and_qpdf_finds_nothing_wrong() -> None:
    data = make(WEEKS_POSTS)
    qpdf_check(data)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1
    text = pages_of(data)[0]
    assert "Opslagstavlen · Engparken" in text
    assert "Uge 49, 2026" in text
    assert "Øster, Şeyma og Nguyễn" in text
    assert "Vandet lukkes tirsdag" in text and "Fra bestyrelsen" in text
    assert "Se alle opslag og skriv selv:" in text and URL in text
    assert "Boligselskabet Engtoften" in text and "Udskrevet 3. december 2026" in text
    # The categories in Danish, author and expiry; the emoji is left out, not printed as "?".
    for label in ("Fundet/mistet", "Arrangementer", "Låne/udlåne"):
        assert label in text
    assert "Søren, Engparken" in text and "gælder til 2. januar 2027" in text
    assert "Julehygge i fælleshuset" in text and "?" not in text
    assert reader.metadata is not None and reader.metadata.title == "Opslagstavlen · Engparken, Uge 49, 2026"


def test_announcements_come_first_then_the_newest_posts() -> None:
    older = post("Gammelt opslag", posted_on=WEEK - timedelta(days=9))
    newer = post("Nyt opslag", posted_on=WEEK)
    notice = post("Vigtigt fra bestyrelsen", "", None, announcement=True, posted_on=WEEK - timedelta(days=20))
    text = pages_of(make([older, notice, newer]))[0]
    assert text.index("Vigtigt fra bestyrelsen") < text.index("Nyt opslag") < text.index("Gammelt opslag")


def test_a_long_text_is_cut_with_an_ellipsis_and_stays_quick() -> None:
    started = time.perf_counter()
    data = make([post("Meget lang", "ord " * 25_000), post("X" * 500, "kort")])
    assert time.perf_counter() - started < 5
    text = pages_of(data)[0]
    assert len(pages_of(data)) == 1
    assert text.count("…") == 2  # the text and the title
    assert len(text) < 2_000


def test_a_long_list_stops_at_two_pages_and_counts_the_rest() -> None:
    posts = [post(f"Opslag nummer {n:02}", "Noget at låne ud. " * 6, "lend") for n in range(30)]
    data = make(posts)
    qpdf_check(data)
    texts = pages_of(data)
    assert len(texts) == poster.MAX_PAGES == 2
    shown = {n for n in range(30) if any(f"Opslag nummer {n:02}" in t for t in texts)}
    assert shown == set(range(len(shown)))  # the first ones, in order
    match = re.search(r"og (\d+) opslag mere på\s*(\S+)", texts[-1])
    assert match, texts[-1]
    assert int(match[1]) == 30 - len(shown) > 0
    assert match[2] == URL
    for number, text in enumerate(texts, start=1):
        assert "Opslagstavlen · Engparken" in text and URL in text
        assert f"Side {number} af 2" in text
    assert all(_qr_squares(page) > 100 for page in PdfReader(io.BytesIO(data)).pages)


def test_what_fits_on_two_pages_has_no_count() -> None:
    texts = pages_of(make([post(f"Opslag {n}", "Kort.") for n in range(8)]))
    assert len(texts) <= 2
    assert "opslag mere" not in "".join(texts)


def test_an_empty_week_is_a_friendly_page_with_the_code() -> None:
    data = make([])
    qpdf_check(data)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = pages_of(data)[0]
    assert "Ingen opslag i denne uge" in text and "Scan koden herunder" in text
    assert URL in text and "Side" not in text
    assert _qr_squares(reader.pages[0]) > 100


def test_the_week_is_the_iso_week() -> None:
    text = pages_of(make([], week_of=date(2027, 1, 1)))[0]
    assert "Uge 53, 2026" in text


def test_the_poster_in_english() -> None:
    with i18n.language("en"):
        data = make(WEEKS_POSTS[:2])
    text = pages_of(data)[0]
    assert "Bulletin board · Engparken" in text and "Week 49, 2026" in text
    assert "From the board" in text and "Found/lost" in text
    assert "See all posts and write your own:" in text and "Printed 3 December 2026" in text
    assert "Opslagstavlen" not in text and "Uge" not in text


# --- the QR code -------------------------------------------------------------------------


def _qr_squares(page: object) -> int:
    """The rectangles drawn on a page: the QR code is one path of them."""
    content = page.get_contents().get_data()  # type: ignore[attr-defined]
    return len(re.findall(rb" re\b", content))


def _dark_runs(matrix: tuple[bytearray, ...]) -> int:
    return sum(len(re.findall(rb"\x01+", bytes(row))) for row in matrix)


def test_the_qr_code_is_the_url_module_for_module() -> None:
    """No QR decoder is installed, so the drawn code is read back from the page's pixels, module by
    module, and compared with segno's matrix for the URL."""
    data = make(WEEKS_POSTS)
    matrix = segno.make(URL, micro=False, error="m").matrix
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert _qr_squares(page) >= _dark_runs(matrix)
    dpi = 300
    with tempfile.TemporaryDirectory(prefix="poster-") as tmp:
        (Path(tmp) / "p.pdf").write_bytes(data)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-singlefile", "p.pdf", "p"], cwd=tmp, check=True
        )
        image = Image.open(Path(tmp) / "p.png").convert("L")
    size = len(matrix)
    module = poster.QR_SIZE / size
    left, top = poster.X + poster.W - poster.QR_SIZE, poster.QR_Y

    def dark(row: int, col: int) -> bool:
        x = (left + (col + 0.5) * module) / 25.4 * dpi
        y = (top + (row + 0.5) * module) / 25.4 * dpi
        return image.getpixel((round(x), round(y))) < 128  # type: ignore[operator]

    drawn = [[dark(r, c) for c in range(size)] for r in range(size)]
    assert drawn == [[bool(v) for v in row] for row in matrix]
    # The quiet zone, four modules all round, is blank.
    ring = [
        (r, c)
        for r in range(-4, size + 4)
        for c in range(-4, size + 4)
        if not (0 <= r < size and 0 <= c < size)
    ]
    assert not any(dark(r, c) for r, c in ring)


def test_the_qr_code_decodes_to_the_url() -> None:
    zxingcpp = pytest.importorskip("zxingcpp", reason="no QR decoder installed (the module test covers it)")
    data = make([])
    with tempfile.TemporaryDirectory(prefix="poster-") as tmp:
        (Path(tmp) / "p.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", "p.pdf", "p"], cwd=tmp, check=True)
        found = zxingcpp.read_barcodes(Image.open(Path(tmp) / "p.png"))
    assert [code.text for code in found] == [URL]
