"""Resident democracy's part of the application: its pages, the jobs that close digital votes and
urafstemninger on time and remind households the day before, and its names in the audit log."""

from __future__ import annotations

from boardkit.core.registry import Registry
from boardkit.democracy import ballot_views, roll_views, settings_views, urafstemning_views, vote_views


def register(reg: Registry) -> None:
    reg.routes(roll_views.routes)
    reg.routes(vote_views.routes)
    reg.routes(ballot_views.routes)
    reg.routes(urafstemning_views.routes)
    reg.routes(settings_views.routes)
