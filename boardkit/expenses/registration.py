"""The expenses domain's part of the application: the claim, line, flow and report pages, the
claims' names in the audit log and the retention rule of claims past their 5 years."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core import storage
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.i18n import _
from boardkit.core.registry import Registry
from boardkit.core.retention import service as core_retention
from boardkit.expenses import flow_views, line_views, report_views, retention, views
from boardkit.expenses.models import ExpenseClaim, ExpenseLine


def _claims(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(ExpenseClaim.id, ExpenseClaim.purpose).where(ExpenseClaim.id.in_(ids)))
    return {
        i: ObjectRef(_("Udlæg %(n)s: %(purpose)s", n=i, purpose=purpose), "expense_claim", {"claim_id": i})
        for i, purpose in rows
    }


def register(reg: Registry) -> None:
    for module in (flow_views, report_views, views, line_views):  # the order the routes are tried in
        reg.routes(module.routes)
    register_object_names("expense_claim", _claims)
    storage.register_references(
        "expenses", ExpenseLine.original_sha256, ExpenseLine.clean_sha256, ExpenseLine.preview_sha256
    )
    core_retention.register_rule(retention.RULE, retention.rule)
