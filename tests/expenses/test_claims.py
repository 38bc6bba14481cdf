"""Bad input on claims and lines (field errors, nothing saved), corrections in the history, duplicates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from boardkit.core.db import Database
from boardkit.core.errors import Forbidden, ValidationFailed
from boardkit.expenses import flags, rules, service
from boardkit.expenses.models import ExpenseAccount, ExpenseClaim, ExpenseFlag, ExpenseLine
from boardkit.org.models import Organisation
from tests.expenses.expense_env import (
    BOOKKEEPER,
    CHAIR,
    SECRET,
    TREASURER,
    board,
    new_claim,
    receipt,
    through,
    trip,
    who,
)

DAY = date(2026, 5, 4)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (rules.ReceiptInput(amount_ore=-100, spent_on=DAY), "amount_ore"),
        (rules.ReceiptInput(amount_ore=0, spent_on=DAY), "amount_ore"),
        (rules.ReceiptInput(amount_ore=10_000_001, spent_on=DAY), "amount_ore"),
        (rules.ReceiptInput(amount_ore=1000, vat_ore=1001, spent_on=DAY), "vat_ore"),
        (rules.ReceiptInput(amount_ore=1000, vat_ore=-1, spent_on=DAY), "vat_ore"),
        (rules.ReceiptInput(amount_ore=1000, spent_on=rules.today() + timedelta(days=1)), "spent_on"),
        (rules.ReceiptInput(amount_ore=1000, spent_on=None), "spent_on"),
        (rules.ReceiptInput(amount_ore=1000, spent_on=DAY, description="x" * 501), "description"),
    ],
)
def test_bad_receipt_lines(demo: Database, data: rules.ReceiptInput, field: str) -> None:
    with demo.transaction() as s:
        claim = new_claim(s, TREASURER)
        with pytest.raises(ValidationFailed) as err:
            service.lines.add_receipt_line(s, principal=who(s, TREASURER), claim=claim, data=data)
        assert list(err.value.fields) == [field]
        assert claim.lines == [] and claim.total_ore == 0


@pytest.mark.parametrize(("km", "field"), [(0, "km"), (-5, "km"), (20_001, "km"), (None, "km")])
def test_bad_mileage_lines(demo: Database, km: int | None, field: str) -> None:
    data = rules.MileageInput(
        travelled_on=DAY, from_place="A", to_place="B", purpose="Møde", km_tenths=km, vehicle="car"
    )
    assert field in rules.check_mileage(data)
    assert rules.check_mileage(rules.MileageInput(km_tenths=10, vehicle="plane")).keys() >= {
        "travelled_on",
        "from_place",
        "to_place",
        "purpose",
        "vehicle",
    }
    assert (
        rules.check_mileage(
            rules.MileageInput(travelled_on=DAY, from_place="A", to_place="B", purpose="x", km_tenths=20_000)
        )
        == {}
    )


def test_vat_defaults_to_a_fifth_and_may_be_zero(demo: Database) -> None:
    with demo.transaction() as s:
        claim = new_claim(s, TREASURER)
        standard = receipt(s, TREASURER, claim, 12_500, DAY)
        exempt = receipt(s, TREASURER, claim, 4_000, DAY, vat_ore=0)
        assert s.get(ExpenseLine, standard).vat_ore == 2_500  # type: ignore[union-attr]
        assert s.get(ExpenseLine, exempt).vat_ore == 0  # type: ignore[union-attr]
        assert claim.total_ore == 16_500


def test_claim_input_account_from_another_organisation_and_bank(demo: Database) -> None:
    with demo.transaction() as s:
        other = Organisation(name="Anden boligforening", short_name="ANDEN", rules={})
        s.add(other)
        s.flush()
        s.add(ExpenseAccount(organisation_id=other.id, code="999", name="Fremmed konto"))
    with demo.transaction() as s, pytest.raises(ValidationFailed) as err:
        service.create_claim(
            s,
            principal=who(s, TREASURER),
            board_id=board(s),
            purpose=" ",
            account_code="999",
            bank_registration="12",
            bank_account="abc",
            secret_key=SECRET,
        )
    assert set(err.value.fields) == {"account", "purpose", "bank_registration", "bank_account"}
    with demo.transaction() as s, pytest.raises(Forbidden):  # staff do not claim for a board
        service.create_claim(
            s,
            principal=who(s, BOOKKEEPER),
            board_id=board(s),
            purpose="x",
            account_code="119",
            secret_key=SECRET,
        )
    with demo.transaction() as s:
        assert s.scalar(select(ExpenseClaim)) is None


@pytest.mark.postgres
def test_bank_account_is_encrypted_at_rest(demo: Database) -> None:
    with demo.transaction() as s:
        claim = new_claim(s, TREASURER)
        assert "0012345678" not in claim.bank_encrypted and claim.bank_encrypted
        assert service.bank_details(claim, secret_key=SECRET) == ("1234", "0012345678")
        assert service.bank_details(claim, secret_key="another key") is None
        assert rules.may_see_bank(who(s, TREASURER), claim) and rules.may_see_bank(who(s, BOOKKEEPER), claim)
        assert not rules.may_see_bank(who(s, CHAIR), claim)


def test_a_correction_keeps_the_original_in_the_history(demo: Database) -> None:
    with demo.transaction() as s:
        claim = new_claim(s, TREASURER)
        line_id = receipt(s, TREASURER, claim, 10_000, DAY)
        line = service.get_line(claim, line_id)
        service.lines.update_receipt_line(
            s, principal=who(s, TREASURER), claim=claim, line=line, data=rules.ReceiptInput(amount_ore=11_000)
        )
        events = service.history(s, claim=claim)
        assert events[-1].action == "line.update"
        assert events[-1].before["amount_ore"] == 10_000 and events[-1].after["amount_ore"] == 11_000
        assert events[-1].after["vat_ore"] == 2_200 and claim.total_ore == 11_000


@pytest.mark.postgres
def test_duplicates_are_flagged_on_submit(demo: Database) -> None:
    with demo.transaction() as s:
        first = new_claim(s, TREASURER, purpose="Maling")
        receipt(s, TREASURER, first, 45_000, DAY)
        trip(s, TREASURER, first, 30, DAY, to="Byggemarkedet")
        photo = receipt(s, TREASURER, first, 9_900, DAY - timedelta(days=1))
        s.get(ExpenseLine, photo).original_sha256 = "a" * 64  # type: ignore[union-attr]
        s.get(ExpenseLine, photo).phash = "f0f0f0f0f0f0f0f0"  # type: ignore[union-attr]
        first_id = first.id
    through(demo, first_id, to="submitted")
    with demo.transaction() as s:
        assert s.scalars(select(ExpenseFlag)).all() == []  # nothing alike yet
        again = new_claim(s, TREASURER, purpose="Maling igen")
        receipt(s, TREASURER, again, 45_000, DAY)
        trip(s, TREASURER, again, 31, DAY, to=" byggemarkedet ")
        trip(s, TREASURER, again, 30, DAY + timedelta(days=1), to="Byggemarkedet")  # another day: fine
        same_file = receipt(s, TREASURER, again, 9_800, DAY - timedelta(days=2))
        s.get(ExpenseLine, same_file).original_sha256 = "a" * 64  # type: ignore[union-attr]
        rephotographed = receipt(s, TREASURER, again, 9_700, DAY - timedelta(days=3))
        s.get(ExpenseLine, rephotographed).phash = "f0f0f0f0f0f0f0f3"  # type: ignore[union-attr]
        again_id = again.id
    through(demo, again_id, to="submitted")
    with demo.transaction() as s:
        found = sorted((f.kind, f.other_claim_id) for f in s.scalars(select(ExpenseFlag)))
        assert found == sorted(
            [
                ("same_amount_date", first_id),
                ("same_route", first_id),
                ("same_file", first_id),
                ("similar_photo", first_id),
            ]
        )
        flag = s.scalars(select(ExpenseFlag).where(ExpenseFlag.kind == "same_route")).one()
        claim = s.get(ExpenseClaim, again_id)
        assert claim is not None
        with pytest.raises(Forbidden):
            flags.decide_flag(
                s, principal=who(s, TREASURER), claim=claim, flag_id=flag.id, decision="duplicate"
            )
        flags.decide_flag(
            s, principal=who(s, BOOKKEEPER), claim=claim, flag_id=flag.id, decision="not_duplicate"
        )
        assert flag.decided_at is not None and flag.decision == "not_duplicate"
