"""REST API for one's own board memberships: resigning from a board."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from boardkit.api.models import boards as b
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.api.schema import parse
from boardkit.core.errors import ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, api
from boardkit.org import service as org_service


def membership_json(m: org_service.Membership) -> b.Membership:
    return b.Membership(
        id=m.id,
        board_id=m.board_id,
        board_name=m.board.name,
        role=m.role,
        start_date=m.start_date.isoformat(),
        end_date=m.end_date.isoformat() if m.end_date else None,
        starts_at=m.starts_at.astimezone(TZ).isoformat(),
        ends_at=m.ends_at.astimezone(TZ).isoformat() if m.ends_at else None,
    )


@doc(
    "Resign from a board: my seat ends at the end of the given day",
    ok=b.Membership,
    body=b.ResignBody,
    errors=(404, 422),
    op_id="resignMembership",
)
@api
def resign(ctx: Ctx) -> dict[str, Any]:
    principal = ctx.require_login().principal
    body = parse(ctx, b.ResignBody)
    membership = org_service.get_own_membership(
        ctx.db, principal=principal, membership_id=ctx.int_param("membership_id")
    )
    if body.date is None:
        raise ValidationFailed(
            _("Skriv den sidste dag i bestyrelsen, fx 2026-03-15."), fields={"date": "required"}
        )
    ended = org_service.resign(ctx.db, membership, principal=principal, effective=body.date)
    return out(membership_json(ended))


routes = [
    Route("/memberships/{membership_id:id}/resign", resign, methods=["POST"], name="membership_resign"),
]
