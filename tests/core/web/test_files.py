"""The one way to answer with a file: RFC 6266 names, nosniff, and HTTP Range (206, 416, If-Range)
for bytes, files on disk and spooled files alike, and on the real attachment and pack downloads."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.web import file_response, spooled_file_response
from boardkit.meetings.models import AgendaItem, Attachment
from tests.helpers import csrf_from, login_as
from tests.meetings.meeting_env import CHAIR, closed_item, pdf_bytes

DATA = bytes(range(256)) * 4  # 1,024 bytes
NAME = "Referat – Ørestad Şişli ễ.pdf"


@pytest.fixture
def files(tmp_path: Path) -> TestClient:
    on_disk = tmp_path / "stored.bin"
    on_disk.write_bytes(DATA)
    spooled: list[str] = []

    def from_bytes(request: Request) -> Response:
        return file_response(DATA, "application/pdf", NAME, inline=True, etag="abc")

    def from_disk(request: Request) -> Response:
        return file_response(on_disk, "application/octet-stream", "stored.bin", etag="disk")

    def from_spool(request: Request) -> Response:
        def write(out: BinaryIO) -> None:
            spooled.append(out.name)  # type: ignore[attr-defined]
            out.write(DATA)

        return spooled_file_response(write, "text/csv", "eksport æøå.csv")

    app = Starlette(routes=[Route("/b", from_bytes), Route("/d", from_disk), Route("/s", from_spool)])
    client = TestClient(app)
    client.spooled = spooled  # type: ignore[attr-defined]
    return client


def test_a_whole_file_has_its_unicode_name_nosniff_and_accepts_ranges(files: TestClient) -> None:
    r = files.get("/b")
    assert r.status_code == 200 and r.content == DATA
    assert r.headers["content-disposition"] == (
        "inline; filename=\"Referat  Oerestad Sisli e.pdf\"; filename*=UTF-8''"
        "Referat%20%E2%80%93%20%C3%98restad%20%C5%9Ei%C5%9Fli%20%E1%BB%85.pdf"
    )
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["accept-ranges"] == "bytes" and r.headers["etag"] == '"abc"'
    assert r.headers["cache-control"] == "private, no-cache"


@pytest.mark.parametrize("path", ["/b", "/d", "/s"])
@pytest.mark.parametrize(
    ("wanted", "start", "end"),
    [
        ("bytes=0-3", 0, 3),
        ("bytes=1000-", 1000, 1023),
        ("bytes=-24", 1000, 1023),
        ("bytes=10-5000", 10, 1023),
    ],
)
def test_a_range_gets_206_with_those_bytes(
    files: TestClient, path: str, wanted: str, start: int, end: int
) -> None:
    r = files.get(path, headers={"Range": wanted})
    assert r.status_code == 206
    assert r.content == DATA[start : end + 1]
    assert r.headers["content-range"] == f"bytes {start}-{end}/1024"
    assert int(r.headers["content-length"]) == end - start + 1


@pytest.mark.parametrize("path", ["/b", "/d"])
def test_a_range_past_the_end_gets_416(files: TestClient, path: str) -> None:
    r = files.get(path, headers={"Range": "bytes=1024-"})
    assert r.status_code == 416 and r.headers["content-range"] == "bytes */1024"


def test_if_range_with_an_old_etag_gets_the_whole_file(files: TestClient) -> None:
    assert files.get("/b", headers={"Range": "bytes=0-3", "If-Range": '"abc"'}).status_code == 206
    stale = files.get("/b", headers={"Range": "bytes=0-3", "If-Range": '"old"'})
    assert stale.status_code == 200 and stale.content == DATA


def test_a_spooled_file_is_removed_once_sent(files: TestClient) -> None:
    r = files.get("/s")
    assert r.status_code == 200 and r.content == DATA
    assert "eksport%20%C3%A6%C3%B8%C3%A5.csv" in r.headers["content-disposition"]
    assert not Path(files.spooled[0]).exists()  # type: ignore[attr-defined]


def test_an_attachment_resumes_from_where_a_tablet_stopped(client: TestClient, demo: Database) -> None:
    login_as(client, demo, CHAIR)
    meeting_id, _closed = closed_item(demo)
    with demo.transaction() as s:
        item_id = s.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id))
    token = csrf_from(client.get(f"/agenda-items/{item_id}/edit").text)
    upload = {"file": ("Budget – Ørestad.pdf", pdf_bytes(pages=3), "application/pdf")}
    client.post(f"/agenda-items/{item_id}/attachments", data={"csrf_token": token}, files=upload)
    with demo.transaction() as s:
        attachment_id = s.scalar(select(Attachment.id).where(Attachment.agenda_item_id == item_id))
    for url in (f"/attachments/{attachment_id}", f"/attachments/{attachment_id}?download=1"):
        whole = client.get(url)
        assert whole.status_code == 200 and whole.content.startswith(b"%PDF")
        tail = client.get(url, headers={"Range": "bytes=100-", "If-Range": whole.headers["etag"]})
        assert tail.status_code == 206 and whole.content[:100] + tail.content == whole.content
        assert tail.headers["content-range"] == f"bytes 100-{len(whole.content) - 1}/{len(whole.content)}"
