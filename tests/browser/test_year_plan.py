"""The board's year plan (årshjul) on a phone (375 px): the chair opens it from the dashboard, the
administration corrects a bad rule; no sideways scrolling, axe-core clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import PHONE, LiveServer, axe_violations, screenshot
from tests.browser.test_login_flow import log_in
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser

CHAIR = "formand@demo.boardkit.dk"
ADMIN = "admin@demo.boardkit.dk"


def fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_chair_reads_the_year_plan_on_a_phone(
    browser: Any, live: LiveServer, smtp_server: SMTPServer
) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, CHAIR)
    page.get_by_role("link", name="Årshjul – Afdelingsbestyrelsen i Engparken").click()
    page.get_by_role("heading", name="Årshjul: Afdelingsbestyrelsen i Engparken", level=1).wait_for()
    budget = page.locator("li", has_text="Budgetmøde (ordinært afdelingsmøde) senest").first
    assert budget.is_visible() and "30. september" in budget.inner_text()
    assert budget.get_by_text("Lovkrav").is_visible()
    assert fits(page)
    assert axe_violations(page) == []
    screenshot(page, "year-plan-phone")
    context.close()


def test_the_administration_corrects_a_bad_rule_on_a_phone(
    browser: Any, live: LiveServer, smtp_server: SMTPServer
) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp_server, ADMIN)
    page.goto(f"{live.url}/admin/year-plan")
    page.get_by_label("Regnskabsårets første dag").fill("13-01")
    page.get_by_role("button", name="Gem regler").click()
    page.get_by_role("heading", name="Der er problemer").wait_for()
    assert fits(page)
    assert axe_violations(page) == []
    screenshot(page, "year-plan-rules-error-phone")
    page.get_by_label("Regnskabsårets første dag").fill("07-01")
    page.get_by_role("button", name="Gem regler").click()
    page.get_by_text("Reglerne for årshjulet er gemt.").wait_for()
    assert page.get_by_label("Regnskabsårets første dag").input_value() == "07-01"
    assert axe_violations(page) == []
    context.close()
