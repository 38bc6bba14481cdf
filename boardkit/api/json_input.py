"""Reading JSON request bodies: typed fields, every problem collected as a field error (422)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boardkit.core.errors import AppError, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.web import Ctx


def json_object(ctx: Ctx) -> dict[str, Any]:
    """The request body, which must be a JSON object (400 otherwise)."""
    if not isinstance(ctx.body, dict):
        raise AppError(_("Send et JSON-objekt."), code="malformed_json")
    return ctx.body


class Reader:
    """Typed fields from a JSON object; every problem is collected as a field error."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body
        self.errors: dict[str, str] = {}

    def has(self, key: str) -> bool:
        return key in self.body

    def text(self, key: str, default: str = "") -> str:
        value = self.body.get(key, default)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.errors[key] = _("Skal være en tekst.")
            return default
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.body.get(key, default)
        if not isinstance(value, bool):
            self.errors[key] = _("Skal være true eller false.")
            return default
        return value

    def number(self, key: str, default: int | None = None) -> int | None:
        value = self.body.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
            self.errors[key] = _("Skal være et helt tal.")
            return default
        return value

    def moment(self, key: str, default: datetime | None = None) -> datetime | None:
        """An ISO 8601 time with an offset; a time without one is refused (it would be a guess)."""
        if key not in self.body:
            if default is None:
                self.errors[key] = _("Skal udfyldes, fx 2027-03-15T19:00:00+01:00.")
            return default
        value = self.body[key]
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 40 else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.errors[key] = _("Skal være et tidspunkt i ISO 8601, fx 2027-03-15T19:00:00+01:00.")
            return None
        if parsed.tzinfo is None:
            self.errors[key] = _("Tidspunktet mangler tidszone: skriv fx 2027-03-15T19:00:00+01:00 eller …Z.")
            return None
        return parsed

    def check(self) -> None:
        if self.errors:
            raise ValidationFailed(_("Nogle felter skal rettes."), fields=self.errors)
