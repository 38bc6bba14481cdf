"""Files read in the browser are the cleaned copy packs use (no JavaScript, actions or embedded
files), on the pages and in the API, for agenda items and proposals alike; the original is only a
download. Proposal uploads get the agenda files' checks: no locked PDFs, no huge images."""

from __future__ import annotations

import io

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.models import PreparedFile
from boardkit.meetings.models import AgendaItem, Attachment, Proposal
from tests.core.pdf import pdf_corpus as corpus
from tests.helpers import api_token, csrf_from, login_as
from tests.meetings.meeting_env import closed_item
from tests.meetings.proposals.proposal_env import CHAIR, RESIDENT, create_meeting

ACTIVE = [b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch", b"/EmbeddedFile", b"hemmelig.txt"]


def assert_clean(response: httpx.Response, text: str) -> None:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    for marker in ACTIVE:
        assert marker not in response.content, marker
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.attachments == {} and text in reader.pages[0].extract_text()


def assert_original(response: httpx.Response, data: bytes) -> None:
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-disposition"].startswith("attachment;")


def item_of(db: Database) -> int:
    meeting_id, _closed = closed_item(db)
    with db.transaction() as s:
        found = s.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id, AgendaItem.position == 1)
        )
    assert found is not None
    return found


def upload_to_item(client: TestClient, item_id: int, name: str, data: bytes, ctype: str) -> httpx.Response:
    token = csrf_from(client.get(f"/agenda-items/{item_id}/edit").text)
    return client.post(
        f"/agenda-items/{item_id}/attachments",
        data={"csrf_token": token},
        files={"file": (name, data, ctype)},
        follow_redirects=False,
    )


def test_an_agenda_pdf_is_read_without_its_javascript(
    client: TestClient, demo: Database, settings: Settings
) -> None:
    source = corpus.active()
    assert all(marker in source for marker in (b"/JavaScript", b"/OpenAction", b"/EmbeddedFiles"))
    item_id = item_of(demo)
    login_as(client, demo, CHAIR)
    assert upload_to_item(client, item_id, "Tilbud.pdf", source, "application/pdf").status_code == 303
    with demo.transaction() as s:
        attachment_id = s.scalar(select(Attachment.id).where(Attachment.agenda_item_id == item_id))
        assert s.scalar(select(func.count()).select_from(PreparedFile)) == 0  # the job has not run yet
    headers = api_token(demo, CHAIR)
    for prepared in (False, True):  # cleaned on the spot before the job has run, then its stored copy
        assert_clean(client.get(f"/attachments/{attachment_id}"), "Aktivt indhold 1")
        assert_clean(client.get(f"/api/v1/attachments/{attachment_id}", headers=headers), "Aktivt indhold 1")
        assert_original(client.get(f"/attachments/{attachment_id}?download=1"), source)
        assert_original(
            client.get(f"/api/v1/attachments/{attachment_id}?download=1", headers=headers), source
        )
        if not prepared:
            build_runner(demo, settings).run_until_idle()
            with demo.transaction() as s:
                assert s.scalar(select(func.count()).select_from(PreparedFile)) == 1


def test_a_pdf_that_cannot_be_cleaned_is_only_a_download(client: TestClient, demo: Database) -> None:
    broken = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>\nendobj\n"
    item_id = item_of(demo)
    login_as(client, demo, CHAIR)
    assert upload_to_item(client, item_id, "Ødelagt.pdf", broken, "application/pdf").status_code == 303
    with demo.transaction() as s:
        attachment_id = s.scalar(select(Attachment.id).where(Attachment.agenda_item_id == item_id))
    r = client.get(f"/attachments/{attachment_id}")
    assert r.status_code == 200 and r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;")


def test_a_proposal_pdf_is_read_without_its_javascript(client: TestClient, demo: Database) -> None:
    source = corpus.active()
    meeting_id = create_meeting(demo, days=50)
    login_as(client, demo, RESIDENT)
    path = f"/meetings/{meeting_id}/proposals"
    r = client.post(
        path,
        data={"title": "Nyt legehus", "text": "Se bilaget.", "csrf_token": csrf_from(client.get(path).text)},
        files=[("file", ("legehus.pdf", source, "application/pdf"))],
    )
    assert r.status_code == 200
    with demo.transaction() as s:
        pid, aid = s.execute(select(Attachment.proposal_id, Attachment.id)).one()
    assert_clean(client.get(f"/proposals/{pid}/files/{aid}"), "Aktivt indhold 1")
    assert_original(client.get(f"/proposals/{pid}/files/{aid}?download=1"), source)
    headers = api_token(demo, RESIDENT)
    assert_clean(
        client.get(f"/api/v1/proposals/{pid}/attachments/{aid}", headers=headers), "Aktivt indhold 1"
    )


@pytest.mark.parametrize(
    ("name", "data", "ctype", "status", "code", "message"),
    [
        (
            "låst.pdf",
            corpus.encrypted("hemmelig"),
            "application/pdf",
            415,
            "pdf_locked",
            "låst med en adgangskode",
        ),
        (
            "plakat.png",
            corpus.png_claiming(12000, 12000),
            "image/png",
            413,
            "too_many_pixels",
            "over 80 megapixel",
        ),
    ],
)
def test_proposal_uploads_get_the_agenda_files_checks(
    client: TestClient,
    demo: Database,
    name: str,
    data: bytes,
    ctype: str,
    status: int,
    code: str,
    message: str,
) -> None:
    meeting_id = create_meeting(demo, days=50)
    login_as(client, demo, RESIDENT)
    path = f"/meetings/{meeting_id}/proposals"
    r = client.post(
        path,
        data={"title": "Med bilag", "text": "Se bilaget.", "csrf_token": csrf_from(client.get(path).text)},
        files=[("file", (name, data, ctype))],
    )
    assert r.status_code == status and message in r.text and 'value="Med bilag"' in r.text
    api = client.post(
        f"/api/v1/meetings/{meeting_id}/proposals",
        data={"title": "Med bilag", "text": "Se bilaget."},
        files=[("file", (name, data, ctype))],
        headers=api_token(demo, RESIDENT),
    )
    assert api.status_code == status and api.json()["error"]["code"] == code
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Proposal)) == 0
        assert (
            s.scalar(select(func.count()).select_from(Attachment).where(Attachment.proposal_id.is_not(None)))
            == 0
        )
    login_as(client, demo, CHAIR)  # the same file on an agenda item gets the same answer
    r = upload_to_item(client, item_of(demo), name, data, ctype)
    assert r.status_code == status and message in r.text
