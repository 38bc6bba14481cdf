"""Master-data import: 10,000 residents in under 20 s; re-import of the unchanged file under 10 s.

Generates a residents file (20 departments, ~4,000 tenancies, 10,000 residents with Danish names),
imports it into a fresh, migrated SQLite database, then re-imports it unchanged and with 1% of
the rows changed. Each import runs in its own transaction, timed including the commit.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from boardkit import migrate
from boardkit.core.db import Database
from boardkit.org.importing.service import ImportReport, import_csv
from boardkit.org.models import Organisation, Person, Residency

RESIDENTS = 10_000
DEPARTMENTS = 20
TENANCIES_PER_DEPARTMENT = 200
BUDGET_FIRST_S = 20.0
BUDGET_UNCHANGED_S = 10.0

FIRST = [
    "Anne",
    "Bent",
    "Birgit",
    "Carsten",
    "Dorthe",
    "Emil",
    "Freja",
    "Gitte",
    "Hans",
    "Ida",
    "Jens",
    "Karen",
    "Lars",
    "Lone",
    "Mads",
    "Mette",
    "Niels",
    "Oliver",
    "Pia",
    "Rasmus",
    "Signe",
    "Søren",
    "Tove",
    "Ulla",
    "Vibeke",
    "Åse",
    "Ørjan",
    "Aisha",
    "Mohammed",
    "Fatima",
    "Jørgen",
    "Kirsten",
]
LAST = [
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Ærø",
    "Østergaard",
    "Ali",
    "Yilmaz",
    "Holm",
]
STREETS = [
    "Solvej",
    "Møllevej",
    "Bøgeallé",
    "Kirkegade",
    "Åboulevarden",
    "Fælledvej",
    "Strandvejen",
    "Skovbrynet",
    "Engtoften",
    "Hjortevænget",
]
TOWNS = [
    ("2300", "København S"),
    ("8000", "Aarhus C"),
    ("5000", "Odense C"),
    ("9000", "Aalborg"),
    ("6700", "Esbjerg"),
    ("4000", "Roskilde"),
]
HEADER = (
    "afdeling_nr;afdeling_navn;lejemaal_nr;adresse;etage_doer;postnr;by;person_nr;navn;email;telefon;rolle;"
    "papir;sprog;kanal"
)
UNITS = ["st. tv.", "st. th.", "1. tv.", "1. th.", "2. tv.", "2. th.", "3. mf.", ""]


def generate(rng: random.Random) -> list[list[str]]:
    """Rows of 10,000 residents; about 40% want paper, some have no e-mail."""
    tenancies = []
    for d in range(DEPARTMENTS):
        number, street = str(101 + d), STREETS[d % len(STREETS)]
        postcode, town = TOWNS[d % len(TOWNS)]
        for t in range(TENANCIES_PER_DEPARTMENT):
            address = f"{street} {t // 8 + 1}"
            tenancies.append(
                [number, f"Afdeling {street}", f"{t + 1:04d}", address, UNITS[t % 8], postcode, town]
            )
    rows = []
    for i in range(RESIDENTS):
        tenancy = tenancies[i % len(tenancies)]  # 2-3 residents per home
        tenant = i < len(tenancies)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        email = f"beboer{i:05d}@example.dk" if rng.random() < 0.75 else ""
        phone = f"{rng.randrange(20_000_000, 99_999_999)}" if rng.random() < 0.5 else ""
        paper = "ja" if (not email or rng.random() < 0.2) else "nej"
        language = "en" if rng.random() < 0.05 else "da"
        role = "lejer" if tenant else "husstandsmedlem"
        rows.append([*tenancy, f"P{i:06d}", name, email, phone, role, paper, language, ""])
    return rows


def to_csv(rows: list[list[str]]) -> bytes:
    return ("\n".join([HEADER, *(";".join(r) for r in rows)]) + "\n").encode("cp1252")


def timed_import(db: Database, organisation_id: int, data: bytes) -> tuple[float, ImportReport]:
    start = time.perf_counter()
    with db.transaction() as s:
        report = import_csv(s, data=data, organisation_id=organisation_id, actor_id=None, dry_run=False)
    elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"import failed: {report.errors[:5]}")
    return elapsed, report


def figures(report: ImportReport) -> str:
    return report.summary()


def main() -> int:
    rng = random.Random(2024)
    rows = generate(rng)
    data = to_csv(rows)
    changed = [list(r) for r in rows]
    for i in rng.sample(range(RESIDENTS), RESIDENTS // 100):
        if i % 2:
            changed[i][8] += "-Holm"  # a new surname
        else:
            changed[i][10] = f"{rng.randrange(20_000_000, 99_999_999)}"  # a new phone number
    changed_data = to_csv(changed)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate.upgrade(url)
        db = Database(url)
        with db.transaction() as s:
            organisation = Organisation(name="Boligselskabet Bench", short_name="bench")
            s.add(organisation)
            s.flush()
            organisation_id = organisation.id
        first, r1 = timed_import(db, organisation_id, data)
        unchanged, r2 = timed_import(db, organisation_id, data)
        start = time.perf_counter()
        with db.transaction() as s:
            import_csv(s, data=changed_data, organisation_id=organisation_id, actor_id=None, dry_run=True)
        dry = time.perf_counter() - start
        one_percent, r3 = timed_import(db, organisation_id, changed_data)
        with db.transaction(readonly=True) as s:
            people = s.scalar(select(func.count(Person.id))) or 0
            homes = s.scalar(select(func.count(func.distinct(Residency.tenancy_id)))) or 0
        db.dispose()

    assert r2.changed is False and r3.counts["persons"]["updated"] == RESIDENTS // 100, r3.counts
    size = len(data) / 1e6
    print(
        f"file: {len(rows)} residents, {homes} homes, {DEPARTMENTS} departments, {size:.1f} MB, Windows-1252"
    )
    print(f"database after the imports: {people} persons")
    print(f"first import:            {first:6.2f} s  (budget < {BUDGET_FIRST_S:.0f} s)  {figures(r1)}")
    print(f"re-import unchanged:     {unchanged:6.2f} s  (budget < {BUDGET_UNCHANGED_S:.0f} s)")
    print(f"dry run, 1% changed:     {dry:6.2f} s")
    print(f"re-import 1% changed:    {one_percent:6.2f} s  {figures(r3)}")
    over = first >= BUDGET_FIRST_S or unchanged >= BUDGET_UNCHANGED_S
    if over:
        print("OVER BUDGET")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
