"""Expense claims: accounts, claims and their lines while a draft, reading with permissions, history.

The domain's public face: other domains import this module only. It imports downward: the
low-level lookups live in ``claims.py`` (re-exported here), the flow after the draft (submit,
attest, approve, reject, export, paid) in ``flow.py``, duplicate flags in ``flags.py``, receipt
uploads in ``receipts.py``, the rules in ``rules.py``; none of them imports this module.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from boardkit.core.db import utcnow
from boardkit.core.errors import Forbidden, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.expenses import export as export  # export batches: CSV and receipts PDF
from boardkit.expenses import flags as flags  # duplicate flags: service.flags.decide_flag
from boardkit.expenses import flow as flow  # submit, attest, approve, reject, export, paid
from boardkit.expenses import lines as lines  # a draft's lines: receipts and trips
from boardkit.expenses import mileage as mileage  # the rate table, km formatting
from boardkit.expenses import queue as queue  # the approval queue, claims to attest
from boardkit.expenses import receipts as receipts  # receipt uploads and their files
from boardkit.expenses import reports as reports  # mileage summary, budget overview
from boardkit.expenses import rules
from boardkit.expenses.claims import BANK_PURPOSE as BANK_PURPOSE
from boardkit.expenses.claims import bank_details as bank_details
from boardkit.expenses.claims import check_editable
from boardkit.expenses.claims import editable_claim as editable_claim
from boardkit.expenses.claims import editable_line as editable_line
from boardkit.expenses.claims import get_claim as get_claim
from boardkit.expenses.claims import get_line as get_line
from boardkit.expenses.claims import history as history
from boardkit.expenses.claims import list_flags as list_flags
from boardkit.expenses.claims import record_event as record_event
from boardkit.expenses.claims import refresh_total as refresh_total
from boardkit.expenses.claims import set_bank as set_bank
from boardkit.expenses.models import STATUSES as STATUSES  # the API's status filter
from boardkit.expenses.models import ExpenseAccount, ExpenseClaim
from boardkit.org import service as org_service

# The sub-modules above are part of this public face: service.flow.submit_claim, service.lines ...


def _invalid(errors: dict[str, str]) -> ValidationFailed:
    return ValidationFailed(_("Nogle felter skal rettes."), fields=errors)


# --- accounts -----------------------------------------------------------------------------


# The chart a new organisation starts from (the administration changes it in its own system).
DEFAULT_ACCOUNTS = (
    ("119", "Bestyrelsens udgifter", 2_500_000),
    ("120", "Aktivitetsudvalget", 1_500_000),
    ("121", "Kurser og netværk", 1_000_000),
)


def seed_accounts(db: Session, *, organisation_id: int) -> list[ExpenseAccount]:
    """Give an organisation the default chart of expense accounts."""
    made = [
        ExpenseAccount(organisation_id=organisation_id, code=code, name=name, yearly_budget_ore=budget)
        for code, name, budget in DEFAULT_ACCOUNTS
    ]
    db.add_all(made)
    db.flush()
    return made


def list_accounts(db: Session, *, organisation_id: int) -> list[ExpenseAccount]:
    return list(
        db.scalars(
            select(ExpenseAccount)
            .where(ExpenseAccount.organisation_id == organisation_id, ExpenseAccount.active.is_(True))
            .order_by(ExpenseAccount.code)
        )
    )


def find_account(db: Session, *, organisation_id: int, code: str) -> ExpenseAccount | None:
    """The organisation's account with ``code``; an account of another organisation is not found."""
    return db.scalar(
        select(ExpenseAccount).where(
            ExpenseAccount.organisation_id == organisation_id,
            ExpenseAccount.code == code.strip(),
            ExpenseAccount.active.is_(True),
        )
    )


# --- claims -------------------------------------------------------------------------------


def _check_claim(
    db: Session,
    *,
    organisation_id: int,
    purpose: str,
    account_code: str | None,
    bank_registration: str,
    bank_account: str,
) -> ExpenseAccount | None:
    """A claim's own fields, all errors at once (422); the account of ``account_code`` (None: unchecked)."""
    errors: dict[str, str] = {}
    account = None
    if account_code is not None:
        account = find_account(db, organisation_id=organisation_id, code=account_code)
        if account is None:
            errors["account"] = _("Vælg en af organisationens konti.")
    if not purpose.strip():
        errors["purpose"] = _("Skriv formålet med udlægget.")
    elif len(purpose.strip()) > rules.MAX_PURPOSE:
        errors["purpose"] = _("Højst %(n)s tegn.", n=rules.MAX_PURPOSE)
    errors |= rules.check_bank(bank_registration.strip(), bank_account.strip())
    if errors:
        raise _invalid(errors)
    return account


