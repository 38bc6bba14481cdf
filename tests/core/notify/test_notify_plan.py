"""``plan_notice`` says beforehand exactly what ``send_notice`` then does (the sender's confirmation
shows it), for every kind of household and channel, and writes nothing."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from boardkit.config import Settings
from boardkit.core import notify
from boardkit.core.db import Database
from boardkit.core.notify.models import NoticeDelivery, NoticePreference
from boardkit.meetings.models import Letter
from tests.core.notify.notify_env import build, send


@pytest.mark.parametrize("urgent", [True, False])
def test_the_plan_is_what_is_sent(db: Database, settings: Settings, urgent: bool) -> None:
    settings = settings.with_(
        database_url=db.url,
        sms_url="http://127.0.0.1:9/sms",
        sms_key="k",
        digital_post_url="",
        max_attempts=1,
    )
    env = build(db)
    with db.transaction() as s:
        s.add(NoticePreference(person_id=env.people["Anna"], digest=True))  # waits for the weekly digest
    with db.transaction() as s:
        plan = notify.plan_notice(s, addressees=env.addressees, settings=settings, statutory=urgent)
        assert s.scalar(select(func.count()).select_from(NoticeDelivery)) == 0
    planned = Counter((d.person_id, d.channel or "none", d.status) for d in plan.decisions)
    assert {d.contact.name: d.channel for d in plan.decisions} == {
        "Anna": "email",
        "Bo": "sms",
        "Carl": "paper",
        "Dora": "paper",
        "Erik": "email",
        "Frida": "paper",  # Digital Post is not configured: her home's letter is her notice
        "Gurli": "sms",
        "Hugo": "sms",
        "Ib": "email",
        "Jens": None,
    }
    assert plan.unreachable == ["Jens"]
    assert plan.count("email", "digest") == (0 if urgent else 1)
    letters_planned = sorted(h.tenancy_id for h in plan.letters)
    assert letters_planned == sorted(env.tenancies[t] for t in ("T2", "T3", "T4", "T5", "T6"))

    notice_id = send(db, env, settings, statutory=urgent)
    with db.transaction() as s:
        rows = s.execute(
            select(NoticeDelivery.person_id, NoticeDelivery.channel, NoticeDelivery.status).where(
                NoticeDelivery.notice_id == notice_id, NoticeDelivery.person_id.is_not(None)
            )
        ).all()
        letters = s.scalar(select(func.count()).select_from(Letter).where(Letter.kind == "notice"))
    # E-mails are handed to the outbox at once ("sent" for the notice); the rest as planned.
    sent = Counter((p, c, "queued" if (c, st) == ("email", "sent") else st) for p, c, st in rows)
    assert sent == planned
    assert letters == len(plan.letters)
