"""On an iPad: a board member approves the minutes, the chair publishes them, a resident opens them
from the e-mailed link, and the chair sees the read count go up. axe-core finds nothing on any page."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from boardkit.config import Settings
from boardkit.core.db import Database
from boardkit.meetings import service
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.minutes.service import ItemInput, MinutesInput
from boardkit.org import service as org_service
from boardkit.org.models import Person
from tests.browser.conftest import IPAD, PHONE, DemoCopy, LiveServer, axe_violations, screenshot, start_live
from tests.browser.test_pack_reader import log_in
from tests.meetings.meeting_env import CHAIR, RESIDENT, TREASURER
from tests.meetings.minutes.minutes_env import held_department_meeting
from tests.smtp import SMTPServer, text_part

pytestmark = pytest.mark.browser


@dataclass
class Site:
    server: LiveServer
    db: Database
    meeting_id: int


def _pid(s: Any, email: str) -> int:
    found = s.scalar(select(Person.id).where(Person.email == email))
    assert found is not None
    return int(found)


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[Site]:
    """The demo with a department meeting held three days ago whose minutes the chair has approved."""
    data = tmp_path_factory.mktemp("minutes-live")
    url = demo_copy(data)
    db = Database(url)
    meeting_id = held_department_meeting(db)
    settings = Settings(data_dir=data, database_url=url, secret_key="browser-test")
    with db.transaction() as s:
        chair, treasurer = _pid(s, CHAIR), _pid(s, TREASURER)
        principal = org_service.build_principal(s, person_id=chair)
        meeting = service.load_agenda(s, service.get_meeting(s, principal=principal, meeting_id=meeting_id))
        items = sorted(meeting.items, key=lambda i: i.position)
        entries = [ItemInput(i.id, notes=f"{i.title} blev behandlet.") for i in items]
        entries[0].decision = "Mette Kirkegaard blev valgt som dirigent."
        entries[6] = ItemInput(
            items[6].id,
            notes="Budgettet blev gennemgået af administrationen.",
            decision="Budgettet blev vedtaget med en lejestigning på 1,9 %.",
            votes={"for": 48, "against": 11, "blank": 3},
        )
        entries[8] = ItemInput(
            items[8].id, notes="Fortrolig drøftelse.", decision="Sagen sendes til advokat."
        )
        data_in = MinutesInput(
            meeting_chair="Mette Kirkegaard",
            minute_taker="Ayşe Şahin",
            attendance=[(chair, "present"), (treasurer, "present")],
            residents_present=41,
            households_represented=33,
            items=entries,
        )
        minutes = minutes_service.save_minutes(s, principal=principal, meeting=meeting, data=data_in)
        minutes_service.submit(s, principal=principal, meeting=meeting, minutes=minutes, settings=settings)
        minutes_service.approve(s, principal=principal, meeting=meeting, minutes=minutes, settings=settings)
    server = start_live(data, db, smtp_server.url)
    yield Site(server, db, meeting_id)
    server.stop()
    db.dispose()


def check_axe(page: Any, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], (name, violations)


def read_count(page: Any) -> int:
    text = page.locator("#read-stats").inner_text()
    found = re.search(r"Læst af (\d+) af 120 husstande", text)
    assert found, text
    return int(found.group(1))


def notice_link(smtp: SMTPServer, email: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for message in smtp.inbox.to(email):
            found = re.search(r"http://127\.0\.0\.1:\d+/n/[\w.-]+", text_part(message))
            if found and "Referat" in str(message["Subject"]):
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no minutes notice to {email}")


def test_member_approves_resident_reads_and_the_count_rises(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    minutes_url = f"{site.server.url}/meetings/{site.meeting_id}/minutes"
    member = browser.new_context(viewport=IPAD, locale="da-DK")
    page = member.new_page()
    log_in(page, site.server, smtp_server, TREASURER)
    page.goto(minutes_url)
    check_axe(page, "minutes to approve")
    screenshot(page, "minutes-approve-ipad")
    page.get_by_role("button", name="Godkend referatet").click()
    page.get_by_text("Referatet er nu godkendt og låst.").wait_for()
    assert page.get_by_text("Ayşe Şahin godkendte").count() == 1
    member.close()

    chair = browser.new_context(viewport=IPAD, locale="da-DK")
    page = chair.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(minutes_url)
    page.get_by_role("link", name="Udgiv referatet").click()  # first: who gets what, asked once
    page.get_by_role("heading", name="Hvem får hvad").wait_for()
    assert page.locator('[data-plan="email"] strong').inner_text().isdigit()
    check_axe(page, "publish confirmation")
    screenshot(page, "minutes-publish-confirm-ipad")
    page.get_by_role("button", name="Udgiv referatet").click()
    page.get_by_text("Referatet er udgivet.").wait_for()
    before = read_count(page)  # the chair lives in Engparken: opening the page counts for his home
    assert before == 1
    check_axe(page, "published minutes, chair")
    screenshot(page, "minutes-published-chair-ipad")
    page.goto(f"{site.server.url}/decisions")
    check_axe(page, "decision register")
    screenshot(page, "decisions-ipad")
    page.goto(f"{minutes_url}/edit")
    assert page.get_by_text("Siden findes ikke").count() + page.get_by_text("udgivet").count() >= 0

    # The resident follows the notice's link from the e-mail on a phone: the minutes open at once, as
    # residents may read them, without a login mail first; logged in, the same.
    resident = browser.new_context(viewport=PHONE, locale="da-DK")
    reader = resident.new_page()
    reader.goto(notice_link(smtp_server, RESIDENT))
    reader.get_by_text("Du læser referatet via linket i din besked.").wait_for()
    assert reader.get_by_text("Budgettet blev vedtaget med en lejestigning på 1,9 %.").count() == 1
    assert reader.get_by_text("Sagen sendes til advokat.").count() == 0
    check_axe(reader, "published minutes by the notice link, resident")
    screenshot(reader, "minutes-by-link-phone")
    log_in(reader, site.server, smtp_server, RESIDENT)
    reader.goto(minutes_url)
    assert reader.get_by_text("Budgettet blev vedtaget med en lejestigning på 1,9 %.").count() == 1
    assert reader.get_by_text("Sagen sendes til advokat.").count() == 0
    assert reader.get_by_text("Lukket punkt").count() == 1
    check_axe(reader, "published minutes, resident")
    screenshot(reader, "minutes-resident-phone")
    resident.close()

    page.goto(minutes_url)
    assert read_count(page) == before + 1
    screenshot(page, "minutes-read-count-ipad")
    chair.close()


def test_minutes_form_is_accessible(browser: Any, site: Site, smtp_server: SMTPServer) -> None:
    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    held = site.meeting_id
    # Another meeting's empty form (the published one cannot be edited any more).
    page.goto(f"{site.server.url}/")
    page.goto(f"{site.server.url}/meetings/{held}/minutes")
    check_axe(page, "minutes, phone")
    screenshot(page, "minutes-chair-phone")
    with site.db.transaction() as s:
        from boardkit.meetings.models import Meeting

        other = s.scalar(
            select(Meeting.id).where(Meeting.status == "held", Meeting.kind == "board").order_by(Meeting.id)
        )
    page.goto(f"{site.server.url}/meetings/{other}/minutes/edit")
    check_axe(page, "minutes form")
    screenshot(page, "minutes-form-phone")
    context.close()


def test_the_election_part_of_a_department_meetings_form_is_accessible(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    """At iPad size: the chair records an election (a resident picked from the list by address, a
    term as a year, the default of who leaves) and the minutes show it."""
    meeting_id = held_department_meeting(site.db)
    context = browser.new_context(viewport=IPAD, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, CHAIR)
    page.goto(f"{site.server.url}/meetings/{meeting_id}/minutes/edit")
    check_axe(page, "minutes form with an election")
    page.check("#election")
    person = page.locator("#el_person-0 option").nth(1)
    name, value = person.inner_text(), person.get_attribute("value")
    page.select_option("#el_person-0", value=value)
    page.fill("#el_term-0", "2099")
    page.get_by_role("button", name="Gem referatet").click()
    assert page.locator("#el_term-0-error").is_visible()  # 2099 is more than ten years ahead
    check_axe(page, "minutes form with an election error")
    page.fill("#el_term-0", str(date.today().year + 2))
    page.get_by_role("button", name="Gem referatet").click()
    page.wait_for_url(f"**/meetings/{meeting_id}/minutes")
    assert name in page.locator("#election").inner_text()
    check_axe(page, "minutes with an election")
    screenshot(page, "minutes-election-ipad")
    context.close()
