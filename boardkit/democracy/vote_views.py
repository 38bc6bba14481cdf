"""The chair's votes page of a department meeting: per agenda item the question as worded at the
meeting with its counts (or an election with candidates and their votes), the attendance, the
meeting's end ("Mødet er slut") and its decision to vote digitally. Errors come back in the form,
in Danish, with what was typed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from boardkit.core.errors import AppError, NotFound, ValidationFailed
from boardkit.core.i18n import _
from boardkit.core.templating import TZ
from boardkit.core.web import Ctx, form_errors, page, redirect, render
from boardkit.democracy import digital, questions
from boardkit.democracy import roll as rolls
from boardkit.democracy.models import Question
from boardkit.meetings.minutes import service as minutes_service
from boardkit.meetings.service import AgendaItem, Meeting

TEMPLATE = "democracy/votes.html"
CANDIDATE_ROWS = 6
# A service's field name -> the page's field (suffixed with the item's id).
PAGE_FIELDS = {
    "question": "question",
    "method": "method",
    "for": "for",
    "against": "against",
    "blank": "blank",
    "counts": "counts",
    "candidates": "counts",
    "kind": "counts",
    "seats": "seats",
    "substitutes": "subs",
    "until_year": "until",
    "substitutes_until_year": "subsuntil",
}


def _number(raw: str) -> int | None:
    """A typed count: empty is None, anything but a whole number is -1 (the service says why)."""
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 7 else -1


def _is_election_item(
    meeting: Meeting, item: AgendaItem, question: Question | None, chosen: int | None
) -> bool:
    if question is not None:
        return question.kind == "election"
    if chosen is not None:
        return chosen == item.id
    title = item.title.lower()
    return minutes_service.has_election(meeting) and title.startswith("valg") and "dirigent" not in title


def _context(ctx: Ctx, meeting: Meeting, *, open_item: int | None = None) -> dict[str, Any]:
    roll = rolls.get_roll(ctx.db, meeting.id)
    state = questions.votes_state(ctx.db, meeting) if roll is not None else None
    by_item = {q.agenda_item_id: q for q in state.questions} if state else {}
    chosen = ctx.query_int("valg")
    items = []
    for item in sorted(meeting.items, key=lambda i: i.position):
        question = by_item.get(item.id)
        election = _is_election_item(meeting, item, question, chosen)
        result = (
            questions.result_of_election(question, question.meeting_counts)
            if question is not None and question.kind == "election"
            else None
        )
        rows = max(CANDIDATE_ROWS, len(question.options) + 2) if question and election else CANDIDATE_ROWS
        items.append(
            {
                "item": item,
                "question": question,
                "election": election,
                "result": result,
                "votes": questions.minutes_votes(question.meeting_counts)
                if question is not None and question.kind == "proposal"
                else None,
                "rows": rows,
            }
        )
    year = meeting.starts_at.astimezone(TZ).year
    latest = digital.latest_close(roll) if roll is not None and roll.digital_decided_at else None
    return {
        "latest_close": latest,
        "latest_close_input": latest.astimezone(TZ).strftime("%Y-%m-%dT%H:%M") if latest else "",
        "meeting": meeting,
        "roll": roll,
        "state": state,
        "items": items,
        "voters": questions.roll_candidates(ctx.db, roll.id) if roll is not None else [],
        "has_election": minutes_service.has_election(meeting),
        "default_until": year + 2,
        "default_subs_until": year + 1,
        "item_choices": [("", _("Intet bestemt punkt"))]
        + [(str(i.id), f"{i.position}. {i.title}") for i in sorted(meeting.items, key=lambda i: i.position)],
        "open_item": open_item if open_item is not None else chosen,
        "active_nav": "meetings",
    }


def _again(
    ctx: Ctx, meeting: Meeting, exc: AppError, errors: dict[str, str], item_id: int | None = None
) -> Response:
    if exc.status == 404:
        raise exc
    errors = errors or {"_form": exc.message}
    context = _context(ctx, meeting, open_item=item_id)
    return form_errors(ctx, TEMPLATE, errors, status_code=exc.status, **context)


def _meeting(ctx: Ctx) -> Meeting:
    ctx.require_login()
    return questions.votes_meeting(ctx.db, ctx.principal, ctx.int_param("meeting_id"))


@page
def votes_page(ctx: Ctx) -> Response:
    meeting = _meeting(ctx)
    return render(ctx, TEMPLATE, **_context(ctx, meeting))


def _item_input(ctx: Ctx, iid: int) -> tuple[questions.VoteInput | questions.ElectionVoteInput, list[int]]:
    """The item's form as the service's input, and for an election the page's row of each candidate."""
    text, method = ctx.value(f"question-{iid}"), ctx.value(f"method-{iid}")
    if ctx.value(f"kind-{iid}") != "election":
        return questions.VoteInput(
            question=text,
            method=method,
            votes_for=_number(ctx.value(f"for-{iid}")),
            against=_number(ctx.value(f"against-{iid}")),
            blank=_number(ctx.value(f"blank-{iid}")),
        ), []
    rows: list[int] = []
    candidates = []
    for n in range(questions.MAX_CANDIDATES):
        person, votes = ctx.value(f"cand-{iid}-{n}"), ctx.value(f"cvotes-{iid}-{n}")
        if not person and not votes.strip():
            continue
        rows.append(n)
        pid = int(person) if person.isdigit() and len(person) < 10 else None
        candidates.append(questions.CandidateInput(pid, _number(votes)))
    return questions.ElectionVoteInput(
        question=text,
        method=method,
        candidates=candidates,
        blank=_number(ctx.value(f"blank-{iid}")),
        seats=_number(ctx.value(f"seats-{iid}")),
        substitutes=_number(ctx.value(f"subs-{iid}")),
        until_year=_number(ctx.value(f"until-{iid}")),
        substitutes_until_year=_number(ctx.value(f"subsuntil-{iid}")),
    ), rows


