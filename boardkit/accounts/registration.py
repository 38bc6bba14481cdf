"""Accounts' part of the application: login, sessions, profile and API tokens (mounted at "/",
tried after every other route), and the tokens' names in the audit log."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.accounts.views import routes
from boardkit.core.audit import ObjectRef, register_object_names
from boardkit.core.i18n import _
from boardkit.core.models import ApiToken
from boardkit.core.registry import Registry


def _tokens(db: Session, ids: Collection[int]) -> dict[int, ObjectRef]:
    rows = db.execute(select(ApiToken.id, ApiToken.name).where(ApiToken.id.in_(ids)))
    return {i: ObjectRef(_("API-token »%(name)s«", name=name)) for i, name in rows}


def register(reg: Registry) -> None:
    reg.mount("/", routes, name="accounts")
    register_object_names("api_token", _tokens)
