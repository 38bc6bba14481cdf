"""Language: no English words in the Danish pages ("car", "changed"), English dates and numbers on the
English pages, and plurals that agree with their number ("1 række", never "1 rækker")."""

from __future__ import annotations

import html
import re
from datetime import date, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core import i18n, money
from boardkit.core.db import Database
from boardkit.core.templating import TZ, fmt_date, fmt_datetime, fmt_money, fmt_number
from boardkit.expenses import service
from boardkit.org.models import Organisation, Person, StaffRole
from tests.expenses.expense_env import TREASURER, new_claim, receipt, trip, who
from tests.helpers import csrf_from, login_as

SECRET = "test-secret-key"
# Words the code stores or names things by, which must never reach a Danish reader.
ENGLISH = {
    "car", "bicycle", "changed", "draft", "submitted", "attested", "approved", "rejected", "exported",
    "paid", "planned", "invited", "cancelled", "received", "accepted", "declined", "tentative", "queued",
    "substitute", "treasurer", "chair", "member", "tenant", "receipt", "mileage", "none", "true", "false",
}  # fmt: skip


def visible_words(page: str) -> set[str]:
    page = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<head.*?</head>", " ", page)
    shown = (
        re.sub(r"<[^>]+>", " ", page)
        + " "
        + " ".join(re.findall(r'(?:aria-label|title|alt)="([^"]*)"', page))
    )
    return {w.lower() for w in re.findall(r"[A-Za-z_]+", html.unescape(shown))}


def test_dates_numbers_and_amounts_follow_the_language() -> None:
    moment = datetime(2026, 12, 4, 19, 0, tzinfo=TZ)
    with i18n.language("da"):
        assert fmt_datetime(moment) == "4. december 2026 kl. 19:00"
        assert fmt_date(moment) == "4. december 2026" and fmt_date(moment, "d. MMM y") == "4. dec. 2026"
        assert fmt_money(125_050) == "1.250,50\xa0kr." and fmt_number(12.5, 1) == "12,5"
        assert fmt_number(20_000) == "20.000" and money.format_kr(125_050) == "1.250,50"
    with i18n.language("en"):
        assert fmt_datetime(moment) == "4 December 2026 at 19:00"
        assert fmt_date(moment) == "4 December 2026" and fmt_date(moment, "d. MMM y") == "4 Dec 2026"
        assert fmt_datetime(moment, "EEEE 'den' d. MMMM 'kl.' HH.mm") == "Friday 4 December at 19:00"
        assert fmt_money(125_050) == "DKK\xa01,250.50" and fmt_number(12.5, 1) == "12.5"
        assert fmt_number(20_000) == "20,000" and money.format_kr(125_050) == "1250.50"
    for typed in ("1.250,50", "1250,50", "1250.50", "1,250.50"):  # Danish or English, both are read
        assert money.parse_kr(typed) == 125_050, typed
    assert money.parse_kr("1,25") == 125 and money.parse_kr("1,250") == 125_000


def claim_with_history(db: Database) -> int:
    with db.transaction() as s:
        claim = new_claim(s, TREASURER)
        receipt(s, TREASURER, claim, 125_050, date(2026, 3, 2))
        trip(s, TREASURER, claim, 12, date(2026, 3, 3), vehicle="car")
        service.update_claim(
            s,
            principal=who(s, TREASURER),
            claim=claim,
            bank_registration="4321",
            bank_account="0087654321",
            secret_key=SECRET,
        )
        return claim.id


def test_the_claim_page_has_no_english_words_in_danish(client: TestClient, demo: Database) -> None:
    claim_id = claim_with_history(demo)
    login_as(client, demo, TREASURER)
    page = client.get(f"/expenses/{claim_id}")
    assert page.status_code == 200
    words = visible_words(page.text)
    assert not words & ENGLISH, words & ENGLISH
    assert "Køretøj: Bil" in re.sub(r"<[^>]+>", "", page.text)  # the trip's history line
    assert "Bankkonto: ændret (vises ikke)" in re.sub(r"<[^>]+>", "", page.text)
    assert "3. marts 2026" in page.text and "1.250,50\xa0kr." in html.unescape(page.text)


