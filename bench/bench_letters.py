"""Print batch PDF: 300 paper invitations (a department's households without a digital channel).

Renders 300 letters with the full standard agenda into one PDF, as "Afslut og print" does, and
reads it back with pypdf. The issue sets no budget for letters; ours: under 5 s for 300 letters
(a large department's paper households), so closing a batch stays a reasonable wait.
"""

from __future__ import annotations

import io
import sys
import time
from datetime import UTC, datetime

from pypdf import PdfReader

from boardkit.meetings.invitations.letters import render_batch
from boardkit.meetings.models import Letter
from boardkit.meetings.service import STANDARD_AGENDA

LETTERS = 300
BUDGET_S = 5.0
NAMES = [
    "Søren Ærø",
    "Şahin Yılmaz",
    "Nguyễn Thị Hương",
    "Birgit Østergård",
    "Ahmad Al-Khalil",
    "Zoë Bækgaard",
]


def make_letters() -> list[Letter]:
    content = {
        "title": "Ordinært afdelingsmøde 2027",
        "meeting_kind": "ordinary_department",
        "starts_at": "2027-01-05T18:00:00+00:00",
        "ends_at": "2027-01-05T20:30:00+00:00",
        "location": "Fælleshuset, Engparken 2, 2600 Glostrup",
        "room": "Store sal",
        "online_url": "https://møde.example.dk/engparken",
        "agenda": [title for title, _kind, _role in STANDARD_AGENDA],
        "notice_date": "2026-12-01",
        "proposals_due": "2026-12-22",
        "material_due": "2026-12-29",
        "proposals_to": "i bestyrelsens postkasse i Fælleshuset",
        "department": "Engparken",
        "department_number": "101",
        "board": "Afdelingsbestyrelsen i Engparken",
        "organisation": "Boligselskabet Fællesbo",
        "sender_address": ["Fællesvej 1", "2600 Glostrup"],
    }
    now = datetime.now(UTC)
    return [
        Letter(
            id=n,
            kind="invitation",
            recipient=NAMES[n % len(NAMES)],
            address_lines=[
                f"Engparken {n // 6 + 1}, {n % 3 + 1}. {'tv' if n % 2 else 'th'}.",
                "2600 Glostrup",
            ],
            content=content,
            created_at=now,
        )
        for n in range(1, LETTERS + 1)
    ]


def main() -> int:
    letters = make_letters()
    start = time.perf_counter()
    rendered = render_batch(letters)
    elapsed = time.perf_counter() - start
    reader = PdfReader(io.BytesIO(rendered.pdf))
    assert len(reader.pages) == sum(rendered.pages) >= LETTERS
    pages_per_letter = {n: rendered.pages.count(n) for n in sorted(set(rendered.pages))}
    print(
        f"{LETTERS} letters → {len(reader.pages)} pages (letters by page count: {pages_per_letter}), "
        f"{len(rendered.pdf) / 1e6:.2f} MB"
    )
    print(
        f"render: {elapsed:6.2f} s  ({elapsed / LETTERS * 1000:.1f} ms a letter)  (budget < {BUDGET_S:.0f} s)"
    )
    if elapsed >= BUDGET_S:
        print("OVER BUDGET")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
