"""A board member reads the meeting pack on an iPad, writes a private note, and keeps reading offline."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.meetings.models import AgendaItem, Meeting
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, axe_violations, screenshot, start_live
from tests.meetings.meeting_env import CHAIR, TREASURER, closed_item, pdf_bytes, png_bytes
from tests.meetings.packs.pack_env import add_file, build_now, publish
from tests.smtp import SMTPServer, text_part

pytestmark = pytest.mark.browser


@dataclass
class PackSite:
    server: LiveServer
    db: Database
    meeting_id: int
    item_id: int


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[PackSite]:
    """Its own server (the offline test stops it): the demo with a published, built board pack."""
    data = tmp_path_factory.mktemp("pack-live")
    url = demo_copy(data)
    db = Database(url)
    settings = Settings(data_dir=data, database_url=url, secret_key="browser-test")
    meeting_id, _closed = closed_item(db)
    with db.transaction() as s:
        item_id = s.scalar(
            select(AgendaItem.id).where(
                AgendaItem.meeting_id == meeting_id, AgendaItem.title == "Legepladsen ved Engvænget"
            )
        )
    assert item_id is not None
    add_file(db, settings, item_id, "Tilbud på faldunderlag.pdf", pdf_bytes(3))
    add_file(db, settings, item_id, "Gyngerne.png", png_bytes())
    publish(db, meeting_id)
    build_now(db, settings, meeting_id)
    server = start_live(data, db, smtp_server.url)
    yield PackSite(server, db, meeting_id, item_id)
    server.stop()
    db.dispose()


def log_in(page: Any, live: LiveServer, smtp: SMTPServer, email: str) -> None:
    """Log in with the e-mailed link (the worker may send reminders meanwhile: find the login mail)."""
    before = len(smtp.inbox.to(email))
    page.goto(f"{live.url}/login")
    page.get_by_label("E-mailadresse").first.fill(email)
    page.get_by_role("button", name="Send mig et login-link").click()
    page.get_by_text("Tjek din e-mail").wait_for()
    deadline = time.monotonic() + 15
    link = None
    while link is None and time.monotonic() < deadline:
        for message in smtp.inbox.to(email)[before:]:
            link = link or re.search(r"http://127\.0\.0\.1:\d+/login/link/[\w-]+", text_part(message))
        time.sleep(0.1)
    assert link, f"no login mail to {email}"
    page.goto(link.group(0))
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live.url}/")


def wait_saved_offline(page: Any) -> None:
    """The service worker has kept this meeting's page and pack (the status line says so)."""
    page.locator("[data-offline-status][data-state='saved']").wait_for(timeout=20_000)


def test_pack_pages_on_a_phone(browser: Any, site: PackSite, smtp_server: SMTPServer) -> None:
    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, TREASURER)
    page.goto(f"{site.server.url}/meetings/{site.meeting_id}")
    page.get_by_role("heading", name="Mødemappe").wait_for()
    wait_saved_offline(page)
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "pack-meeting-phone")
    page.get_by_role("link", name="Tilbud på faldunderlag.pdf").click()
    page.get_by_role("heading", name="Tilbud på faldunderlag.pdf").wait_for()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "pack-attachment-phone")
    page.goto(f"{site.server.url}/meetings/{site.meeting_id}/pack/versions")
    assert axe_violations(page) == []
    screenshot(page, "pack-versions-phone")

    # After the meeting its page and pack leave the device at the next sync.
    kept = "async (path) => !!(await (await caches.open('bk-packs')).match(path))"
    pack_path = f"/meetings/{site.meeting_id}/pack.pdf"
    assert page.evaluate(kept, pack_path)
    with site.db.transaction() as s:
        meeting = s.get(Meeting, site.meeting_id)
        assert meeting is not None
        starts, ends = meeting.starts_at, meeting.ends_at
        meeting.starts_at, meeting.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    try:
        page.goto(f"{site.server.url}/meetings/{site.meeting_id}")
        page.locator("[data-offline-status][data-state='none']").wait_for(state="attached")
        assert not page.evaluate(kept, pack_path)
        assert not page.evaluate(kept, f"/meetings/{site.meeting_id}")
    finally:
        with site.db.transaction() as s:
            meeting = s.get(Meeting, site.meeting_id)
            assert meeting is not None
            meeting.starts_at, meeting.ends_at = starts, ends

    # Logging out leaves nothing of this reader on the device.
    page.goto(f"{site.server.url}/meetings/{site.meeting_id}")
    wait_saved_offline(page)
    page.evaluate("document.querySelector('form[data-logout]').requestSubmit()")
    page.wait_for_url("**/login**")
    page.wait_for_function("async () => !(await caches.has('bk-packs'))")
    assert page.evaluate("caches.has('bk-packs')") is False
    context.close()


