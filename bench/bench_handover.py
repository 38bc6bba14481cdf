"""Handover pack of a board with five years of history: the demo organisation (with its files:
Engparken's library of six documents and two contracts, its eight keys and accounts, minutes,
expense claims), 60 meetings with published minutes, 500 decisions with the statuses a real register
has (nearly everything older than a year done, the last year's partly open or in progress; some
closed items; texts that name residents for the scrubber to find) and the library filled up to 100
documents (contracts with their metadata, some with several versions) through the library's service.
Budget (issue 16): generate + PDF under 5 s, peak memory under 250 MB.

Setting up runs in this process; the timed part (``handover.service.generate`` and drawing the PDF)
runs in a fresh child process, so its peak RSS (``resource.getrusage``) is its own.
"""

from __future__ import annotations

import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

MEETINGS, DECISIONS, DOCUMENTS, YEARS = 60, 500, 100, 5
BUDGET_S, BUDGET_MB = 5.0, 250

# (kind, title) of the documents added to the demo's; contracts get a supplier and a subject.
KINDS = (
    ("maintenance_rules", "Vedligeholdelsesreglement"),
    ("inspection_report", "Boligsyn"),
    ("maintenance_plan", "Drifts- og vedligeholdelsesplan"),
    ("house_rules", "Husorden, tillæg"),
    ("other", "Referat af beboermøde"),
    ("other", "Budget og regnskab"),
    ("contract", "Serviceaftale"),
)
SUPPLIERS = ("Grøn Have ApS", "Rent Trappe A/S", "VVS-Service ApS", "Elektro Nord", "Låsesmeden A/S")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def _status(rng: random.Random, decided: date, today: date) -> str:
    """Nearly all of an old register is carried out; the last year's is partly under way."""
    age = (today - decided).days
    if age > 365:
        return rng.choices(("done", "in_progress", "open"), (94, 4, 2))[0]
    if age > 120:
        return rng.choices(("done", "in_progress", "open"), (60, 25, 15))[0]
    return rng.choices(("done", "in_progress", "open"), (20, 35, 45))[0]


def _history(s, board, now: datetime, rng: random.Random) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from boardkit.meetings.models import Decision, Meeting, Minutes
    from boardkit.org.models import Person

    names = s.scalars(select(Person.name).limit(50)).all()
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
            status = _status(rng, start.date(), now.date())
            later = rng.randint(7, 60)
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
                    status=status,
                    status_changed_at=None if status == "open" else start + timedelta(days=later),
                    status_note="" if status == "open" else "Sat i gang af driften.",
                )
            )
    return made


