"""Expense claims and their lines as the API answers them (API.md), shared by the expense API modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boardkit.api.models import expenses as m
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx
from boardkit.expenses import service
from boardkit.expenses.service import rules


def iso(value: datetime | None) -> str | None:
    """A stored time as ISO 8601 in Danish time; None stays None."""
    return value.astimezone(TZ).isoformat() if value else None


def line_json(ctx: Ctx, claim_id: int, line: Any) -> m.ReceiptLine | m.MileageLine:
    if line.kind == "receipt":

        def url(variant: str) -> str | None:
            sha = {
                "image": line.clean_sha256,
                "preview": line.preview_sha256,
                "original": line.original_sha256,
            }
            if not sha[variant]:
                return None
            return ctx.url("api:expense_receipt_file", claim_id=claim_id, line_id=line.id, variant=variant)

        return m.ReceiptLine(
            id=line.id,
            kind=line.kind,
            amount_ore=line.amount_ore,
            description=line.description,
            vat_ore=line.vat_ore,
            spent_on=line.spent_on.isoformat() if line.spent_on else None,
            filename=line.filename or None,
            image_url=url("image"),
            preview_url=url("preview"),
            original_url=url("original"),
        )
    return m.MileageLine(
        id=line.id,
        kind=line.kind,
        amount_ore=line.amount_ore,
        description=line.description,
        travelled_on=line.spent_on.isoformat() if line.spent_on else None,
        from_place=line.from_place,
        to_place=line.to_place,
        stops=line.stops,
        purpose=line.description,
        km=line.km_tenths / 10,
        vehicle=line.vehicle,
        calculation=line.calculation,
    )


def claim_summary(claim: Any) -> m.ClaimSummary:
    return m.ClaimSummary(
        id=claim.id,
        status=claim.status,
        board_id=claim.board_id,
        claimant_id=claim.claimant_id,
        purpose=claim.purpose,
        account=m.Account(code=claim.account.code, name=claim.account.name),
        total_ore=claim.total_ore,
        created_at=iso(claim.created_at),
        submitted_at=iso(claim.submitted_at),
        attested_at=iso(claim.attested_at),
        approved_at=iso(claim.approved_at),
        rejected_at=iso(claim.rejected_at),
        exported_at=iso(claim.exported_at),
        export_id=claim.export_id,
        paid_at=iso(claim.paid_at),
        reject_reason=claim.reject_reason or None,
        needs_second_approval=claim.first_approved_by is not None and claim.status == "attested",
    )


def claim_json(ctx: Ctx, claim: Any) -> m.Claim:
    bank = (
        service.bank_details(claim, secret_key=ctx.settings.secret_key)
        if rules.may_see_bank(ctx.principal, claim)
        else None
    )
    return m.Claim(
        **dict(claim_summary(claim)),
        bank=m.Bank(registration=bank[0], account=bank[1]) if bank else None,
        lines=[line_json(ctx, claim.id, line) for line in claim.lines],
        flags=[
            m.DuplicateFlag(
                id=f.id,
                kind=f.kind,
                line_id=f.line_id,
                other_claim_id=f.other_claim_id,
                other_line_id=f.other_line_id,
                decision=f.decision or None,
                decided_at=iso(f.decided_at),
            )
            for f in service.list_flags(ctx.db, claim=claim)
        ],
        history=[
            m.HistoryEntry(
                at=iso(e.at),
                action=e.action,
                actor_id=e.actor_id,
                line_id=e.line_id,
                before=e.before,
                after=e.after,
                note=e.note,
            )
            for e in service.history(ctx.db, claim=claim)
        ],
    )