def _page_errors(exc: AppError, iid: int, rows: list[int]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, message in exc.fields.items():
        parts = key.split(".")
        if parts[0] == "candidates" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(rows):
            row = rows[int(parts[1])]
            errors[f"{'cand' if parts[2] == 'person_id' else 'cvotes'}-{iid}-{row}"] = str(message)
        else:
            errors[f"{PAGE_FIELDS.get(parts[0], 'counts')}-{iid}"] = str(message)
    return errors


@page
def record_item(ctx: Ctx) -> Response:
    meeting = _meeting(ctx)
    iid = ctx.int_param("item_id")
    if iid not in {i.id for i in meeting.items}:
        raise NotFound()
    data, rows = _item_input(ctx, iid)
    try:
        questions.record_vote(ctx.db, ctx.principal, agenda_item_id=iid, data=data)
    except AppError as exc:
        return _again(ctx, meeting, exc, _page_errors(exc, iid, rows), iid)
    ctx.flash(_("Afstemningen er registreret og skrevet i referatet."))
    return redirect(ctx, "democracy_votes", meeting_id=meeting.id)


def _ended_at(ctx: Ctx) -> datetime | None:
    raw = ctx.value("ended_at").strip()
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).replace(tzinfo=TZ) if len(raw) <= 19 else _bad_time()
    except ValueError:
        return _bad_time()


def _bad_time() -> datetime:
    raise ValidationFailed(
        _("Nogle felter skal rettes."), fields={"ended_at": _("Skriv tidspunktet som fx 2027-03-15 21:30.")}
    )


@page
def end_page(ctx: Ctx) -> Response:
    meeting = _meeting(ctx)
    try:
        questions.end_meeting(ctx.db, ctx.principal, meeting, ended_at=_ended_at(ctx))
    except AppError as exc:
        return _again(ctx, meeting, exc, {k: str(v) for k, v in exc.fields.items()})
    ctx.flash(_("Mødets afslutning er registreret, og fremmødet er skrevet i referatet."))
    return redirect(ctx, "democracy_votes", meeting_id=meeting.id)


@page
def digital_page(ctx: Ctx) -> Response:
    meeting = _meeting(ctx)
    raw = ctx.value("agenda_item_id")
    item_id = int(raw) if raw.isdigit() and len(raw) < 10 else None
    try:
        questions.record_digital_decision(
            ctx.db, ctx.principal, meeting, agenda_item_id=item_id, text=ctx.value("digital_text")
        )
    except AppError as exc:
        errors = {("digital_" + k if k == "text" else k): str(v) for k, v in exc.fields.items()}
        return _again(ctx, meeting, exc, errors)
    ctx.flash(_("Beslutningen om digital afstemning er registreret."))
    return redirect(ctx, "democracy_votes", meeting_id=meeting.id)


@page
def open_digital_page(ctx: Ctx) -> Response:
    """Continue a question recorded at the meeting digitally, until the close chosen (7 × 24 h at most)."""
    meeting = _meeting(ctx)
    question_id = ctx.int_param("question_id")
    raw = ctx.value(f"closes_at-{question_id}").strip()
    try:
        closes_at = datetime.fromisoformat(raw).replace(tzinfo=TZ) if 0 < len(raw) <= 19 else None
    except ValueError:
        closes_at = None
    field = f"closes_at-{question_id}"
    question = ctx.db.get(Question, question_id)
    if question is None or question.meeting_id != meeting.id:
        raise NotFound()
    item_id = question.agenda_item_id
    if closes_at is None:
        exc = ValidationFailed(_("Nogle felter skal rettes."))
        return _again(ctx, meeting, exc, {field: _("Skriv tidspunktet som fx 2027-03-15 21:30.")}, item_id)
    try:
        digital.open_digital(ctx.db, ctx.principal, question_id=question_id, closes_at=closes_at)
    except AppError as exc:
        return _again(ctx, meeting, exc, {field: exc.message}, item_id)
    ctx.flash(_("Den digitale afstemning er åben. Husstande på papir får et brev om at stemme ved brev."))
    return redirect(ctx, "democracy_votes", meeting_id=meeting.id)


routes = [
    Route(
        "/meetings/{meeting_id:int}/votes/questions/{question_id:int}/digital",
        open_digital_page,
        methods=["POST"],
        name="democracy_open_digital",
    ),
    Route("/meetings/{meeting_id:int}/votes", votes_page, name="democracy_votes"),
    Route(
        "/meetings/{meeting_id:int}/votes/items/{item_id:int}",
        record_item,
        methods=["POST"],
        name="democracy_vote_item",
    ),
    Route("/meetings/{meeting_id:int}/votes/end", end_page, methods=["POST"], name="democracy_vote_end"),
    Route(
        "/meetings/{meeting_id:int}/votes/digital",
        digital_page,
        methods=["POST"],
        name="democracy_vote_digital",
    ),
]
