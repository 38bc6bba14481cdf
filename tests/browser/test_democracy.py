"""On a 375 px phone, beboer@demo.boardkit.dk finds Engparken's digital vote on the home page and
votes with the keyboard only (Tab to the radio, Space and Arrow to choose, Tab to "Afgiv stemme",
Enter); axe-core reports nothing on the ballot and the receipt; the receipt holds no choice. The
ballot fits 320 px and 200 % zoom without sideways scrolling."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.democracy import ballots
from boardkit.democracy.models import Ballot, Participation, Question, RollHousehold, RollVoter
from boardkit.org.models import Person
from tests.browser.conftest import IPAD, DemoCopy, LiveServer, axe_violations, screenshot, start_live
from tests.browser.test_login_flow import log_in
from tests.democracy.test_ballot_pages import RESIDENT, close_now, open_vote
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}
SHOTS = Path("/tmp/h4_shots")
CHOICE_WORDS = re.compile(r"\b(Ja|Nej|Blank|yes|no|blank)\b")


@dataclass
class Site:
    server: LiveServer
    db: Database
    question_id: int


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[Site]:
    """The demo with a digital vote open in Engparken (beboer@ has not voted)."""
    data = tmp_path_factory.mktemp("democracy-live")
    db = Database(demo_copy(data))
    with db.transaction() as s:
        question_id = s.scalar(
            select(Question.id).where(Question.status == "open", Question.text.like("Forslag%"))
        )
    if question_id is None:  # the demo's own vote is not there (yet): set one up
        question_id = open_vote(db, with_subtenant=False).question_id
    server = start_live(data, db, smtp_server.url)
    yield Site(server, db, question_id)
    server.stop()
    db.dispose()


def shoot(page: Any, name: str) -> None:
    screenshot(page, name)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def focused(page: Any) -> dict[str, str]:
    return dict(
        page.evaluate(
            "() => { const e = document.activeElement; return {tag: e.tagName, type: e.type || '',"
            " name: e.name || '', value: e.value || '', text: (e.innerText || '').trim()}; }"
        )
    )


def tab_to(page: Any, want: Any, *, limit: int = 60) -> dict[str, str]:
    """Press Tab until ``want(focused element)`` holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if want(now):
            return now
    raise AssertionError(f"Tab never reached it; focus ended on {focused(page)}")


def test_a_resident_votes_with_the_keyboard_only_on_a_phone(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    context = browser.new_context(viewport=PHONE, locale="da-DK", has_touch=True)
    page = context.new_page()
    log_in(page, site.server, smtp_server, RESIDENT)

    # The way in: the home page's card.
    card = page.get_by_role("link", name=re.compile("Du kan stemme om"))
    assert card.first.is_visible()
    assert axe_violations(page) == []
    shoot(page, "democracy-home-375")
    url = f"{site.server.url}/votes/{site.question_id}"
    assert card.first.get_attribute("href") == f"/votes/{site.question_id}"

    page.goto(url)
    with site.db.transaction() as s:
        question = s.get(Question, site.question_id)
        assert question is not None
        legend = question.text
    assert page.locator("fieldset legend").first.inner_text().strip() == legend
    # Screen readers name each option with the question's short name.
    assert page.get_by_role("radio", name="Forslag 3: Ja").count() == 1
    assert page.get_by_role("radio", name="Forslag 3: Nej").count() == 1
    assert page.get_by_role("radio", name="Forslag 3: Blank").count() == 1
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    shoot(page, "democracy-ballot-375")

    # Keyboard only: Tab to the first radio, Space chooses it, ArrowDown moves the choice to "Nej".
    page.locator("body").focus()
    now = tab_to(page, lambda f: f["type"] == "radio" and f["name"] == "choice")
    assert now["value"] == "yes"
    page.keyboard.press("Space")
    assert page.get_by_role("radio", name="Forslag 3: Ja").is_checked()
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name="Forslag 3: Nej").is_checked()
    assert not page.get_by_role("radio", name="Forslag 3: Ja").is_checked()
    shoot(page, "democracy-ballot-chosen-375")
    # Choosing is not voting.
    with site.db.transaction() as s:
        voted = s.scalars(select(Participation).where(Participation.question_id == site.question_id)).all()
        assert voted == []
    now = tab_to(page, lambda f: f["tag"] == "BUTTON")
    assert now["text"] == "Afgiv stemme"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/receipt")

    assert page.get_by_role("heading", name="Din stemme er registreret", level=1).is_visible()
    html = page.content()
    main = html.split('id="main-content"', 1)[1]
    assert not CHOICE_WORDS.search(main), CHOICE_WORDS.search(main)
    assert not CHOICE_WORDS.search(page.title())
    assert not CHOICE_WORDS.search(page.url.split("/votes/", 1)[1])
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    shoot(page, "democracy-receipt-375")
    with site.db.transaction() as s:
        assert s.scalars(select(Ballot.choice).where(Ballot.question_id == site.question_id)).all() == ["no"]

    page.set_viewport_size(IPAD)
    shoot(page, "democracy-receipt-820")
    page.goto(url)  # the ballot after the vote: no form, the household's state
    assert page.get_by_role("button", name="Afgiv stemme").count() == 0
    assert axe_violations(page) == []
    context.close()


