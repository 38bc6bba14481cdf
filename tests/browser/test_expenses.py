"""On an iPad: the treasurer photographs a receipt and submits the claim, the chair attests, the
bookkeeper approves with one tap and makes the export; its CSV and receipts PDF are read back.
axe-core finds nothing on any of these pages."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from tests.browser.conftest import IPAD, PHONE, LiveServer, axe_violations, screenshot
from tests.browser.test_login_flow import log_in
from tests.expenses import receipt_corpus as corpus
from tests.expenses.expense_env import BOOKKEEPER, CHAIR, TREASURER
from tests.meetings.meeting_env import local_day
from tests.smtp import SMTPServer

pytestmark = pytest.mark.browser


def check_axe(page: Any, name: str) -> None:
    violations = axe_violations(page)
    assert violations == [], (name, violations)


def signed_in(browser: Any, live: LiveServer, smtp: SMTPServer, email: str, viewport: Any = IPAD) -> Any:
    context = browser.new_context(viewport=viewport, locale="da-DK")
    page = context.new_page()
    log_in(page, live, smtp, email)
    return page


def test_photo_attest_approve_export(browser: Any, live: LiveServer, smtp_server: SMTPServer) -> None:
    page = signed_in(browser, live, smtp_server, TREASURER)
    page.goto(f"{live.url}/expenses")
    check_axe(page, "expenses list")
    page.get_by_role("link", name="Nyt udlæg").click()
    check_axe(page, "new claim form")
    page.get_by_label("Formål").fill("Kaffe og kage til bestyrelsesmødet")
    page.get_by_label("Reg.nr.").fill("1234")
    page.get_by_label("Kontonummer").fill("0012345678")
    screenshot(page, "expense-new-ipad")
    page.get_by_role("button", name="Opret udlæg").click()
    page.get_by_text("Udlægget er oprettet.").wait_for()
    claim_url = page.url
    claim_id = int(claim_url.rsplit("/", 1)[-1])

    # The camera input: on the tablet it opens the camera; here the file chooser gets the photo.
    with page.expect_file_chooser() as chooser:
        page.get_by_label("Tag et billede af bonen").click()
    photo = corpus.jpeg(corpus.receipt_photo(11, (1600, 1200)), exif=corpus.camera_exif(6))
    chooser.value.set_files({"name": "IMG_2041.JPG", "mimeType": "image/jpeg", "buffer": photo})
    page.locator("#spent_on-new").fill(local_day(-2).isoformat())
    page.locator("#amount-new").fill("249,95")
    page.locator("#description-new").fill("Kaffe, kage og mælk")
    page.get_by_role("button", name="Gem bilag", exact=True).click()
    page.get_by_text("Bilaget er gemt.").wait_for()
    preview = page.locator(".bk-receipt img")
    assert preview.evaluate("img => img.complete && img.naturalWidth > 0")
    # EXIF orientation 6 turned a landscape photo upright: the preview is portrait.
    assert preview.evaluate("img => img.naturalHeight > img.naturalWidth")
    check_axe(page, "claim draft")
    screenshot(page, "expense-claim-draft-ipad")
    page.get_by_role("button", name="Send til attestation").click()
    page.get_by_text("Udlægget er sendt til attestation.").wait_for()
    page.set_viewport_size(PHONE)
    check_axe(page, "claim submitted, phone")
    screenshot(page, "expense-claim-submitted-phone")
    page.context.close()

    chair = signed_in(browser, live, smtp_server, CHAIR)
    chair.goto(f"{live.url}/expenses")
    chair.get_by_role("link", name=re.compile(f"^{claim_id} · Kaffe")).first.click()
    check_axe(chair, "claim to attest")
    chair.get_by_role("button", name="Attestér udlægget").click()
    chair.get_by_text(f"Udlæg {claim_id} er attesteret").wait_for()
    chair.get_by_role("link", name="Tilbage til udlæg").click()
    chair.get_by_role("link", name=re.compile("^Budget for")).first.click()
    assert chair.get_by_text("Bestyrelsens udgifter").count() == 1
    check_axe(chair, "budget")
    screenshot(chair, "expense-budget-ipad")
    chair.context.close()

    keeper = signed_in(browser, live, smtp_server, BOOKKEEPER)
    keeper.goto(f"{live.url}/expenses/queue")
    check_axe(keeper, "approval queue")
    screenshot(keeper, "expense-queue-ipad")
    keeper.get_by_role("button", name=f"Godkend udlæg {claim_id}").click()
    keeper.get_by_text(f"Udlæg {claim_id} er godkendt.").wait_for()
    assert keeper.url.startswith(f"{live.url}/expenses/queue")

    keeper.goto(f"{live.url}/expenses/exports")
    check_axe(keeper, "exports before")
    keeper.get_by_role("button", name="Lav eksport").click()
    keeper.get_by_text("er lavet med").wait_for()
    check_axe(keeper, "exports after")
    screenshot(keeper, "expense-exports-ipad")
    csv_href = keeper.locator("a", has_text="CSV").first.get_attribute("href")
    pdf_href = keeper.locator("a", has_text="Bilag (PDF)").first.get_attribute("href")
    rows = list(
        csv.reader(
            io.StringIO(keeper.request.get(f"{live.url}{csv_href}").body().decode("utf-8-sig")), delimiter=";"
        )
    )
    assert rows[0] == [
        "Udlæg",
        "Linje",
        "Dato",
        "Konto",
        "Beløb",
        "Moms",
        "Udlægger",
        "Bankkonto",
        "Afdeling",
    ]
    ours = [row for row in rows[1:] if row[0] == str(claim_id)]
    assert len(ours) == 1
    assert ours[0][3] == "119" and ours[0][4] == "249,95" and ours[0][7] == "1234 0012345678"
    assert ours[0][6] == "Ayşe Şahin"
    pdf = PdfReader(io.BytesIO(keeper.request.get(f"{live.url}{pdf_href}").body()))
    stamps = [p.extract_text() for p in pdf.pages]
    assert any(f"Udlæg {claim_id} · linje 1" in text for text in stamps), stamps
    keeper.goto(f"{live.url}/expenses/mileage")
    check_axe(keeper, "mileage summary")
    screenshot(keeper, "expense-mileage-ipad")
    keeper.context.close()


def test_a_receipt_photographed_offline_is_kept_and_sent_when_back_online(
    browser: Any, live: LiveServer, smtp_server: SMTPServer
) -> None:
    page = signed_in(browser, live, smtp_server, TREASURER)
    page.goto(f"{live.url}/expenses/new")
    page.get_by_label("Formål").fill("Blomster til afskeden")
    page.get_by_role("button", name="Opret udlæg").click()
    page.get_by_text("Udlægget er oprettet.").wait_for()

    page.context.set_offline(True)
    photo = corpus.jpeg(corpus.receipt_photo(23, (1200, 1600)))
    page.locator("#photo").set_input_files(
        {"name": "IMG_3001.JPG", "mimeType": "image/jpeg", "buffer": photo}
    )
    page.locator("#amount-new").fill("179,00")
    page.get_by_role("button", name="Gem bilag", exact=True).click()
    page.get_by_text("1 bilag er gemt på enheden").wait_for()
    assert page.get_by_text("Der er ingen bilag eller kørsel på udlægget endnu.").count() == 1
    check_axe(page, "receipt kept offline")
    screenshot(page, "expense-receipt-offline-ipad")

    page.context.set_offline(False)
    page.get_by_role("heading", name=re.compile("^Bilag 1")).wait_for(timeout=15_000)
    assert page.get_by_text("179,00 kr.").count() >= 1
    assert page.locator("[data-receipt-queue]").is_hidden()
    page.context.close()