def create_claim(
    db: Session,
    *,
    principal: Principal,
    board_id: int,
    purpose: str,
    account_code: str,
    bank_registration: str = "",
    bank_account: str = "",
    secret_key: str,
) -> ExpenseClaim:
    """A board member opens a draft claim for one of their boards."""
    board = org_service.get_board(db, principal=principal, board_id=board_id)
    if board_id not in principal.board_roles:
        raise Forbidden(_("Du kan kun lave udlæg for en bestyrelse, du sidder i."), code="not_a_member")
    account = _check_claim(
        db,
        organisation_id=board.organisation_id,
        purpose=purpose,
        account_code=account_code,
        bank_registration=bank_registration,
        bank_account=bank_account,
    )
    assert account is not None and principal.person_id is not None
    claim = ExpenseClaim(
        organisation_id=board.organisation_id,
        board_id=board.id,
        department_id=board.department_id,
        claimant_id=principal.person_id,
        account_id=account.id,
        purpose=purpose.strip(),
    )
    set_bank(claim, bank_registration.strip(), bank_account.strip(), secret_key=secret_key)
    db.add(claim)
    db.flush()
    record_event(db, claim, actor_id=principal.person_id, action="create", after={"purpose": claim.purpose})
    return claim


def update_claim(
    db: Session,
    *,
    principal: Principal,
    claim: ExpenseClaim,
    purpose: str | None = None,
    account_code: str | None = None,
    bank_registration: str | None = None,
    bank_account: str | None = None,
    secret_key: str,
) -> ExpenseClaim:
    """The claimant corrects purpose, account or bank account of a draft (None: unchanged)."""
    check_editable(principal, claim)
    old_bank = bank_details(claim, secret_key=secret_key) or ("", "")
    new_bank = (
        (bank_registration if bank_registration is not None else old_bank[0]).strip(),
        (bank_account if bank_account is not None else old_bank[1]).strip(),
    )
    new_purpose = (purpose if purpose is not None else claim.purpose).strip()
    changed_code = account_code.strip() if account_code is not None else None
    if changed_code == claim.account.code:
        changed_code = None  # an account deactivated since may stay on the claim it is on
    account = _check_claim(
        db,
        organisation_id=claim.organisation_id,
        purpose=new_purpose,
        account_code=changed_code,
        bank_registration=new_bank[0],
        bank_account=new_bank[1],
    )
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if new_purpose != claim.purpose:
        before["purpose"], after["purpose"] = claim.purpose, new_purpose
        claim.purpose = new_purpose
    if account is not None:
        before["account"], after["account"] = claim.account.code, account.code
        claim.account_id = account.id
        claim.account = account
    if new_bank != old_bank:
        # The history is shown to the board's readers: the account number itself never goes in it.
        after["bank"] = "changed"
        set_bank(claim, *new_bank, secret_key=secret_key)
    if not after:
        return claim
    claim.updated_at = utcnow()
    db.flush()
    record_event(db, claim, actor_id=principal.person_id, action="update", before=before, after=after)
    return claim


def list_claims(
    db: Session,
    *,
    principal: Principal,
    status: str | None = None,
    board_id: int | None = None,
    mine: bool = False,
    before_id: int | None = None,
    limit: int = 50,
) -> list[ExpenseClaim]:
    """Claims I may see, newest first: my own, my boards' submitted ones, my organisations' for staff."""
    if principal.person_id is None:
        return []
    seen = [ExpenseClaim.claimant_id == principal.person_id]
    if not mine:
        reading = [b for b, role in principal.board_roles.items() if role in rules.BOARD_READERS]
        if reading:
            seen.append(ExpenseClaim.board_id.in_(reading) & (ExpenseClaim.status != "draft"))
        if principal.staff_organisation_ids:
            seen.append(ExpenseClaim.organisation_id.in_(principal.staff_organisation_ids))
        if principal.staff_department_ids:
            seen.append(ExpenseClaim.department_id.in_(principal.staff_department_ids))
    q = select(ExpenseClaim).where(or_(*seen)).order_by(ExpenseClaim.id.desc()).limit(limit)
    if status:
        q = q.where(ExpenseClaim.status == status)
    if board_id:
        q = q.where(ExpenseClaim.board_id == board_id)
    if before_id:
        q = q.where(ExpenseClaim.id < before_id)
    return list(db.scalars(q.options(selectinload(ExpenseClaim.account))))
