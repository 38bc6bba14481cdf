"""What the resident's voting pages show beyond ``ballots``' own reads: the closed votes of the
rolls that hold a person, when this person last voted (the receipt's time), the choices with their
labels, the tally laid out by part (the meeting's counts, the ballots) and the units used by channel.

Reads only; every rule of who may see what lives in ``ballots`` (``question_state``,
``closed_question``, ``participation_list``). Nothing here joins a ballot to a household: the
tally reads the published result and the participation register's sums by channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.core.i18n import _
from boardkit.core.permissions import Principal
from boardkit.democracy import ballots
from boardkit.democracy.models import CHANNELS, Participation, Question, RollHousehold, RollVoter


def short_name(question: Question) -> str:
    """The question's name in a screen reader's label: "Forslag 3" of "Forslag 3: Skal der …"."""
    head, sep, _rest = question.text.partition(":")
    if sep and 0 < len(head.strip()) <= 40:
        return head.strip()
    return _("Valg") if question.kind == "election" else _("Forslag")


def options(question: Question) -> list[tuple[str, str]]:
    """The choices as (key, label) in ``ballots.choice_keys``' order, "Blank" always last."""
    fixed = {"yes": _("Ja"), "no": _("Nej"), ballots.BLANK: _("Blank")}
    labels = {str(o.get("key")): str(o.get("label") or "") for o in question.options or []}
    out = []
    for key in ballots.choice_keys(question):
        own = "" if key == ballots.BLANK else labels.get(key, "")
        out.append((key, own or fixed.get(key, key)))
    return out


def my_vote_at(db: Session, principal: Principal, question_id: int) -> datetime | None:
    """When this person last voted on the question (online or recorded for them), else None."""
    if principal.person_id is None:
        return None
    at = db.scalar(
        select(func.max(Participation.at)).where(
            Participation.question_id == question_id,
            Participation.person_id == principal.person_id,
            Participation.channel != "meeting",
        )
    )
    return ballots.aware(at)


def open_votes(db: Session, principal: Principal) -> list[ballots.QuestionState]:
    """The open questions this person may vote on now (for the home page's card)."""
    return [
        s
        for s in ballots.my_questions(db, principal)
        if s.household is not None and s.household.may_vote and s.is_open
    ]


def closed_questions(db: Session, principal: Principal, *, limit: int = 20) -> list[Question]:
    """The closed questions whose roll holds this person and that were voted on after the meeting
    (or by urafstemning), latest first."""
    if principal.person_id is None:
        return []
    rolls = (
        select(RollHousehold.roll_id)
        .join(RollVoter, RollVoter.household_id == RollHousehold.id)
        .where(RollVoter.person_id == principal.person_id)
    )
    return list(
        db.scalars(
            select(Question)
            .where(Question.roll_id.in_(rolls), Question.status == "closed", Question.opens_at.is_not(None))
            .order_by(Question.closed_at.desc(), Question.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class TallyRow:
    key: str
    label: str
    meeting: int
    ballots: int
    total: int


@dataclass(frozen=True)
class Tally:
    rows: list[TallyRow]
    meeting_total: int
    ballots_total: int
    total: int
    outcome: str  # adopted | rejected | elected
    tie: bool
    elected: list[str]  # the labels of those elected
    channels: dict[str, int]  # units used by channel (the participation register's sums)


def tally(db: Session, question: Question) -> Tally:
    """The published result (``tally.count``'s shape) by choice and part, with its labels, and the
    units used by channel."""
    result: dict[str, Any] = dict(question.result or {})
    labels: dict[str, str] = dict(options(question))
    meeting, stored, counts = result.get("meeting", {}), result.get("ballots", {}), result.get("counts", {})
    keys: list[str] = list(labels) + [str(k) for k in counts if k not in labels]
    rows = [
        TallyRow(
            k,
            labels.get(k, k),
            int(meeting.get(k, 0)),
            int(stored.get(k, 0)),
            int(counts.get(k, int(meeting.get(k, 0)) + int(stored.get(k, 0)))),
        )
        for k in keys
    ]
    channels = dict.fromkeys(CHANNELS, 0)
    for channel, units in db.execute(
        select(Participation.channel, func.sum(Participation.units))
        .where(Participation.question_id == question.id)
        .group_by(Participation.channel)
    ).all():
        channels[str(channel)] = int(units or 0)
    return Tally(
        rows=rows,
        meeting_total=sum(r.meeting for r in rows),
        ballots_total=sum(r.ballots for r in rows),
        total=int(result.get("total", sum(r.total for r in rows))),
        outcome=str(result.get("outcome", "")),
        tie=bool(result.get("tie", False)),
        elected=[labels.get(k, k) for k in result.get("elected", [])],
        channels=channels,
    )
