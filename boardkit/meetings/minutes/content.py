"""Writing minutes: the form's input checked and saved as the content document (a new version once submitted).

The content is one JSON document::

    {"meeting_chair": str, "minute_taker": str, "minute_taker_id": int | None,
     "attendance": [{"person_id", "name", "status": present|absent|excused}],
     "residents_present": int | None, "households_represented": int | None,   # department meetings
     "items": [{"agenda_item_id", "number", "title", "closed", "person_case", "notes", "decision",
                "votes": {"for", "against", "blank"} | None,
                "carried_over": true (absent: false)}],          # "Udsat til næste møde"
     "election": {...} | None}                                  # ordinary department meetings: election.py

A draft is edited in place. Once submitted, every change makes a new version (the approvals of
the earlier one stop counting, see ``minutes.approval``); published minutes are final.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.core import audit
from boardkit.core.db import utcnow
from boardkit.core.errors import Conflict, ValidationFailed
from boardkit.core.i18n import _, ngettext
from boardkit.core.permissions import Principal
from boardkit.meetings.minutes import search as minutes_search
from boardkit.meetings.minutes.access import find_minutes, require_edit
from boardkit.meetings.minutes.election import ElectionInput, build_election
from boardkit.meetings.minutes.versions import diff_content
from boardkit.meetings.models import Meeting, Minutes, MinutesVersion
from boardkit.org import service as org_service

ATTENDANCE = ("present", "absent", "excused")
VOTE_KEYS = ("for", "against", "blank")
MAX_VOTES = 100_000


@dataclass
class ItemInput:
    agenda_item_id: int
    notes: str = ""
    decision: str = ""
    votes: dict[str, int] | None = None
    carried_over: bool = False  # "Udsat til næste møde"


@dataclass
class MinutesInput:
    meeting_chair: str = ""
    minute_taker: str = ""
    minute_taker_id: int | None = None
    attendance: list[tuple[int, str]] = field(default_factory=list)  # (person id, status)
    residents_present: int | None = None
    households_represented: int | None = None
    items: list[ItemInput] = field(default_factory=list)
    election: ElectionInput | None = None  # ordinary department meetings


def blank_content(db: Session, meeting: Meeting) -> dict[str, Any]:
    """A starting point: the agenda's items and the board's sitting members as present."""
    now = utcnow()
    members = [
        m
        for m in org_service.list_board_members(db, board_id=meeting.board_id)
        if m.active_at(now) and m.role != "substitute"
    ]
    chair = next((m.person.name for m in members if m.role == "chair"), "")
    return {
        "meeting_chair": "" if meeting.is_department_meeting else chair,
        "minute_taker": "",
        "minute_taker_id": None,
        "attendance": [
            {"person_id": m.person_id, "name": m.person.name, "role": m.role, "status": "present"}
            for m in members
        ],
        "residents_present": None,
        "households_represented": None,
        "items": [_item_entry(item, ItemInput(item.id)) for item in sorted(meeting.items, key=_pos)],
    }


def _pos(item: Any) -> int:
    return int(item.position)


def _item_entry(item: Any, data: ItemInput) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "agenda_item_id": item.id,
        "number": item.position,
        "title": item.title,
        "closed": item.closed,
        "person_case": item.person_case,
        "kind": item.kind,
        "notes": data.notes.strip(),
        "decision": data.decision.strip(),
        "votes": dict(data.votes) if data.votes is not None else None,
    }
    if data.carried_over:  # absent means not carried over (so older minutes compare equal)
        entry["carried_over"] = True
    return entry


def _households(db: Session, meeting: Meeting) -> int:
    if meeting.department_id is None:
        return 0
    return int(
        db.scalar(select(func.count()).where(org_service.Tenancy.department_id == meeting.department_id)) or 0
    )


def build_content(db: Session, meeting: Meeting, data: MinutesInput) -> dict[str, Any]:
    """The content for ``data``, checked; every problem is a field error (422)."""
    errors: dict[str, str] = {}
    for name in ("meeting_chair", "minute_taker"):
        if len(getattr(data, name)) > 200:
            errors[name] = _("Højst %(n)s tegn.", n=200)
    members = {m.person_id: m for m in org_service.list_board_members(db, board_id=meeting.board_id)}
    attendance = []
    for n, (person_id, status) in enumerate(data.attendance):
        if person_id not in members:
            errors[f"attendance.{n}.person_id"] = _("Personen er ikke medlem af bestyrelsen.")
        elif status not in ATTENDANCE:
            errors[f"attendance.{n}.status"] = _("Vælg til stede, fraværende eller afbud.")
        else:
            m = members[person_id]
            attendance.append(
                {"person_id": person_id, "name": m.person.name, "role": m.role, "status": status}
            )
    if data.minute_taker_id is not None and data.minute_taker_id not in members:
        errors["minute_taker_id"] = _("Referenten skal være medlem af bestyrelsen.")
    department = meeting.is_department_meeting
    residents, households = data.residents_present, data.households_represented
    for name, value in (("residents_present", residents), ("households_represented", households)):
        if value is not None and not department:
            errors[name] = _("Tælles kun ved afdelingsmøder.")
        elif value is not None and not 0 <= value <= MAX_VOTES:
            errors[name] = _("Skriv et tal fra 0 og op.")
    if department and households is not None and "households_represented" not in errors:
        total = _households(db, meeting)
        if households > total:
            errors["households_represented"] = ngettext(
                "Afdelingen har kun %(num)s husstand.", "Afdelingen har kun %(num)s husstande.", total
            )
        elif residents is not None and households > residents:
            errors["households_represented"] = _("Der kan ikke være flere husstande end fremmødte beboere.")
    agenda = {item.id: item for item in meeting.items}
    given: dict[int, ItemInput] = {}
    recorded = _recorded_votes(db, meeting) if department else {}
    for n, entry in enumerate(data.items):
        if entry.agenda_item_id not in agenda:
            errors[f"items.{n}.agenda_item_id"] = _("Punktet er ikke på mødets dagsorden.")
            continue
        given[entry.agenda_item_id] = entry
        prefix = f"items.{n}"
        if len(entry.notes) > 20000:
            errors[f"{prefix}.notes"] = _("Højst %(n)s tegn.", n=20000)
        if len(entry.decision) > 5000:
            errors[f"{prefix}.decision"] = _("Højst %(n)s tegn.", n=5000)
        if entry.votes is not None:
            # Votes the meeting's count or a digital vote put in (``record_meeting_facts``) are not
            # judged against the households at the meeting: a digital vote's count is larger.
            kept = department and entry.votes == recorded.get(entry.agenda_item_id)
            _check_votes(entry.votes, f"{prefix}.votes", department and not kept, households, errors)
    election = build_election(db, meeting, data.election, errors)
    if errors:
        raise ValidationFailed(_("Nogle felter skal rettes."), fields=errors)
    content: dict[str, Any] = {
        "meeting_chair": data.meeting_chair.strip(),
        "minute_taker": data.minute_taker.strip(),
        "minute_taker_id": data.minute_taker_id,
        "attendance": attendance,
        "residents_present": residents,
        "households_represented": households,
        "items": [
            _item_entry(item, given.get(item.id, ItemInput(item.id)))
            for item in sorted(meeting.items, key=_pos)
        ],
    }
    if election is not None:
        content["election"] = election
    return content


def _recorded_votes(db: Session, meeting: Meeting) -> dict[int, Any]:
    """The votes each item has in the minutes as they stand (the meeting's count, a digital vote's)."""
    minutes = find_minutes(db, meeting_id=meeting.id)
    if minutes is None:
        return {}
    items = (minutes.content or {}).get("items", [])
    return {i["agenda_item_id"]: i.get("votes") for i in items if i.get("votes")}


def _check_votes(
    votes: dict[str, int], key: str, department: bool, households: int | None, errors: dict[str, str]
) -> None:
    if set(votes) - set(VOTE_KEYS) or any(
        isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_VOTES for v in votes.values()
    ):
        errors[key] = _("Stemmer for, imod og blanke skal være hele tal fra 0 og op.")
        return
    if not department:
        return
    if households is None:
        errors[key] = _("Skriv først, hvor mange husstande der var repræsenteret.")
    elif sum(votes.values()) > 2 * households:
        errors[key] = ngettext(
            "Der er afgivet %(votes)s stemmer, men %(num)s husstand har højst %(max)s stemmer.",
            "Der er afgivet %(votes)s stemmer, men %(num)s husstande har højst %(max)s stemmer.",
            households,
            votes=sum(votes.values()),
            max=2 * households,
        )


def save_minutes(db: Session, *, principal: Principal, meeting: Meeting, data: MinutesInput) -> Minutes:
    """Write the minutes (the chair, the minute taker, the administration: 403 otherwise): a draft in
    place; after submission a new version that resets approvals."""
    minutes = find_minutes(db, meeting_id=meeting.id)
    require_edit(
        principal, meeting, minutes, _("Kun formanden, referenten og administrationen kan skrive referatet.")
    )
    assert principal.person_id is not None
    actor_id = principal.person_id
    if meeting.status == "cancelled":
        raise Conflict(_("Mødet er aflyst, så der skrives intet referat."), code="meeting_cancelled")
    if minutes is not None and minutes.status == "published":
        raise Conflict(_("Referatet er udgivet og kan ikke længere ændres."), code="minutes_published")
    content = build_content(db, meeting, data)
    return _store(db, meeting, minutes, content, actor_id)


def _store(
    db: Session, meeting: Meeting, minutes: Minutes | None, content: dict[str, Any], actor_id: int | None
) -> Minutes:
    """Keep ``content`` as the minutes' text: new minutes as a draft, a draft changed in place, and
    after submission a new version that resets the approvals (its decisions leave the register)."""
    if minutes is None:
        minutes = Minutes(meeting_id=meeting.id, content=content, created_by=actor_id, status="draft")
        db.add(minutes)
        db.flush()
        _audit(db, meeting, minutes, actor_id, "minutes.create", {})
        minutes_search.changed(db, meeting.id)
        return minutes
    if content == minutes.content:
        return minutes
    before = minutes.content
    if minutes.status != "draft":
        minutes.version += 1
        db.add(
            MinutesVersion(
                minutes_id=minutes.id, number=minutes.version, content=content, created_by=actor_id
            )
        )
        minutes.status, minutes.approved_at = "submitted", None
    minutes.content = content
    minutes.updated_at = utcnow()
    db.flush()
    changes = {c.label: [c.before, c.after] for c in diff_content(before, content)}
    _audit(db, meeting, minutes, actor_id, "minutes.update", changes)
    minutes_search.changed(db, meeting.id)
    return minutes


def _audit(
    db: Session, meeting: Meeting, minutes: Minutes, actor_id: int | None, action: str, diff: dict[str, Any]
) -> None:
    audit.record(
        db,
        actor_id=actor_id,
        action=action,
        obj=minutes,
        organisation_id=meeting.board.organisation_id,
        summary=f"{meeting.title} (version {minutes.version})",
        diff=diff,
    )


# --- facts recorded at the meeting (resident democracy) -------------------------------------------

# The opening words of the sentences ``vote_sentence`` and ``election_sentence`` write: a line of an
# item's decision starting with one of them is replaced when the result is recorded again.
_GENERATED = re.compile(
    r"^(Forslaget blev (vedtaget|forkastet) med |Valgt ved afstemning: ).*$", re.MULTILINE
)


@dataclass
class ItemFacts:
    """A vote's result for one agenda item: the counts (None for an election) and the sentence
    saying it (``vote_sentence``, ``election_sentence``)."""

    votes: dict[str, int] | None
    sentence: str


def vote_sentence(votes: Mapping[str, int]) -> str:
    """ "Forslaget blev vedtaget med 45 stemmer for, 12 imod og 3 blanke." (simple majority of the
    votes cast for and against; a tie is not a majority: "forkastet")."""
    f, a, b = int(votes.get("for", 0)), int(votes.get("against", 0)), int(votes.get("blank", 0))
    if f > a:
        return ngettext(
            "Forslaget blev vedtaget med %(num)s stemme for, %(a)s imod og %(b)s blanke.",
            "Forslaget blev vedtaget med %(num)s stemmer for, %(a)s imod og %(b)s blanke.",
            f,
            a=a,
            b=b,
        )
    return ngettext(
        "Forslaget blev forkastet med %(num)s stemme for, %(a)s imod og %(b)s blanke.",
        "Forslaget blev forkastet med %(num)s stemmer for, %(a)s imod og %(b)s blanke.",
        f,
        a=a,
        b=b,
    )


def election_sentence(elected: Sequence[tuple[str, int]], substitutes: Sequence[tuple[str, int]]) -> str:
    """ "Valgt ved afstemning: A (32 stemmer), B (30 stemmer). Suppleanter: 1. C (12 stemmer)." """

    def votes(n: int) -> str:
        return ngettext("%(num)s stemme", "%(num)s stemmer", n)

    text = _("Valgt ved afstemning: %(names)s.", names=", ".join(f"{n} ({votes(v)})" for n, v in elected))
    if substitutes:
        listed = ", ".join(f"{i}. {n} ({votes(v)})" for i, (n, v) in enumerate(substitutes, start=1))
        text += " " + _("Suppleanter: %(names)s.", names=listed)
    return text


def _with_sentence(decision: str, sentence: str) -> str:
    """The item's decision with ``sentence`` in place of an earlier recorded result (or after the
    text the minute taker wrote)."""
    if sentence in decision:
        return decision
    if _GENERATED.match(sentence) and _GENERATED.search(decision):
        return _GENERATED.sub(lambda _m: sentence, decision, count=1).strip()
    return f"{decision.rstrip()}\n{sentence}" if decision.strip() else sentence


def record_meeting_facts(
    db: Session,
    meeting: Meeting,
    *,
    residents_present: int | None = None,
    households_represented: int | None = None,
    items: Mapping[int, ItemFacts] | None = None,
    election: ElectionInput | None = None,
    actor_id: int | None = None,
) -> bool:
    """Put what the meeting recorded (the roll's attendance, a vote's result, an election) into the
    minutes, so nobody types it again: the draft is made from ``blank_content`` when there are no
    minutes yet, a draft is updated in place, submitted minutes get a new version (as
    ``save_minutes``), approved and published minutes are left alone. Given facts replace earlier
    ones (an item's votes and its result sentence; the election block), None leaves a part as it
    is. No permission check: the caller (resident democracy's services) decides. Returns whether
    the minutes changed. An election that does not pass ``build_election`` is a 422."""
    if meeting.status == "cancelled":
        return False
    minutes = find_minutes(db, meeting_id=meeting.id)
    if minutes is not None and minutes.status in ("approved", "published"):
        return False
    before: dict[str, Any] = minutes.content if minutes is not None else blank_content(db, meeting)
    content = copy.deepcopy(before)
    if residents_present is not None:
        content["residents_present"] = residents_present
    if households_represented is not None:
        content["households_represented"] = households_represented
    if items:
        entries = {i["agenda_item_id"]: i for i in content.get("items", [])}
        for item in sorted(meeting.items, key=_pos):
            if item.id in items and item.id not in entries:  # added to the agenda after the draft
                entries[item.id] = _item_entry(item, ItemInput(item.id))
                content.setdefault("items", []).append(entries[item.id])
        for item_id, facts in items.items():
            entry = entries.get(item_id)
            if entry is None:
                continue
            entry["votes"] = dict(facts.votes) if facts.votes is not None else entry.get("votes")
            entry["decision"] = _with_sentence(entry.get("decision") or "", facts.sentence)
        order = {item.id: item.position for item in meeting.items}
        content["items"] = sorted(content["items"], key=lambda i: order.get(i["agenda_item_id"], 0))
    if election is not None:
        errors: dict[str, str] = {}
        built = build_election(db, meeting, election, errors)
        if errors:
            raise ValidationFailed(_("Valgets resultat kan ikke skrives i referatet."), fields=errors)
        if built is not None:
            content["election"] = built
    if minutes is not None and content == minutes.content:
        return False
    _store(db, meeting, minutes, content, actor_id)
    return True
