"""The department's page for a resident on an iPad and a phone: announced meetings with their
agendas ("Lukket punkt", no person case), published minutes and decisions (axe-core clean)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from boardkit.core.db import Database, utcnow
from boardkit.demo.minutes import add_demo_minutes
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.models import AgendaItem, Meeting, Minutes
from boardkit.org.models import Board
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, axe_violations, screenshot, start_live
from tests.browser.test_login_flow import log_in
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

RESIDENT = "beboer@demo.boardkit.dk"
WINDOWS = "Tilbud på nye vinduer i blok 2"


def _prepare(db: Database) -> int:
    """The demo's minutes (the spring department meeting published, the board's last meeting too) and
    the board's next meeting announced with a closed item; returns Engparken's department id."""
    with db.transaction() as s:
        board = s.scalars(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken")).one()
        add_demo_minutes(s, board=board)
        held = s.scalars(
            select(Meeting)
            .where(Meeting.board_id == board.id, Meeting.kind == "board", Meeting.status == "held")
            .order_by(Meeting.starts_at.desc())
        ).first()  # the last one (the demo publishes the minutes of the one before)
        assert held is not None
        minutes = s.scalars(select(Minutes).where(Minutes.meeting_id == held.id)).one()
        minutes.status, minutes.approved_at = "approved", utcnow() - timedelta(days=5)
        minutes_service.sync_decisions(s, meeting=held, minutes=minutes)
        minutes.status, minutes.published_at = "published", utcnow() - timedelta(days=4)
        personnel = s.scalars(select(AgendaItem).where(AgendaItem.title == "Personalesag")).one()
        upcoming = personnel.meeting
        upcoming.invited_at, upcoming.status = utcnow() - timedelta(days=1), "invited"
        position = personnel.position
        for item in upcoming.items:
            if item.position >= position:
                item.position += 1
        s.add(AgendaItem(meeting_id=upcoming.id, position=position, title=WINDOWS, closed=True))
        return int(board.department_id or 0)


@pytest.fixture(scope="module")
def dept_live(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[tuple[LiveServer, int]]:
    data = tmp_path_factory.mktemp("dept")
    url = demo_copy(data)
    db = Database(url)
    department_id = _prepare(db)
    server = start_live(data, db, smtp_server.url)
    yield server, department_id
    server.stop()
    db.dispose()


@pytest.mark.parametrize(("viewport", "name"), [(IPAD, "ipad"), (PHONE, "phone")])
def test_a_resident_reads_the_departments_page(
    browser: Any,
    dept_live: tuple[LiveServer, int],
    smtp_server: SMTPServer,
    viewport: dict[str, int],
    name: str,
) -> None:
    live, department_id = dept_live
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, RESIDENT)
    page.goto(f"{live.url}/departments/{department_id}")
    page.get_by_role("heading", name="Engparken", level=1).wait_for()
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Kommende møder"))
    past = page.locator("section", has=page.get_by_role("heading", name="Referater og beslutninger"))
    # The announced department meeting and the board's next meeting with its agenda.
    assert upcoming.get_by_role("link", name="Ordinært afdelingsmøde").is_visible()
    assert upcoming.get_by_text("Legepladsen ved Engvænget").is_visible()
    assert upcoming.get_by_text("Lukket punkt").first.is_visible()
    body = page.locator("main").inner_text()
    assert WINDOWS not in body and "Personalesag" not in body
    # Published minutes of the board and of the department meeting, with their decisions.
    assert past.get_by_role("link", name="Læs referatet").count() == 3  # dept. meeting, 2 board meetings
    assert past.get_by_text("Budgettet blev godkendt.").is_visible()
    assert past.get_by_text("For: 66 · Imod: 5 · Blanke: 3").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    assert axe_violations(page) == []
    screenshot(page, f"department-{name}")
    Path("/tmp/dom").mkdir(exist_ok=True)
    page.screenshot(path=f"/tmp/dom/department-{name}.png", full_page=True)

    # From the board's meeting to its page and back: the resident reads the agenda there too.
    upcoming.get_by_role("link", name="Bestyrelsesmøde").first.click()
    page.get_by_role("heading", name="Dagsorden", exact=True).wait_for()
    assert page.get_by_text("Punktet behandles for lukkede døre.").first.is_visible()
    assert WINDOWS not in page.locator("main").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=f"/tmp/dom/board-meeting-resident-{name}.png", full_page=True)
    page.get_by_role("link", name="Alle møder og referater i Engparken").click()
    page.get_by_role("heading", name="Kommende møder").wait_for()

    # The board's published minutes, as the resident gets them.
    past.get_by_role("link", name="Læs referatet").first.click()
    page.get_by_role("heading", name="Dagsordenens punkter").wait_for()
    assert axe_violations(page) == []
    page.screenshot(path=f"/tmp/dom/minutes-resident-{name}.png", full_page=True)
    context.close()
