"""The forum domain's part of the application."""

from __future__ import annotations

from boardkit.core.registry import Registry


def register(reg: Registry) -> None:
    return None
