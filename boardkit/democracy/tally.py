"""Closing a vote and counting it: the result is the meeting's counts plus the secret ballots by
choice, written once when the close has passed.

The close (``close_question``) runs in ONE transaction, exactly once: it holds the question's row
(``FOR UPDATE`` on PostgreSQL, which waits for every vote in flight — votes hold the row ``FOR KEY
SHARE``, see ``ballots.get_question``; SQLite's write lock serialises everything), rewrites the
question's ballots in a random order with fresh random ids (delete and insert), so neither the
order of the rows, their ids nor a system column such as PostgreSQL's ``xmin`` (now the close's
own transaction for every ballot) can join a ballot to the participation row written with it,
then writes the result, ``closed_at`` and status "closed", and puts the result in the minutes.

A job queued for the moment of the close (``digital.open_digital``) does it on time, and a
periodic sweep (``CLOSE_SWEEP_JOB``) catches any the job missed. ``recompute`` counts again from
what is stored: the published result must equal it.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import NotFound
from boardkit.democracy import questions
from boardkit.democracy.ballots import BLANK, aware, choice_keys
from boardkit.democracy.models import Ballot, Question

log = logging.getLogger("boardkit.democracy")

CLOSE_JOB = "democracy.close_question"
CLOSE_SWEEP_JOB = "democracy.close_sweep"
CLOSE_SWEEP_SECONDS = 30.0

ClosedHook = Callable[[Session, Question], None]
_ON_CLOSED: dict[str, ClosedHook] = {}
_shuffle = random.SystemRandom().shuffle


def on_question_closed(owner: str, hook: ClosedHook) -> None:
    """Call ``hook(db, question)`` in the close's transaction, after the result is written (e.g.
    an urafstemning's notice to all households); registering again replaces. A hook that raises
    rolls the close back and the next sweep tries again."""
    _ON_CLOSED[owner] = hook


def count(question: Question, choices: Iterable[str]) -> dict[str, Any]:
    """The result of ``question`` from its meeting counts and the ballots' ``choices``:
    ``counts`` (total per choice), ``meeting`` and ``ballots`` (each part), ``total``, and the
    ``outcome`` — a proposal is "adopted" with more for than against (a tie is "rejected", with
    ``tie`` true); an election "elected" with the ``elected`` choice keys, most votes first (the
    minutes get the election with its substitutes from ``questions.result_of_election``)."""
    keys = choice_keys(question)
    meeting = {str(k): int(v or 0) for k, v in (question.meeting_counts or {}).items()}
    ballots = Counter(choices)
    extra = sorted((set(meeting) | set(ballots)) - set(keys))  # never expected; kept, not lost
    keys = [*keys, *extra]
    counts = {k: meeting.get(k, 0) + ballots.get(k, 0) for k in keys}
    result: dict[str, Any] = {
        "counts": counts,
        "meeting": {k: meeting.get(k, 0) for k in keys},
        "ballots": {k: ballots.get(k, 0) for k in keys},
        "total": sum(counts.values()),
        "ballots_total": sum(ballots.values()),
    }
    if question.kind == "election":
        candidates = sorted(
            (k for k in keys if k != BLANK and counts[k] > 0), key=lambda k: (-counts[k], keys.index(k))
        )
        seats = max(question.seats or 1, 1)
        elected = candidates[:seats]
        result["outcome"] = "elected"
        result["elected"] = elected
        # A tie for the last seat is for the meeting's rules (lots), not for the count to decide.
        result["tie"] = len(candidates) > seats and counts[candidates[seats - 1]] == counts[candidates[seats]]
    else:
        yes, no = counts.get("yes", 0), counts.get("no", 0)
        result["outcome"] = "adopted" if yes > no else "rejected"
        result["tie"] = yes == no
    return result


def recompute(db: Session, question_id: int) -> dict[str, Any]:
    """The result counted again from the stored ballots and the meeting's counts."""
    question = db.get(Question, question_id)
    if question is None:
        raise NotFound()
    choices = db.scalars(select(Ballot.choice).where(Ballot.question_id == question_id))
    return count(question, choices)


def published_matches(db: Session, question_id: int) -> bool:
    """Whether the published result equals the count from what is stored."""
    question = db.get(Question, question_id)
    if question is None or question.status != "closed":
        return False
    return dict(question.result or {}) == recompute(db, question_id)


def reshuffle(db: Session, question_id: int) -> list[str]:
    """Rewrite the question's ballots in a random order with fresh random ids; their choices."""
    choices = list(db.scalars(select(Ballot.choice).where(Ballot.question_id == question_id)))
    gone = delete(Ballot).where(Ballot.question_id == question_id)
    db.execute(gone.execution_options(synchronize_session=False))
    _shuffle(choices)
    if choices:
        db.execute(
            insert(Ballot),
            [{"id": secrets.token_hex(16), "question_id": question_id, "choice": c} for c in choices],
        )
    return choices


def close_question(db: Session, question_id: int, *, now: datetime | None = None) -> bool:
    """Close the question once its ``closes_at`` has passed: reshuffle, count, publish. False when it
    is not open or not due, or another worker closed it first (it waits for that one's commit and
    then sees it closed)."""
    now = now or utcnow()
    question = db.scalar(
        select(Question)
        .where(Question.id == question_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    closes = aware(question.closes_at) if question is not None else None
    if question is None or question.status != "open" or closes is None or closes > now:
        return False
    choices = reshuffle(db, question.id)
    result = count(question, choices)
    question.result = result
    question.closed_at = now
    question.status = "closed"
    db.flush()
    audit.record(
        db,
        actor_id=None,
        action="democracy.close",
        obj=question,
        organisation_id=question.organisation_id,
        summary=f"{question.text[:200]}: {result['outcome']} ({result['total']})",
    )
    push_to_minutes(db, question, result["counts"])
    for hook in _ON_CLOSED.values():
        hook(db, question)
    log.info("question %s closed: %s", question.id, result["outcome"])
    return True


def push_to_minutes(db: Session, question: Question, counts: dict[str, int]) -> None:
    """The final tally (the meeting's counts and the ballots) into the meeting's minutes: the item's
    votes and result sentence, or the election (``questions.result_to_minutes``; approved or
    published minutes are left alone)."""
    if question.meeting_id is not None:
        questions.result_to_minutes(db, question, counts)


def due(db: Session, *, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Open questions whose close has passed."""
    now = now or utcnow()
    return list(
        db.scalars(
            select(Question.id)
            .where(Question.status == "open", Question.closes_at <= now)
            .order_by(Question.closes_at, Question.id)
            .limit(limit)
        )
    )


def close_due(db: Session, *, now: datetime | None = None) -> int:
    """The sweep: close every question due, each in a savepoint (one failing does not hold back
    the others)."""
    done = 0
    for question_id in due(db, now=now):
        try:
            with db.begin_nested():
                done += close_question(db, question_id, now=now)
        except Exception:
            log.exception("closing question %s failed; the next sweep tries again", question_id)
    return done


def close_job(db: Session, payload: dict[str, Any]) -> None:
    """The job queued for the moment of the close (early runs do nothing; the sweep backs it up)."""
    close_question(db, int(payload["question_id"]))


def sweep_job(db: Session, _payload: dict[str, Any]) -> None:
    close_due(db)
