"""Onboarding: my programme and its steps, progress, signatures, and a board's follow-up."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field

from boardkit.api.models.common import Date, Out, Time, Url
from boardkit.api.schema import Body, Flag, fail


class CaptionTrack(Out):
    language: str
    label: str
    url: Url


class StepVideo(Out):
    url: Url
    content_type: str
    poster_url: Url | None
    duration: float
    captions: list[CaptionTrack]
    transcript: str


class Step(Out):
    id: int = Field(description="The step of my programme (its progress)")
    module_id: int
    kind: Literal["video", "document", "declaration", "task", "link"]
    title: str
    body: str
    due_on: Date
    overdue: bool
    done: bool
    done_at: Time | None
    seconds_watched: float
    tick_by: Literal["member", "chair"]
    video: StepVideo | None = None
    document_url: Url | None = None
    link: str | None = None
    declaration_id: int | None = None


class MyProgramme(Out):
    id: int = Field(description="The assignment: one per membership that started")
    title: str
    board_id: int
    started_on: Date
    completed_at: Time | None
    percent: int
    done: int
    total: int
    steps: list[Step]


class MyProgrammes(Out):
    items: list[MyProgramme]


def _seconds(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 10**7:
        raise fail("Skal være et antal sekunder (0 eller mere).")
    return float(value)


class ProgressBody(Body):
    """How far the player got (the step is done at 90%), or the step marked done."""

    seconds_watched: Annotated[float | None, BeforeValidator(_seconds)] = None
    done: Flag = False


class SignatureOut(Out):
    declaration_id: int
    version: int
    sha256: str
    signed_at: Time


class MemberProgress(Out):
    person_id: int
    name: str
    percent: int
    missing: list[str]
    overdue: list[str]


class BoardOnboarding(Out):
    board_id: int
    items: list[MemberProgress]
