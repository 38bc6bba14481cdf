"""The minutes form of the web pages: what was typed → the service's input, and back."""

from __future__ import annotations

from datetime import date
from typing import Any

from boardkit.core.db import utcnow
from boardkit.core.i18n import _
from boardkit.core.web import Ctx
from boardkit.meetings.minutes import election
from boardkit.meetings.minutes.content import ItemInput, MinutesInput
from boardkit.meetings.minutes.election import ElectedInput, ElectionInput, SubstituteInput
from boardkit.meetings.models import Meeting, Minutes
from boardkit.org import service as org_service

ELECTED_ROWS, SUBSTITUTE_ROWS = 4, 3  # empty lines the form offers at least (more after saving)


def number(ctx: Ctx, name: str, errors: dict[str, str]) -> int | None:
    raw = ctx.value(name)
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        errors[name] = _("Skriv et helt tal fra 0 og op.")
        return None
    return int(raw)


def form_input(ctx: Ctx, meeting: Meeting) -> tuple[MinutesInput, dict[str, str]]:
    errors: dict[str, str] = {}
    members = [
        (int(key.removeprefix("attendance-")), ctx.value(key))
        for key in ctx.form
        if key.startswith("attendance-") and key.removeprefix("attendance-").isdigit()
    ]
    items = []
    for item in meeting.items:
        votes = {k: number(ctx, f"votes_{k}-{item.id}", errors) for k in ("for", "against", "blank")}
        given = {k: v for k, v in votes.items() if v is not None}
        items.append(
            ItemInput(
                agenda_item_id=item.id,
                notes=ctx.value(f"notes-{item.id}"),
                decision=ctx.value(f"decision-{item.id}"),
                votes={k: given.get(k, 0) for k in ("for", "against", "blank")} if given else None,
                carried_over=bool(ctx.value(f"carried_over-{item.id}")),
            )
        )
    taker = ctx.value("minute_taker_id")
    data = MinutesInput(
        meeting_chair=ctx.value("meeting_chair"),
        minute_taker=ctx.value("minute_taker"),
        minute_taker_id=int(taker) if taker.isdigit() and len(taker) < 18 else None,
        attendance=members,
        residents_present=number(ctx, "residents_present", errors),
        households_represented=number(ctx, "households_represented", errors),
        items=items,
        election=election_input(ctx, meeting, errors),
    )
    return data, errors


def _row_count(ctx: Ctx, prefix: str) -> int:
    numbers = [key.removeprefix(prefix) for key in ctx.form if key.startswith(prefix)]
    return min(max((int(n) + 1 for n in numbers if n.isdigit() and len(n) < 3), default=0), election.MAX_ROWS)


def _person(ctx: Ctx, name: str) -> int | None:
    raw = ctx.value(name)
    return int(raw) if raw.isdigit() and len(raw) < 18 else None


def _term(ctx: Ctx, name: str, errors: dict[str, str]) -> tuple[date | None, int | None]:
    raw = ctx.value(name)
    if not raw.strip():
        return None, None
    parsed = election.parse_term(raw)
    if parsed is None:
        errors[name] = _("Skriv en dato (dd.mm.åååå) eller et årstal.")
        return None, None
    return parsed


def election_input(ctx: Ctx, meeting: Meeting, errors: dict[str, str]) -> ElectionInput | None:
    """The election as typed (ordinary department meetings, when "there was an election" is ticked)."""
    if not election.has_election(meeting) or not ctx.value("election"):
        return None
    data = ElectionInput()
    for n in range(_row_count(ctx, "el_person-")):
        term_end, until_year = _term(ctx, f"el_term-{n}", errors)
        role = ctx.value(f"el_role-{n}") or "member"
        data.elected.append(ElectedInput(_person(ctx, f"el_person-{n}"), role, term_end, until_year))
    for n in range(_row_count(ctx, "sub_person-")):
        term_end, until_year = _term(ctx, f"sub_term-{n}", errors)
        order = number(ctx, f"sub_order-{n}", errors)
        data.substitutes.append(SubstituteInput(_person(ctx, f"sub_person-{n}"), order, term_end, until_year))
    data.leaving = [
        int(key.removeprefix("leaving-"))
        for key in ctx.form
        if key.startswith("leaving-") and key.removeprefix("leaving-").isdigit() and len(key) < 30
    ]
    return data


