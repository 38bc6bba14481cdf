"""REST API for onboarding: the administration's contacts of a department."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from boardkit.api.models import onboarding as m
from boardkit.api.models.common import out
from boardkit.api.openapi import doc
from boardkit.core.web import Ctx, api
from boardkit.onboarding import service


@doc(
    "Who in the administration helps the department with what (its boards, the organisation's "
    "boards, the administration)",
    ok=m.ContactList,
    op_id="listDepartmentContacts",
)
@api
def department_contacts(ctx: Ctx) -> dict[str, Any]:
    ctx.require_login()
    found = service.list_contacts(
        ctx.db, principal=ctx.principal, department_id=ctx.int_param("department_id")
    )
    return out(
        m.ContactList(
            items=[
                m.Contact(
                    id=c.id,
                    role=c.role,
                    name=c.name,
                    helps_with=c.helps_with,
                    phone=c.phone,
                    email=c.email,
                    hours=c.hours,
                    scope="organisation" if c.department_id is None else "department",
                )
                for c in found.contacts
            ],
            next=None,
            department_id=found.department.id,
            department_name=found.department.name,
            organisation_id=found.organisation.id,
            organisation_name=found.organisation.name,
        )
    )


routes = [
    Route("/departments/{department_id:id}/contacts", department_contacts, name="department_contacts"),
]
