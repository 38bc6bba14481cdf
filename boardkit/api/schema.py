"""Declared request bodies: pydantic models read a JSON body, every problem a Danish field error.

A request model derives from :class:`Body`; its fields use the types below (``Text``, ``Flag``,
``Number``, ``Moment``, ``Day``, ``Money``), which accept what the API has always accepted and say
what is wrong in Danish. :func:`parse` turns a pydantic ``ValidationError`` into the API
contract's ``422 validation_failed`` with ``fields`` keyed by the field's dotted path.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx

B = TypeVar("B", bound="Body")

MOMENT_EXAMPLE = "2027-03-15T19:00:00+01:00"


def fail(message: str) -> PydanticCustomError:
    return PydanticCustomError("boardkit", "{message}", {"message": message})


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise fail(_("Skal være en tekst."))
    return value


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise fail(_("Skal være true eller false."))
    return value


def _number(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise fail(_("Skal være et helt tal."))
    return value


def _id(value: Any) -> int:
    """A required id: absent or null is "missing" (the model may say it in its own words)."""
    if value is None:
        raise PydanticCustomError("missing", "missing")
    number = _number(value)
    assert number is not None
    return number


def _money(value: Any) -> int | None:
    """An amount in øre: a whole number (a negative one gets the service's clear message)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**31:
        raise fail(_("Skal være et helt antal øre, fx 12550 for 125,50 kr."))
    return value


def _moment(value: Any) -> datetime:
    """An ISO 8601 time with an offset; a time without one is refused (it would be a guess)."""
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise fail(_("Skal være et tidspunkt i ISO 8601, fx 2027-03-15T19:00:00+01:00."))
    if parsed.tzinfo is None:
        raise fail(_("Tidspunktet mangler tidszone: skriv fx 2027-03-15T19:00:00+01:00 eller …Z."))
    return parsed


def _day(value: Any) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else _no_day()
    except ValueError:
        return _no_day()


def _no_day() -> date:
    raise fail(_("Skal være en dato som 2026-03-15."))


_MOMENT: dict[str, Any] = {"description": "ISO 8601 with offset", "examples": [MOMENT_EXAMPLE]}
# Each type reads the raw JSON value itself (strict: no "12" for 12, no 1 for true).
Text = Annotated[str, BeforeValidator(_text)]  # null reads as ""
Flag = Annotated[bool, BeforeValidator(_flag)]
Number = Annotated[
    int | None,
    BeforeValidator(_number),
    Field(json_schema_extra={"minimum": 0, "maximum": 2**31 - 1}),
]
Id = Annotated[int, BeforeValidator(_id), Field(json_schema_extra={"minimum": 0})]
Money = Annotated[int | None, BeforeValidator(_money), Field(json_schema_extra={"description": "øre"})]
Moment = Annotated[
    datetime,
    BeforeValidator(_moment),
    Field(json_schema_extra=_MOMENT),
]
MaybeMoment = Annotated[datetime | None, BeforeValidator(_moment), Field(json_schema_extra=_MOMENT)]
Day = Annotated[date | None, BeforeValidator(_day)]


def one_of(values: Iterable[str], default: str = "", **extra: Any) -> Any:
    """A text field documented with its allowed values (the service judges them, in its own words)."""
    allowed = list(values)

    def schema(field: dict[str, Any]) -> None:
        field.pop("default", None)
        field["enum"] = allowed

    return Field(default, json_schema_extra=schema, **extra)


class Body(BaseModel):
    """A JSON request body. Unknown keys are ignored (clients may send more than we read)."""

    model_config = ConfigDict(extra="ignore", validate_default=False)

    #: Danish message (``lazy_gettext``) when a required field is missing (default "Skal udfyldes.").
    missing: ClassVar[dict[str, Any]] = {}

    def given(self, name: str) -> bool:
        """Whether the client sent this key (PATCH: absent keys keep the current value)."""
        return name in self.model_fields_set


def _message(model: type[Body], error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "boardkit":
        return str(ctx["message"])
    if kind == "missing":
        field, last = ".".join(str(p) for p in error["loc"]), str(error["loc"][-1])
        said = model.missing.get(field) or model.missing.get(last)
        return str(said) if said is not None else _("Skal udfyldes.")
    if kind == "list_type":
        return _("Skal være en liste.")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return _("Skal være et objekt.")
    if kind in ("string_type", "string_too_long"):
        return _("Skal være en tekst.")
    if kind in ("int_type", "int_parsing", "greater_than_equal", "less_than", "less_than_equal"):
        return _("Skal være et helt tal.")
    if kind == "bool_type":
        return _("Skal være true eller false.")
    return _("Ugyldig værdi.")


def field_errors(model: type[Body], exc: ValidationError) -> dict[str, str]:
    """``{"items.0.agenda_item_id": "Skriv …"}``: the first problem of each field, in Danish."""
    fields: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        key = ".".join(str(p) for p in error["loc"]) or "body"
        fields.setdefault(key, _message(model, error))
    return fields


def json_object(ctx: Ctx, *, optional: bool = False) -> dict[str, Any]:
    """The request body, which must be a JSON object (400 otherwise); ``optional``: none is ``{}``."""
    if optional and ctx.body is None:
        return {}
    if not isinstance(ctx.body, dict):
        raise AppError(_("Send et JSON-objekt."), code="malformed_json")
    return ctx.body


def validate(model: type[B], data: dict[str, Any]) -> B:
    """``data`` read as ``model``; any problem is a 422 with a Danish message per field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=field_errors(model, exc)) from None


def parse(ctx: Ctx, model: type[B], *, optional: bool = False) -> B:
    """The JSON body read as ``model`` (400 when not an object, 422 with field errors)."""
    return validate(model, json_object(ctx, optional=optional))
