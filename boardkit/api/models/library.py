"""The board's library (documents with versions, contracts' facts) and keys register."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Date, Out, Time, Url
from boardkit.api.schema import Body, Day, Id, Number, Text, one_of

DOCUMENT_KINDS = (
    "statutes",
    "rules_of_procedure",
    "house_rules",
    "maintenance_rules",
    "raaderet_catalogue",
    "maintenance_plan",
    "inspection_report",
    "contract",
    "other",
)
ITEM_KINDS = ("key", "fob", "account", "code")


class VersionOut(Out):
    id: int
    number: int
    filename: str
    content_type: str
    size: int
    note: str
    uploaded_at: Time
    url: Url


class Contract(Out):
    supplier: str
    subject: str
    term_start: Date | None
    term_end: Date | None
    notice_period: str
    admin_contact_id: int | None
    admin_contact: str = Field(description="The administration's contact person by name")


class DocumentOut(Out):
    id: int
    board_id: int
    kind: Literal[
        "statutes",
        "rules_of_procedure",
        "house_rules",
        "maintenance_rules",
        "raaderet_catalogue",
        "maintenance_plan",
        "inspection_report",
        "contract",
        "other",
    ]
    kind_name: str
    title: str
    description: str
    contract: Contract | None
    updated_at: Time
    archived_at: Time | None
    latest: VersionOut | None
    versions: list[VersionOut] | None = Field(
        None, description="Every version, newest first (one document only)"
    )
    url: Url


class DocumentList(Out):
    items: list[DocumentOut]


class DocumentBody(Body):
    """The fields of a new document; in multipart/form-data with the file in ``file``."""

    kind: str = one_of(DOCUMENT_KINDS)
    title: Text
    description: Text = ""
    supplier: Text = ""
    subject: Text = ""
    term_start: Day = None
    term_end: Day = None
    notice_period: Text = ""
    admin_contact_id: Number = Field(None, description="A staff person of the organisation (contracts)")


class VersionBody(Body):
    note: Text = ""


class HolderOut(Out):
    person_id: int | None
    name: str
    role: str = Field(description="The board role today; empty when no longer on the board")
    issued_on: Date
    task: Literal["return", "change"] | None
    due_at: Time | None
    overdue: bool


class ItemOut(Out):
    id: int
    board_id: int
    kind: Literal["key", "fob", "account", "code"]
    label: str
    opens: str
    number: str
    changed_on: Date | None = Field(description="Codes and accounts: last changed (the code is never stored)")
    state: Literal["held", "to_return", "overdue", "returned", "spare"]
    holders: list[HolderOut]


class ItemList(Out):
    items: list[ItemOut]


class ItemBody(Body):
    kind: str = one_of(ITEM_KINDS)
    label: Text
    opens: Text = ""
    number: Text = Field("", description='E.g. "nøgle 3 af 4"')
    changed_on: Day = None


class IssueBody(Body):
    person_id: Id
    on: Day = None


class ReturnBody(Body):
    person_id: Number = Field(None, description="Who gave it back (default: me)")
    on: Day = None


class ChangedBody(Body):
    on: Day = None
