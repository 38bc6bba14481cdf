"""A resident hands in a proposal on an iPad and on a phone; too late, the form keeps what was typed.

The live server runs on the demo data plus department meetings made through the services: one
open for proposals, one whose deadline has passed, and one per screen size whose deadline passes
while the resident is typing (the meeting is moved in the database before the form is sent).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest

from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.meetings import service
from boardkit.meetings.models import Meeting
from boardkit.meetings.proposals import service as proposals
from boardkit.org import service as org_service
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, axe_violations, screenshot, start_live
from tests.helpers import person_id
from tests.meetings.proposals.proposal_env import CHAIR, RESIDENT, at_local, create_meeting, local_day
from tests.smtp import SMTPServer, text_part

pytestmark = pytest.mark.browser

TEXT = (
    "Afdelingsmødet beslutter, at der opsættes to nye bænke ved legepladsen på Engvænget.\n\n"
    "Baggrund: Forældre og bedsteforældre har ingen steder at sidde, mens børnene leger."
)


@dataclass
class Site:
    server: LiveServer
    db: Database
    open_id: int
    passed_id: int
    closing: dict[str, int]

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("proposals")
    url = demo_copy(data)
    db = Database(url)
    open_id = create_meeting(db, days=56, title="Ordinært afdelingsmøde – budget")
    passed_id = create_meeting(db, days=10, title="Ekstra afdelingsmøde om varmeregnskabet")
    closing = {
        name: create_meeting(db, days=60, title=f"Afdelingsmøde ({name})") for name in ("ipad", "phone")
    }
    for size in ("ipad", "phone"):  # for the chair to triage
        submit_proposal(db, open_id, title=f"Flere affaldsspande ({size})")
    server = start_live(data, db, smtp_server.url)
    yield Site(server, db, open_id, passed_id, closing)
    server.stop()
    db.dispose()


def log_in(page: Any, site: Site, smtp: SMTPServer, email: str) -> None:
    """Log in with the link from a real e-mail (other mail, such as receipts, may arrive meanwhile)."""
    seen = len(smtp.inbox.to(email))
    page.goto(f"{site.url}/login")
    page.get_by_label("E-mailadresse").first.fill(email)
    page.get_by_role("button", name="Send mig et login-link").click()
    page.get_by_text("Tjek din e-mail").wait_for()
    deadline = time.monotonic() + 15
    link = None
    while link is None and time.monotonic() < deadline:
        for message in smtp.inbox.to(email)[seen:]:
            link = link or re.search(r"http://127\.0\.0\.1:\d+/login/link/[\w-]+", text_part(message))
        time.sleep(0.1)
    assert link, f"no login link to {email}"
    page.goto(link.group(0))
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"{site.url}/")


def wait_for_subject(smtp: SMTPServer, address: str, words: str, timeout: float = 15) -> Any:
    """The message to ``address`` whose subject holds ``words`` (delivered by the real worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in smtp.inbox.to(address):
            if words in str(make_header(decode_header(message["Subject"]))):
                return message
        time.sleep(0.1)
    raise AssertionError(f"no mail about {words!r} to {address}")


def submit_proposal(db: Database, meeting_id: int, *, title: str) -> None:
    resident = person_id(db, RESIDENT)
    with db.transaction() as s:
        principal = org_service.build_principal(s, person_id=resident)
        meeting = service.get_meeting(s, principal=principal, meeting_id=meeting_id)
        proposals.submit_proposal(
            s,
            principal=principal,
            meeting=meeting,
            proposer_id=resident,
            title=title,
            text="Afdelingsmødet beslutter at opsætte fire affaldsspande mere langs stien.",
            store=FileStore(Path("/nonexistent")),
        )


def move_meeting(db: Database, meeting_id: int, *, days: int) -> None:
    """The deadline passes while the resident types: the meeting now starts in ``days`` days."""
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.starts_at = at_local(local_day(days))
        meeting.ends_at = meeting.starts_at + timedelta(hours=2)


def no_sideways_scroll(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def check(page: Any, name: str, viewport: dict[str, int]) -> None:
    assert axe_violations(page) == [], name
    no_sideways_scroll(page, viewport["width"])
    screenshot(page, name)


@pytest.mark.parametrize(("size", "viewport"), [("ipad", IPAD), ("phone", PHONE)])
def test_a_resident_proposes_in_time_and_too_late(
    browser: Any, site: Site, smtp_server: SMTPServer, size: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, site, smtp_server, RESIDENT)

    # The meeting page links to the proposals.
    page.goto(f"{site.url}/meetings/{site.open_id}")
    check(page, f"proposals-meeting-{size}", viewport)
    page.get_by_role("link", name="Forslag til mødet").click()
    page.wait_for_url(f"{site.url}/meetings/{site.open_id}/proposals")
    assert page.get_by_text("Fristen for forslag er ").first.is_visible()
    assert " kl. 23.59" in page.locator(".alert-info").inner_text()
    check(page, f"proposals-form-{size}", viewport)

    title = f"To nye bænke ved legepladsen ({size})"
    page.get_by_label("Overskrift").fill(title)
    page.get_by_label("Forslaget").fill(TEXT)
    page.get_by_role("button", name="Send forslag").click()
    page.get_by_text("Tak. Vi har modtaget dit forslag").wait_for()
    row = page.get_by_role("row").filter(has_text=title)
    assert "Mads Højgaard Frølund" in row.inner_text() and "Modtaget" in row.inner_text()
    check(page, f"proposals-list-{size}", viewport)
    receipt = wait_for_subject(smtp_server, RESIDENT, title)
    assert "Du kan rette forslaget frem til fristen" in text_part(receipt)

    page.get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title, level=1).wait_for()
    assert page.get_by_role("heading", name="Ret forslaget").is_visible()
    check(page, f"proposal-detail-{size}", viewport)

    # A meeting whose deadline has passed: no form, a clear message.
    page.goto(f"{site.url}/meetings/{site.passed_id}/proposals")
    assert page.get_by_role("heading", name="Fristen for forslag er udløbet").is_visible()
    assert page.get_by_label("Overskrift").count() == 0
    assert "Næste ordinære afdelingsmøde er" in page.locator(".alert-warning").inner_text()
    check(page, f"proposals-closed-{size}", viewport)

    # The form was opened in time; the deadline passes before it is sent.
    meeting_id = site.closing[size]
    page.goto(f"{site.url}/meetings/{meeting_id}/proposals")
    late_title = f"Fodboldmål på plænen ({size})"
    page.get_by_label("Overskrift").fill(late_title)
    page.get_by_label("Forslaget").fill(TEXT)
    move_meeting(site.db, meeting_id, days=12)
    page.get_by_role("button", name="Send forslag").click()
    summary = page.locator("[data-module='error-summary']")
    summary.wait_for()
    assert "Fristen for forslag til “Afdelingsmøde" in summary.inner_text()
    assert "Næste ordinære afdelingsmøde er" in summary.inner_text()
    assert page.get_by_label("Overskrift").input_value() == late_title
    assert page.get_by_label("Forslaget").input_value() == TEXT
    check(page, f"proposals-too-late-{size}", viewport)

    # What was typed goes to the next ordinary meeting instead, in one click.
    page.get_by_role("button", name="Send forslaget til mødet den").click()
    page.get_by_text("Tak. Vi har modtaget dit forslag").wait_for()
    assert page.get_by_role("row").filter(has_text=late_title).count() == 1
    assert f"/meetings/{meeting_id}/" not in page.url
    context.close()


def test_the_chair_puts_a_proposal_on_the_agenda(browser: Any, site: Site, smtp_server: SMTPServer) -> None:
    context = browser.new_context(viewport=IPAD, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, site, smtp_server, CHAIR)
    page.goto(f"{site.url}/meetings/{site.open_id}/proposals")
    page.get_by_role("link", name="Flere affaldsspande (ipad)").click()
    page.get_by_role("heading", name="Behandl forslaget").wait_for()
    check(page, "proposal-triage-ipad", IPAD)
    page.get_by_role("button", name="Sæt på dagsordenen").click()
    page.get_by_text("Forslaget er sat på dagsordenen").first.wait_for()
    assert "Forslag: Flere affaldsspande (ipad)" in page.locator(".bk-facts").inner_text()

    page.goto(f"{site.url}/meetings/{site.open_id}/agenda")
    assert page.get_by_text("Forslag: Flere affaldsspande (ipad)").first.is_visible()
    check(page, "proposal-agenda-ipad", IPAD)
    page.goto(f"{site.url}/meetings/{site.open_id}")
    assert page.get_by_text("Forslag: Flere affaldsspande (ipad)").first.is_visible()
    check(page, "proposal-meeting-chair-ipad", IPAD)
    context.close()


def test_pages_for_the_board_work_on_a_phone(browser: Any, site: Site, smtp_server: SMTPServer) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, site, smtp_server, CHAIR)
    page.goto(f"{site.url}/meetings/{site.open_id}/proposals")
    page.get_by_role("link", name="Flere affaldsspande (phone)").click()
    page.get_by_role("heading", name="Behandl forslaget").wait_for()
    check(page, "proposal-triage-phone", PHONE)
    page.get_by_role("button", name="Afvis forslaget").click()
    summary = page.locator("[data-module='error-summary']")
    summary.wait_for()
    assert "Skriv en begrundelse for afvisningen" in summary.inner_text()
    check(page, "proposal-triage-error-phone", PHONE)
    page.goto(f"{site.url}/meetings/{site.open_id}/agenda")
    check(page, "proposal-agenda-phone", PHONE)
    context.close()
