"""The meeting pack on the web: publishing, downloading, versions, who read it, notes, ZIP, reading pages."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.meetings.models import AgendaItem, Attachment, PackRead, PrivateNote
from boardkit.org.models import Person
from tests.helpers import csrf_from, login_as, person_id
from tests.meetings.meeting_env import (
    CHAIR,
    ENGPARKEN,
    MEMBER_SOEBAKKEN,
    RESIDENT,
    RESIDENT_SOEBAKKEN,
    TREASURER,
    closed_item,
    department_meeting,
    email_of_role,
    pdf_bytes,
    png_bytes,
)
from tests.meetings.packs.pack_env import add_file, add_item, build_now, publish
from tests.meetings.packs.pack_service_env import qpdf_check, run_jobs, text_of


def token(client: TestClient, path: str) -> str:
    return csrf_from(client.get(path).text)


def name_of(demo: Database, email: str) -> str:
    with demo.transaction() as s:
        return str(s.scalar(select(Person.name).where(Person.email == email)))


def board_meeting(demo: Database, settings: Settings) -> tuple[int, int, int, int]:
    """The Engparken board meeting with its closed item: files on an open and on the closed item."""
    meeting_id, closed_id = closed_item(demo)
    with demo.transaction() as s:
        open_id = s.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.title == "Legepladsen ved Engvænget"
            )
        )
    assert open_id is not None
    add_file(demo, settings, open_id, "Tilbud faldunderlag.pdf", pdf_bytes(2))
    add_file(demo, settings, open_id, "Gyngerne.png", png_bytes())
    add_file(demo, settings, closed_id, "Personalesagen.pdf", pdf_bytes(1))
    return meeting_id, open_id, closed_id, person_id(demo, CHAIR)


def test_chair_publishes_and_members_download_their_own_copy(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    meeting_id, _open, _closed, _chair = board_meeting(demo, app_settings)
    treasurer_name, chair_name = name_of(demo, TREASURER), name_of(demo, CHAIR)
    page_url = f"/meetings/{meeting_id}"
    login_as(client, demo, TREASURER)
    assert "Mødemappe" not in client.get(page_url).text  # nothing to see before publication
    assert client.get(f"{page_url}/pack.pdf").status_code == 404
    assert (
        client.post(f"{page_url}/pack/publish", data={"csrf_token": token(client, page_url)}).status_code
        == 403
    )

    login_as(client, demo, CHAIR)
    page = client.get(page_url).text
    assert "Udgiv mødemappe" in page and f'action="{page_url}/pack/publish"' in page
    forged = client.post(f"{page_url}/pack/publish", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    r = client.post(
        f"{page_url}/pack/publish", data={"csrf_token": token(client, page_url)}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"{page_url}#pack-heading"
    page = client.get(page_url).text
    assert "Mødemappen er udgivet" in page and "bygges nu" in page
    assert client.get(f"{page_url}/pack.pdf").status_code == 409  # published, not built yet

    build_now(demo, app_settings, meeting_id)
    page = client.get(page_url).text
    assert "Version 1" in page and "Udgiv mødemappe" not in page
    assert f'href="{page_url}/pack.pdf"' in page and f'href="{page_url}/pack.pdf?notes=1"' in page
    assert f'href="{page_url}/attachments.zip"' in page and "Hvem har åbnet mødemappen" in page
    assert "data-offline-status" in page and 'data-pack-version="1"' in page

    login_as(client, demo, TREASURER)
    page = client.get(page_url).text
    assert "Hent mødemappe (PDF)" in page and "Hvem har åbnet mødemappen" not in page
    r = client.get(f"{page_url}/pack.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and r.headers["content-disposition"].startswith("inline;")
    assert r.headers["x-pack-version"] == "1" and r.headers["cache-control"] == "private, no-cache"
    qpdf_check(r.content)
    text = text_of(r.content)
    assert "Personalesag" in text  # a sitting member reads the closed item
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PackRead)) == 1

    login_as(client, demo, CHAIR)
    reads = client.get(f"{page_url}/pack/reads")
    assert reads.status_code == 200
    rows = dict(re.findall(r"<tr>\s*<td[^>]*>([^<]+)</td>\s*<td>(.*?)</td>", reads.text, re.S))
    assert "Ikke åbnet" not in rows[treasurer_name] and "Ikke åbnet" in rows[chair_name]
    assert "1 af " in reads.text and "har åbnet version 1" in reads.text


@pytest.mark.postgres
def test_the_service_worker_copy_does_not_count_as_opened(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    meeting_id, *_ = board_meeting(demo, app_settings)
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    login_as(client, demo, TREASURER)
    r = client.get(f"/meetings/{meeting_id}/pack.pdf?offline=1")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PackRead)) == 0
    client.get(f"/meetings/{meeting_id}/pack.pdf")
    client.get(f"/meetings/{meeting_id}/pack.pdf")
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PackRead)) == 1  # the first open only


def test_nobody_outside_the_board_gets_anything(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    meeting_id, open_id, closed_id, _chair = board_meeting(demo, app_settings)
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    for who in (MEMBER_SOEBAKKEN, RESIDENT):
        login_as(client, demo, who)
        for path in (
            f"/meetings/{meeting_id}/pack.pdf",
            f"/meetings/{meeting_id}/pack.pdf?notes=1",
            f"/meetings/{meeting_id}/attachments.zip",
            f"/meetings/{meeting_id}/pack/versions",
            f"/meetings/{meeting_id}/pack/reads",
            f"/agenda-items/{open_id}/note",
            f"/agenda-items/{closed_id}/note",
        ):
            assert client.get(path).status_code == 404, (who, path)
        r = client.post(f"/agenda-items/{open_id}/note", data={"csrf_token": token(client, "/"), "text": "x"})
        assert r.status_code == 404
    client.cookies.clear()
    r = client.get(f"/meetings/{meeting_id}/pack.pdf", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_a_substitute_gets_the_open_pack_without_the_closed_item(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    meeting_id, open_id, closed_id, _chair = board_meeting(demo, app_settings)
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    login_as(client, demo, email_of_role(demo, ENGPARKEN, "substitute"))
    pdf = client.get(f"/meetings/{meeting_id}/pack.pdf").content
    text = text_of(pdf)
    assert "Legepladsen" in text and "Personalesag" not in text
    names = zipfile.ZipFile(
        io.BytesIO(client.get(f"/meetings/{meeting_id}/attachments.zip").content)
    ).namelist()
    assert any(n.endswith("/Tilbud faldunderlag.pdf") for n in names)
    assert not any("Personalesag" in n for n in names)
    assert client.get(f"/agenda-items/{closed_id}/note").status_code == 404
    assert client.get(f"/agenda-items/{open_id}/note").status_code == 200


def test_zip_of_the_originals(client: TestClient, demo: Database, app_settings: Settings) -> None:
    meeting_id, *_ = board_meeting(demo, app_settings)
    login_as(client, demo, TREASURER)
    r = client.get(f"/meetings/{meeting_id}/attachments.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(r.content))
    assert archive.testzip() is None
    names = archive.namelist()
    assert len(names) == 3
    pdf = next(n for n in names if n.endswith("Tilbud faldunderlag.pdf"))
    assert archive.read(pdf) == pdf_bytes(2)
    assert any("Personalesag" in n and n.endswith("Personalesagen.pdf") for n in names)
    assert all(not n.startswith(("/", "..")) and "\\" not in n for n in names)


def test_residents_get_the_public_pack_of_their_department_meeting(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    meeting_id = department_meeting(demo)
    secret_item = add_item(
        demo, meeting_id, title="Fraflytningssag", description="Hemmelig beskrivelse af sagen", closed=True
    )
    add_file(demo, app_settings, secret_item, "Fortroligt bilag.pdf", pdf_bytes(1))
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    login_as(client, demo, RESIDENT)
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Hent mødemappe (PDF)" in page
    assert "Hent med mine noter" not in page and "Min note" not in page  # notes are the board's
    pdf = client.get(f"/meetings/{meeting_id}/pack.pdf")
    assert pdf.status_code == 200
    text = text_of(pdf.content)
    assert "Hemmelig beskrivelse" not in text and "Fortroligt bilag" not in text
    assert client.get(f"/meetings/{meeting_id}/pack/versions").status_code == 200
    names = zipfile.ZipFile(
        io.BytesIO(client.get(f"/meetings/{meeting_id}/attachments.zip").content)
    ).namelist()
    assert not any("Fortroligt" in n for n in names)
    with demo.transaction() as s:
        open_item = s.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id, AgendaItem.closed.is_(False))
        )
    r = client.post(f"/agenda-items/{open_item}/note", data={"csrf_token": token(client, "/"), "text": "x"})
    assert r.status_code == 403
    assert client.get(f"/agenda-items/{secret_item}/note").status_code == 404
    login_as(client, demo, RESIDENT_SOEBAKKEN)  # another department's resident
    assert client.get(f"/meetings/{meeting_id}/pack.pdf").status_code == 404


def test_private_notes_are_mine_alone(client: TestClient, demo: Database, app_settings: Settings) -> None:
    meeting_id, open_id, _closed, _chair = board_meeting(demo, app_settings)
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    page_url = f"/meetings/{meeting_id}"
    note_url = f"/agenda-items/{open_id}/note"
    login_as(client, demo, TREASURER)
    page = client.get(page_url).text
    assert f'action="{note_url}"' in page and "Kun du kan se denne note." in page
    assert client.post(note_url, data={"csrf_token": "forged", "text": "x"}).status_code == 403
    r = client.post(
        note_url,
        data={
            "csrf_token": token(client, page_url),
            "text": "Spørg til garantien på gyngerne",
            "next": f"{page_url}#item-{open_id}",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == f"{page_url}#item-{open_id}"
    page = client.get(page_url).text
    assert "Noten er gemt." in page and "Spørg til garantien på gyngerne" in page
    # Printed into my own pack when I ask for it, and only then.
    assert "garantien" in text_of(client.get(f"{page_url}/pack.pdf?notes=1").content)
    assert "garantien" not in text_of(client.get(f"{page_url}/pack.pdf").content)

    login_as(client, demo, CHAIR)
    assert "garantien" not in client.get(page_url).text
    assert "garantien" not in text_of(client.get(f"{page_url}/pack.pdf?notes=1").content)
    assert "garantien" not in client.get(note_url).text

    login_as(client, demo, TREASURER)
    evil = client.post(
        note_url,
        data={"csrf_token": token(client, page_url), "text": "Ny tekst", "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert evil.status_code == 303 and evil.headers["location"] == f"{page_url}#item-{open_id}"
    too_long = client.post(note_url, data={"csrf_token": token(client, page_url), "text": "x" * 10_001})
    assert too_long.status_code == 422 and "10.000" in too_long.text
    assert "Ny tekst" in client.get(note_url).text  # the long one was not saved
    r = client.post(
        note_url, data={"csrf_token": token(client, page_url), "text": "  "}, follow_redirects=False
    )
    assert r.status_code == 303
    assert "Noten er slettet." in client.get(page_url).text
    with demo.transaction() as s:
        assert s.scalar(select(func.count()).select_from(PrivateNote)) == 0


def test_versions_say_what_changed(client: TestClient, demo: Database, app_settings: Settings) -> None:
    meeting_id, open_id, _closed, _chair = board_meeting(demo, app_settings)
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    add_file(demo, app_settings, open_id, "Tilbud nr. 2.pdf", pdf_bytes(3))
    add_item(demo, meeting_id, title="Fælles grill", description="Indkøb af grill")
    build_now(demo, app_settings, meeting_id)
    login_as(client, demo, TREASURER)
    page = client.get(f"/meetings/{meeting_id}").text
    assert "Version 2" in page and "Nyt i version 2" in page
    assert "Tilbud nr. 2.pdf" in page and "Fælles grill" in page
    versions = client.get(f"/meetings/{meeting_id}/pack/versions")
    assert versions.status_code == 200
    assert versions.text.count("Version ") >= 2 and "Gældende" in versions.text
    assert client.get(f"/meetings/{meeting_id}/pack.pdf").headers["x-pack-version"] == "2"


def test_reading_an_attachment_on_its_own_page(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    meeting_id, open_id, closed_id, _chair = board_meeting(demo, app_settings)
    with demo.transaction() as s:
        files = {
            a.filename: a.id
            for a in s.scalars(select(Attachment).where(Attachment.agenda_item_id.in_([open_id, closed_id])))
        }
    pdf_id, png_id, closed_file = (
        files["Tilbud faldunderlag.pdf"],
        files["Gyngerne.png"],
        files["Personalesagen.pdf"],
    )
    login_as(client, demo, TREASURER)
    meeting_page = client.get(f"/meetings/{meeting_id}").text
    assert f'href="/attachments/{pdf_id}/view"' in meeting_page
    r = client.get(f"/attachments/{pdf_id}/view")
    assert r.status_code == 200
    assert f'<iframe class="bk-reader-frame" src="/attachments/{pdf_id}#view=FitH"' in r.text
    assert f'href="/attachments/{png_id}/view" rel="next"' in r.text and 'rel="prev"' not in r.text
    assert f'action="/agenda-items/{open_id}/note"' in r.text
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    framed = client.get(f"/attachments/{pdf_id}")
    assert "frame-ancestors 'self'" in framed.headers["content-security-policy"]
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"
    image = client.get(f"/attachments/{png_id}/view").text
    assert f'<img class="bk-reader-image" src="/attachments/{png_id}"' in image
    assert f'href="/attachments/{pdf_id}/view" rel="prev"' in image
    assert f'href="/attachments/{closed_file}/view" rel="next"' in image  # the sitting board reads on

    login_as(client, demo, email_of_role(demo, ENGPARKEN, "substitute"))
    image = client.get(f"/attachments/{png_id}/view").text
    assert 'rel="next"' not in image  # the closed item's file is not on the substitute's way
    assert client.get(f"/attachments/{closed_file}/view").status_code == 404
    login_as(client, demo, MEMBER_SOEBAKKEN)
    assert client.get(f"/attachments/{pdf_id}/view").status_code == 404
    assert client.get("/attachments/999999/view").status_code == 404


def test_the_offline_app(client: TestClient, demo: Database, app_settings: Settings) -> None:
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.headers["content-type"].startswith(
        "application/manifest+json"
    )
    data = manifest.json()
    assert data["start_url"] == "/" and data["display"] == "standalone"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    for icon in data["icons"]:
        assert client.get(icon["src"]).content.startswith(b"\x89PNG")
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache" and "caches.open" in worker.text
    csp = worker.headers["content-security-policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    r = client.get("/offline/packs.json")
    assert r.status_code == 401 and r.json()["error"]["code"] == "not_authenticated"

    meeting_id, *_ = board_meeting(demo, app_settings)
    login_as(client, demo, TREASURER)
    home = client.get("/").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in home and 'data-session="in"' in home
    listing = client.get("/offline/packs.json").json()
    assert listing["person_id"] == person_id(demo, TREASURER)
    assert listing["items"] == []  # nothing published yet
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    listing = client.get("/offline/packs.json").json()
    found = [m for m in listing["items"] if m["meeting_id"] == meeting_id]
    assert found and found[0]["version"] == 1
    assert found[0]["pack_url"] == f"/meetings/{meeting_id}/pack.pdf"
    assert found[0]["meeting_url"] == f"/meetings/{meeting_id}"
    assert set(listing["labels"]) >= {"title", "text", "none", "home"}
    missing = client.get("/meetings/999999")
    assert missing.status_code == 404 and "data-session" not in missing.text  # an error page says neither
    client.cookies.clear()
    assert 'data-session="out"' in client.get("/login").text


def test_junk_gets_a_clear_answer(client: TestClient, demo: Database, app_settings: Settings) -> None:
    meeting_id, open_id, _closed, _chair = board_meeting(demo, app_settings)
    publish(demo, meeting_id)
    build_now(demo, app_settings, meeting_id)
    login_as(client, demo, TREASURER)
    for path in (
        "/meetings/0/pack.pdf",
        "/meetings/99999999999999999999/pack.pdf",
        "/meetings/abc/attachments.zip",
        "/attachments/0/view",
        "/agenda-items/-1/note",
        f"/meetings/{meeting_id}/pack.pdf?notes=%00&offline=%FF&download=<x>",
        f"/meetings/{meeting_id}/pack/versions?side=-1",
    ):
        assert client.get(path).status_code in (200, 404), path
    csrf = token(client, f"/meetings/{meeting_id}")
    for text, next_url in (
        ("nul\x00tegn", "\\evil"),
        ("ø" * 9_999, "/" + "x" * 5000),
        ("", "javascript:alert(1)"),
    ):
        r = client.post(
            f"/agenda-items/{open_id}/note",
            data={"csrf_token": csrf, "text": text, "next": next_url},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == f"/meetings/{meeting_id}#item-{open_id}"
    r = client.post(f"/meetings/{meeting_id}/pack/publish", data={"csrf_token": csrf})
    assert r.status_code == 403  # not the chair
    r = client.post(f"/meetings/{meeting_id}/pack.pdf", data={"csrf_token": csrf})
    assert r.status_code in (404, 405)


def test_the_chair_sees_when_a_file_cannot_go_into_the_pack(
    client: TestClient, demo: Database, app_settings: Settings
) -> None:
    _meeting, open_id, _closed, _chair = board_meeting(demo, app_settings)
    add_file(demo, app_settings, open_id, "Ødelagt.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50)
    run_jobs(demo, app_settings)  # the upload's preparation, in the background
    login_as(client, demo, CHAIR)
    page = client.get(f"/agenda-items/{open_id}/edit").text
    problem = re.search(r'<span class="d-block bk-file-problem[^>]*>(.*?)</span>', page, re.S)
    assert problem is not None and "Vises som en side med filens navn i mødemappen" in problem.group(1)
    assert page.count("bk-file-problem") == 1  # the good files have no such line
