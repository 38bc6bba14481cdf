"""Onboarding: the administration's contacts per department."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Out, Page


class Contact(Out):
    """Who in the administration helps the department with what."""

    id: int
    role: str = Field(examples=["Kundechef"])
    name: str
    helps_with: str
    phone: str = Field(description='As written, e.g. "+45 33 12 34 56"; empty when none')
    email: str = Field(description="Empty when none")
    hours: str = Field(examples=["Man–tor 9–15, fre 9–12"])
    scope: Literal["department", "organisation"] = Field(
        description="The department's own contact, or one for every department of the organisation"
    )


class ContactList(Page):
    """The department's own contacts first, then the organisation-wide ones, each in order."""

    items: list[Contact]
    department_id: int
    department_name: str
    organisation_id: int
    organisation_name: str