def _library(s, board, store, now: datetime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from boardkit.demo.accounts import ADMIN_EMAIL
    from boardkit.demo.library import document_pdf
    from boardkit.library import service as library
    from boardkit.org import service as org_service
    from boardkit.org.models import Person

    admin = s.scalar(select(Person).where(Person.email == ADMIN_EMAIL))
    assert admin is not None
    principal = org_service.build_principal(s, person_id=admin.id)
    L = library.LibraryDocument
    have = s.scalar(select(func.count(L.id)).where(L.board_id == board.id)) or 0
    versions = 0
    for n in range(DOCUMENTS - have):
        kind, title = KINDS[n % len(KINDS)]
        year = now.year - n % YEARS
        title = f"{title} {year} ({n + 1})"
        if kind == "contract":
            supplier = SUPPLIERS[n % len(SUPPLIERS)]
            data = library.DocumentInput(
                kind=kind,
                title=title,
                supplier=supplier,
                subject=f"Drift og service, aftale {n + 1}",
                term_start=date(year, 1, 1),
                term_end=date(year + 3, 12, 31),
                notice_period="3 måneder",
                admin_contact_id=admin.id,
            )
        else:
            description = f"Bestyrelsens dokument {n + 1}."
            data = library.DocumentInput(kind=kind, title=title, description=description)
        pdf = document_pdf(title, pages=1)
        document = library.create_document(
            s,
            principal=principal,
            board_id=board.id,
            data=data,
            upload=Upload(f"dokument-{n + 1}.pdf", pdf),
            store=store,
        )
        versions += 1
        for v in range(2 if n % 4 == 0 else 0):  # every fourth document was revised twice
            library.add_version(
                s,
                principal=principal,
                document_id=document.id,
                upload=Upload(f"dokument-{n + 1}-v{v + 2}.pdf", pdf + f"%v{v + 2}\n".encode()),
                store=store,
                note=f"Revideret {year + v}",
            )
            versions += 1
    total = s.scalar(select(func.count(L.id)).where(L.board_id == board.id)) or 0
    return total, versions


def setup(path: Path, data_dir: Path) -> tuple[str, tuple[int, int]]:
    from sqlalchemy import func, select

    from boardkit import migrate
    from boardkit.app import compose
    from boardkit.config import Settings
    from boardkit.core.db import Database
    from boardkit.core.storage import FileStore
    from boardkit.demo import load_demo
    from boardkit.library.models import AccessItem
    from boardkit.org.models import Board, Membership, Person

    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    database = Database(url)
    settings = Settings(data_dir=data_dir, database_url=url, secret_key="bench-" + "k" * 40)
    compose(database, settings)  # the demo sends notices (core.notify needs the domains)
    store = FileStore(settings.files_dir)
    rng = random.Random(16)
    with database.transaction() as s:
        load_demo(s, seed=1, store=store, secret_key=settings.secret_key)
        board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
        assert board is not None
        now = datetime.now(UTC)
        # The departing member sat all five years (their term is the pack's period): a resident on
        # no board yet (the demo's own handover pack already has its departing member).
        former = s.scalar(
            select(Person)
            .where(Person.email.not_like("%demo.boardkit.dk"), Person.id.not_in(select(Membership.person_id)))
            .order_by(Person.id)
            .limit(1)
        )
        assert former is not None
        successor = s.scalar(
            select(Membership.person_id).where(
                Membership.board_id == board.id,
                Membership.role == "vice_chair",
                Membership.end_date.is_(None),
            )
        )
        assert successor is not None
        people = (former.id, successor)
        s.add(
            Membership(
                board_id=board.id,
                person_id=former.id,
                role="treasurer",
                start_date=(now - timedelta(days=YEARS * 365 + 10)).date(),
                end_date=(now - timedelta(days=1)).date(),
            )
        )
        decisions = _history(s, board, now, rng)
        documents, versions = _library(s, board, store, now)
        keys = s.scalar(select(func.count(AccessItem.id)).where(AccessItem.board_id == board.id))
    database.dispose()
    made = (
        f"demo + {MEETINGS} meetings, {decisions} decisions, {documents} library documents "
        f"({versions} files added), {keys} keys and accounts"
    )
    return made, people


def peak_mb() -> float:
    """This process's peak resident memory. ``ru_maxrss`` would do, but Linux carries the parent's
    peak over a fork and exec into the child's, so the setup's memory would be counted; the
    address space's own high-water mark (``VmHWM``) starts afresh at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(path: str, files: str, departing: int, successor: int) -> None:
    from sqlalchemy import select

    from boardkit.config import Settings
    from boardkit.core.db import Database
    from boardkit.handover import service
    from boardkit.org.models import Board

    database = Database(f"sqlite:///{path}")
    settings = Settings(data_dir=Path(files))
    with database.transaction(readonly=True) as s:
        board_id = s.scalar(select(Board.id).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
    before = peak_mb()
    t0 = time.perf_counter()
    with database.transaction() as s:
        pack = service.generate(
            s,
            board_id=board_id,
            actor_id=None,
            reason="change",
            departing_person_id=departing,
            successor_person_id=successor,
        )
        pack_id = pack.id
        counts = {sec["key"]: sum(len(t["rows"]) for t in sec["tables"]) for sec in pack.content["sections"]}
    # A fresh pack of the whole history, not one made before (``generate`` returns that one again).
    assert counts["decisions"] >= DECISIONS * 0.9 and counts["documents"] == DOCUMENTS, counts
    rows = sum(counts.values())
    t1 = time.perf_counter()
    sha = service.build_pdf(database, {"pack_id": pack_id}, settings=settings)
    t2 = time.perf_counter()
    assert sha is not None
    size = len(settings.files_dir.joinpath(sha[:2], sha[2:4], sha).read_bytes())
    peak = peak_mb()
    per_section = ", ".join(f"{k} {n}" for k, n in counts.items())
    print(f"generate (snapshot of {rows} table rows: {per_section}): {t1 - t0:.2f} s")
    print(f"PDF drawn and stored: {t2 - t1:.2f} s{f' ({size} bytes)' if size else ''}")
    print(f"total: {t2 - t0:.2f} s (budget {BUDGET_S} s)")
    print(f"peak RSS: {peak:.0f} MB (before generating: {before:.0f} MB; budget {BUDGET_MB} MB)")
    ok = t2 - t0 < BUDGET_S and peak < BUDGET_MB
    print("within budget" if ok else "OVER BUDGET")
    sys.exit(0 if ok else 1)


def main() -> None:
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        data = str(Path(tmp) / "data")
        t0 = time.perf_counter()
        made, (departing, successor) = setup(path, Path(data))
        print(f"setup: {made} in {time.perf_counter() - t0:.1f} s")
        args = ["--child", str(path), data, str(departing), str(successor)]
        done = subprocess.run([sys.executable, __file__, *args], check=False)
        sys.exit(done.returncode)


if __name__ == "__main__":
    main()
