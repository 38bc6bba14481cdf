"""Shared building blocks of the API models: the error shape, times, dates and lists."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Time = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Date = Annotated[str, Field(json_schema_extra={"format": "date"})]
Url = Annotated[str, Field(json_schema_extra={"format": "uri"})]
Votes = dict[str, int]


class Out(BaseModel):
    """An answer of the API: exactly these fields. The document says no others may come
    (``additionalProperties: false``); a key a service adds without declaring it here is left out
    of the answer rather than failing the request (the suite's schema check sees what is served)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"additionalProperties": False})


class Page(Out):
    """A list: ``{"items": [...], "next": cursor | null}``."""

    items: list[Any]
    next: str | None


class ErrorDetail(Out):
    code: str = Field(examples=["not_found"])
    message: str
    fields: dict[str, Any] = Field(
        default_factory=dict, description="Per field what is wrong (absent when no field is to blame)"
    )


class Error(Out):
    """``{"error": {"code", "message", "fields"}}`` (API.md)."""

    error: ErrorDetail


class Attachment(Out):
    id: int
    filename: str
    content_type: str
    size: int
    pages: int | None
    url: str


def out(model: BaseModel) -> dict[str, Any]:
    """An answer as JSON: the fields given (a field left out, like ``approvals``, stays out)."""
    return model.model_dump(mode="json", exclude_unset=True)
