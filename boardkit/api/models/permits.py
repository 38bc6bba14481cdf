"""Resident permits: kinds, applications, decisions and the board's overview."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from boardkit.api.models.common import Date, Out, Page, Time
from boardkit.api.schema import Body, Flag, Id, Money, Text, one_of

PermitStatus = Literal[
    "submitted", "more_info", "acknowledged", "no_objection", "approved", "rejected", "withdrawn", "ended"
]


class PermitKind(Out):
    code: str
    name: str
    group: Literal["pets", "installations", "antenna", "improvement", "alteration", "outdoor"]
    track: Literal["notice", "report", "application"]
    reestablish_on_move_out: bool
    life_years: int | None
    needs_building_permit: bool
    delegated_to_board: bool


class PermitKindList(Out):
    items: list[PermitKind]


class AnimalBody(Body):
    """The one animal a pet permit is for."""

    name: Text = ""
    species: Text = Field("", description="For other pets (e.g. kanin)")
    breed: Text = ""
    chip: Text = ""
    insured: Flag = Field(False, description="A dog's liability insurance (required for dogs)")
    assistance_dog: Flag = Field(False, description="Servicehund (documentation attached)")


class PermitBody(Body):
    kind: Text = Field("", description="A permit kind's code (GET /permit-kinds)")
    title: Text = Field("", json_schema_extra={"maxLength": 200})
    description: Text = Field("", json_schema_extra={"maxLength": 4000})
    tenancy_id: Id | None = Field(None, description="Only for a tenant of more than one home")
    needs_building_permit: Flag = False
    outside: Flag = Field(False, description="Work outside the home: outdoor råderet, not an installation")
    animal: AnimalBody | None = None


class DecisionBody(Body):
    outcome: Text = one_of(["approve", "reject", "more_info"])
    reason: Text = Field("", description="Required for reject and more_info")
    conditions: Text = ""
    grounds: Text = one_of(["other", "house_rules"], "other", description="A refusal's grounds")


class Animal(Out):
    name: str
    species: str
    breed: str = ""
    chip: str = ""
    insured: bool
    assistance_dog: bool


class PermitEvent(Out):
    action: str
    at: Time
    note: str


class PermitFile(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class Permit(Out):
    id: int
    kind: str
    kind_name: str
    status: PermitStatus
    route: Literal["acknowledge", "silence", "decision"]
    title: str
    description: str
    animal: Animal | None
    needs_building_permit: bool
    received_on: Date
    deadline: Date | None = Field(
        description="A report's last day for an objection (silence: no objection the day after); "
        "an application's answer-by day (a target: it never decides by itself)"
    )
    reason: str
    conditions: str
    decided_at: Time | None
    reestablish_on_move_out: bool
    department_id: int
    tenancy_id: int
    history: list[PermitEvent] = []
    files: list[PermitFile] = []
    url: str


class PermitList(Page):
    items: list[Permit]


class KindFigures(Out):
    code: str
    name: str
    group: str
    delegated: bool
    by_status: dict[str, int]


class PermitOverview(Out):
    """Figures only: no names, addresses or unit numbers."""

    department_id: int
    department_name: str
    total: int
    waiting: int
    near_deadline: int
    past_deadline: int
    average_handling_days: float | None
    kinds: list[KindFigures]


class InvoiceLineBody(Body):
    description: Text = ""
    amount_ore: Money = Field(None, description="The line's amount in øre, VAT included")
    cvr: Text = Field("", description="The firm's CVR number")
    vat_registered: Flag = False
    own_labour: Flag = False
    white_goods: Flag = False


class InvoiceLine(Out):
    id: int
    description: str
    amount_ore: int


class Compensation(Out):
    permit_id: int
    title: str
    eligible_ore: int | None
    base_ore: int | None
    owed_ore: int | None
    months_used: int | None
    life_months: int | None
    excluded: list[str]
    problem: str


class MoveOutChecklist(Out):
    tenancy_id: int
    moved_out: Date
    active: list[Permit]
    reestablish: list[int] = Field(description="The ids of the active permits to re-establish")
    compensation: list[Compensation]
    total_owed_ore: int
