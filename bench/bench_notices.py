"""A notice to a department of 1,000 households, rendered and queued (< 5 s).

The same generated department as ``bench_invitations.py`` (1,000 households, about 1,700
adults: e-mail, SMS, paper by choice, no channel at all, homes marked for paper) in a fresh,
migrated SQLite database — or PostgreSQL when ``BOARDKIT_BENCH_POSTGRES_URL`` is set. Times
what publishing minutes does: the department's households and adults looked up, ``send_notice``
(statutory, so nobody waits for a digest) and the commit — every e-mail rendered and queued with
its delivery job, every SMS delivery queued as a job, every paper letter put in the print batch.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_invitations import populate

from boardkit import migrate
from boardkit.app import compose
from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.db import Database
from boardkit.core.models import Job
from boardkit.core.notify.models import NoticeDelivery
from boardkit.org import service as org_service
from boardkit.org.models import Department

BUDGET_S = 5.0


def database(tmp: Path) -> Database:
    url = os.environ.get("BOARDKIT_BENCH_POSTGRES_URL", "")
    if url:
        db = Database(url)
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.dispose()
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    migrate.upgrade(url)
    return Database(url)


def publish(db: Database, settings: Settings) -> tuple[float, int]:
    t0 = time.perf_counter()
    with db.transaction() as s:
        dept = s.scalars(select(Department)).one()
        addressees = []
        for household in org_service.list_households(s, department_id=dept.id):
            addressees += [notify.Addressee(p.id, household.tenancy.id) for p in household.residents]
            if not household.residents:
                addressees.append(notify.Addressee(None, household.tenancy.id))
        notice = notify.send_notice(
            s,
            organisation_id=dept.organisation_id,
            addressees=addressees,
            kind="minutes",
            subject="Referat fra afdelingsmødet i Storparken",
            body="Referatet fra afdelingsmødet er godkendt og offentliggjort.\n\nLæs det på boardkit.",
            link_path="/meetings/1/minutes",
            statutory=True,
            object_type="minutes",
            object_id=1,
            settings=settings,
        )
        notice_id = notice.id
    return time.perf_counter() - t0, notice_id


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = database(Path(tmp))
        populate(db, random.Random(5))
        settings = Settings(
            data_dir=Path(tmp),
            secret_key="bench",
            base_url="https://boardkit.example.dk",
            sms_url="http://127.0.0.1:9/sms",
            sms_key="bench",
        )
        compose(db, settings)  # core.notify's directory and paper channel
        elapsed, notice_id = publish(db, settings)
        with db.transaction() as s:
            rows = s.execute(
                select(NoticeDelivery.channel, NoticeDelivery.person_id.is_not(None), func.count())
                .where(NoticeDelivery.notice_id == notice_id)
                .group_by(NoticeDelivery.channel, NoticeDelivery.person_id.is_not(None))
            ).all()
            jobs = Counter(dict(s.execute(select(Job.kind, func.count()).group_by(Job.kind)).all()))
            stats = notify.read_stats(s, notice_id=notice_id)
        db.dispose()
    channels = {(c if person else "letters"): n for c, person, n in rows}
    backend = "postgresql" if os.environ.get("BOARDKIT_BENCH_POSTGRES_URL") else "sqlite"
    print(
        f"notice to {stats.households_total} households ({stats.persons_total} adults) "
        f"queued in {elapsed:.2f} s "
        f"[{backend}; budget {BUDGET_S:.0f} s]: "
        + ", ".join(f"{k} {v}" for k, v in sorted(channels.items()))
        + f"; jobs {dict(jobs)}"
    )
    return 0 if elapsed < BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
