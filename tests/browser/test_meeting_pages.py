"""The chair on an iPad and on a phone: meeting page, agenda editing, the meeting form, the timeline (axe)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import IPAD, PHONE, LiveServer, axe_violations, screenshot
from tests.browser.test_login_flow import log_in
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

FORMAND = "formand@demo.boardkit.dk"


def first_engparken_meeting(page: Any, live: LiveServer) -> None:
    page.goto(f"{live.url}/")
    card = page.locator("section", has=page.get_by_role("heading", name="Afdelingsbestyrelsen i Engparken"))
    card.locator("a.bk-meeting-title").first.click()
    page.get_by_role("heading", name="Dagsorden", exact=True).wait_for()


def test_chair_edits_the_agenda_on_an_ipad(
    browser: Any, live: LiveServer, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, FORMAND)

    first_engparken_meeting(page, live)
    assert page.get_by_text("Personalesag").is_visible()
    assert page.get_by_text("Lukket punkt").first.is_visible()
    assert page.get_by_role("heading", name="Frister").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "meeting-ipad")

    page.get_by_role("link", name="Ret dagsorden").click()
    page.get_by_role("heading", name="Ret dagsorden", exact=True).wait_for()
    assert axe_violations(page) == []
    page.get_by_label("Titel").fill("Affaldssortering i gården")
    page.get_by_label("Type").select_option("decision")
    page.get_by_role("button", name="Tilføj punktet").click()
    page.get_by_text("Punktet “Affaldssortering i gården” er tilføjet.").wait_for()
    titles = page.locator(".bk-agenda-edit h3").all_inner_texts()
    assert titles[-2].endswith("Affaldssortering i gården") and titles[-1].endswith("Eventuelt")
    page.get_by_role("button", name="Flyt “Affaldssortering i gården” op").click()
    titles = page.locator(".bk-agenda-edit h3").all_inner_texts()
    assert titles[-3].endswith("Affaldssortering i gården") and titles[-1].endswith("Eventuelt")
    assert axe_violations(page) == []
    screenshot(page, "agenda-ipad")

    page.get_by_role("link", name="Ret Affaldssortering i gården").click()
    from tests.meetings.meeting_env import pdf_bytes

    pdf = tmp_path / "Tilbud på containere.pdf"
    pdf.write_bytes(pdf_bytes(2))
    page.set_input_files("#file", str(pdf))
    page.get_by_role("button", name="Vedhæft", exact=True).click()
    page.get_by_text("Filen “Tilbud på containere.pdf” er vedhæftet.").wait_for()
    assert page.get_by_text("2 sider").is_visible()
    assert axe_violations(page) == []
    fake = tmp_path / "falsk.pdf"
    fake.write_bytes(b"GIF89a this is no PDF")
    page.set_input_files("#file", str(fake))
    page.get_by_role("button", name="Vedhæft", exact=True).click()
    page.get_by_role("heading", name="Der er problemer").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "agenda-item-ipad")

    # The meeting form warns about a short notice and asks for a reason.
    page.goto(f"{live.url}/")
    page.get_by_role("link", name="Ny mødeindkaldelse – Afdelingsbestyrelsen i Engparken").click()
    assert axe_violations(page) == []
    page.get_by_label("Titel").fill("Ekstraordinært budgetmøde")
    page.get_by_label("Mødetype").select_option("ordinary_department")
    page.get_by_label("Dato").fill((date.today() + timedelta(days=10)).isoformat())
    # In the afternoon: the demo board may meet that evening (a clash would be asked about too).
    page.get_by_label("Starter kl.").fill("16:00")
    page.get_by_label("Slutter kl.").fill("18:00")
    page.get_by_label("Mødested").fill("Fælleshuset, Engparken 2")
    page.get_by_role("button", name="Opret mødet").click()
    page.get_by_text("Varslet er kortere end vedtægterne kræver").wait_for()
    assert page.get_by_label("Titel").input_value() == "Ekstraordinært budgetmøde"
    assert axe_violations(page) == []
    screenshot(page, "meeting-form-notice-ipad")
    page.get_by_label("Indkald alligevel med kortere varsel").check()
    page.get_by_label("Begrundelse").fill("Budgettet skal vedtages inden fristen.")
    page.get_by_role("button", name="Opret mødet").click()
    page.get_by_text("Mødet er oprettet").wait_for()
    assert page.get_by_text("Indkaldt med kortere varsel:").is_visible()
    assert axe_violations(page) == []

    page.goto(f"{live.url}/timeline")
    assert page.get_by_text("Overskredet").first.is_visible()
    assert axe_violations(page) == []
    screenshot(page, "timeline-ipad")
    context.close()


def test_meeting_and_agenda_pages_on_a_phone(browser: Any, live: LiveServer, smtp_server: SMTPServer) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, FORMAND)
    first_engparken_meeting(page, live)
    assert axe_violations(page) == []
    # Nothing sticks out sideways at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "meeting-phone")
    page.get_by_role("link", name="Ret dagsorden").click()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "agenda-phone")
    page.goto(f"{live.url}/timeline")
    assert axe_violations(page) == []
    screenshot(page, "timeline-phone")
    context.close()
