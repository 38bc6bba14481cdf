"""The versions of submitted minutes and a readable word-by-word diff between two of them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.core.i18n import _
from boardkit.meetings.minutes import election
from boardkit.meetings.models import Minutes, MinutesVersion


def list_versions(db: Session, *, minutes: Minutes) -> list[MinutesVersion]:
    return list(
        db.scalars(
            select(MinutesVersion)
            .where(MinutesVersion.minutes_id == minutes.id)
            .order_by(MinutesVersion.number)
        )
    )


# --- diff -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str  # what changed, e.g. "3. Økonomi: beslutning"
    before: str
    after: str
    parts: tuple[tuple[str, str], ...]  # ("same" | "del" | "ins", text), word by word


def _words(text: str) -> list[str]:
    return re.findall(r"\s+|[^\s]+", text)


def word_diff(before: str, after: str) -> tuple[tuple[str, str], ...]:
    a, b = _words(before), _words(after)
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            parts.append(("ins", "".join(b[j1:j2])))
    return tuple(parts)


def _votes_text(votes: dict[str, int] | None) -> str:
    if not votes:
        return ""
    return _(
        "for %(f)s, imod %(a)s, blanke %(b)s",
        f=votes.get("for", 0),
        a=votes.get("against", 0),
        b=votes.get("blank", 0),
    )


def _attendance_text(content: dict[str, Any]) -> dict[str, str]:
    labels = {"present": _("til stede"), "absent": _("fraværende"), "excused": _("afbud")}
    return {a["name"]: labels.get(a["status"], a["status"]) for a in content.get("attendance", [])}


def diff_content(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """What changed between two versions, in the order a reader meets it."""
    changes: list[Change] = []

    def add(label: str, before: Any, after: Any) -> None:
        b, a = "" if before is None else str(before), "" if after is None else str(after)
        if b != a:
            changes.append(Change(label, b, a, word_diff(b, a)))

    add(_("Mødeleder"), old.get("meeting_chair"), new.get("meeting_chair"))
    add(_("Referent"), old.get("minute_taker"), new.get("minute_taker"))
    add(_("Fremmødte beboere"), old.get("residents_present"), new.get("residents_present"))
    add(_("Repræsenterede husstande"), old.get("households_represented"), new.get("households_represented"))
    before_att, after_att = _attendance_text(old), _attendance_text(new)
    for name in dict.fromkeys([*before_att, *after_att]):
        add(_("Fremmøde: %(name)s", name=name), before_att.get(name), after_att.get(name))
    old_items = {i["agenda_item_id"]: i for i in old.get("items", [])}
    for item in new.get("items", []):
        was = old_items.get(item["agenda_item_id"], {})
        head = f"{item['number']}. {item['title']}"
        add(_("%(item)s: referat", item=head), was.get("notes"), item.get("notes"))
        add(_("%(item)s: beslutning", item=head), was.get("decision"), item.get("decision"))
        add(
            _("%(item)s: afstemning", item=head),
            _votes_text(was.get("votes")),
            _votes_text(item.get("votes")),
        )
        add(
            _("%(item)s: udsat til næste møde", item=head),
            _("ja") if was.get("carried_over") else _("nej"),
            _("ja") if item.get("carried_over") else _("nej"),
        )
    before_el, after_el = _election_text(old), _election_text(new)
    for key, label in (
        ("elected", _("Valg: valgte medlemmer")),
        ("substitutes", _("Valg: suppleanter")),
        ("leaving", _("Valg: udtræder")),
    ):
        add(label, before_el.get(key), after_el.get(key))
    return changes


def _election_text(content: dict[str, Any]) -> dict[str, str]:
    """Each part of the election as one line per person, for the diff."""
    shown = election.display(content)
    if shown is None:
        return {}
    return {
        "elected": "\n".join(f"{e['name']} ({e['role_text']}, {e['term_text']})" for e in shown["elected"]),
        "substitutes": "\n".join(
            f"{s['order']}. {s['name']} ({s['term_text']})" for s in shown["substitutes"]
        ),
        "leaving": "\n".join(f"{x['name']} ({x['role_text']})" for x in shown["leaving"]),
    }


def version_diff(db: Session, *, minutes: Minutes, number: int) -> list[Change] | None:
    """The changes that made version ``number`` (None when there is no such version or no earlier one)."""
    versions = {v.number: v for v in list_versions(db, minutes=minutes)}
    if number not in versions or number - 1 not in versions:
        return None
    return diff_content(versions[number - 1].content, versions[number].content)
