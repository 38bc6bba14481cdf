"""The pack names no resident: every known resident's name, address, phone number and e-mail is
taken out of the pack's free text (decision texts, titles, remarks of other domains).

Board members are residents too, so the pack speaks of roles, never of people; the one list of what
to look for is every person living in or sitting on a board of the organisation. Matching is by
words (a name is looked up by its first word, then compared whole), so a pack of hundreds of
decisions against thousands of residents is scanned in one pass per text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from boardkit.core.i18n import _
from boardkit.org import service as org_service

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\+?\d[\d \-]{6,}\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MIN_NAME = 4  # shorter "names" (initials, test data) would cut ordinary words


def _digits(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return digits[2:] if len(digits) == 10 and digits.startswith("45") else digits


class Scrubber:
    """Replaces known residents' names, addresses, phone numbers and e-mail addresses in a text."""

    def __init__(
        self,
        *,
        names: Iterable[str] = (),
        addresses: Iterable[str] = (),
        phones: Iterable[str] = (),
        emails: Iterable[str] = (),
    ) -> None:
        self._phrases: dict[str, list[tuple[str, str]]] = defaultdict(list)  # first word → (phrase, mark)
        for mark, values in ((_("[beboer]"), names), (_("[adresse]"), addresses)):
            for value in {v.strip() for v in values if v and len(v.strip()) >= MIN_NAME}:
                words = _WORD.findall(value.casefold())
                if words:
                    self._phrases[words[0]].append((value.casefold(), mark))
                    # "Mette Kirstine Hansen" is also written "Mette Hansen"
                    parts = value.split()
                    if mark == _("[beboer]") and len(parts) > 2:
                        short = f"{parts[0]} {parts[-1]}".casefold()
                        self._phrases[words[0]].append((short, mark))
        for phrases in self._phrases.values():
            phrases.sort(key=lambda p: -len(p[0]))  # the longest first
        self._phones = {d for p in phones if len(d := _digits(p)) >= 8}
        self._emails = {e.casefold() for e in emails if e}

    def __call__(self, text: str) -> str:
        if not text:
            return text
        if self._emails:
            text = _EMAIL.sub(
                lambda m: _("[e-mail]") if m.group(0).casefold() in self._emails else m.group(0), text
            )
        if self._phones:
            text = _DIGITS.sub(
                lambda m: _("[telefon]") if _digits(m.group(0)) in self._phones else m.group(0), text
            )
        if not self._phrases:
            return text
        folded = text.casefold()
        if len(folded) != len(text):  # a character whose case folding changes its length: rare
            folded = text.lower()
        out: list[str] = []
        at = 0
        for word in _WORD.finditer(folded):
            start = word.start()
            if start < at:
                continue
            for phrase, mark in self._phrases.get(word.group(0), ()):
                end = start + len(phrase)
                if folded.startswith(phrase, start) and (end >= len(folded) or not folded[end].isalnum()):
                    out.append(text[at:start])
                    out.append(mark)
                    at = end
                    break
        out.append(text[at:])
        return "".join(out)


def residents_scrubber(db: Session, *, organisation_id: int) -> Scrubber:
    """Everyone who lives in one of the organisation's departments or sits on one of its boards."""
    Person, Residency, Tenancy = org_service.Person, org_service.Residency, org_service.Tenancy
    Department, Membership, Board = org_service.Department, org_service.Membership, org_service.Board
    living = (
        select(Residency.person_id)
        .join(Tenancy, Tenancy.id == Residency.tenancy_id)
        .join(Department, Department.id == Tenancy.department_id)
        .where(Department.organisation_id == organisation_id)
    )
    sitting = (
        select(Membership.person_id)
        .join(Board, Board.id == Membership.board_id)
        .where(Board.organisation_id == organisation_id)
    )
    people = db.execute(
        select(Person.name, Person.phone, Person.email).where(
            or_(Person.id.in_(living), Person.id.in_(sitting))
        )
    ).all()
    homes = db.execute(
        select(Tenancy.address, Tenancy.unit)
        .join(Department, Department.id == Tenancy.department_id)
        .where(Department.organisation_id == organisation_id)
    ).all()
    addresses = {a for a, _u in homes if a} | {f"{a}, {u}" for a, u in homes if a and u}
    return Scrubber(
        names=(n for n, _p, _e in people),
        phones=(p for _n, p, _e in people if p),
        emails=(e for _n, _p, e in people if e),
        addresses=addresses,
    )
