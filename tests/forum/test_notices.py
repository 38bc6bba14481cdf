"""Forum notices through a real SMTP server (aiosmtpd): mentions and replies at once, the daily
digest once a day and never empty, content hidden in mails, ``off`` and muted threads silent, the
author never told of their own post, no paper; preferences and their defaults."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from email.header import decode_header, make_header
from email.message import Message

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.errors import NotFound, ValidationFailed
from boardkit.core.notify.models import Notice, NoticeDelivery
from boardkit.core.templating import TZ
from boardkit.forum import notices, posting, preferences
from boardkit.forum.models import Digest, Mention, Post, Space, Thread
from boardkit.meetings.models import Letter
from boardkit.org import service as org_service
from boardkit.org.models import Board, Department, Person
from tests.core.notify.notify_env import drain
from tests.smtp import SMTPServer

pytestmark = pytest.mark.postgres

FORMAND, KASSERER = "formand@demo.boardkit.dk", "kasserer@demo.boardkit.dk"
BEBOER, BEBOER2 = "beboer@demo.boardkit.dk", "beboer2@demo.boardkit.dk"
MEMBER = "knud.kjaer.76@example.dk"  # a member of Engparken's board
NEIGHBOUR = "cecilie.kristensen.136@example.dk"  # on Engparken's board, so on its bulletin board too


@dataclass(frozen=True)
class Forum:
    board: int  # Engparken's board's forum
    bulletin: int  # Engparken's bulletin board
    other_bulletin: int  # Søbakken's
    engparken: int  # the department's id
    people: dict[str, int]


def _space(s: Session, **values: object) -> int:
    """The space (the demo may come to have it), made when missing."""
    owner = "board_id" if values["kind"] == "board" else "department_id"
    found = s.scalar(select(Space.id).filter_by(kind=values["kind"], **{owner: values[owner]}))
    if found is not None:
        return found
    space = Space(**values)
    s.add(space)
    s.flush()
    return space.id


@pytest.fixture
def forum(demo: Database) -> Forum:
    with demo.transaction() as s:
        board = s.scalars(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken")).one()
        departments = dict(s.execute(select(Department.name, Department.id)).all())
        org = board.organisation_id
        people = dict(
            s.execute(
                select(Person.email, Person.id).where(
                    Person.email.in_([FORMAND, KASSERER, BEBOER, BEBOER2, MEMBER, NEIGHBOUR])
                )
            ).all()
        )
        return Forum(
            board=_space(s, organisation_id=org, kind="board", board_id=board.id),
            bulletin=_space(s, organisation_id=org, kind="bulletin", department_id=departments["Engparken"]),
            other_bulletin=_space(
                s, organisation_id=org, kind="bulletin", department_id=departments["Søbakken"]
            ),
            engparken=departments["Engparken"],
            people=people,
        )


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings: Settings, demo: Database, smtp: SMTPServer) -> Settings:
    return settings.with_(database_url=demo.url, smtp_url=smtp.url)


def write(
    db: Database,
    settings: Settings,
    *,
    space: int,
    author: int,
    body: str,
    title: str = "",
    thread: int | None = None,
    mentions: tuple[int, ...] = (),
    at: datetime | None = None,
    state: str = "visible",
) -> tuple[int, int, int]:
    """A post as the posting service will write it, then ``after_post`` in the same transaction:
    (thread id, post id, people told)."""
    when = at or utcnow()
    with db.transaction() as s:
        if thread is None:
            t = Thread(space_id=space, title=title, created_by=author, created_at=when, last_post_at=when)
            s.add(t)
            s.flush()
            thread = t.id
        post = Post(thread_id=thread, author_id=author, body=body, html="", created_at=when, state=state)
        s.add(post)
        s.flush()
        s.add_all(Mention(post_id=post.id, person_id=m) for m in mentions)
        s.flush()
        told = notices.after_post(s, post_id=post.id, settings=settings)
    return thread, post.id, told


def deliver(db: Database, settings: Settings) -> None:
    drain(build_runner(db, settings), db, timeout=120)


def whole(msg: Message) -> str:
    """Everything a recipient can read: the subject and every text part (plain and HTML)."""
    parts = [str(make_header(decode_header(msg["Subject"])))]
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            parts.append(payload.decode(part.get_content_charset() or "utf-8"))
    return "\n".join(parts)


def inbox(smtp: SMTPServer, address: str) -> list[str]:
    return [whole(m) for m in smtp.inbox.to(address)]


def set_level(db: Database, person: int, space: int, level: str, hide: bool) -> None:
    with db.transaction() as s:
        preferences.set_preference(s, person_id=person, space_id=space, level=level, hide_content=hide)


def digest_window() -> tuple[date, datetime]:
    """A digest day a week ahead (the demo's own posts are in today's window) and a moment early
    in its window."""
    day = notices.digest_day(utcnow()) + timedelta(days=7)
    return day, notices.window(day)[0] + timedelta(minutes=30)


# --- at once ---------------------------------------------------------------------------------


def test_a_mention_arrives_at_once_with_nothing_of_the_post_and_never_to_its_author(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    p = forum.people
    title, text = "Tilbud på tagrenovering", "Rambøll-tilbuddet ligger 400.000 over budgettet, se bilaget."
    thread, post, told = write(
        demo,
        mail_settings,
        space=forum.board,
        author=p[FORMAND],
        title=title,
        body=text,
        mentions=(p[KASSERER],),
    )
    assert told == 6  # the other six members of the board (all with e-mail): the board forum's "all"
    deliver(demo, mail_settings)

    (mention,) = inbox(smtp, KASSERER)
    assert "Du er nævnt i et indlæg i forummet for Afdelingsbestyrelsen i Engparken" in mention
    assert "Der er et nyt indlæg i forummet for Afdelingsbestyrelsen i Engparken." in mention
    (member,) = inbox(smtp, MEMBER)
    assert "Nyt indlæg i forummet for Afdelingsbestyrelsen i Engparken" in member
    assert inbox(smtp, FORMAND) == []  # the author
    assert inbox(smtp, BEBOER) == []  # a resident: not the board's forum
    # The board forum hides content by default: no title, no text, no author, in any mail.
    assert len(smtp.inbox.messages) == 6
    for msg in smtp.inbox.messages:
        seen = whole(msg)
        for secret in ("tagrenovering", "Rambøll", "400.000", "budgettet", "Ødegård"):
            assert secret not in seen
    with demo.transaction() as s:
        made = s.scalars(select(Notice).where(Notice.kind == notices.NOTICE_KIND)).all()
        assert {n.link_path for n in made} == {f"/forum/threads/{thread}#post-{post}"}
        assert {(n.object_type, n.object_id, n.reminder_days) for n in made} == {
            ("forum_thread", thread, None)
        }


def test_content_is_shown_to_those_who_want_it_as_a_plain_excerpt(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    p = forum.people
    set_level(demo, p[KASSERER], forum.board, "all", False)
    body = "**Husk** at læse [tilbuddet](https://evil.example/x) før mødet.\n\n" + ("Lang tekst " * 60)
    write(
        demo,
        mail_settings,
        space=forum.board,
        author=p[FORMAND],
        title="Tagrenovering",
        body=body,
        mentions=(p[KASSERER],),
    )
    deliver(demo, mail_settings)
    (mail,) = inbox(smtp, KASSERER)
    assert "Søren Ødegård nævnte dig: Tagrenovering" in mail
    assert "Søren Ødegård skrev i forummet for Afdelingsbestyrelsen i Engparken:" in mail
    assert "Husk at læse tilbuddet før mødet. Lang tekst" in mail  # plain text, links without their URL
    assert "evil.example" not in mail and "**" not in mail
    assert "Lang tekst " * 30 not in mail  # cut short
    (other,) = inbox(smtp, MEMBER)  # still hidden for those who did not choose otherwise
    assert "Tagrenovering" not in other and "Husk" not in other


def test_a_reply_reaches_the_threads_starter_and_a_muted_thread_nobody(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    p = forum.people
    set_level(demo, p[KASSERER], forum.board, "mentions", True)
    write(
        demo, mail_settings, space=forum.board, author=p[FORMAND], title="Nyt fra formanden", body="Hej alle"
    )
    deliver(demo, mail_settings)
    assert inbox(smtp, KASSERER) == []  # "mentions": a new thread is not for them

    own, _post, _told = write(
        demo, mail_settings, space=forum.board, author=p[KASSERER], title="Kassebeholdning", body="Tal"
    )
    write(demo, mail_settings, space=forum.board, author=p[FORMAND], thread=own, body="Tak for tallene")
    deliver(demo, mail_settings)
    (reply,) = inbox(smtp, KASSERER)
    assert "Nyt svar i din tråd i forummet for Afdelingsbestyrelsen i Engparken" in reply

    # The starter replying in their own thread is not a "reply to their thread" for themselves.
    smtp.inbox.messages.clear()
    write(demo, mail_settings, space=forum.board, author=p[KASSERER], thread=own, body="Selv tak")
    deliver(demo, mail_settings)
    assert inbox(smtp, KASSERER) == []

    # Muted: neither the reply nor a mention in it reaches them; the others still hear it.
    smtp.inbox.messages.clear()
    with demo.transaction() as s:
        preferences.mute(s, p[KASSERER], own, True)
        preferences.mute(s, p[KASSERER], own, True)  # twice is once
    _t, _p, told = write(
        demo,
        mail_settings,
        space=forum.board,
        author=p[FORMAND],
        thread=own,
        body="Og @kasserer",
        mentions=(p[KASSERER],),
    )
    deliver(demo, mail_settings)
    assert inbox(smtp, KASSERER) == [] and told == 5 and len(inbox(smtp, MEMBER)) == 1
    with demo.transaction() as s:
        preferences.mute(s, p[KASSERER], own, False)
    write(
        demo,
        mail_settings,
        space=forum.board,
        author=p[FORMAND],
        thread=own,
        body="Igen",
        mentions=(p[KASSERER],),
    )
    deliver(demo, mail_settings)
    assert len(inbox(smtp, KASSERER)) == 1


def test_through_the_posting_service_a_mention_and_a_reply_arrive_at_once(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """formand@ starts a thread mentioning kasserer@, who replies: each hears of the other at once."""
    monkeypatch.setitem(posting._AFTER_POST, "notices", notices.on_post)  # as registration.py does
    p = forum.people
    with demo.transaction() as s:
        board_id = s.get(Space, forum.board).board_id  # type: ignore[union-attr]
        thread = posting.start_thread(
            s,
            principal=org_service.build_principal(s, person_id=p[FORMAND]),
            board_id=board_id,
            title="Budget 2026",
            body="@Ayşe Şahin kan du se på tallene?",
            settings=mail_settings,
        )
        thread_id = thread.id
    deliver(demo, mail_settings)
    (mention,) = inbox(smtp, KASSERER)
    assert "Du er nævnt i et indlæg i forummet for Afdelingsbestyrelsen i Engparken" in mention
    assert inbox(smtp, FORMAND) == []
    with demo.transaction() as s:
        posting.reply(
            s,
            principal=org_service.build_principal(s, person_id=p[KASSERER]),
            thread_id=thread_id,
            body="Det gør jeg i morgen.",
            settings=mail_settings,
        )
    deliver(demo, mail_settings)
    (reply,) = inbox(smtp, FORMAND)
    assert "Nyt svar i din tråd i forummet for Afdelingsbestyrelsen i Engparken" in reply
    assert "i morgen" not in reply


def test_off_people_get_nothing_not_even_a_mention(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    p = forum.people
    set_level(demo, p[KASSERER], forum.board, "off", True)
    set_level(demo, p[KASSERER], forum.bulletin, "off", False)
    day, at = digest_window()
    own, _post, _told = write(
        demo, mail_settings, space=forum.board, author=p[KASSERER], title="Egen", body="x", at=at
    )
    write(
        demo,
        mail_settings,
        space=forum.board,
        author=p[FORMAND],
        thread=own,
        body="Svar",
        mentions=(p[KASSERER],),
        at=at,
    )
    write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=p[FORMAND],
        title="Vandet lukkes",
        body="Tirsdag",
        at=at,
    )
    with demo.transaction() as s:
        assert notices.send_digests(s, day=day, settings=mail_settings) > 0
    deliver(demo, mail_settings)
    assert inbox(smtp, KASSERER) == []
    assert inbox(smtp, MEMBER) and inbox(smtp, BEBOER)  # the others did hear


def test_a_digest_person_hears_of_a_mention_at_once(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    """A mention or an answer is addressed to the person: ``digest`` only gathers the rest."""
    p = forum.people
    set_level(demo, p[KASSERER], forum.board, "digest", True)
    write(demo, mail_settings, space=forum.board, author=p[FORMAND], title="Uden omtale", body="x")
    write(
        demo,
        mail_settings,
        space=forum.board,
        author=p[FORMAND],
        title="Med omtale",
        body="y",
        mentions=(p[KASSERER],),
    )
    deliver(demo, mail_settings)
    (mention,) = inbox(smtp, KASSERER)
    assert "Du er nævnt" in mention


# --- the daily digest ----------------------------------------------------------------------------


def test_one_digest_with_the_days_posts_and_a_second_run_sends_nothing(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    p = forum.people
    day, at = digest_window()
    with demo.transaction() as s:
        letters = s.scalar(select(func.count()).select_from(Letter))
    write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=p[FORMAND],
        title="Gammelt opslag",
        body="x",
        at=at - timedelta(hours=1),
    )
    _t, water, told = write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=p[KASSERER],
        title="Vandet lukkes tirsdag",
        body="Kl. 8-12 i opgang B.",
        at=at,
    )
    assert told == 0  # the bulletin board's default is the digest
    _t, drill, _told = write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=p[BEBOER],
        title="Boremaskine til udlån",
        body="Ring på",
        at=at + timedelta(hours=1),
    )
    write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=p[FORMAND],
        title="Skjult opslag",
        body="x",
        at=at,
        state="flagged",
    )
    write(
        demo,
        mail_settings,
        space=forum.other_bulletin,
        author=p[BEBOER2],
        title="Grill i Søbakken",
        body="x",
        at=at,
    )
    deliver(demo, mail_settings)
    assert smtp.inbox.messages == []

    with demo.transaction() as s:
        sent = notices.send_digests(s, day=day, settings=mail_settings, batch=40)  # several batches
    assert sent > 100  # Engparken's residents with e-mail and its board
    deliver(demo, mail_settings)
    assert len(smtp.inbox.messages) == sent

    (digest,) = inbox(smtp, BEBOER)
    assert "Dagens overblik: 1 nyt indlæg" in digest
    assert "1 nyt indlæg på opslagstavlen i Engparken:" in digest
    assert "Vandet lukkes tirsdag (Ayşe): Kl. 8-12 i opgang B." in digest  # a first name only
    assert "Şahin" not in digest
    assert f"http://testserver/departments/{forum.engparken}/bulletin#post-{water}" in digest
    for absent in ("Boremaskine", "Gammelt opslag", "Skjult opslag", "Grill i Søbakken"):
        assert absent not in digest  # their own; yesterday's; hidden; another department's
    (treasurer,) = inbox(smtp, KASSERER)
    assert "Boremaskine til udlån" in treasurer and "Vandet lukkes" not in treasurer
    assert f"#post-{drill}" in treasurer
    assert inbox(smtp, BEBOER2) == []  # only their own post in Søbakken: never an empty digest

    with demo.transaction() as s:
        assert notices.send_digests(s, day=day, settings=mail_settings) == 0
        assert s.scalar(select(func.count()).select_from(Digest).where(Digest.day == day)) == sent
        assert s.scalar(select(func.count()).select_from(Letter)) == letters  # nobody on paper
        kinds = select(Notice.id).where(Notice.kind.in_((notices.NOTICE_KIND, notices.DIGEST_KIND)))
        channels = s.scalars(select(NoticeDelivery.channel).where(NoticeDelivery.notice_id.in_(kinds))).all()
        assert set(channels) == {"email"}
    deliver(demo, mail_settings)
    assert len(smtp.inbox.messages) == sent


def test_digest_hides_content_all_hears_at_once_and_a_muted_thread_is_left_out(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    p = forum.people
    day, at = digest_window()
    set_level(demo, p[BEBOER], forum.bulletin, "digest", True)
    set_level(demo, p[NEIGHBOUR], forum.bulletin, "all", False)
    _t, post, told = write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=p[FORMAND],
        title="Loppemarked lørdag",
        body="Stande i gården",
        at=at,
    )
    assert told == 1
    deliver(demo, mail_settings)
    (now,) = inbox(smtp, NEIGHBOUR)
    assert "Nyt indlæg fra Søren: Loppemarked lørdag" in now and "Stande i gården" in now
    muted, _p, _told = write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=p[FORMAND],
        title="Parkering",
        body="Nye regler",
        at=at,
    )
    with demo.transaction() as s:
        preferences.mute(s, p[KASSERER], muted, True)
    deliver(demo, mail_settings)

    smtp.inbox.messages.clear()
    with demo.transaction() as s:
        notices.send_digests(s, day=day, settings=mail_settings)
    deliver(demo, mail_settings)
    (hidden,) = inbox(smtp, BEBOER)
    assert "2 nye indlæg på opslagstavlen i Engparken." in hidden
    assert f"http://testserver/departments/{forum.engparken}/bulletin#post-{post}" in hidden
    for secret in ("Loppemarked", "Stande", "Parkering", "Nye regler", "Søren"):
        assert secret not in hidden
    assert inbox(smtp, NEIGHBOUR) == []  # "all": heard it at once, no digest
    (treasurer,) = inbox(smtp, KASSERER)
    assert "Loppemarked lørdag" in treasurer and "Parkering" not in treasurer


def test_two_runs_at_once_send_each_digest_once(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    day, at = digest_window()
    write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=forum.people[FORMAND],
        title="Sommerfest",
        body="x",
        at=at,
    )
    with demo.transaction(readonly=True) as s:
        plan = notices.plan_digests(s, day=day)
    barrier = threading.Barrier(2)
    results: list[int | Exception] = []

    def run() -> None:  # both planned everybody; both claim at once
        try:
            barrier.wait(timeout=30)
            with demo.transaction() as s:
                results.append(notices.queue_digests(s, plan, plan.due, settings=mail_settings))
        except Exception as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, int) for r in results), results
    with demo.transaction() as s:
        digests = s.scalar(select(func.count()).select_from(Digest))
    assert sorted(r for r in results if isinstance(r, int)) == [0, digests] and digests > 100
    deliver(demo, mail_settings)
    received = [m["To"] for m in smtp.inbox.messages]
    assert len(received) == len(set(received)) == digests


def test_the_periodic_job_sends_from_17_once(
    demo: Database, forum: Forum, mail_settings: Settings, smtp: SMTPServer
) -> None:
    day, at = digest_window()
    write(
        demo,
        mail_settings,
        space=forum.bulletin,
        author=forum.people[FORMAND],
        title="Sommerfest",
        body="x",
        at=at,
    )
    local = datetime.combine(day, time(16, 30), tzinfo=TZ)
    assert notices.run_digest_job(demo, settings=mail_settings, now=local) == 0
    sent = notices.run_digest_job(demo, settings=mail_settings, now=local + timedelta(hours=1))
    assert sent > 100
    assert notices.run_digest_job(demo, settings=mail_settings, now=local + timedelta(hours=2)) == 0
    deliver(demo, mail_settings)
    assert len(smtp.inbox.messages) == sent
    assert len(inbox(smtp, BEBOER)) == 1


def test_the_digest_job_is_registered_by_register_jobs(mail_settings: Settings, demo: Database) -> None:
    from boardkit.app import compose

    reg = compose(demo, mail_settings)
    notices.register_jobs(reg)
    assert reg.runner.periodic[notices.DIGEST_JOB] == notices.DIGEST_EVERY_SECONDS
    assert notices.DIGEST_JOB in reg.runner.own_transactions


# --- preferences and what a mail says ---------------------------------------------------------


def test_preferences_have_defaults_per_kind_and_are_checked(demo: Database, forum: Forum) -> None:
    p = forum.people
    with demo.transaction() as s:
        board, bulletin = s.get(Space, forum.board), s.get(Space, forum.bulletin)
        assert board is not None and bulletin is not None
        me = p[BEBOER]
        assert (preferences.level_for(s, me, board), preferences.hides_content(s, me, board)) == ("all", True)
        assert (preferences.level_for(s, me, bulletin), preferences.hides_content(s, me, bulletin)) == (
            "digest",
            False,
        )
        preferences.set_preference(s, person_id=me, space_id=bulletin.id, level="mentions", hide_content=True)
        preferences.set_preference(s, person_id=me, space_id=bulletin.id, level="off", hide_content=True)
        assert (preferences.level_for(s, me, bulletin), preferences.hides_content(s, me, bulletin)) == (
            "off",
            True,
        )
        with pytest.raises(ValidationFailed) as failed:
            preferences.set_preference(
                s, person_id=me, space_id=bulletin.id, level="loud", hide_content="yes"
            )  # type: ignore[arg-type]
        assert set(failed.value.fields) == {"level", "hide_content"}
        assert "dagligt overblik" in failed.value.fields["level"]
        with pytest.raises(NotFound):
            preferences.set_preference(s, person_id=me, space_id=999_999, level="all", hide_content=False)
        with pytest.raises(NotFound):
            preferences.mute(s, me, 999_999, True)


def test_excerpt_is_plain_text_of_at_most_300_characters() -> None:
    assert notices.excerpt("# Overskrift\n\n> citat\n\n- punkt *ét*\n- `kode` & __fed__ <3") == (
        "Overskrift citat punkt ét kode & fed <3"
    )
    assert notices.excerpt("Se [tilbuddet](https://x.dk/t) og <b>dette</b>") == "Se tilbuddet og <b>dette</b>"
    long = notices.excerpt("ord " * 200)
    assert len(long) <= 300 and long.endswith("ord…")