def test_the_claim_page_in_english_has_english_dates_and_numbers(client: TestClient, demo: Database) -> None:
    claim_id = claim_with_history(demo)
    login_as(client, demo, TREASURER)
    with demo.transaction() as s:
        s.scalars(select(Person).where(Person.email == TREASURER)).one().language = "en"
    page = html.unescape(client.get(f"/expenses/{claim_id}").text)
    plain = re.sub(r"<[^>]+>", "", page)
    assert "2 March 2026" in plain and "2. March" not in plain and "marts" not in plain
    assert "DKK\xa01,250.50" in plain and "1.250,50" not in plain
    assert "12 km × DKK\xa03.94" in plain and "3,94" not in plain
    assert "limit 20,000 km" in plain or "20,000 km" in plain
    assert "Vehicle: Car" in plain and "changed (not shown)" in plain
    assert 'value="1250.50"' in page  # the amount field in the reader's notation, read back as typed
    token = csrf_from(page)
    line_id = re.search(r'action="/expenses/\d+/lines/(\d+)"', page).group(1)  # type: ignore[union-attr]
    saved = client.post(
        f"/expenses/{claim_id}/lines/{line_id}",
        data={
            "csrf_token": token,
            "spent_on": "2026-03-02",
            "amount": "1,300.25",
            "vat": "",
            "description": "Kaffe",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with demo.transaction() as s:
        from boardkit.expenses.models import ExpenseLine

        assert s.get(ExpenseLine, int(line_id)).amount_ore == 130_025  # type: ignore[union-attr]


@pytest.fixture
def staff(db: Database) -> int:
    with db.transaction() as s:
        org = Organisation(name="Testbo", short_name="testbo")
        admin = Person(name="Administrator", email="admin@example.dk")
        s.add_all([org, admin])
        s.flush()
        s.add(StaffRole(person_id=admin.id, organisation_id=org.id, role="admin"))
        return admin.id


@pytest.mark.parametrize(
    ("language", "one", "many"),
    [
        ("da", "Beboerfil: 1 række", "Beboerfil: 2 rækker"),
        ("en", "Residents file: 1 row", "Residents file: 2 rows"),
    ],
)
def test_one_row_is_one_row(
    client: TestClient, db: Database, staff: int, language: str, one: str, many: str
) -> None:
    with db.transaction() as s:
        s.get(Person, staff).language = language  # type: ignore[union-attr]
    login_as(client, db, "admin@example.dk")
    header = "afdeling_nr;afdeling_navn;lejemaal_nr;adresse;postnr;by;person_nr;navn\n"
    rows = [
        "1;Lunden;1;Lundvej 1;2000;Frederiksberg;P1;Anna\n",
        "1;Lunden;2;Lundvej 2;2000;Frederiksberg;P2;Bo\n",
    ]
    for data, caption, wrong in (
        (header + rows[0], one, "1 rækker"),
        (header + "".join(rows), many, "2 række<"),
    ):
        page = client.get("/admin/import")
        dry = client.post(
            "/admin/import",
            data={"csrf_token": csrf_from(page.text), "action": "dry_run"},
            files={"file": ("beboere.csv", data.encode(), "text/csv")},
        )
        assert dry.status_code == 200 and caption in dry.text and wrong not in dry.text


def test_admin_pages_have_no_english_words_in_danish(client: TestClient, demo: Database) -> None:
    claim_id = claim_with_history(demo)
    login_as(client, demo, "admin@demo.boardkit.dk")
    pages = [
        "/admin/",
        "/admin/people",
        "/admin/boards",
        "/admin/audit",
        "/admin/import",
        f"/expenses/{claim_id}",
    ]
    pages += [f"/admin/boards/{n}" for n in range(1, 6)]
    pages += ["/expenses/queue", "/expenses/mileage", "/expenses/exports"]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        found = visible_words(page.text) & ENGLISH
        assert not found, (url, found)
