"""On a 375 px phone, beboer@ of the demo (as ``boardkit demo`` loads it) sees Engparken's next meeting
with its proposal deadline and the latest published minutes of a department and a board meeting; an RSVP
link records the answer on the first click under the real Content-Security-Policy; a board's meeting
list and the clash warning. axe-core finds nothing on any page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from boardkit import migrate
from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.core.templating import TZ, fmt_date
from boardkit.meetings.models import Meeting, Rsvp
from boardkit.meetings.proposals import rules as proposal_rules
from boardkit.org.models import Board, Person
from tests.browser.conftest import IPAD, PHONE, LiveServer, axe_violations, screenshot, start_live
from tests.browser.test_login_flow import log_in, wait_for_mail
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

RESIDENT = "beboer@demo.boardkit.dk"
CHAIR = "formand@demo.boardkit.dk"
TREASURER = "kasserer@demo.boardkit.dk"
ENGPARKEN = "Afdelingsbestyrelsen i Engparken"
SHOTS = Path("/tmp/res")


@dataclass
class Site:
    server: LiveServer
    db: Database


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer) -> Iterator[Site]:
    """The demo as ``boardkit demo`` loads it (with its files, packs and minutes)."""
    from boardkit.demo import load_demo

    data = tmp_path_factory.mktemp("resident-live")
    url = f"sqlite:///{data / 'boardkit.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    with db.transaction() as s:
        load_demo(s, seed=1, store=FileStore(Settings(data_dir=data).files_dir))
    server = start_live(data, db, smtp_server.url)
    yield Site(server, db)
    server.stop()
    db.dispose()


def shoot(page: Any, name: str) -> None:
    screenshot(page, name)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check_axe(page: Any, name: str) -> None:
    assert axe_violations(page) == [], name


def test_the_residents_home_page_on_a_phone(browser: Any, site: Site, smtp_server: SMTPServer) -> None:
    with site.db.transaction() as s:
        meeting = s.scalars(
            select(Meeting)
            .join(Board, Board.id == Meeting.board_id)
            .where(
                Board.name == ENGPARKEN, Meeting.kind == "ordinary_department", Meeting.status == "invited"
            )
        ).one()
        due, starts, meeting_id = proposal_rules.deadline(meeting), meeting.starts_at, meeting.id

    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, RESIDENT)
    page.get_by_role("heading", name="Din afdeling: Engparken").wait_for()

    meetings = page.locator("section", has=page.get_by_role("heading", name="Kommende møder")).last
    first = meetings.locator("li").first
    assert first.get_attribute("data-meeting") == str(meeting_id)  # the department meeting, next
    text = first.inner_text()
    assert "Ordinært afdelingsmøde" in text and fmt_date(starts) in text
    assert "Frist for forslag:" in text and fmt_date(due) in text
    assert first.get_by_role("link", name=re.compile("Stil et forslag")).is_visible()

    minutes = page.locator("section", has=page.get_by_role("heading", name="Referater og beslutninger")).last
    text = minutes.inner_text()
    assert "Referat: Ordinært afdelingsmøde" in text  # the department meeting in the spring
    assert "Referat: Bestyrelsesmøde" in text  # the board's meeting before last
    assert "Afdelingsbestyrelsen i Engparken" in text

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(page, "resident home, phone")
    shoot(page, "resident-home-phone")

    first.get_by_role("link", name=re.compile("Stil et forslag")).click()
    page.wait_for_url(re.compile(rf"/meetings/{meeting_id}/proposals$"))
    context.close()

    context = browser.new_context(viewport=IPAD, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, RESIDENT)
    check_axe(page, "resident home, iPad")
    shoot(page, "resident-home-ipad")
    context.close()


def test_an_rsvp_link_records_the_answer_on_the_first_click(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    with site.db.transaction() as s:
        meeting_id = s.scalar(
            select(Meeting.id)
            .join(Board, Board.id == Meeting.board_id)
            .where(Board.name == ENGPARKEN, Meeting.kind == "board", Meeting.status == "planned")
            .order_by(Meeting.starts_at)
        )
        treasurer = s.scalar(select(Person.id).where(Person.email == TREASURER))
    chair = browser.new_context(viewport=IPAD, locale="da-DK")
    page = chair.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{site.server.url}/meetings/{meeting_id}")
    before = len(smtp_server.inbox.to(TREASURER))
    page.get_by_role("link", name="Send indkaldelse").click()
    page.get_by_role("heading", name="Hvem får hvad").wait_for()
    check_axe(page, "send invitations: confirmation")
    shoot(page, "invitations-confirm-ipad")
    page.get_by_role("button", name=re.compile(r"^Send indkaldelse til \d+")).click()
    page.get_by_text("Indkaldelsen er sendt").wait_for()
    chair.close()

    body = wait_for_mail(smtp_server, TREASURER, before + 1)
    link = re.search(r"http://127\.0\.0\.1:\d+/rsvp/\S+\?response=tentative", body)
    assert link, body

    # Under the real CSP (no bypass): opening the link is the answer.
    phone = browser.new_context(viewport=PHONE, locale="da-DK")
    answer = phone.new_page()
    answer.goto(link.group(0))
    answer.get_by_text("Vi har noteret: Måske.").wait_for()
    assert "response=" not in answer.url
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with site.db.transaction() as s:
            got = s.scalar(
                select(Rsvp.response).where(Rsvp.meeting_id == meeting_id, Rsvp.person_id == treasurer)
            )
        if got:
            break
        time.sleep(0.1)
    assert got == "tentative"
    check_axe(answer, "rsvp recorded, phone")
    shoot(answer, "rsvp-recorded-phone")
    answer.get_by_role("button", name="Ja, jeg kommer").click()  # the buttons change it
    answer.get_by_text("Vi har noteret: Ja, jeg kommer.").wait_for()
    for _ in range(3):  # going back never answers "Måske" again (the link's page left no ?response=)
        answer.go_back()
        time.sleep(0.3)
    with site.db.transaction() as s:
        got = s.scalar(
            select(Rsvp.response).where(Rsvp.meeting_id == meeting_id, Rsvp.person_id == treasurer)
        )
    assert got == "accepted"
    phone.close()


def test_the_boards_meetings_and_a_clash_warning(browser: Any, site: Site, smtp_server: SMTPServer) -> None:
    with site.db.transaction() as s:
        board_id = s.scalar(select(Board.id).where(Board.name == ENGPARKEN))
        taken = s.scalars(
            select(Meeting)
            .where(Meeting.board_id == board_id, Meeting.kind == "board", Meeting.status == "planned")
            .order_by(Meeting.starts_at.desc())
        ).first()
        assert taken is not None
        local = taken.starts_at.astimezone(TZ)
    context = browser.new_context(viewport=IPAD, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.get_by_role("link", name="Alle møder og arkiv – Afdelingsbestyrelsen i Engparken").click()
    page.get_by_role("heading", name="Arkiv").wait_for()
    check_axe(page, "board meetings")
    shoot(page, "board-meetings-ipad")

    page.get_by_role("link", name="Ny mødeindkaldelse").click()
    page.get_by_label("Titel").fill("Ekstra bestyrelsesmøde")
    page.get_by_label("Dato").fill(local.date().isoformat())
    page.get_by_label("Starter kl.").fill("19:30")
    page.get_by_label("Slutter kl.").fill("20:30")
    page.get_by_label("Mødested").fill("Fælleshuset")
    page.get_by_role("button", name="Opret mødet").click()
    page.get_by_text("Bestyrelsen har allerede et møde på det tidspunkt").wait_for()
    check_axe(page, "clash warning")
    shoot(page, "meeting-clash-ipad")
    page.get_by_role("button", name="Opret mødet alligevel").click()
    page.get_by_text("Mødet er oprettet").wait_for()
    context.close()

    phone = browser.new_context(viewport=PHONE, locale="da-DK")
    page = phone.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{site.server.url}/boards/{board_id}/meetings")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(page, "board meetings, phone")
    shoot(page, "board-meetings-phone")
    page.goto(f"{site.server.url}/meetings/{taken.id}/invitations")
    page.get_by_role("heading", name="Hvem får hvad").wait_for()
    page.get_by_text("Se hvem").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    check_axe(page, "send invitations, phone")
    shoot(page, "invitations-confirm-phone")
    phone.close()
