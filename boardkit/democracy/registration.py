"""Resident democracy's part of the application: its pages, the jobs that close digital votes and
urafstemninger on time and remind households the day before, and its names in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from boardkit.core.audit import register_object_names
from boardkit.core.registry import Registry
from boardkit.democracy import (
    ballot_views,
    digital,
    letter_views,
    roll,
    roll_views,
    settings_views,
    tally,
    urafstemning,
    urafstemning_views,
    vote_views,
)


def register(reg: Registry) -> None:
    reg.routes(roll_views.routes)
    register_object_names("democracy_roll", roll.audit_names)
    reg.routes(vote_views.routes)
    reg.routes(ballot_views.routes)
    reg.routes(letter_views.routes)
    reg.routes(urafstemning_views.routes)
    reg.routes(settings_views.routes)
    _register_urafstemning(reg)
    _register_digital(reg)


def _register_urafstemning(reg: Registry) -> None:
    """Urafstemning: the ballot letters after a call, the result notice after the close."""
    settings = reg.settings

    def letters(db: Session, payload: dict[str, Any]) -> None:
        urafstemning.send_ballot_letters(db, question_id=int(payload["question_id"]), settings=settings)

    def result(db: Session, payload: dict[str, Any]) -> None:
        urafstemning.publish_result(db, question_id=int(payload["question_id"]), settings=settings)

    reg.job(urafstemning.LETTERS_JOB, letters)
    reg.job(urafstemning.RESULT_JOB, result)
    tally.on_question_closed("urafstemning", urafstemning.on_closed)


def _register_digital(reg: Registry) -> None:
    """Digital voting: the close on time (a job at the moment, a sweep backing it up), the letters
    to paper households when a vote opens, the reminder 24 hours before the close."""
    settings = reg.settings
    reg.job(tally.CLOSE_JOB, tally.close_job)
    reg.every(tally.CLOSE_SWEEP_JOB, tally.sweep_job, seconds=tally.CLOSE_SWEEP_SECONDS)
    reg.job(digital.LETTERS_JOB, digital.letters_job(settings))
    reg.job(digital.REMIND_JOB, digital.reminder_job(settings))
    reg.every(
        digital.REMIND_SWEEP_JOB, digital.reminder_sweep(settings), seconds=digital.REMIND_SWEEP_SECONDS
    )
