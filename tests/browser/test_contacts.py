"""The administration's contacts on a phone (375 px) and an iPad: the chair reads them and can tap
the number; the administration adds one and sees its errors; no sideways scroll, axe-core clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import IPAD, PHONE, LiveServer, axe_violations, screenshot
from tests.browser.test_login_flow import log_in
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

CHAIR = "formand@demo.boardkit.dk"
ADMIN = "admin@demo.boardkit.dk"


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "phone"), (IPAD, "ipad")])
def test_the_chair_reads_the_contacts_and_the_administration_adds_one(
    browser: Any, live: LiveServer, smtp_server: SMTPServer, viewport: dict[str, int], name: str
) -> None:
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, CHAIR)
    page.goto(f"{live.url}/contacts")
    page.get_by_role("link", name="101 Engparken").click()
    page.get_by_role("heading", name="Kontakter i administrationen", level=1).wait_for()
    call = page.get_by_role("link", name="Ring til Mette Østergaard på +45 33 12 34 56")
    assert call.get_attribute("href") == "tel:+4533123456"
    assert call.bounding_box()["height"] >= 44  # a tap target on a phone
    mail = page.get_by_role("link", name="Skriv til Mette Østergaard på mette.oestergaard@demo.boardkit.dk")
    assert mail.get_attribute("href") == "mailto:mette.oestergaard@demo.boardkit.dk"
    assert page.get_by_role("heading", name="For hele Boligselskabet Fællesbo").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    assert axe_violations(page) == []
    screenshot(page, f"contacts-{name}")
    context.close()

    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, ADMIN)
    page.goto(f"{live.url}/contacts")
    page.get_by_role("link", name="101 Engparken").click()
    page.get_by_role("link", name="Redigér kontakter").click()
    page.get_by_role("heading", name="Tilføj en kontakt").wait_for()
    page.get_by_label("Telefon").fill("ring")
    page.get_by_role("button", name="Tilføj kontakt").click()
    page.get_by_role("heading", name="Der er problemer").wait_for()
    assert page.get_by_text("Skriv kontaktpersonens navn.").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert axe_violations(page) == []
    screenshot(page, f"contacts-edit-errors-{name}")
    page.get_by_label("Navn", exact=True).fill(f"Åse Ørnbøl {name}")
    page.get_by_label("Rolle").fill("Boligsocial medarbejder")
    page.get_by_label("Telefon").fill("+45 20 30 40 50")
    page.get_by_role("button", name="Tilføj kontakt").click()
    page.get_by_text(f"Åse Ørnbøl {name} er tilføjet.").wait_for()
    assert axe_violations(page) == []
    context.close()
