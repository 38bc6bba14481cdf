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


def test_a_digital_only_notice_never_becomes_paper(db: Database, settings: Settings) -> None:
    """``digital_only`` (the forum's notices): those without a digital channel are left out — no
    household letter, no letter home to someone addressed alone, nobody recorded as unreachable."""
    settings = settings.with_(
        database_url=db.url, sms_url="http://127.0.0.1:9/sms", sms_key="k", digital_post_url=""
    )
    env = build(db)
    digital = {"Anna": "email", "Bo": "sms", "Erik": "email", "Gurli": "sms", "Hugo": "sms", "Ib": "email"}
    alone = [notify.Addressee(p) for p in env.people.values()]  # Carl, without a channel, has a home
    for addressees, reached in ((env.addressees, digital), (alone, {**digital, "Admin": "email"})):
        with db.transaction() as s:
            plan = notify.plan_notice(s, addressees=addressees, settings=settings, digital_only=True)
        assert {d.contact.name: d.channel for d in plan.decisions} == reached
        assert plan.letters == [] and plan.unreachable == []
        assert all(d.tenancy_id is None for d in plan.decisions)
        notice_id = send(db, env, settings, addressees=addressees, digital_only=True)
        with db.transaction() as s:
            rows = s.execute(
                select(NoticeDelivery.person_id, NoticeDelivery.channel, NoticeDelivery.tenancy_id).where(
                    NoticeDelivery.notice_id == notice_id
                )
            ).all()
        assert sorted((p, c) for p, c, _t in rows) == sorted((d.person_id, d.channel) for d in plan.decisions)
        assert {t for _p, _c, t in rows} == {None}
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Letter)) == 0
    # Without the flag, Carl (no channel, a home) would get a letter of his own.
    with db.transaction() as s:
        plan = notify.plan_notice(s, addressees=[notify.Addressee(env.people["Carl"])], settings=settings)
    assert [h.resident_names for h in plan.letters] == [("Carl",)]
