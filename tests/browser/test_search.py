"""Search in the browser: the chair adds an item, the worker indexes it, the header's box finds it
by another form of the word (iPad and phone, axe-core clean)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.browser.conftest import IPAD, PHONE, LiveServer, axe_violations, screenshot
from tests.browser.test_login_flow import log_in
from tests.browser.test_meeting_pages import first_engparken_meeting
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

FORMAND = "formand@demo.boardkit.dk"


def search_until_found(page: Any, live: LiveServer, q: str, title: str, timeout: float = 20.0) -> None:
    """The index is written by the worker after commit: search again until it has caught up."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(f"{live.url}/search?q={q}")
        if page.locator(".bk-search-result", has_text=title).count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{title!r} was not found by {q!r}")
        time.sleep(0.3)


def test_the_chair_finds_an_item_by_another_form_of_the_word(
    browser: Any, live: LiveServer, smtp_server: SMTPServer
) -> None:
    context = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, FORMAND)
    first_engparken_meeting(page, live)
    page.get_by_role("link", name="Ret dagsorden").click()
    page.get_by_label("Titel").fill("Vaskeriet i kælderen")
    page.get_by_label("Beskrivelse").fill("Nye maskiner til vaskeriet og bedre ventilation i kælderen.")
    page.get_by_role("button", name="Tilføj punktet").click()
    page.get_by_text("Punktet “Vaskeriet i kælderen” er tilføjet.").wait_for()

    # The header's search box, as a user types into it (below 992 px it is in the menu drawer).
    page.get_by_role("button", name="Menu").click()
    box = page.locator("#header-search-mobile")
    box.fill("vaskeri")
    box.press("Enter")
    page.get_by_role("heading", name="Resultater").wait_for()
    search_until_found(page, live, "vaskeri", "Vaskeriet i kælderen")
    result = page.locator(".bk-search-result", has_text="Vaskeriet i kælderen").first
    assert result.locator("mark").first.inner_text().lower() == "vaskeriet"
    assert axe_violations(page) == []
    screenshot(page, "search-ipad")

    # The kind filter, then the result's link leads to the item on the meeting page.
    page.get_by_label("Vis").select_option("meeting")
    page.get_by_role("button", name="Søg", exact=True).last.click()
    page.get_by_text("Ingen resultater").wait_for()
    page.get_by_label("Vis").select_option("agenda_item")
    page.get_by_role("button", name="Søg", exact=True).last.click()
    page.get_by_role("link", name="Vaskeriet i kælderen").click()
    page.get_by_role("heading", name="Dagsorden", exact=True).wait_for()
    assert "#item-" in page.url
    context.close()

    phone = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")
    page = phone.new_page()
    log_in(page, live, smtp_server, FORMAND)
    page.goto(f"{live.url}/search?q=vaskeriet")
    page.locator(".bk-search-result", has_text="Vaskeriet i kælderen").first.wait_for()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "search-phone")
    phone.close()
