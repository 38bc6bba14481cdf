"""A board member logs in on an iPad with the link from a real e-mail and sees both boards."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.browser.conftest import IPAD, PHONE, LiveServer, axe_violations, screenshot
from tests.smtp import SMTPServer, text_part

pytestmark = pytest.mark.browser

FORMAND = "formand@demo.boardkit.dk"


def wait_for_mail(
    smtp: SMTPServer, address: str, count: int, timeout: float = 15, matching: str | None = None
) -> str:
    """The text of the newest mail to ``address`` once it has ``count`` (and, with ``matching``, the
    newest of those from the ``count``-th on that matches: the live server's worker may send a
    reminder to the same person meanwhile)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = smtp.inbox.to(address)
        if len(messages) >= count:
            texts = [text_part(m) for m in messages[count - 1 :]]
            found = [t for t in texts if matching is None or re.search(matching, t)]
            if found:
                return found[-1]
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address} within {timeout} s")


def log_in(page: Any, live: LiveServer, smtp: SMTPServer, email: str) -> None:
    before = len(smtp.inbox.to(email))
    page.goto(f"{live.url}/login")
    page.get_by_label("E-mailadresse").first.fill(email)
    page.get_by_role("button", name="Send mig et login-link").click()
    page.get_by_text("Tjek din e-mail").wait_for()
    login_link = r"http://127\.0\.0\.1:\d+/login/link/[\w-]+"
    body = wait_for_mail(smtp, email, before + 1, matching=login_link)
    link = re.search(login_link, body)
    assert link, body
    page.goto(link.group(0))
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{live.url}/")


def test_chair_logs_in_with_the_emailed_link_on_an_ipad(
    browser: Any, live: LiveServer, smtp_server: SMTPServer
) -> None:
    context = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    page.goto(f"{live.url}/login")
    assert axe_violations(page) == []
    screenshot(page, "login-ipad")

    log_in(page, live, smtp_server, FORMAND)
    headings = page.locator("h2.card-heading").all_inner_texts()
    assert "Afdelingsbestyrelsen i Engparken" in headings
    assert "Organisationsbestyrelsen" in headings
    assert page.get_by_text("Formand").first.is_visible()
    assert axe_violations(page) == []
    screenshot(page, "dashboard-ipad")

    page.get_by_role("button", name="Menu").click()  # below 992 px the navigation lives in a drawer
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Profil").first.click()
    page.wait_for_url(f"{live.url}/profile")
    assert page.get_by_role("heading", name="Profil", level=1).is_visible()
    assert axe_violations(page) == []
    screenshot(page, "profile-ipad")
    context.close()


def test_pages_work_on_a_phone(browser: Any, live: LiveServer, smtp_server: SMTPServer) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    log_in(page, live, smtp_server, "medlem@demo.boardkit.dk")
    assert page.locator("h2.card-heading").all_inner_texts() == ["Afdelingsbestyrelsen i Søbakken"]
    # No horizontal scrolling at 375 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(page) == []
    screenshot(page, "dashboard-phone")
    context.close()
