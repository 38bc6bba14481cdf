"""A resident applies for a dog with a photo on a phone; the administration approves with
conditions on an iPad; the resident's notice arrives at a real SMTP server; the chair sees the
department's figures without a single resident's name. axe-core finds nothing on these pages."""

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
from boardkit.org.models import Department, Person, Residency, Tenancy
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, start_live
from tests.browser.test_login_flow import log_in
from tests.browser.test_proposals import check, wait_for_subject
from tests.smtp import SMTPServer, text_part

pytestmark = pytest.mark.browser

RESIDENT, ADMIN, CHAIR = "beboer@demo.boardkit.dk", "admin@demo.boardkit.dk", "formand@demo.boardkit.dk"


@dataclass
class Site:
    server: LiveServer
    db: Database

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("permits")
    db = Database(demo_copy(data))
    server = start_live(data, db, smtp_server.url)
    yield Site(server, db)
    server.stop()
    db.dispose()


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 110, 70)).save(out, "JPEG")
    return out.getvalue()


def test_dog_applied_for_on_a_phone_approved_with_conditions_and_the_board_sees_no_names(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    phone = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")
    page = phone.new_page()
    log_in(page, site.server, smtp_server, RESIDENT)
    page.goto(f"{site.url}/permits")
    check(page, "permits-list-phone", PHONE)
    page.get_by_role("link", name="Søg om tilladelse").click()
    page.wait_for_url(f"{site.url}/permits/new")
    check(page, "permits-new-phone", PHONE)
    page.get_by_label("Hvad gælder det?").select_option("dog")
    page.get_by_label("Overskrift").fill("Hund: Şeker")
    page.get_by_label("Dyrets navn").fill("Şeker")
    page.get_by_label("Race").fill("Gravhund")
    page.get_by_label("Chipnummer").fill("208098100077777")
    page.get_by_label("Hunden har en ansvarsforsikring").check()
    page.set_input_files("#file", files=[{"name": "Şeker.jpg", "mimeType": "image/jpeg", "buffer": photo()}])
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(re.compile(rf"{re.escape(site.url)}/permits/\d+$"))
    page.get_by_text("Tak. Vi har modtaget din sag").wait_for()
    assert page.locator("img.bk-thumb").count() == 1
    check(page, "permits-case-phone", PHONE)
    case_url = page.url
    wait_for_subject(smtp_server, RESIDENT, "Modtaget: Hund: Şeker")
    phone.close()

    ipad = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, ADMIN)
    page.goto(case_url)
    check(page, "permits-decide-ipad", IPAD)
    page.get_by_label("Godkend").check()
    page.get_by_label("Vilkår").fill("Hunden føres i snor på fællesarealerne.")
    page.get_by_role("button", name="Gem afgørelse").click()
    page.get_by_text("Afgørelsen er gemt").wait_for()
    assert "Godkendt" in page.locator("main").inner_text()
    check(page, "permits-decided-ipad", IPAD)
    approved = wait_for_subject(smtp_server, RESIDENT, "Godkendt: Hund: Şeker")
    assert "Hunden føres i snor på fællesarealerne." in text_part(approved)
    page.goto(f"{site.url}/permits/settings")
    check(page, "permits-settings-ipad", IPAD)
    ipad.close()

    ipad = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = ipad.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{site.url}/permits")
    page.get_by_role("link", name="Tal for Engparken").click()
    page.get_by_role("heading", name="Tilladelser i Engparken").wait_for()
    check(page, "permits-overview-ipad", IPAD)
    figures = page.locator("main").inner_text()
    assert "sager i alt" in figures and "Hund" in figures
    with site.db.transaction() as s:
        engparken = s.scalar(select(Department.id).where(Department.name == "Engparken"))
        rows = s.execute(
            select(Person.name, Tenancy.address)
            .join(Residency, Residency.person_id == Person.id)
            .join(Tenancy, Tenancy.id == Residency.tenancy_id)
            .where(Tenancy.department_id == engparken)
        ).all()
    assert len(rows) > 100
    for name, address in rows:
        assert name not in figures and address not in figures, (name, address)
    assert "Şeker" not in figures and "Bølle" not in figures
    page.goto(case_url)
    assert "Siden findes ikke" in page.locator("main").inner_text()  # the named case: not the board's
    ipad.close()
