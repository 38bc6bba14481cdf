"""The attester (the chair; the treasurer for the chair's own claims) is e-mailed when a claim waits
for attestation, and may send it back to the claimant as a draft or reject it — each with a reason —
on the claim page and through the API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from boardkit.core.db import Database
from boardkit.core.errors import AppError, Conflict, Forbidden, ValidationFailed
from boardkit.core.models import OutboxEmail
from boardkit.expenses import flow
from boardkit.expenses.models import ExpenseClaim, ExpenseEvent, ExpenseFlag
from boardkit.org.models import Person
from tests.expenses.expense_env import (
    BOOKKEEPER,
    CHAIR,
    SECRET,
    TREASURER,
    member_email,
    new_claim,
    receipt,
    through,
    who,
)
from tests.helpers import api_token, csrf_from, login_as

DAY = date(2026, 3, 2)


def link(claim_id: int) -> str:
    return f"http://testserver/expenses/{claim_id}"


def draft(db: Database, email: str = TREASURER, amount_ore: int = 12_550) -> int:
    with db.transaction() as s:
        claim = new_claim(s, email)
        receipt(s, email, claim, amount_ore, DAY)
        return claim.id


def submit(db: Database, claim_id: int, email: str = TREASURER) -> None:
    with db.transaction() as s:
        flow.submit_claim(s, principal=who(s, email), claim_id=claim_id, secret_key=SECRET, link=link)


def mails(db: Database, template: str) -> list[OutboxEmail]:
    with db.transaction() as s:
        return list(
            s.scalars(select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id))
        )


def test_the_attester_is_told_when_a_claim_waits_for_them(demo: Database) -> None:
    mine = draft(demo)  # the treasurer's claim: the chair attests
    submit(demo, mine)
    told = mails(demo, "expense_to_attest")
    assert [m.to_address for m in told] == [CHAIR]
    assert told[0].subject == "Udlæg til attestation: Kaffe til mødet"
    assert "125,50\xa0kr." in told[0].body_text and f"/expenses/{mine}" in told[0].body_text
    assert "attestér udlægget, send det tilbage til rettelse, eller afvis det" in told[0].body_text

    chairs = draft(demo, CHAIR)  # the chair's own claim: the treasurer attests, the chair is not told
    submit(demo, chairs, CHAIR)
    told = mails(demo, "expense_to_attest")
    assert [m.to_address for m in told] == [CHAIR, TREASURER]
    with demo.transaction() as s:
        chair_name = s.scalar(select(Person.name).where(Person.email == CHAIR))
    assert f"{chair_name} har sendt udlæg nr. {chairs}" in told[1].body_text


def test_the_chair_sends_a_claim_back_and_the_claimant_submits_it_again(demo: Database) -> None:
    claim_id = draft(demo)
    submit(demo, claim_id)
    reason = "Bonen mangler. Tag et billede af den, og send udlægget igen."
    with demo.transaction() as s:
        assert (
            flow.return_claim(
                s, principal=who(s, CHAIR), claim_id=claim_id, reason=f"  {reason}\n", link=link
            ).status
            == "draft"
        )
    with demo.transaction() as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None and claim.status == "draft" and claim.submitted_at is None
        events = s.scalars(select(ExpenseEvent).where(ExpenseEvent.claim_id == claim_id)).all()
        assert [e.action for e in events][-2:] == ["submit", "return"]
        assert events[-1].note == reason and events[-1].after == {"status": "draft"}
        assert events[-1].actor_id == who(s, CHAIR).person_id
    back = mails(demo, "expense_status")[-1]
    assert back.to_address == TREASURER and back.subject == "Dit udlæg er sendt tilbage til rettelse"
    assert reason in back.body_text and "Det er en kladde igen" in back.body_text
    # The claimant corrects the draft (it is theirs again) and submits: the chair is told again.
    with demo.transaction() as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None
        receipt(s, TREASURER, claim, 4_000, DAY)
    submit(demo, claim_id)
    assert [m.to_address for m in mails(demo, "expense_to_attest")] == [CHAIR, CHAIR]
    with demo.transaction() as s:
        flow.attest_claim(s, principal=who(s, CHAIR), claim_id=claim_id)
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None and claim.status == "attested" and claim.total_ore == 16_550


def test_the_chair_rejects_a_claim_with_a_reason(demo: Database) -> None:
    claim_id = draft(demo)
    submit(demo, claim_id)
    with demo.transaction() as s:
        flow.reject_claim(s, principal=who(s, CHAIR), claim_id=claim_id, reason="Ikke en bestyrelsesudgift.")
    with demo.transaction() as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None and claim.status == "rejected"
        assert (
            claim.reject_reason == "Ikke en bestyrelsesudgift."
            and claim.rejected_by == who(s, CHAIR).person_id
        )
    rejected = mails(demo, "expense_status")[-1]
    assert rejected.subject == "Dit udlæg er afvist"
    assert "Bestyrelsen har afvist dit udlæg" in rejected.body_text
    assert "Ikke en bestyrelsesudgift." in rejected.body_text


def expect(
    db: Database, error: type[AppError], code: str, step: str, email: str, claim_id: int, reason: str = "Ret"
) -> None:
    with db.transaction() as s, pytest.raises(error) as err:
        take = flow.return_claim if step == "return" else flow.reject_claim
        take(s, principal=who(s, email), claim_id=claim_id, reason=reason)
    assert err.value.code == code, err.value


def test_only_the_attester_sends_back_and_only_while_it_waits(demo: Database) -> None:
    with demo.transaction() as s:
        member = member_email(s, role="vice_chair")  # sees the board's claims, attests none
    claim_id = draft(demo)
    submit(demo, claim_id)
    expect(demo, Forbidden, "own_claim", "return", TREASURER, claim_id)
    expect(demo, Forbidden, "not_attester", "return", member, claim_id)
    expect(demo, Forbidden, "not_attester", "return", BOOKKEEPER, claim_id)  # the administration rejects
    expect(demo, Forbidden, "not_administration", "reject", member, claim_id)
    expect(demo, ValidationFailed, "validation_failed", "return", CHAIR, claim_id, reason="  ")
    expect(demo, ValidationFailed, "validation_failed", "reject", CHAIR, claim_id, reason="x" * 5001)
    chairs = draft(demo, CHAIR)  # the chair's own claim: the treasurer, not the chair
    submit(demo, chairs, CHAIR)
    expect(demo, Forbidden, "own_claim", "return", CHAIR, chairs)
    with demo.transaction() as s:
        flow.return_claim(s, principal=who(s, TREASURER), claim_id=chairs, reason="Forkert konto.")
    # Once attested, the chair's part is done: the administration rejects from then on.
    through(demo, draft(demo), to="attested")
    attested = draft(demo)
    through(demo, attested, to="attested")
    expect(demo, Conflict, "not_submitted", "return", CHAIR, attested)
    expect(demo, Forbidden, "not_administration", "reject", CHAIR, attested)
    with demo.transaction() as s:
        flow.reject_claim(s, principal=who(s, BOOKKEEPER), claim_id=attested, reason="Over budget.")
        assert s.get(ExpenseClaim, attested).status == "rejected"  # type: ignore[union-attr]


def test_sending_back_drops_the_flags_and_submitting_again_finds_them_anew(demo: Database) -> None:
    first = draft(demo)
    submit(demo, first)
    second = draft(demo)  # the same amount and day again: a possible duplicate
    submit(demo, second)
    with demo.transaction() as s:
        assert s.scalars(select(ExpenseFlag.kind).where(ExpenseFlag.claim_id == second)).all() == [
            "same_amount_date"
        ]
        flow.return_claim(s, principal=who(s, CHAIR), claim_id=second, reason="Dubletten?")
    with demo.transaction() as s:
        assert s.scalars(select(ExpenseFlag).where(ExpenseFlag.claim_id == second)).all() == []
    submit(demo, second)
    with demo.transaction() as s:
        assert len(s.scalars(select(ExpenseFlag).where(ExpenseFlag.claim_id == second)).all()) == 1


def test_the_claim_page_offers_send_back_and_reject_to_the_chair(client: TestClient, demo: Database) -> None:
    claim_id = draft(demo)
    submit(demo, claim_id)
    login_as(client, demo, CHAIR)
    page = client.get(f"/expenses/{claim_id}")
    assert page.status_code == 200
    assert "Send tilbage til rettelse" in page.text and "Afvis udlægget" in page.text
    token = csrf_from(page.text)
    empty = client.post(f"/expenses/{claim_id}/return", data={"csrf_token": token, "return_reason": " "})
    assert empty.status_code == 422 and "Skriv en begrundelse" in empty.text
    assert 'id="return_reason"' in empty.text and "aria-invalid" in empty.text
    done = client.post(
        f"/expenses/{claim_id}/return",
        data={"csrf_token": token, "return_reason": "Bonen er ulæselig."},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/expenses"
    assert "sendt tilbage til rettelse" in client.get("/expenses").text
    assert client.get(f"/expenses/{claim_id}").status_code == 404  # a draft is the claimant's again
    login_as(client, demo, TREASURER)
    own = client.get(f"/expenses/{claim_id}").text
    assert "Kladde" in own and "Sendt tilbage til rettelse" in own and "Bonen er ulæselig." in own


def test_return_and_reject_through_the_api(client: TestClient, demo: Database) -> None:
    claim_id = draft(demo)
    submit(demo, claim_id)
    url = f"/api/v1/expense-claims/{claim_id}"
    with demo.transaction() as s:
        member = member_email(s, role="vice_chair")  # sees the board's claims, attests none
    r = client.post(f"{url}/return", json={"reason": "Ret"}, headers=api_token(demo, member))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_attester"
    chair = api_token(demo, CHAIR)
    r = client.post(f"{url}/return", json={}, headers=chair)
    assert r.status_code == 422 and "reason" in r.json()["error"]["fields"]
    r = client.post(f"{url}/return", json={"reason": "Mangler bon."}, headers=chair)
    assert r.status_code == 200 and r.json()["status"] == "draft"
    again = client.post(f"{url}/return", json={"reason": "Igen"}, headers=chair)
    assert again.status_code == 404  # a draft now: the claimant's alone
    submit(demo, claim_id)
    r = client.post(f"{url}/reject", json={"reason": "Ikke bestyrelsens."}, headers=chair)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    again = client.post(f"{url}/reject", json={"reason": "Igen"}, headers=chair)
    assert again.status_code in (403, 409)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    ret = paths["/expense-claims/{claim_id}/return"]["post"]
    assert "requestBody" in ret and "draft" in ret["summary"]


def test_the_mails_are_in_the_recipients_language_with_its_numbers(demo: Database) -> None:
    with demo.transaction() as s:
        for email in (CHAIR, TREASURER):
            person = s.scalar(select(Person).where(Person.email == email))
            assert person is not None
            person.language = "en"
    claim_id = draft(demo, amount_ore=125_050)
    submit(demo, claim_id)
    told = mails(demo, "expense_to_attest")[-1]
    assert told.subject == "Expense claim to attest: Kaffe til mødet"
    assert "DKK\xa01,250.50" in told.body_text and "1.250,50" not in told.body_text
    with demo.transaction() as s:
        flow.return_claim(s, principal=who(s, CHAIR), claim_id=claim_id, reason="Fix it.")
    back = mails(demo, "expense_status")[-1]
    assert back.subject == "Your expense claim has been sent back for correction"
    assert "DKK\xa01,250.50" in back.body_text and "Fix it." in back.body_text
