"""The minutes form of the web pages: what was typed → the service's input, and back."""

from __future__ import annotations

from typing import Any

from boardkit.core.db import utcnow
from boardkit.core.i18n import _
from boardkit.core.web import Ctx
from boardkit.meetings.minutes.content import ItemInput, MinutesInput
from boardkit.meetings.models import Meeting, Minutes
from boardkit.org import service as org_service


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
    )
    return data, errors


def form_values(content: dict[str, Any]) -> dict[str, Any]:
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
    return values


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
        else:
            result[key] = message
    return result
