"""Administration pages for what the system did: outgoing mail and the audit log."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from starlette.responses import Response
from starlette.routing import Route

from boardkit.core import audit
from boardkit.core.errors import NotFound
from boardkit.core.models import OutboxEmail
from boardkit.core.permissions import Principal
from boardkit.core.web import Ctx, page, render
from boardkit.org import service
from boardkit.org.models import Person


def _mine(principal: Principal) -> ColumnElement[bool]:
    """Mail to the people of the staff member's organisations only."""
    people = select(Person.id).where(service.people_of_organisations(principal.staff_organisation_ids))
    return OutboxEmail.person_id.in_(people)


@page
def mail_list(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    status = ctx.request.query_params.get("status", "")
    q = select(OutboxEmail).where(_mine(principal)).order_by(OutboxEmail.id.desc()).limit(200)
    if status in ("queued", "sent", "failed", "uncertain"):
        q = q.where(OutboxEmail.status == status)
    counts = dict(
        ctx.db.execute(
            select(OutboxEmail.status, func.count()).where(_mine(principal)).group_by(OutboxEmail.status)
        ).all()
    )
    return render(
        ctx,
        "org/mail_list.html",
        emails=list(ctx.db.scalars(q)),
        counts=counts,
        status_filter=status,
        file_mode=not ctx.settings.smtp_url,
        active_nav="org:index",
    )


@page
def mail_detail(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    email = ctx.db.scalar(
        select(OutboxEmail).where(OutboxEmail.id == ctx.int_param("email_id"), _mine(principal))
    )
    if email is None:
        raise NotFound()
    return render(ctx, "org/mail_detail.html", email=email, active_nav="org:index")


@page
def audit_log(ctx: Ctx) -> Response:
    principal = service.require_staff(ctx.require_login().principal)
    entries = audit.list_entries(
        ctx.db,
        organisation_ids=sorted(principal.staff_organisation_ids),
        limit=100,
        before_id=ctx.query_int("before"),
    )
    actor_ids = {e.actor_id for e in entries if e.actor_id}
    actors = dict(ctx.db.execute(select(Person.id, Person.name).where(Person.id.in_(actor_ids))).all())
    return render(ctx, "org/audit.html", entries=entries, actors=actors, active_nav="org:index")


routes = [
    Route("/mail", mail_list, name="mail"),
    Route("/mail/{email_id:id}", mail_detail, name="mail_detail"),
    Route("/audit", audit_log, name="audit"),
]
