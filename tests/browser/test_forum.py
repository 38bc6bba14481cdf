"""formand@ starts a thread on an iPad mentioning kasserer@, who replies from the e-mail's link;
beboer@ posts on the bulletin board with a photo on a 375 px phone. axe-core finds nothing on
these pages."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.org.models import Board, Department, Person
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, start_live
from tests.browser.test_login_flow import log_in
from tests.browser.test_proposals import check, wait_for_subject
from tests.smtp import SMTPServer, text_part

pytestmark = pytest.mark.browser

CHAIR, TREASURER, RESIDENT = (
    "formand@demo.boardkit.dk",
    "kasserer@demo.boardkit.dk",
    "beboer@demo.boardkit.dk",
)


@dataclass
class Site:
    server: LiveServer
    db: Database
    board_id: int
    department_id: int
    treasurer: str

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("forum")
    db = Database(demo_copy(data))
    server = start_live(data, db, smtp_server.url)
    with db.transaction(readonly=True) as s:
        board = s.scalar(select(Board.id).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        department = s.scalar(select(Department.id).where(Department.name == "Engparken"))
        treasurer = s.scalar(select(Person.name).where(Person.email == TREASURER))
    assert board and department and treasurer
    yield Site(server, db, board, department, treasurer)
    server.stop()
    db.dispose()


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 120, 90)).save(out, "JPEG")
    return out.getvalue()


def test_a_mention_answered_from_the_mail_and_a_bulletin_post_with_a_photo(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    ipad = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{site.url}/boards/{site.board_id}/forum")
    check(page, "forum-board-ipad", IPAD)
    page.get_by_label("Overskrift").fill("Tilbud på nye gynger")
    page.get_by_label("Indlæg").fill(f"@{site.treasurer} kan du se på **prisen** inden mødet?")
    page.get_by_role("button", name="Opret tråd").click()
    page.get_by_text("Tråden er oprettet.").wait_for()
    assert page.locator("main strong", has_text="prisen").count() == 1
    check(page, "forum-thread-ipad", IPAD)
    ipad.close()

    mail = wait_for_subject(smtp_server, TREASURER, "Du er nævnt i et indlæg")
    body = text_part(mail)
    assert "gynger" not in body and "prisen" not in body  # the board forum's mails carry no content
    link = re.search(r"http://127\.0\.0\.1:\d+/\S+", body)
    assert link, body
    ipad = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, TREASURER)
    page.goto(link.group(0))
    page.wait_for_url(re.compile(r".*/forum/threads/\d+.*"))
    page.get_by_label("Dit svar").fill("Ja, jeg ser på det i aften.")
    page.get_by_role("button", name="Send svar").click()
    page.get_by_text("Dit svar er gemt.").wait_for()
    assert "Ja, jeg ser på det i aften." in page.locator("main").inner_text()
    check(page, "forum-reply-ipad", IPAD)
    ipad.close()

    phone = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")
    page = phone.new_page()
    log_in(page, site.server, smtp_server, RESIDENT)
    page.goto(f"{site.url}/departments/{site.department_id}/bulletin")
    check(page, "bulletin-phone", PHONE)
    page.get_by_label("Jeg har læst husreglerne").check()
    page.get_by_label("Overskrift").fill("Gratis havemøbler")
    page.get_by_label("Tekst").fill("Et bord og fire stole står ved opgang 2. Hent dem gerne.")
    page.get_by_label("Kategori").select_option("other")
    page.set_input_files("#file", files=[{"name": "møbler.jpg", "mimeType": "image/jpeg", "buffer": photo()}])
    page.get_by_role("button", name="Sæt opslaget op").click()
    page.get_by_text("Dit opslag er sat op.").wait_for()
    assert page.locator("img.bk-thumb").count() >= 1
    check(page, "bulletin-posted-phone", PHONE)
    phone.close()
