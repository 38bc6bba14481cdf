"""Expense claims through the pages: the whole way from photo to export, bad input, who sees what."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

from pypdf import PdfReader
from sqlalchemy import func, select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.models import OutboxEmail
from boardkit.expenses import flow
from boardkit.expenses.models import ExpenseClaim, ExpenseLine
from tests.expenses import receipt_corpus as corpus
from tests.expenses.expense_env import BOOKKEEPER, CHAIR, MEMBER_SOEBAKKEN, TREASURER, who
from tests.helpers import csrf_from, login_as
from tests.meetings.meeting_env import RESIDENT, local_day

PHOTO = corpus.jpeg(corpus.receipt_photo(7, (1200, 900)))


def post(client: TestClient, page: str, path: str, data: dict[str, Any], **kw: Any) -> Any:
    csrf = csrf_from(client.get(page).text)
    return client.post(path, data={**data, "csrf_token": csrf}, **kw)


def text(response: Any) -> str:
    return html.unescape(response.text).replace("\xa0", " ")


def new_claim_on_page(client: TestClient, purpose: str = "Kaffe og kage til bestyrelsesmødet") -> int:
    r = post(
        client,
        "/expenses/new",
        "/expenses/new",
        {"purpose": purpose, "account": "119", "bank_registration": "1234", "bank_account": "0012345678"},
    )
    assert r.status_code == 200, r.text
    found = re.search(r"/expenses/(\d+)$", str(r.url))
    assert found, r.url
    return int(found.group(1))


def claim_status(db: Database, claim_id: int) -> str:
    with db.transaction() as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None
        return claim.status


def as_(client: TestClient, db: Database, email: str) -> TestClient:
    client.cookies.clear()
    login_as(client, db, email)
    return client


def test_from_photo_to_paid_export_through_the_pages(client: TestClient, demo: Database) -> None:
    kasserer = as_(client, demo, TREASURER)

    claim_id = new_claim_on_page(kasserer)
    page = f"/expenses/{claim_id}"
    day = local_day(-3).isoformat()
    r = post(
        kasserer,
        page,
        f"{page}/receipts",
        {"spent_on": day, "amount": "125,50", "description": "Kaffe"},
        files=[("photo", ("IMG_0001.JPG", PHOTO, "image/jpeg"))],
    )
    assert r.status_code == 200 and "Bilaget er gemt." in text(r)
    assert "125,50 kr." in text(r) and "heraf moms 25,10 kr." in text(r)
    preview = re.search(r'<img src="([^"]+/preview)"', r.text)
    assert preview
    image = kasserer.get(preview.group(1))
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"

    r = post(
        kasserer,
        page,
        f"{page}/mileage",
        {
            "trip_travelled_on": day,
            "trip_from_place": "Engparken 1, Valby",
            "trip_to_place": "Fællesbo, Ølby",
            "trip_purpose": "Kursus",
            "trip_km": "12,5",
            "trip_vehicle": "car",
        },
    )
    assert r.status_code == 200 and "Kørslen er tilføjet." in text(r)
    assert "12,5 km × 3,94 kr" in text(r)

    r = post(kasserer, page, f"{page}/submit", {})
    assert "Udlægget er sendt til attestation" in text(r) and claim_status(demo, claim_id) == "submitted"

    formand = as_(client, demo, CHAIR)
    assert "1 udlæg venter på din attestation" in text(formand.get("/"))
    listing = formand.get("/expenses")
    assert "Til din attestation" in listing.text and f"/expenses/{claim_id}" in listing.text
    r = post(formand, page, f"{page}/attest", {})
    assert "er attesteret" in text(r) and claim_status(demo, claim_id) == "attested"

    bogholder = as_(client, demo, BOOKKEEPER)
    assert "1 udlæg venter på godkendelse" in text(bogholder.get("/"))
    queue = bogholder.get("/expenses/queue")
    assert queue.status_code == 200 and f"/expenses/{claim_id}/approve" in queue.text
    r = post(bogholder, "/expenses/queue", f"{page}/approve", {"next": "queue", "status": "attested"})
    assert r.url.path == "/expenses/queue" and "er godkendt" in text(r)
    assert claim_status(demo, claim_id) == "approved"

    r = post(bogholder, "/expenses/exports", "/expenses/exports", {})
    assert "Eksport" in text(r) and claim_status(demo, claim_id) == "exported"
    batch = re.search(r"/expenses/exports/(\d+)\.csv", r.text)
    assert batch
    rows = list(
        csv.reader(io.StringIO(bogholder.get(batch.group(0)).content.decode("utf-8-sig")), delimiter=";")
    )
    assert rows[0][:3] == ["Udlæg", "Linje", "Dato"] and len(rows) == 3
    assert {row[0] for row in rows[1:]} == {str(claim_id)}
    pdf = PdfReader(io.BytesIO(bogholder.get(batch.group(0).replace(".csv", ".pdf")).content))
    assert f"Udlæg {claim_id}" in pdf.pages[0].extract_text()

    r = post(bogholder, "/expenses/exports", f"/expenses/exports/{batch.group(1)}/paid", {})
    assert "markeret som udbetalt" in text(r) and claim_status(demo, claim_id) == "paid"
    with demo.transaction() as s:
        mails = s.scalars(
            select(OutboxEmail.body_text).where(
                OutboxEmail.to_address == TREASURER, OutboxEmail.template == "expense_status"
            )
        ).all()
    assert len(mails) == 5 and all(f"http://testserver/expenses/{claim_id}" in body for body in mails)
    history = as_(client, demo, TREASURER).get(page)
    for step in ("Sendt til attestation", "Attesteret", "Godkendt", "Sendt til bogføring", "Udbetalt"):
        assert step in text(history)


def test_bad_input_on_the_claim_page_is_explained_and_nothing_is_lost(
    client: TestClient, demo: Database
) -> None:
    login_as(client, demo, TREASURER)
    claim_id = new_claim_on_page(client)
    page = f"/expenses/{claim_id}"
    r = post(
        client,
        page,
        f"{page}/receipts",
        {},
        files=[("file", ("kvittering.jpg", b"MZ\x90\x00" * 64, "image/jpeg"))],
    )
    assert r.status_code == 415 and "Der er problemer" in text(r)
    r = post(
        client,
        page,
        f"{page}/receipts",
        {"amount": "mange penge", "spent_on": local_day(-1).isoformat()},
        files=[("file", ("bon.jpg", PHOTO, "image/jpeg"))],
    )
    assert r.status_code == 200 and "Bilaget er gemt, men ret oplysningerne" in text(r)
    with demo.transaction() as s:
        line = s.scalar(select(ExpenseLine).where(ExpenseLine.claim_id == claim_id))
        assert line is not None and line.original_sha256 and line.amount_ore == 0
        line_id = line.id
    r = post(
        client,
        page,
        f"{page}/lines/{line_id}",
        {"amount": "80", "vat": "100", "spent_on": local_day(-1).isoformat()},
    )
    assert r.status_code == 422 and "Momsen kan ikke være større end hele beløbet." in text(r)
    assert f'id="vat-{line_id}"' in r.text and 'value="100"' in r.text
    r = post(
        client,
        page,
        f"{page}/lines/{line_id}",
        {"amount": "80", "vat": "", "spent_on": local_day(5).isoformat()},
    )
    assert r.status_code == 422 and "Datoen ligger i fremtiden." in text(r)
    r = post(
        client, page, f"{page}/mileage", {"trip_travelled_on": local_day(-1).isoformat(), "trip_km": "-4"}
    )
    assert r.status_code == 422 and "Skriv stedet." in text(r) and "større end 0" in text(r)
    r = post(client, page, f"{page}/submit", {})
    assert r.status_code == 422 and "Udfyld dato og beløb på bilag 1." in text(r)
    with demo.transaction() as s:
        assert (
            s.scalar(select(func.count()).select_from(ExpenseLine).where(ExpenseLine.claim_id == claim_id))
            == 1
        )
    assert claim_status(demo, claim_id) == "draft"


def test_others_meet_a_404_and_residents_see_no_expenses(client: TestClient, demo: Database) -> None:
    login_as(client, demo, TREASURER)
    claim_id = new_claim_on_page(client)
    page = f"/expenses/{claim_id}"
    post(client, page, f"{page}/receipts", {}, files=[("photo", ("bon.jpg", PHOTO, "image/jpeg"))])
    with demo.transaction() as s:
        line_id = s.scalar(select(ExpenseLine.id).where(ExpenseLine.claim_id == claim_id))
    client.cookies.clear()
    login_as(client, demo, MEMBER_SOEBAKKEN)
    assert client.get(page).status_code == 404
    assert client.get(f"{page}/lines/{line_id}/preview").status_code == 404
    assert client.get("/expenses/queue").status_code == 404
    client.cookies.clear()
    login_as(client, demo, CHAIR)
    assert client.get(page).status_code == 404  # a draft is the claimant's alone
    client.cookies.clear()
    login_as(client, demo, RESIDENT)
    assert ">Udlæg<" not in client.get("/").text
    assert client.get("/expenses/exports").status_code == 404


def test_mileage_summary_and_budget_pages(client: TestClient, demo: Database) -> None:
    login_as(client, demo, TREASURER)
    claim_id = new_claim_on_page(client)
    page = f"/expenses/{claim_id}"
    post(
        client,
        page,
        f"{page}/mileage",
        {
            "trip_travelled_on": local_day(-2).isoformat(),
            "trip_from_place": "Valby",
            "trip_to_place": "Ølby",
            "trip_purpose": "Kursus",
            "trip_km": "40",
            "trip_vehicle": "bicycle",
        },
    )
    post(client, page, f"{page}/submit", {})
    year = local_day(-2).year
    summary = client.get(f"/expenses/mileage?year={year}")
    assert summary.status_code == 200 and "Cykel" in text(summary) and "Afventer" in text(summary)
    csv_text = client.get(f"/expenses/mileage.csv?year={year}").content.decode("utf-8-sig")
    assert "40" in csv_text
    budget = client.get("/expenses/budget")
    assert budget.status_code == 200 and "119 Bestyrelsens udgifter" in text(budget)
    assert client.get("/expenses/budget?year=abc").status_code == 200


def test_a_receipt_claimed_twice_is_flagged_and_the_bookkeeper_decides(
    client: TestClient, demo: Database
) -> None:
    as_(client, demo, TREASURER)
    claims = []
    for purpose in ("Maling til fælleshuset", "Maling igen"):
        claim_id = new_claim_on_page(client, purpose)
        page = f"/expenses/{claim_id}"
        post(
            client,
            page,
            f"{page}/receipts",
            {"amount": "310", "spent_on": local_day(-4).isoformat()},
            files=[("photo", ("bon.jpg", PHOTO, "image/jpeg"))],
        )
        post(client, page, f"{page}/submit", {})
        claims.append(claim_id)
    with demo.transaction() as s:
        for claim_id in claims:
            flow.attest_claim(s, principal=who(s, CHAIR), claim_id=claim_id)
    as_(client, demo, BOOKKEEPER)
    queue = client.get("/expenses/queue?flagged=1")
    assert f"/expenses/{claims[1]}#flags-heading" in queue.text
    assert f"/expenses/{claims[1]}/approve" not in queue.text  # no one-tap approval past an open flag
    page = f"/expenses/{claims[1]}"
    claim_page = text(client.get(page))
    assert "Samme fil som" in claim_page and f'href="/expenses/{claims[0]}"' in claim_page
    flag_action = re.search(rf'action="({page}/flags/\d+)"', client.get(page).text)
    assert flag_action
    r = post(client, page, flag_action.group(1), {"decision": "not_duplicate"})
    assert "Afgørelsen er gemt." in text(r) and "Afgjort: ikke en dublet" in text(r)
    assert "Mulig dublet afgjort" in text(r)
    r = post(client, page, flag_action.group(1), {"decision": "duplicate"})
    assert "allerede afgjort" in text(r)
