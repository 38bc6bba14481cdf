"""Handover pack of a board with five years of history: 60 meetings with approved minutes, 500
decisions (some closed, texts that name residents for the scrubber to find), against the demo
organisation's residents. Budget (issue 16): generate + PDF under 5 s, peak memory under 250 MB.

The library (100 documents) is another part of issue 16: when ``boardkit.library`` is not in the
tree its sections stay empty and this bench says so. Setting up runs in this process; the timed
part (``handover.service.generate`` and drawing the PDF) runs in a fresh child process, so its peak
RSS (``resource.getrusage``) is its own.
"""

from __future__ import annotations

import importlib.util
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

MEETINGS, DECISIONS, YEARS = 60, 500, 5
BUDGET_S, BUDGET_MB = 5.0, 250


def setup(path: Path) -> None:
    from sqlalchemy import select

    from boardkit import migrate
    from boardkit.core.db import Database
    from boardkit.demo import load_demo
    from boardkit.meetings.models import Decision, Meeting, Minutes
    from boardkit.org.models import Board, Membership, Person

    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url)
    with database.transaction() as s:
        load_demo(s, seed=1)
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert board is not None
        names = s.scalars(select(Person.name).limit(50)).all()
        now = datetime.now(UTC)
        # The departing member sat all five years (their term is the pack's period).
        former = s.scalar(select(Person).where(Person.email.not_like("%demo.boardkit.dk")).limit(1))
        assert former is not None
        s.add(
            Membership(
                board_id=board.id,
                person_id=former.id,
                role="treasurer",
                start_date=(now - timedelta(days=YEARS * 365 + 10)).date(),
                end_date=(now - timedelta(days=1)).date(),
            )
        )
        per = DECISIONS // MEETINGS + 1
        made = 0
        for n in range(MEETINGS):
            start = now - timedelta(days=YEARS * 365 * (n + 1) // MEETINGS)
            meeting = Meeting(
                board_id=board.id,
                department_id=board.department_id,
                kind="board",
                title=f"Bestyrelsesmøde {n + 1}",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                status="held",
            )
            s.add(meeting)
            s.flush()
            minutes = Minutes(meeting_id=meeting.id, status="published", content={"items": []})
            s.add(minutes)
            s.flush()
            for k in range(per):
                if made >= DECISIONS:
                    break
                made += 1
                s.add(
                    Decision(
                        minutes_id=minutes.id,
                        meeting_id=meeting.id,
                        organisation_id=board.organisation_id,
                        board_id=board.id,
                        department_id=board.department_id,
                        decided_on=start.date(),
                        item_number=k + 1,
                        item_title=f"Sag {made}: vedligehold og aktiviteter",
                        text=(
                            f"Bestyrelsen besluttede at sætte arbejdet i gang efter henvendelse fra "
                            f"{names[made % len(names)]}. Udgiften afholdes af driftsbudgettet. " * 3
                        ),
                        closed=made % 17 == 0,
                    )
                )
    database.dispose()


def child(path: str, files: str) -> None:
    from sqlalchemy import select

    from boardkit.config import Settings
    from boardkit.core.db import Database
    from boardkit.handover import service
    from boardkit.org.models import Board, Membership

    database = Database(f"sqlite:///{path}")
    settings = Settings(data_dir=Path(files))
    with database.transaction(readonly=True) as s:
        board_id = s.scalar(select(Board.id).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        departing = s.scalar(
            select(Membership.person_id).where(
                Membership.board_id == board_id,
                Membership.role == "treasurer",
                Membership.end_date.is_not(None),
            )
        )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    with database.transaction() as s:
        pack = service.generate(
            s, board_id=board_id, actor_id=None, reason="change", departing_person_id=departing
        )
        pack_id = pack.id
        rows = sum(len(t["rows"]) for sec in pack.content["sections"] for t in sec["tables"])
    t1 = time.perf_counter()
    sha = service.build_pdf(database, {"pack_id": pack_id}, settings=settings)
    t2 = time.perf_counter()
    assert sha is not None
    size = len(settings.files_dir.joinpath(sha[:2], sha[2:4], sha).read_bytes())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generate (snapshot of {rows} table rows): {t1 - t0:.2f} s")
    print(f"PDF drawn and stored: {t2 - t1:.2f} s{f' ({size} bytes)' if size else ''}")
    print(f"total: {t2 - t0:.2f} s (budget {BUDGET_S} s)")
    print(f"peak RSS: {peak:.0f} MB (before generating: {before:.0f} MB; budget {BUDGET_MB} MB)")
    ok = t2 - t0 < BUDGET_S and peak < BUDGET_MB
    print("within budget" if ok else "OVER BUDGET")
    sys.exit(0 if ok else 1)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    if importlib.util.find_spec("boardkit.library") is None:
        print("boardkit.library is not in this tree: the 100 documents are left out (empty sections)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        t0 = time.perf_counter()
        setup(path)
        print(f"setup: demo + {MEETINGS} meetings, {DECISIONS} decisions in {time.perf_counter() - t0:.1f} s")
        data = str(Path(tmp) / "data")
        done = subprocess.run([sys.executable, __file__, "--child", str(path), data], check=False)
        sys.exit(done.returncode)


if __name__ == "__main__":
    main()