def form_values(content: dict[str, Any], default_leaving: list[int] | None = None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "meeting_chair": content.get("meeting_chair", ""),
        "minute_taker": content.get("minute_taker", ""),
        "minute_taker_id": content.get("minute_taker_id") or "",
        "residents_present": content.get("residents_present")
        if content.get("residents_present") is not None
        else "",
        "households_represented": content.get("households_represented")
        if content.get("households_represented") is not None
        else "",
    }
    for a in content.get("attendance", []):
        values[f"attendance-{a['person_id']}"] = a["status"]
    for item in content.get("items", []):
        values[f"notes-{item['agenda_item_id']}"] = item.get("notes", "")
        values[f"decision-{item['agenda_item_id']}"] = item.get("decision", "")
        for k, v in (item.get("votes") or {}).items():
            values[f"votes_{k}-{item['agenda_item_id']}"] = v
        if item.get("carried_over"):
            values[f"carried_over-{item['agenda_item_id']}"] = "1"
    chosen = content.get("election")
    if chosen:
        values["election"] = "1"
        for n, e in enumerate(chosen.get("elected", [])):
            values[f"el_person-{n}"] = e["person_id"]
            values[f"el_role-{n}"] = e.get("role", "member")
            values[f"el_term-{n}"] = election.term_value(e)
        for n, sub in enumerate(chosen.get("substitutes", [])):
            values[f"sub_person-{n}"] = sub["person_id"]
            values[f"sub_order-{n}"] = sub.get("order") or ""
            values[f"sub_term-{n}"] = election.term_value(sub)
        leaving = [x["person_id"] for x in chosen.get("leaving", [])]
    else:
        leaving = list(default_leaving or [])
    for pid in leaving:
        values[f"leaving-{pid}"] = "1"
    return values


def election_context(ctx: Ctx, meeting: Meeting, content: dict[str, Any]) -> dict[str, Any]:
    """The election part of the form: who may be elected (by address), the board at the meeting,
    and how many lines to offer."""
    if not election.has_election(meeting):
        return {"election_form": None}
    chosen = content.get("election") or {}
    candidates = election.candidates(ctx.db, meeting)
    groups: dict[str, list[tuple[int, str]]] = {}
    for c in candidates:
        groups.setdefault(c.address, []).append((c.person_id, c.name))
    elected_rows = max(len(chosen.get("elected", [])) + 2, ELECTED_ROWS, _row_count(ctx, "el_person-"))
    substitute_rows = max(
        len(chosen.get("substitutes", [])) + 2, SUBSTITUTE_ROWS, _row_count(ctx, "sub_person-")
    )
    return {
        "election_form": {
            "groups": sorted(groups.items()),
            "seats": election.current_seats(ctx.db, meeting),
            "elected_rows": min(elected_rows, election.MAX_ROWS),
            "substitute_rows": min(substitute_rows, election.MAX_ROWS),
        }
    }


def form_context(
    ctx: Ctx, meeting: Meeting, minutes: Minutes | None, content: dict[str, Any]
) -> dict[str, Any]:
    board_members = org_service.list_board_members(ctx.db, board_id=meeting.board_id)
    listed = {a["person_id"] for a in content.get("attendance", [])}
    now = utcnow()
    extra = [
        {"person_id": m.person_id, "name": m.person.name, "role": m.role, "status": "absent"}
        for m in board_members
        if m.person_id not in listed and m.active_at(now)
    ]
    return {
        "meeting": meeting,
        "minutes": minutes,
        "attendance": content.get("attendance", []) + extra,
        "items": content.get("items", []),
        "takers": [(m.person_id, m.person.name) for m in board_members if m.active_at(now)],
        "active_nav": "home",
        **election_context(ctx, meeting, content),
    }


def field_errors(errors: dict[str, str], meeting: Meeting) -> dict[str, str]:
    """API-style keys (``items.3.votes``) as the form's field ids (``votes_for-<item id>``)."""
    ids = [item.id for item in sorted(meeting.items, key=lambda i: i.position)]
    result: dict[str, str] = {}
    for key, message in errors.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(ids):
            field = "votes_for" if parts[2] == "votes" else parts[2]
            result[f"{field}-{ids[int(parts[1])]}"] = message
        elif parts[0] == "attendance" and len(parts) == 3:
            result["_attendance"] = message
        elif parts[0] == "election" and len(parts) == 4 and parts[1] in ("elected", "substitutes"):
            short = {"elected": "el", "substitutes": "sub"}[parts[1]]
            name = {"person_id": "person", "role": "role", "term": "term", "order": "order"}.get(
                parts[3], "person"
            )
            result[f"{short}_{name}-{parts[2]}"] = message
        elif parts[0] == "election" and len(parts) == 3 and parts[1] == "leaving":
            result["_leaving"] = message
        else:
            result[key] = message
    return result


def default_leaving(context: dict[str, Any]) -> list[int]:
    """Who the form ticks as leaving before anything was recorded (see ``election.current_seats``)."""
    shown = context.get("election_form")
    return [s.person_id for s in shown["seats"] if s.leaves_by_default] if shown else []
