"""Notices in the browser: a resident's in-app list (iPad and phone), opening a notice marks it
read, and the administration's page of failed deliveries; axe-core clean on each."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.db import Database
from boardkit.org.models import Organisation, Person
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, axe_violations, screenshot, start_live
from tests.browser.test_login_flow import log_in
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

RESIDENT = "beboer@demo.boardkit.dk"
ADMIN = "admin@demo.boardkit.dk"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[LiveServer]:
    """The demo with two notices to the resident of Engparken (one of them important)."""
    data = tmp_path_factory.mktemp("live")
    url = demo_copy(data)
    db = Database(url)
    settings = Settings(data_dir=data, database_url=url, secret_key="browser-test")
    with db.transaction() as s:
        org = s.scalars(select(Organisation)).one()
        resident = s.scalars(select(Person).where(Person.email == RESIDENT)).one()
        for subject, important in (("Vandet lukkes tirsdag", True), ("Sommerfest i gården", False)):
            notify.send_notice(
                s,
                organisation_id=org.id,
                addressees=[notify.Addressee(resident.id)],
                kind="announcement",
                subject=subject,
                body=f"{subject}. Læs mere på siden.",
                link_path="/",
                important=important,
                statutory=True,
                settings=settings,
            )
    server = start_live(data, db, smtp_server.url)
    yield server
    server.stop()
    db.dispose()


@pytest.mark.parametrize("viewport", [IPAD, PHONE], ids=["ipad", "phone"])
def test_a_resident_reads_her_notices(
    browser: Any, served: LiveServer, smtp_server: SMTPServer, viewport: dict[str, int]
) -> None:
    name = "ipad" if viewport == IPAD else "phone"
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, served, smtp_server, RESIDENT)
    page.goto(f"{served.url}/notifications")
    page.get_by_role("heading", level=1).wait_for()
    listing = page.locator("main")
    assert "Vandet lukkes tirsdag" in listing.inner_text()
    assert "Sommerfest i gården" in listing.inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, f"notifications-{name}")
    if viewport == IPAD:
        unread = page.locator(".bk-notice--unread").count()
        assert unread == 2
        assert "2 ulæste" in page.locator(".bk-count").first.text_content()  # the menu's badge
        with page.expect_navigation():  # the opening (which marks it read) has been answered
            page.get_by_role("link", name="Sommerfest i gården").first.click()
        page.goto(f"{served.url}/notifications")
        assert page.locator(".bk-notice--unread").count() == unread - 1
        assert "1 ulæst" in page.locator(".bk-count").first.text_content()
    context.close()


def test_the_administration_sees_failed_deliveries(
    browser: Any, served: LiveServer, smtp_server: SMTPServer
) -> None:
    context = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, served, smtp_server, ADMIN)
    response = page.goto(f"{served.url}/admin/notices/failed")
    assert response is not None and response.status == 200
    page.get_by_role("heading", level=1).wait_for()
    assert axe_violations(page) == []
    screenshot(page, "notices-failed-ipad")
    context.close()
