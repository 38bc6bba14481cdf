"""Administration pages for what the system did: outgoing mail and the audit log."""

from __future__ import annotations

from datetime import date
from functools import partial

from sqlalchemy import ColumnElement, and_, func, or_, select
from starlette.responses import Response
from starlette.routing import Route

from boardkit.core import audit, mail
from boardkit.core.errors import NotFound
from boardkit.core.models import OutboxEmail
from boardkit.core.permissions import Principal
from boardkit.core.web import Ctx, page, render
from boardkit.org import audit_view, service
from boardkit.org.models import Person


def _mine(principal: Principal) -> ColumnElement[bool]:
    """Mail about the staff member's organisations, and personal mail (login links) to their people.

    A person in two organisations gets mail from both: each organisation's staff see only their
    own organisation's messages to them."""
    organisations = principal.staff_organisation_ids
    people = select(Person.id).where(service.people_of_organisations(organisations))
    return or_(
        OutboxEmail.organisation_id.in_(organisations),
        and_(OutboxEmail.organisation_id.is_(None), OutboxEmail.person_id.in_(people)),
    )


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
    # Personal mail (a login link) is the recipient's business: staff see that it went, not what it says.
    # Links are masked when stored; masking again covers messages queued before that was so.
    personal = email.organisation_id not in principal.staff_organisation_ids
    body = "" if personal else mail.redact(email.body_text)
    return render(
        ctx, "org/mail_detail.html", email=email, body=body, personal=personal, active_nav="org:index"
    )


AUDIT_PAGE = 50


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@page
def audit_log(ctx: Ctx) -> Response:
    """Who changed what and when: filtered by who, what, which object and dates; 50 a page."""
    principal = service.require_staff(ctx.require_login().principal)
    organisation_ids = sorted(principal.staff_organisation_ids)
    query = ctx.request.query_params
    group = query.get("what", "")
    object_type = query.get("object_type", "")
    since, until = _day(query.get("from", "")), _day(query.get("to", ""))
    start, end = audit_view.day_bounds(since, until)
    filters = audit.Filters(
        actor_id=ctx.query_int("who"),
        actions=audit_view.GROUPS[group][1] if group in audit_view.GROUPS else (),
        object_type=object_type if object_type in audit_view.object_types() else "",
        object_id=ctx.query_int("object_id") if object_type else None,
        since=start,
        until=end,
    )
    before, after = ctx.query_int("before"), ctx.query_int("after")
    entries = audit.list_entries(
        ctx.db,
        organisation_ids=organisation_ids,
        limit=AUDIT_PAGE,
        before_id=before,
        after_id=None if before else after,
        filters=filters,
    )
    actor_ids = set(audit.actor_ids(ctx.db, organisation_ids=organisation_ids))
    actors = dict(ctx.db.execute(select(Person.id, Person.name).where(Person.id.in_(actor_ids))).all())
    kept = {
        k: v
        for k, v in {
            "who": filters.actor_id or "",
            "what": group if filters.actions else "",
            "object_type": filters.object_type,
            "object_id": filters.object_id or "",
            "from": since.isoformat() if since else "",
            "to": until.isoformat() if until else "",
        }.items()
        if v
    }
    older = newer = None
    if entries:
        has = partial(audit.has_entries, ctx.db, organisation_ids=organisation_ids, filters=filters)
        if has(before_id=entries[-1].id):
            older = ctx.url("org:audit", _query={**kept, "before": entries[-1].id})
        if has(after_id=entries[0].id):
            newer = ctx.url("org:audit", _query={**kept, "after": entries[0].id})
    return render(
        ctx,
        "org/audit.html",
        rows=audit_view.rows(ctx.db, entries, actors),
        total=audit.count_entries(ctx.db, organisation_ids=organisation_ids, filters=filters),
        actors=sorted(actors.items(), key=lambda a: (a[1], a[0])),
        groups=[(key, label()) for key, (label, _actions) in audit_view.GROUPS.items()],
        object_types=list(audit_view.object_types().items()),
        filters=kept,
        older=older,
        newer=newer,
        newest=ctx.url("org:audit", _query=kept or None) if before or after else None,
        active_nav="org:index",
    )


routes = [
    Route("/mail", mail_list, name="mail"),
    Route("/mail/{email_id:id}", mail_detail, name="mail_detail"),
    Route("/audit", audit_log, name="audit"),
]
