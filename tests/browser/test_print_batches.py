"""The administration closes a print batch, opens its PDF and marks it printed, on a PC-sized screen."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from boardkit.meetings.invitations import letters
from boardkit.org.models import Department, Tenancy
from tests.browser.conftest import PHONE, LiveServer, axe_violations, screenshot
from tests.browser.test_login_flow import log_in
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.boardkit.dk"


def queue_two_letters(live: LiveServer) -> int:
    db = live.server.config.app.state.db
    with db.transaction() as s:
        dept = s.scalar(select(Department).where(Department.number == "102"))
        tenancies = list(s.scalars(select(Tenancy).where(Tenancy.department_id == dept.id).limit(2)))
        for tenancy, name in zip(tenancies, ("Søren Ærø", "Nguyễn Thị Hương"), strict=True):
            letter = letters.queue_letter(
                s,
                organisation_id=dept.organisation_id,
                meeting_id=None,
                tenancy_id=tenancy.id,
                kind="invitation",
                recipient=name,
                address_lines=[tenancy.address_line, f"{tenancy.postcode} {tenancy.city}"],
                content={
                    "title": "Ordinært afdelingsmøde",
                    "starts_at": "2027-01-05T18:00:00+00:00",
                    "department": dept.name,
                    "organisation": "Boligselskabet Fællesbo",
                },
            )
        return letter.batch_id


def test_admin_prints_a_batch(browser: Any, live: LiveServer, smtp_server: SMTPServer) -> None:
    batch_id = queue_two_letters(live)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, ADMIN)

    page.goto(f"{live.url}/admin/")
    page.get_by_role("link", name="Breve til print").click()
    assert axe_violations(page) == []
    screenshot(page, "print-batches")
    page.get_by_role("link", name=f"Batch {batch_id}").click()
    assert page.get_by_text("Nguyễn Thị Hương").is_visible()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Afslut og print").click()
    page.get_by_role("button", name="Markér som printet").wait_for()
    assert axe_violations(page) == []
    screenshot(page, "print-batch-closed")
    pdf = context.request.get(f"{live.url}/print-batches/{batch_id}.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    page.get_by_role("button", name="Markér som printet").click()
    page.get_by_text("Batchen er markeret som printet").wait_for()
    page.set_viewport_size(PHONE)
    assert axe_violations(page) == []
    screenshot(page, "print-batch-printed-phone")
    context.close()
