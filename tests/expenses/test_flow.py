"""Submit, attest, approve or reject: who may (403), what twice is (409), the second approver, retention."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.core.errors import AppError, Conflict, Forbidden, NotFound, ValidationFailed
from boardkit.core.models import OutboxEmail
from boardkit.expenses import flow, rules, service
from boardkit.expenses.models import ExpenseClaim, ExpenseEvent
from boardkit.org.models import Membership, Organisation
from tests.expenses.expense_env import (
    ADMIN,
    BOOKKEEPER,
    CHAIR,
    MEMBER_SOEBAKKEN,
    SECRET,
    TREASURER,
    board,
    member_email,
    new_claim,
    pid,
    receipt,
    through,
    who,
)

DAY = date(2026, 3, 2)


def draft(db: Database, email: str = TREASURER, amount_ore: int = 12_550, **kw: object) -> int:
    with db.transaction() as s:
        claim = new_claim(s, email, **kw)  # type: ignore[arg-type]
        receipt(s, email, claim, amount_ore, DAY)
        return claim.id


def expect(db: Database, error: type[AppError], code: str, step: str, email: str, claim_id: int) -> None:
    with db.transaction() as s, pytest.raises(error) as err:
        if step == "submit":
            flow.submit_claim(s, principal=who(s, email), claim_id=claim_id, secret_key=SECRET)
        elif step == "attest":
            flow.attest_claim(s, principal=who(s, email), claim_id=claim_id)
        elif step == "approve":
            flow.approve_claim(s, principal=who(s, email), claim_id=claim_id)
        else:
            flow.reject_claim(s, principal=who(s, email), claim_id=claim_id, reason="Nej")
    assert err.value.code == code, err.value


def status(db: Database, claim_id: int) -> str:
    with db.transaction() as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None
        return claim.status


def test_the_whole_way_with_a_mail_at_every_step(demo: Database) -> None:
    claim_id = draft(demo)
    through(demo, claim_id, to="approved")
    with demo.transaction() as s:
        flow.mark_exported(s, principal=who(s, BOOKKEEPER), claim_id=claim_id)
        flow.mark_paid(s, principal=who(s, BOOKKEEPER), claim_id=claim_id)
    with demo.transaction() as s:
        claim = s.get(ExpenseClaim, claim_id)
        assert claim is not None and claim.status == "paid" and claim.total_ore == 12_550
        assert claim.attested_by == pid(s, CHAIR) and claim.approved_by == pid(s, BOOKKEEPER)
        actions = [e.action for e in s.scalars(select(ExpenseEvent).where(ExpenseEvent.claim_id == claim_id))]
        assert actions == ["create", "line.add", "submit", "attest", "approve", "export", "pay"]
        mails = s.scalars(
            select(OutboxEmail).where(OutboxEmail.template == "expense_status").order_by(OutboxEmail.id)
        ).all()
        assert [m.to_address for m in mails] == [TREASURER] * 5
        assert mails[0].subject == "Dit udlæg er sendt til attestation"
        assert "125,50\xa0kr." in mails[2].body_text and "godkendt" in mails[2].subject


@pytest.mark.postgres
def test_only_the_claimant_submits_and_only_once(demo: Database) -> None:
    claim_id = draft(demo)
    expect(demo, Forbidden, "not_claimant", "submit", BOOKKEEPER, claim_id)
    expect(demo, NotFound, "not_found", "submit", MEMBER_SOEBAKKEN, claim_id)  # not theirs to see: 404
    with demo.transaction() as s:
        member = member_email(s)
    expect(demo, NotFound, "not_found", "submit", member, claim_id)  # a plain member never sees a draft
    through(demo, claim_id, to="submitted")
    expect(demo, Conflict, "already_submitted", "submit", TREASURER, claim_id)


def test_submit_needs_filled_lines_and_a_bank_account(demo: Database) -> None:
    with demo.transaction() as s:
        empty = new_claim(s, TREASURER, bank=False).id
    with demo.transaction() as s, pytest.raises(ValidationFailed) as err:
        flow.submit_claim(s, principal=who(s, TREASURER), claim_id=empty, secret_key=SECRET)
    assert set(err.value.fields) == {"lines", "bank_account"}
    assert status(demo, empty) == "draft"


def test_the_chair_attests_and_the_treasurer_attests_the_chairs_claim(demo: Database) -> None:
    with demo.transaction() as s:
        member = member_email(s)
    mine = draft(demo, CHAIR)
    theirs = draft(demo, member)
    through(demo, mine, to="submitted", claimant=CHAIR)
    through(demo, theirs, to="submitted", claimant=member)
    expect(demo, Forbidden, "own_claim", "attest", CHAIR, mine)
    expect(demo, Forbidden, "own_claim", "attest", member, theirs)
    expect(demo, Forbidden, "not_attester", "attest", TREASURER, theirs)
    expect(demo, Forbidden, "not_attester", "attest", BOOKKEEPER, theirs)
    expect(demo, Conflict, "not_attested", "approve", BOOKKEEPER, theirs)
    with demo.transaction() as s:
        flow.attest_claim(s, principal=who(s, TREASURER), claim_id=mine)
        flow.attest_claim(s, principal=who(s, CHAIR), claim_id=theirs)
    expect(demo, Conflict, "not_submitted", "attest", CHAIR, theirs)
    assert status(demo, mine) == status(demo, theirs) == "attested"


@pytest.mark.postgres
def test_approving_ones_own_claim_is_403_and_twice_is_409(demo: Database) -> None:
    with demo.transaction() as s:  # the bookkeeper also sits on the board (it happens)
        s.add(
            Membership(
                board_id=board(s), person_id=pid(s, BOOKKEEPER), role="member", start_date=date(2020, 1, 1)
            )
        )
    own = draft(demo, BOOKKEEPER)
    through(demo, own, to="attested", claimant=BOOKKEEPER)
    expect(demo, Forbidden, "own_claim", "approve", BOOKKEEPER, own)
    expect(demo, Forbidden, "own_claim", "reject", BOOKKEEPER, own)
    expect(demo, Forbidden, "not_administration", "approve", CHAIR, own)
    with demo.transaction() as s:
        flow.approve_claim(s, principal=who(s, ADMIN), claim_id=own)
    expect(demo, Conflict, "already_approved", "approve", ADMIN, own)
    expect(demo, Conflict, "not_open", "reject", ADMIN, own)


def test_a_large_claim_needs_a_second_different_approver(demo: Database) -> None:
    claim_id = draft(demo, amount_ore=600_000)
    through(demo, claim_id, to="approved")  # the bookkeeper's first approval
    assert status(demo, claim_id) == "attested"
    expect(demo, Conflict, "already_approved", "approve", BOOKKEEPER, claim_id)
    with demo.transaction() as s:
        flow.approve_claim(s, principal=who(s, ADMIN), claim_id=claim_id)
    assert status(demo, claim_id) == "approved"

    # The organisation sets its own limit.
    with demo.transaction() as s:
        org = s.scalar(select(Organisation))
        assert org is not None
        org.rules = {**org.rules, rules.SECOND_APPROVAL_RULE: 1_000_000}
    small_enough = draft(demo, amount_ore=600_000)
    through(demo, small_enough, to="approved")
    assert status(demo, small_enough) == "approved"


def test_reject_needs_a_reason_and_tells_the_claimant(demo: Database) -> None:
    claim_id = draft(demo)
    through(demo, claim_id, to="submitted")
    with demo.transaction() as s, pytest.raises(ValidationFailed) as err:
        flow.reject_claim(s, principal=who(s, BOOKKEEPER), claim_id=claim_id, reason="  ")
    assert "reason" in err.value.fields
    with demo.transaction() as s:
        flow.reject_claim(s, principal=who(s, BOOKKEEPER), claim_id=claim_id, reason="Bilaget er ulæseligt")
    with demo.transaction() as s:
        last = s.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
        assert last is not None and last.subject == "Dit udlæg er afvist"
        assert "Bilaget er ulæseligt" in last.body_text
    expect(demo, Conflict, "not_open", "reject", BOOKKEEPER, claim_id)


@pytest.mark.postgres
def test_a_submitted_claim_is_kept_five_years(demo: Database) -> None:
    gone = draft(demo)
    with demo.transaction() as s:
        flow.delete_claim(s, principal=who(s, TREASURER), claim_id=gone)
    kept = draft(demo)
    through(demo, kept, to="submitted")
    with demo.transaction() as s:
        year = rules.financial_year(s.get(ExpenseClaim, kept))  # type: ignore[arg-type]
    for email in (TREASURER, BOOKKEEPER):
        with demo.transaction() as s, pytest.raises(Conflict) as err:
            flow.delete_claim(s, principal=who(s, email), claim_id=kept, today=date(year + 5, 12, 31))
        assert err.value.code == "retention"
    with demo.transaction() as s, pytest.raises(Conflict):  # nor can its receipt be removed
        service.editable_claim(s, principal=who(s, TREASURER), claim_id=kept)
    with demo.transaction() as s, pytest.raises(Forbidden):
        flow.delete_claim(s, principal=who(s, TREASURER), claim_id=kept, today=date(year + 6, 1, 1))
    with demo.transaction() as s:
        flow.delete_claim(s, principal=who(s, BOOKKEEPER), claim_id=kept, today=date(year + 6, 1, 1))
    with demo.transaction() as s:
        assert s.get(ExpenseClaim, kept) is None and s.get(ExpenseClaim, gone) is None
