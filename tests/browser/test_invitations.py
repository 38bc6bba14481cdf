"""The chair sends an invitation; a member answers from the mail on a phone without logging in (axe)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import IPAD, PHONE, LiveServer, axe_violations, screenshot
from tests.browser.test_login_flow import log_in, wait_for_mail
from tests.browser.test_meeting_pages import first_engparken_meeting
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

FORMAND = "formand@demo.boardkit.dk"
KASSERER = "kasserer@demo.boardkit.dk"


def test_invite_then_answer_from_the_mail_on_a_phone(
    browser: Any, live: LiveServer, smtp_server: SMTPServer
) -> None:
    chair = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = chair.new_page()
    log_in(page, live, smtp_server, FORMAND)
    first_engparken_meeting(page, live)
    meeting_url = page.url
    before = len(smtp_server.inbox.to(KASSERER))
    page.get_by_role("link", name="Send indkaldelse").click()  # first: who gets what, asked once
    page.get_by_role("heading", name="Hvem får hvad").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "invitations-confirm-ipad")
    page.get_by_role("button", name=re.compile(r"^Send indkaldelse til \d+")).click()
    page.get_by_text("Indkaldelsen er sendt").wait_for()
    assert axe_violations(page) == []

    body = wait_for_mail(smtp_server, KASSERER, before + 1)
    link = re.search(r"http://127\.0\.0\.1:\d+/rsvp/\S+\?response=accepted", body)
    assert link, body
    assert any(p.get_filename() == "invite.ics" for p in smtp_server.inbox.to(KASSERER)[-1].walk())

    phone = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")  # no session: not logged in
    answer = phone.new_page()
    answer.goto(link.group(0))  # the first click records the answer: no second tap
    answer.get_by_text("Tak for dit svar").wait_for()
    assert answer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(answer) == []
    screenshot(answer, "rsvp-phone")
    answer.get_by_role("button", name="Ja, jeg kommer").click()  # the buttons change it
    answer.get_by_text("Tak for dit svar").wait_for()
    assert axe_violations(answer) == []
    phone.close()

    page.goto(meeting_url)
    panel = page.locator("section", has=page.get_by_role("heading", name="Tilmelding"))
    assert "Kommer: 1" in panel.inner_text()
    assert "Ayşe Şahin" in panel.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "meeting-rsvp-ipad")
    chair.close()