def test_the_ballot_fits_320_px_and_200_percent_zoom(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    """The ballot of another household's voter at 320 px, at 200 % zoom (a 1280 px window is
    640 CSS px at twice the pixels) and on an iPad; an empty vote shows its Danish error."""
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, "kasserer@demo.boardkit.dk")  # also an Engparken tenant
    url = f"{site.server.url}/votes/{site.question_id}"
    page.goto(url)
    assert page.get_by_role("button", name="Afgiv stemme").is_visible()
    assert no_sideways_scroll(page)
    shoot(page, "democracy-ballot-320")
    box = page.get_by_role("button", name="Afgiv stemme").bounding_box()
    assert box is not None and box["height"] >= 44

    # "Afgiv stemme" with nothing chosen: the page again, 422, the message in Danish, focus-able summary.
    page.get_by_role("button", name="Afgiv stemme").click()
    assert page.get_by_text("Vælg en af mulighederne, før du afgiver din stemme.").first.is_visible()
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    shoot(page, "democracy-ballot-error-320")
    context.close()

    zoomed = browser.new_context(
        viewport={"width": 640, "height": 400}, device_scale_factor=2, locale="da-DK"
    )
    page = zoomed.new_page()
    log_in(page, site.server, smtp_server, "kasserer@demo.boardkit.dk")
    page.goto(url)
    assert no_sideways_scroll(page)
    shoot(page, "democracy-ballot-zoom200")
    page.set_viewport_size(IPAD)
    shoot(page, "democracy-ballot-820")
    zoomed.close()


def test_after_the_close_the_result_and_the_participation_list(
    browser: Any, site: Site, smtp_server: SMTPServer
) -> None:
    """Runs last: closes the vote. The resident reads the tally; the chair the list of who voted."""
    with site.db.transaction() as s:
        voted = select(Participation).where(Participation.question_id == site.question_id)
        if s.scalars(voted).first() is None:
            question = s.get(Question, site.question_id)  # run alone: beboer@ has not voted yet
            assert question is not None
            voter = s.scalars(
                select(RollVoter)
                .join(RollHousehold, RollHousehold.id == RollVoter.household_id)
                .join(Person, Person.id == RollVoter.person_id)
                .where(RollHousehold.roll_id == question.roll_id, Person.email == RESIDENT)
            ).one()
            ballots.use_units(
                s,
                question=question,
                household_id=voter.household_id,
                choices=["no"],
                channel="online",
                person_id=voter.person_id,
            )
    close_now(site.db, site.question_id)
    context = browser.new_context(viewport=PHONE, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, RESIDENT)
    page.goto(f"{site.server.url}/votes")
    assert axe_violations(page) == []
    shoot(page, "democracy-votes-375")
    page.get_by_role("link", name=re.compile("Se resultatet")).first.click()
    page.wait_for_url(f"{site.server.url}/votes/{site.question_id}/result")
    assert page.get_by_role("table").count() == 1
    assert page.get_by_role("link", name="Hent stemmesedlerne (CSV)").is_visible()
    assert no_sideways_scroll(page)
    assert axe_violations(page) == []
    shoot(page, "democracy-result-375")
    context.close()

    context = browser.new_context(viewport=IPAD, locale="da-DK")
    page = context.new_page()
    log_in(page, site.server, smtp_server, "formand@demo.boardkit.dk")
    page.goto(f"{site.server.url}/votes/{site.question_id}/result")
    page.get_by_role("link", name="Hvem har stemt (ikke hvad)").click()
    assert page.get_by_role("heading", name="Hvem har stemt", level=1).is_visible()
    table = page.get_by_role("table").inner_text()
    assert "Online" in table and not CHOICE_WORDS.search(table)
    assert axe_violations(page) == []
    shoot(page, "democracy-participation-820")
    context.close()
