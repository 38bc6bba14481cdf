"""A small organisation whose people cover every channel, for the notification service's tests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from boardkit.config import Settings
from boardkit.core import jobs, notify
from boardkit.core.db import Database
from boardkit.core.models import Job
from boardkit.org.models import Department, Organisation, Person, Residency, StaffRole, Tenancy


@dataclass
class Env:
    organisation_id: int
    people: dict[str, int] = field(default_factory=dict)  # first name → person id
    tenancies: dict[str, int] = field(default_factory=dict)  # T1 … → tenancy id
    addressees: list[notify.Addressee] = field(default_factory=list)


# tenancy → (paper?, [(name, email, phone, preferred_channel, paper)])
HOUSEHOLDS: dict[str, tuple[bool, list[tuple[str, str | None, str, str, bool]]]] = {
    "T1": (False, [("Anna", "anna@test.dk", "", "email", False), ("Bo", None, "+4511111111", "sms", False)]),
    "T2": (False, [("Carl", None, "", "email", False)]),  # no channel at all → paper
    "T3": (False, [("Dora", "dora@test.dk", "", "paper", True)]),  # asked for paper
    "T4": (True, [("Erik", "erik@test.dk", "", "email", False)]),  # the home asked for paper
    "T5": (False, []),  # nobody listed → paper
    "T6": (False, [("Frida", None, "", "digital_post", False)]),
    "T7": (False, [("Gurli", "gurli@test.dk", "+4522222222", "sms", False)]),  # SMS, e-mail to fall back on
    "T8": (False, [("Hugo", None, "+4533333333", "sms", False)]),  # SMS only: falls back to paper
}


def build(db: Database) -> Env:
    with db.transaction() as s:
        org = Organisation(name="Testbo", short_name="testbo")
        s.add(org)
        s.flush()
        dept = Department(organisation_id=org.id, number="1", name="Lunden")
        s.add(dept)
        s.flush()
        env = Env(organisation_id=org.id)
        for n, (key, (paper, residents)) in enumerate(HOUSEHOLDS.items(), start=1):
            t = Tenancy(
                department_id=dept.id,
                number=key,
                address=f"Lundvej {n}",
                postcode="2000",
                city="Frederiksberg",
                paper=paper,
            )
            s.add(t)
            s.flush()
            env.tenancies[key] = t.id
            if not residents:
                env.addressees.append(notify.Addressee(None, t.id))
            for name, email, phone, channel, asked_paper in residents:
                p = Person(
                    organisation_id=org.id,
                    name=name,
                    email=email,
                    phone=phone,
                    preferred_channel=channel,
                    paper=asked_paper,
                )
                s.add(p)
                s.flush()
                s.add(Residency(person_id=p.id, tenancy_id=t.id, start_date=date(2020, 1, 1)))
                env.people[name] = p.id
                env.addressees.append(notify.Addressee(p.id, t.id))
        for name, email in (("Ib", "ib@test.dk"), ("Jens", None)):  # board members without a household
            p = Person(organisation_id=org.id, name=name, email=email)
            s.add(p)
            s.flush()
            env.people[name] = p.id
            env.addressees.append(notify.Addressee(p.id))
        admin = Person(organisation_id=org.id, name="Admin", email="admin@test.dk")
        s.add(admin)
        s.flush()
        s.add(StaffRole(person_id=admin.id, organisation_id=org.id, role="admin"))
        env.people["Admin"] = admin.id
    return env


def send(db: Database, env: Env, settings: Settings, **kwargs: object) -> int:
    values: dict[str, object] = {
        "kind": "minutes",
        "subject": "Referatet fra afdelingsmødet",
        "body": "Referatet er godkendt.\n\nLæs det på siden.",
        "link_path": "/meetings/1",
        "addressees": env.addressees,
        **kwargs,
    }
    with db.transaction() as s:
        notice = notify.send_notice(s, organisation_id=env.organisation_id, settings=settings, **values)  # type: ignore[arg-type]
        return notice.id


def drain(runner: jobs.JobRunner, db: Database, timeout: float = 30.0) -> None:
    """Run jobs until none is waiting (retries included: their backoff is short in tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runner.run_until_idle()
        with db.transaction() as s:
            waiting = s.scalar(select(func.count()).where(Job.status.in_(("queued", "running"))))
        if not waiting:
            return
        time.sleep(0.02)
    raise AssertionError("jobs still waiting")
