"""A new board member, whose membership admin@ starts on the board page, logs in on an iPad, sees
"Kom godt i gang", plays a video with its Danish captions showing, signs the confidentiality
declaration and sees their progress; the chair sees that member's progress. axe-core finds nothing
on these pages."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.onboarding import captions, media
from boardkit.onboarding import service as onboarding
from boardkit.onboarding.models import Caption, Video
from boardkit.org import service as org_service
from boardkit.org.models import Board, Organisation
from tests.browser.conftest import IPAD, DemoCopy, LiveServer, start_live
from tests.browser.test_login_flow import log_in
from tests.browser.test_proposals import check, wait_for_subject
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

ADMIN, CHAIR = "admin@demo.boardkit.dk", "formand@demo.boardkit.dk"
NEW = "nyvalgt@example.dk"
NAME = "Şirin Ødegård Nguyễn"


@dataclass
class Site:
    server: LiveServer
    db: Database
    board_id: int

    @property
    def url(self) -> str:
        return self.server.url


def programme(db: Database, store: FileStore) -> int:
    """The organisation's programme for members: a captioned video and the declaration; returns
    Engparken's board."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "velkommen.mp4"
        media.make_demo_video(path, seconds=4, lines=["Velkommen i bestyrelsen"])
        info = media.probe(path)
        sha, poster = store.put_file(path), store.put(media.poster(path))
    vtt = media.make_demo_captions(
        [(0.0, 2.0, "Velkommen i bestyrelsen."), (2.0, 4.0, "Læs mødemappen i god tid.")]
    )
    with db.transaction() as s:
        organisation_id = s.scalar(select(Organisation.id))
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert organisation_id is not None and board is not None
        video = Video(
            organisation_id=organisation_id,
            sha256=sha,
            filename="Velkommen.mp4",
            content_type=info.content_type,
            size=1,
            duration=info.duration,
            width=info.width,
            height=info.height,
            poster_sha256=poster,
        )
        s.add(video)
        s.flush()
        data = vtt.encode()
        s.add(
            Caption(
                video_id=video.id,
                language="da",
                label="Dansk",
                sha256=store.put(data),
                transcript=captions.to_transcript(captions.parse_vtt(data)),
            )
        )
        declaration = onboarding.create_declaration(
            s,
            organisation_id=organisation_id,
            actor_id=None,
            title="Tavshedserklæring",
            text="Jeg holder lukkede punkter og personsager for mig selv.",
        )
        prog = onboarding.programme(
            s, organisation_id=organisation_id, role="member", title="Ny i afdelingsbestyrelsen"
        )
        for step in (
            onboarding.ModuleInput("video", "Velkommen i bestyrelsen", video_id=video.id, due_days=7),
            onboarding.ModuleInput(
                "declaration", "Underskriv tavshedserklæringen", declaration_id=declaration.id
            ),
            onboarding.ModuleInput("task", "Mød driftschefen", due_days=30),
        ):
            onboarding.publish(s, onboarding.add_module(s, prog, step, actor_id=None), actor_id=None)
        org_service.create_person(s, actor_id=None, organisation_id=organisation_id, name=NAME, email=NEW)
        return board.id


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("onboarding")
    db = Database(demo_copy(data))
    server = start_live(data, db, smtp_server.url)
    board_id = programme(db, FileStore(Settings(data_dir=data).files_dir))
    yield Site(server, db, board_id)
    server.stop()
    db.dispose()


def test_a_new_member_watches_with_captions_signs_and_the_chair_follows(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    ipad = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, ADMIN)
    page.goto(f"{site.url}/admin/boards/{site.board_id}")
    page.get_by_label("Person").fill(NEW)
    page.get_by_label("Rolle").select_option("member")
    page.get_by_role("button", name="Tilføj medlem").click()
    page.get_by_text(f"{NAME} er tilføjet").wait_for()
    ipad.close()
    wait_for_subject(smtp_server, NEW, "Velkommen i Afdelingsbestyrelsen i Engparken")

    ipad = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, NEW)
    card = page.locator("#getting-started-heading")
    card.wait_for()
    assert "0 af 3 trin gjort" in page.locator("main").inner_text()
    check(page, "onboarding-dashboard-ipad", IPAD)
    page.get_by_role("link", name="Se alle trin").click()
    page.wait_for_url(f"{site.url}/onboarding")
    check(page, "onboarding-programme-ipad", IPAD)

    page.get_by_role("link", name="Velkommen i bestyrelsen").click()
    page.wait_for_url(re.compile(rf"{re.escape(site.url)}/onboarding/steps/\d+$"))
    video = page.locator("#onboarding-video")
    assert video.locator("track[srclang=da][default]").count() == 1
    check(page, "onboarding-video-ipad", IPAD)
    page.evaluate(
        "() => { const v = document.getElementById('onboarding-video'); v.muted = true; return v.play(); }"
    )
    page.wait_for_function(
        "() => { const t = document.getElementById('onboarding-video').textTracks[0];"
        " return t.mode === 'showing' && t.cues && t.cues.length === 2 && t.activeCues.length > 0; }",
        timeout=15000,
    )
    cue = page.evaluate("document.getElementById('onboarding-video').textTracks[0].activeCues[0].text")
    assert cue in ("Velkommen i bestyrelsen.", "Læs mødemappen i god tid.")
    page.wait_for_function("() => document.getElementById('onboarding-video').ended", timeout=15000)
    page.wait_for_timeout(500)  # the player's last report of how far it got
    page.reload()
    assert "Gjort" in page.locator("main").inner_text()  # watched to the end: done without a click

    page.goto(f"{site.url}/onboarding")
    page.get_by_role("link", name="Underskriv tavshedserklæringen").click()
    page.get_by_role("button", name="Jeg har læst erklæringen og underskriver den").click()
    page.get_by_text("Du har underskrevet erklæringen.").wait_for()
    check(page, "onboarding-signed-ipad", IPAD)
    page.goto(f"{site.url}/")
    assert "2 af 3 trin gjort" in page.locator("main").inner_text()
    ipad.close()

    ipad = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{site.url}/boards/{site.board_id}/onboarding")
    row = page.get_by_role("row").filter(has_text=NAME)
    assert "67 %" in row.inner_text() and "Mød driftschefen" in row.inner_text()
    check(page, "onboarding-status-ipad", IPAD)
    ipad.close()