def test_the_chair_sees_who_has_opened_the_pack(
    browser: Any, site: PackSite, smtp_server: SMTPServer
) -> None:
    context = browser.new_context(viewport=IPAD, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{site.server.url}/meetings/{site.meeting_id}")
    with page.expect_response(lambda r: r.url.endswith("/pack.pdf")) as opened:
        page.evaluate("(url) => fetch(url)", f"/meetings/{site.meeting_id}/pack.pdf")
    assert opened.value.status == 200
    page.get_by_role("link", name="Hvem har åbnet mødemappen").click()
    page.get_by_role("heading", name="Hvem har åbnet mødemappen").wait_for()
    assert page.get_by_text("Ikke åbnet").count() >= 1

    def everyone_else_unopened() -> bool:
        return page.locator("td", has_text="Ikke åbnet").count() == page.locator("tbody tr").count() - 1

    # The read mark is bookkeeping written just after the PDF's response (a read never waits for
    # the write lock): give it a moment before expecting the chair's row to say "opened".
    deadline = time.monotonic() + 10
    while not everyone_else_unopened() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.reload()
    assert everyone_else_unopened()
    assert axe_violations(page) == []
    screenshot(page, "pack-reads-ipad")
    context.close()


def test_reading_a_pack_on_an_ipad_online_and_offline(
    browser: Any, site: PackSite, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    live = site.server
    meeting_url = f"{live.url}/meetings/{site.meeting_id}"
    # No bypass_csp: the service worker, the manifest and the framed PDF must pass the real policy.
    context = browser.new_context(viewport=IPAD, locale="da-DK")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, live, smtp_server, TREASURER)

    page.goto(meeting_url)
    page.get_by_role("heading", name="Mødemappe").wait_for()
    # Version 1, or 2 when the worker's preparation of the files made a new version meanwhile.
    shown = page.get_by_text(re.compile(r"^Version \d+$")).first.inner_text()
    version = int(shown.split()[1])
    assert version in (1, 2)
    wait_saved_offline(page)
    assert f"Gemt til offline brug (version {version})" in page.locator("[data-offline-status]").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "pack-meeting-ipad")

    # Read an attachment, then the next one, and write a note on the way.
    page.get_by_role("link", name="Tilbud på faldunderlag.pdf").click()
    page.get_by_role("heading", name="Tilbud på faldunderlag.pdf").wait_for()
    frame = page.locator("iframe.bk-reader-frame")
    assert frame.is_visible() and frame.get_attribute("title") == "Tilbud på faldunderlag.pdf"
    assert axe_violations(page) == []
    screenshot(page, "pack-attachment-ipad")
    page.get_by_role("link", name="Næste bilag: Gyngerne.png").click()
    page.get_by_role("img", name="Gyngerne.png").wait_for()
    page.get_by_label("Min note til punktet").fill("Spørg til garantien – og til prisen på montering.")
    page.get_by_role("button", name="Gem noten").click()
    page.get_by_text("Noten er gemt.").wait_for()
    assert page.get_by_role("heading", name="Gyngerne.png").is_visible()  # back where I was
    assert page.get_by_label("Min note til punktet").input_value().startswith("Spørg til garantien")
    assert axe_violations(page) == []
    screenshot(page, "pack-note-ipad")

    page.goto(meeting_url)
    assert page.get_by_text("Spørg til garantien").first.is_visible()
    wait_saved_offline(page)
    with_notes = page.evaluate(
        "async (url) => { const r = await fetch(url); const b = new Uint8Array(await r.arrayBuffer());"
        " return [r.status, String.fromCharCode(...b.slice(0, 5))]; }",
        f"/meetings/{site.meeting_id}/pack.pdf?notes=1",
    )
    assert with_notes == [200, "%PDF-"]
    assert not [p for p in problems if "Content Security Policy" in p], problems

    # Offline: the server is gone and the browser has no network.
    live.stop()
    context.set_offline(True)
    page.goto(meeting_url)
    page.get_by_role("heading", name="Mødemappe").wait_for()
    status = page.locator("[data-offline-status]")
    page.locator("[data-offline-status][data-state='is-offline']").wait_for()
    assert "Du er offline — viser kopien fra" in status.inner_text()
    pack = page.evaluate(
        "async (url) => { const r = await fetch(url); const b = new Uint8Array(await r.arrayBuffer());"
        " const start = String.fromCharCode(...b.slice(0, 5));"
        " return [r.status, r.headers.get('content-type'), start, b.length]; }",
        f"/meetings/{site.meeting_id}/pack.pdf",
    )
    assert pack[:3] == [200, "application/pdf", "%PDF-"] and pack[3] > 1000
    assert axe_violations(page) == []
    screenshot(page, "pack-offline-ipad")
    # The last list from the server named a newer version, which did not arrive before the net went.
    page.evaluate(
        "async ([id, newer]) => { const c = await caches.open('bk-packs');"
        " const s = await (await c.match('/offline/state.json')).json();"
        " s.meetings[id].published_version = newer;"
        " await c.put('/offline/state.json', new Response(JSON.stringify(s))); }",
        [str(site.meeting_id), version + 1],
    )
    page.reload()
    page.locator("[data-offline-status][data-state='is-offline']").wait_for()
    assert f"Din offline-kopi er version {version} — version {version + 1} er udgivet." in status.inner_text()
    screenshot(page, "pack-offline-older-ipad")
    page.goto(f"{live.url}/")  # the dashboard is kept too: the app starts offline
    page.get_by_role("heading", name="Afdelingsbestyrelsen i Engparken").wait_for()
    page.goto(f"{live.url}/timeline")  # not kept: a plain page says so and links to what is
    page.get_by_role("heading", name="Du er offline").wait_for()
    assert page.locator("main li a").all_inner_texts() == ["Bestyrelsesmøde"]
    screenshot(page, "pack-offline-fallback-ipad")
    context.close()
