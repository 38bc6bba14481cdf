"""Retention's part of the application: the nightly job that applies every domain's rules (the
domains register their rules in their own ``register``)."""

from __future__ import annotations

from typing import Any

from boardkit.core import storage
from boardkit.core.db import Database
from boardkit.core.registry import Registry
from boardkit.core.retention import service


def register(reg: Registry) -> None:
    files_dir = reg.settings.files_dir

    def nightly(database: Database, payload: dict[str, Any]) -> None:
        service.run(database, store=storage.FileStore(files_dir), today=service.today())

    reg.every(service.KIND, nightly, seconds=service.EVERY_SECONDS, own_transactions=True)
