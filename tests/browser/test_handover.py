"""A board change in Engparken on an iPad, end to end: kasserer@ resigns on the resign page, admin@
confirms the first substitute moving up on the board-changes page; when the seat ends (midnight,
the end's effects run as the worker runs them) the system makes the change's pack. formand@ finds
the board's packs from the dashboard and makes one on demand naming the successor; kasserer@ opens
the checklist from the notice, ticks the lines and confirms; the successor opens the pack from the
notice and acknowledges receipt of both. axe-core finds nothing on any page visited, and the pack,
the checklist and the board-changes page also fit a 375 px phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.demo.handover import add_demo_handover
from boardkit.demo.library import add_demo_library
from boardkit.handover.models import HandoverPack
from boardkit.org import service as org_service
from boardkit.org.models import Board, Membership, Person
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, start_live
from tests.browser.test_login_flow import log_in
from tests.browser.test_proposals import check
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

ADMIN, CHAIR, TREASURER = (
    "admin@demo.boardkit.dk",
    "formand@demo.boardkit.dk",
    "kasserer@demo.boardkit.dk",
)
BOARD = "Afdelingsbestyrelsen i Engparken"
KEY = "Nøgle til redskabsskuret"  # handed back last month: free to hand out
REMARK = "Nøglen til vaskeriet ligger hos formanden. Kassebogen er givet videre."


@dataclass
class Site:
    server: LiveServer
    db: Database
    board_id: int
    treasurer_id: int
    treasurer_name: str
    substitute: Person  # first in line: moves up into the treasurer's seat

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("handover")
    db = Database(demo_copy(data))
    with db.transaction() as s:  # the parts of the demo that need files: the library, last year's pack
        board = s.scalars(select(Board).where(Board.name == BOARD)).one()
        admin = s.scalars(select(Person).where(Person.email == ADMIN)).one()
        store = FileStore(Settings(data_dir=data).files_dir)
        add_demo_library(s, store=store, board=board, admin=admin)
        assert add_demo_handover(s, store=store, board=board) is not None
    server = start_live(data, db, smtp_server.url)
    with db.transaction(readonly=True) as s:
        board_id = s.scalars(select(Board.id).where(Board.name == BOARD)).one()
        treasurer = s.scalars(select(Person).where(Person.email == TREASURER)).one()
        treasurer_id, treasurer_name = treasurer.id, treasurer.name
        waiting = s.scalars(
            select(Membership).where(
                Membership.board_id == board_id,
                Membership.role == "substitute",
                Membership.end_date.is_(None),
            )
        ).all()
        first = min(waiting, key=lambda m: (m.position is None, m.position or 0, m.start_date, m.id))
        substitute = first.person
        s.expunge(substitute)
    assert substitute.email
    yield Site(server, db, board_id, treasurer_id, treasurer_name, substitute)
    server.stop()
    db.dispose()


def context(browser: Any, viewport: dict[str, int] = IPAD) -> Any:
    return browser.new_context(viewport=viewport, bypass_csp=True, locale="da-DK")


def midnight(site: Site) -> int:
    """The treasurer's seat ends at the end of today: run its end's effects as the worker does when
    that moment has come (the in-process worker would wait until midnight). Returns the pack the
    change made."""
    with site.db.transaction() as s:
        seat = s.scalars(
            select(Membership).where(
                Membership.board_id == site.board_id,
                Membership.person_id == site.treasurer_id,
                Membership.role == "treasurer",
            )
        ).one()
        assert seat.ends_at is not None
        assert org_service.run_end_effects(s, membership_id=seat.id, now=seat.ends_at)
        pack = s.scalars(
            select(HandoverPack).where(
                HandoverPack.board_id == site.board_id,
                HandoverPack.reason == "change",
                HandoverPack.departing_person_id == site.treasurer_id,
            )
        ).one()
        assert pack.successor_person_id == site.substitute.id
        return pack.id


def test_a_board_change_with_its_handover_pack_on_an_ipad(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    url, board_id, successor = site.url, site.board_id, site.substitute

    # kasserer@ resigns from today, from the link on the dashboard.
    ipad = context(browser)
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, TREASURER)
    page.get_by_role("link", name=f"Udtræd af bestyrelsen – {BOARD}").click()
    page.wait_for_url(f"{url}/boards/{board_id}/resign")
    check(page, "handover-resign-ipad", IPAD)
    page.get_by_role("button", name="Videre").click()
    page.get_by_role("heading", name="Er du sikker?").wait_for()
    check(page, "handover-resign-confirm-ipad", IPAD)
    page.get_by_role("button", name="Ja, udtræd af bestyrelsen").click()
    page.wait_for_url(f"{url}/")
    assert f"Du er udtrådt af {BOARD}." in page.locator("main").inner_text()
    ipad.close()

    # admin@ confirms the first substitute moving up, from the board's admin page.
    ipad = context(browser)
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, ADMIN)
    page.goto(f"{url}/admin/boards/{board_id}")
    page.get_by_role("link", name="Ændringer i bestyrelsen").click()
    page.wait_for_url(f"{url}/board-changes/{board_id}")
    proposal = page.locator("section").filter(has_text="Suppleant rykker op")
    assert "Foreslået" in proposal.inner_text() and successor.name in proposal.inner_text()
    assert "Udtrædelse" in page.locator("main").inner_text()
    check(page, "handover-board-changes-admin-ipad", IPAD)
    proposal.get_by_role("button", name="Bekræft ændringerne").click()
    page.get_by_text("Ændringerne er gennemført.").wait_for()
    assert "Foreslået" not in page.locator("main").inner_text()
    check(page, "handover-board-changes-done-ipad", IPAD)
    ipad.close()

    # Before the seat ends formand@ hands kasserer@ the tool shed's key on the keys page.
    ipad = context(browser)
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.get_by_role("link", name=f"Nøgler og adgange – {BOARD}").click()
    page.wait_for_url(f"{url}/boards/{board_id}/keys")
    check(page, "handover-keys-ipad", IPAD)
    key = page.locator("li[id^=item-]").filter(has=page.get_by_text(KEY, exact=True))
    key.get_by_text("Udlevér").click()
    key.get_by_label("Til").select_option(str(site.treasurer_id))
    key.get_by_role("button", name="Registrér", exact=True).click()
    page.get_by_text("Udleveringen er registreret.").wait_for()
    key = page.locator("li[id^=item-]").filter(has=page.get_by_text(KEY, exact=True))
    assert site.treasurer_name in key.inner_text()

    change_pack = midnight(site)

    # formand@ finds the board's packs on the dashboard, sees the change's pack, makes one on demand.
    page.goto(f"{url}/")
    page.get_by_role("link", name=f"Overdragelse – {BOARD}").click()
    page.wait_for_url(f"{url}/boards/{board_id}/handover")
    row = page.get_by_role("row").filter(has_text="Afventer")  # last year's pack is closed
    assert "Ændring i bestyrelsen" in row.inner_text() and "kasserer" in row.inner_text()
    check(page, "handover-list-ipad", IPAD)
    page.get_by_label("Efterfølger").select_option(str(successor.id))
    page.get_by_role("button", name="Lav overdragelsesmappe").click()
    page.get_by_text("Overdragelsesmappen er lavet.").wait_for()
    page.wait_for_url(re.compile(rf"{re.escape(url)}/handover/\d+$"))
    chair_pack = int(page.url.rsplit("/", 1)[1])
    assert chair_pack != change_pack
    main = page.locator("main").inner_text()
    for section in ("Åbne sager", "Beslutninger", "Nøgler og adgange", "Kontakter"):
        assert section in main, section
    assert "Modtagelsen er endnu ikke bekræftet." in main
    assert page.get_by_role("button", name="Bekræft modtagelse").count() == 0  # the chair is not named
    check(page, "handover-pack-chair-ipad", IPAD)
    keys = page.locator("#keys").inner_text()
    assert KEY in keys and "Skal afleveres" in keys and "kasserer" in keys
    assert "Vedtægter" in page.locator("#documents").inner_text()
    page.goto(f"{url}/boards/{board_id}/library")
    check(page, "handover-library-ipad", IPAD)
    page.goto(f"{url}/boards/{board_id}/keys")
    assert (
        "Skal afleveres"
        in page.locator("li[id^=item-]").filter(has=page.get_by_text(KEY, exact=True)).inner_text()
    )
    check(page, "handover-keys-to-return-ipad", IPAD)
    ipad.close()

    # kasserer@ opens the checklist from the notice and confirms it.
    ipad = context(browser)
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, TREASURER)
    page.goto(f"{url}/notifications")
    page.get_by_role("link", name=re.compile("din tjekliste til overdragelsen")).first.click()
    page.wait_for_url(f"{url}/handover/{change_pack}/checklist")
    assert "Det, du har haft som kasserer" in page.locator("main").inner_text()
    items = page.locator("#items-heading + ul").inner_text()
    assert KEY in items and "Skal afleveres" in items
    check(page, "handover-checklist-ipad", IPAD)
    page.get_by_role("button", name="Bekræft tjeklisten").click()  # nothing ticked: refused
    page.get_by_text("Sæt kryds ved hver linje, før du bekræfter.").first.wait_for()
    check(page, "handover-checklist-error-ipad", IPAD)
    for box in page.get_by_role("group", name="Sæt kryds ved hver linje").get_by_role("checkbox").all():
        box.check()
    page.get_by_label("Bemærkning").fill(REMARK)
    page.get_by_role("button", name="Bekræft tjeklisten").click()
    page.get_by_text("Tak. Din tjekliste er bekræftet.").wait_for()
    main = page.locator("main").inner_text()
    assert "Du bekræftede tjeklisten" in main and REMARK in main
    assert page.get_by_role("button", name="Bekræft tjeklisten").count() == 0
    check(page, "handover-checklist-confirmed-ipad", IPAD)
    ipad.close()

    # The successor opens the pack from the notice and acknowledges; then the chair's pack too.
    ipad = context(browser)
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, successor.email or "")
    page.goto(f"{url}/notifications")
    page.get_by_role("link", name=re.compile("Overdragelsesmappe til dig fra")).first.click()
    page.wait_for_url(f"{url}/handover/{change_pack}")
    main = page.locator("main").inner_text()
    assert "Den fratrædende har bekræftet sin tjekliste" in main and REMARK in main
    check(page, "handover-pack-successor-ipad", IPAD)
    page.get_by_role("button", name="Bekræft modtagelse").click()
    page.get_by_text("Tak. Modtagelsen er bekræftet.").wait_for()
    assert "Modtagelsen er bekræftet " in page.locator("main").inner_text()
    assert "Afsluttet" in page.locator(".bk-facts").inner_text()
    assert page.get_by_role("button", name="Bekræft modtagelse").count() == 0
    check(page, "handover-pack-acknowledged-ipad", IPAD)
    page.get_by_role("link", name="Alle overdragelsesmapper").click()
    page.wait_for_url(f"{url}/boards/{board_id}/handover")
    page.get_by_role("row").filter(has_text="Efter ønske").get_by_role("link").click()  # the chair's
    page.wait_for_url(f"{url}/handover/{chair_pack}")
    page.get_by_role("button", name="Bekræft modtagelse").click()
    page.get_by_text("Tak. Modtagelsen er bekræftet.").wait_for()
    ipad.close()

    with site.db.transaction(readonly=True) as s:
        made = {p.id: p for p in s.scalars(select(HandoverPack).where(HandoverPack.board_id == board_id))}
        assert made[change_pack].status == "closed" and made[change_pack].remark == REMARK
        assert made[chair_pack].acknowledged_by == successor.id

    # The same pages at 375 px: the pack and the board's changes (chair), the checklist (kasserer@).
    phone = context(browser, PHONE)
    page = phone.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{url}/handover/{change_pack}")
    check(page, "handover-pack-phone", PHONE)
    page.goto(f"{url}/board-changes/{board_id}")
    check(page, "handover-board-changes-phone", PHONE)
    page.goto(f"{url}/boards/{board_id}/handover")
    check(page, "handover-list-phone", PHONE)
    phone.close()
    phone = context(browser, PHONE)
    page = phone.new_page()
    log_in(page, site.server, smtp_server, TREASURER)
    page.goto(f"{url}/handover/{change_pack}/checklist")
    check(page, "handover-checklist-phone", PHONE)
    phone.close()
