"""Telling people about forum posts as each chose (``preferences.py``), through the notification
service.

**At once** (``after_post``, called by the posting service in the transaction that wrote a post
and its mentions), to the space's audience (``audience.py``) other than the author:

* those mentioned in the post, and the thread's starter when someone else replies — unless they
  muted the thread or chose ``off`` for the space. This holds for ``all``, ``mentions`` and
  ``digest`` alike: a mention or an answer is addressed to the person, the digest is for the rest.
  ``off`` silences mentions too: it is the one way out of a space's mail short of muting every
  thread (the flood people complain about), and nothing is lost — the mention is in the forum;
* those who chose ``all`` (the board forum's default), unless they muted the thread.

**A daily digest** (``send_digests``) to those whose level is ``digest`` in a space (the bulletin
board's default): one mail a day with every visible post by others in all their digest spaces —
titles and excerpts, or only a count and a link where they hide content — never an empty one.
Digest day D covers the posts written from 17:00 on the day before until 17:00 on D (Copenhagen
time), and the periodic job sends it from 17:00 on D: every post is in exactly one day's digest,
and the afternoon's posts ("grill i gården i aften") arrive the same day. A ``Digest`` row per
person and day, inserted first with ``ON CONFLICT DO NOTHING``, is the claim: a second run, or a
second worker at the same time, sends nothing.

Forum notices are ``digital_only``: someone without a digital channel gets no letter (the
bulletin board reaches them through the poster in the stairwell). They wait for nobody's
reading (no reminder). A person who chose the notification service's weekly digest of
non-urgent notices gets these there too. A mail hiding content names neither the post's title
nor its text nor its author, only the space.
"""

from __future__ import annotations

import html
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Insert, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from boardkit.config import Settings
from boardkit.core import i18n, notify
from boardkit.core.db import Database, utcnow
from boardkit.core.i18n import _, ngettext
from boardkit.core.registry import Registry
from boardkit.core.templating import TZ
from boardkit.forum import markup, preferences
from boardkit.forum.audience import audience
from boardkit.forum.models import Digest, Mention, Post, Preference, Space, Thread, ThreadState
from boardkit.org import service as org_service

NOTICE_KIND = "forum"
DIGEST_KIND = "forum_digest"
OBJECT_TYPE = "forum_thread"  # a notice about a post is about its thread: opening it marks it read
DIGEST_JOB = "forum.digest"
DIGEST_HOUR = 17  # Copenhagen time: a digest day ends, and its digests go out, at this hour
DIGEST_EVERY_SECONDS = 15 * 60
DIGEST_POSTS = 25  # listed per space in a digest; more are counted
EXCERPT_CHARS = 300
BATCH = 500

T = TypeVar("T")


# --- what a mail says ----------------------------------------------------------------------


def excerpt(markdown: str, limit: int = EXCERPT_CHARS) -> str:
    """The post as one line of plain text (``markup.plain``, its HTML entities decoded for a text
    mail), at most ``limit`` characters: cut at a word, with "…"."""
    text = html.unescape(markup.plain(markdown, limit=sys.maxsize))
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" .,;:-") + "…"


def post_path(space: Space, *, thread_id: int, post_id: int) -> str:
    """Where a post is read: its thread in a board's forum, its place on the bulletin board."""
    if space.kind == "bulletin":
        return f"/departments/{space.department_id}/bulletin#post-{post_id}"
    return f"/forum/threads/{thread_id}#post-{post_id}"


@dataclass(frozen=True)
class _Place:
    """A space as a mail names it."""

    id: int
    kind: str
    organisation_id: int
    owner: str  # the board's name, or the department's

    def where(self) -> str:
        """ "in the forum of …" / "on the bulletin board of …", in the current language."""
        if self.kind == "bulletin":
            return _("på opslagstavlen i %(department)s", department=self.owner)
        return _("i forummet for %(board)s", board=self.owner)


def _places(db: Session, spaces: Iterable[Space]) -> dict[int, _Place]:
    spaces = list(spaces)
    boards = org_service.get_boards(db, ids=[s.board_id for s in spaces if s.board_id is not None])
    Department = org_service.Department
    department_ids = sorted({s.department_id for s in spaces if s.department_id is not None})
    departments: dict[int, str] = {}
    if department_ids:
        found = select(Department.id, Department.name).where(Department.id.in_(department_ids))
        departments = {d_id: name for d_id, name in db.execute(found)}
    owners = {
        s.id: boards[s.board_id].name for s in spaces if s.board_id is not None and s.board_id in boards
    }
    owners |= {s.id: departments.get(s.department_id, "") for s in spaces if s.department_id is not None}
    return {s.id: _Place(s.id, s.kind, s.organisation_id, owners.get(s.id, "")) for s in spaces}


def _author_names(db: Session, author_ids: Iterable[int | None]) -> dict[int, str]:
    people = org_service.get_people(db, ids=[a for a in author_ids if a is not None])
    return {pid: p.name for pid, p in people.items()}


def _author(names: dict[int, str], author_id: int | None, kind: str) -> str:
    """The author as the space shows them: in full on a board's forum; by first name on a
    bulletin board, whose profiles show the first name only."""
    name = names.get(author_id) if author_id is not None else None
    if not name:
        return _("en tidligere bruger")
    return name.split()[0] if kind == "bulletin" else name


# --- at once --------------------------------------------------------------------------------


def after_post(db: Session, *, post_id: int, settings: Settings) -> int:
    """Tell those who hear about this post at once (see the module's docstring); returns how many
    people were told. Call it after the post and its ``Mention`` rows are written, in the same
    transaction: the mails go out only if it commits."""
    row = db.execute(
        select(Post, Thread, Space)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Space, Space.id == Thread.space_id)
        .where(Post.id == post_id)
    ).first()
    if row is None or row[0].state != "visible":
        return 0
    post, thread, space = row
    mentioned = set(db.scalars(select(Mention.person_id).where(Mention.post_id == post.id)))
    replying = db.scalar(select(Post.id).where(Post.thread_id == thread.id, Post.id < post.id).limit(1))
    starter = thread.created_by if replying is not None and thread.created_by != post.author_id else None
    personal = mentioned | ({starter} if starter is not None else set())

    level, hide = preferences.level_column(), preferences.hide_column()
    candidates: set[int] | None = None  # everyone in the audience may hear it
    if preferences.defaults(space.kind)[0] != "all":  # only those who chose "all", and personal ones
        chose_all = select(Preference.person_id).where(
            Preference.space_id == space.id, Preference.level == "all"
        )
        candidates = personal | set(db.scalars(chose_all))
    people = audience([space.id], now=utcnow(), person_ids=candidates).subquery()
    Person = org_service.Person
    q = (
        select(people.c.person_id, level, hide, Person.language)
        .select_from(people)
        .join(Space, Space.id == people.c.space_id)
        .join(Person, Person.id == people.c.person_id)
        .outerjoin(
            Preference, (Preference.person_id == people.c.person_id) & (Preference.space_id == Space.id)
        )
        .outerjoin(
            ThreadState,
            (ThreadState.person_id == people.c.person_id) & (ThreadState.thread_id == thread.id),
        )
        .where(Person.active.is_(True), func.coalesce(ThreadState.muted, False).is_(False))
    )
    if post.author_id is not None:
        q = q.where(people.c.person_id != post.author_id)

    groups: dict[tuple[str, bool, str], list[int]] = defaultdict(list)
    for person_id, chosen, hidden, language in db.execute(q):
        if chosen == "off":
            continue
        reason = (
            "mention"
            if person_id in mentioned
            else "reply"
            if person_id == starter
            else "post"
            if chosen == "all"
            else None
        )
        if reason is not None:
            groups[(reason, bool(hidden), i18n.normalise(language))].append(person_id)
    if not groups:
        return 0

    place = _places(db, [space])[space.id]
    names = _author_names(db, [post.author_id])
    author = _author(names, post.author_id, space.kind)
    told = 0
    for (reason, hidden, language), person_ids in sorted(groups.items()):
        with i18n.language(language):
            subject, body = _at_once_text(reason, hidden, place, thread.title, author, post.body)
        notice = notify.send_notice(
            db,
            organisation_id=space.organisation_id,
            addressees=[notify.Addressee(p) for p in sorted(person_ids)],
            kind=NOTICE_KIND,
            subject=subject,
            body=body,
            link_path=post_path(space, thread_id=thread.id, post_id=post.id),
            object_type=OBJECT_TYPE,
            object_id=thread.id,
            sender_id=post.author_id,
            reminder_days=None,
            digital_only=True,
            settings=settings,
        )
        told += _deliveries(db, notice.id)
    return told


def on_post(db: Session, post_id: int, settings: Settings) -> int:
    """``after_post`` as the posting service's hook (``posting.after_post("notices", on_post)``)."""
    return after_post(db, post_id=post_id, settings=settings)


def _at_once_text(
    reason: str, hidden: bool, place: _Place, title: str, author: str, body: str
) -> tuple[str, str]:
    where = place.where()
    if hidden:
        subject = {
            "mention": _("Du er nævnt i et indlæg %(where)s", where=where),
            "reply": _("Nyt svar i din tråd %(where)s", where=where),
        }.get(reason) or _("Nyt indlæg %(where)s", where=where)
        return subject, _("Der er et nyt indlæg %(where)s.", where=where)
    subject = {
        "mention": _("%(author)s nævnte dig: %(title)s", author=author, title=title),
        "reply": _("Nyt svar fra %(author)s: %(title)s", author=author, title=title),
    }.get(reason) or _("Nyt indlæg fra %(author)s: %(title)s", author=author, title=title)
    return subject, _("%(author)s skrev %(where)s:", author=author, where=where) + "\n\n" + excerpt(body)


def _deliveries(db: Session, notice_id: int) -> int:
    count = select(func.count()).select_from(notify.NoticeDelivery)
    return int(db.scalar(count.where(notify.NoticeDelivery.notice_id == notice_id)) or 0)


# --- the daily digest ------------------------------------------------------------------------


def window(day: date) -> tuple[datetime, datetime]:
    """The posts of digest day ``day``: from DIGEST_HOUR the day before until DIGEST_HOUR on ``day``
    (Copenhagen time), in UTC."""
    end = datetime.combine(day, time(DIGEST_HOUR), tzinfo=TZ)
    start = datetime.combine(day - timedelta(days=1), time(DIGEST_HOUR), tzinfo=TZ)
    return start.astimezone(UTC), end.astimezone(UTC)


def digest_day(at: datetime) -> date:
    """The digest day whose digest carries a post written at ``at``."""
    local = at.astimezone(TZ)
    return local.date() + timedelta(days=1) if local.hour >= DIGEST_HOUR else local.date()


@dataclass(frozen=True)
class DigestPost:
    id: int
    space_id: int
    thread_id: int
    author_id: int | None
    title: str
    author: str
    text: str  # the excerpt
    path: str


@dataclass(frozen=True)
class Due:
    """One person's digest: per space (in order) whether content is hidden and the posts' ids."""

    person_id: int
    language: str
    sections: tuple[tuple[int, bool, tuple[int, ...]], ...]

    @property
    def posts(self) -> int:
        return sum(len(ids) for _space, _hidden, ids in self.sections)


@dataclass(frozen=True)
class DigestPlan:
    """Who gets which digest on ``day`` (plain data: it may be made in one transaction and sent in others)."""

    day: date
    posts: dict[int, DigestPost]
    places: dict[int, _Place]
    due: list[Due]


def plan_digests(db: Session, *, day: date) -> DigestPlan:
    """Everyone whose digest of ``day`` would not be empty, and what it lists (reads only; a
    handful of set-based queries, whatever the number of people)."""
    start, end = window(day)
    rows = db.execute(
        select(Post.id, Post.author_id, Post.body, Thread.id, Thread.title, Space)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Space, Space.id == Thread.space_id)
        .where(Post.created_at >= start, Post.created_at < end, Post.state == "visible")
        .order_by(Post.created_at, Post.id)
    ).all()
    if not rows:
        return DigestPlan(day, {}, {}, [])
    spaces = {r.Space.id: r.Space for r in rows}
    places = _places(db, spaces.values())
    names = _author_names(db, {r.author_id for r in rows})
    posts: dict[int, DigestPost] = {}
    by_space: dict[int, list[DigestPost]] = defaultdict(list)
    for post_id, author_id, body, thread_id, title, space in rows:
        p = DigestPost(
            post_id,
            space.id,
            thread_id,
            author_id,
            title,
            _author(names, author_id, space.kind),
            excerpt(body),
            post_path(space, thread_id=thread_id, post_id=post_id),
        )
        posts[post_id] = p
        by_space[space.id].append(p)

    thread_ids = sorted({p.thread_id for p in posts.values()})
    muted: set[tuple[int, int]] = set()
    for part in _chunks(thread_ids, BATCH):
        muted |= {
            (person_id, thread_id)
            for person_id, thread_id in db.execute(
                select(ThreadState.person_id, ThreadState.thread_id).where(
                    ThreadState.muted.is_(True), ThreadState.thread_id.in_(part)
                )
            )
        }

    # Those in office (and residents) at the end of the day, or now if that is sooner.
    at = min(utcnow(), org_service.day_end(day) - timedelta(microseconds=1))
    people = audience(sorted(spaces), now=at).subquery()
    Person = org_service.Person
    level, hide = preferences.level_column(), preferences.hide_column()
    wanted = db.execute(
        select(people.c.person_id, people.c.space_id, hide, Person.language)
        .select_from(people)
        .join(Space, Space.id == people.c.space_id)
        .join(Person, Person.id == people.c.person_id)
        .outerjoin(
            Preference, (Preference.person_id == people.c.person_id) & (Preference.space_id == Space.id)
        )
        .where(Person.active.is_(True), level == "digest")
        .order_by(people.c.person_id, people.c.space_id)
    ).all()

    due: list[Due] = []
    current: int | None = None
    sections: list[tuple[int, bool, tuple[int, ...]]] = []
    language = i18n.DEFAULT

    def close() -> None:
        if current is not None and sections:
            due.append(Due(current, language, tuple(sections)))

    for person_id, space_id, hidden, person_language in wanted:
        if person_id != current:
            close()
            current, sections, language = person_id, [], i18n.normalise(person_language)
        ids = tuple(
            p.id
            for p in by_space[space_id]
            if p.author_id != person_id and (person_id, p.thread_id) not in muted
        )
        if ids:
            sections.append((space_id, bool(hidden), ids))
    close()
    return DigestPlan(day, posts, places, due)


def _claim_statement(db: Session) -> Insert:
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    return (
        dialect.insert(Digest)
        .on_conflict_do_nothing(index_elements=["person_id", "day"])
        .returning(Digest.person_id)
    )


def queue_digests(
    db: Session, plan: DigestPlan, due: Sequence[Due], *, settings: Settings, now: datetime | None = None
) -> int:
    """Send the digests of ``due`` (part of ``plan.due``) not sent yet; returns how many.

    Only those a digital channel reaches get one (and a ``Digest`` row); the row is inserted
    before the notice with ``ON CONFLICT DO NOTHING``, so of two runs at once only one sends."""
    if not due:
        return 0
    reached = {
        d.person_id
        for d in notify.plan_notice(
            db, addressees=[notify.Addressee(d.person_id) for d in due], settings=settings, digital_only=True
        ).decisions
    }
    due = [d for d in due if d.person_id in reached]
    if not due:
        return 0
    now = now or utcnow()
    claimed = set(
        db.scalars(
            _claim_statement(db).values(
                [{"person_id": d.person_id, "day": plan.day, "posts": d.posts, "sent_at": now} for d in due]
            )
        )
    )
    groups: dict[tuple[int, str, tuple[tuple[int, bool, tuple[int, ...]], ...]], list[int]] = defaultdict(
        list
    )
    for d in due:
        if d.person_id in claimed:
            organisation_id = plan.places[d.sections[0][0]].organisation_id
            groups[(organisation_id, d.language, d.sections)].append(d.person_id)
    for (organisation_id, language, sections), person_ids in groups.items():
        with i18n.language(language):
            subject, body = _digest_text(plan, sections, settings)
        notify.send_notice(
            db,
            organisation_id=organisation_id,
            addressees=[notify.Addressee(p) for p in person_ids],
            kind=DIGEST_KIND,
            subject=subject,
            body=body,
            link_path=plan.posts[sections[0][2][0]].path,
            object_type=DIGEST_KIND,
            reminder_days=None,
            digital_only=True,
            settings=settings,
        )
    return len(claimed)


def _digest_text(
    plan: DigestPlan, sections: tuple[tuple[int, bool, tuple[int, ...]], ...], settings: Settings
) -> tuple[str, str]:
    total = sum(len(ids) for _space, _hidden, ids in sections)
    subject = ngettext("Dagens overblik: %(num)s nyt indlæg", "Dagens overblik: %(num)s nye indlæg", total)
    paragraphs: list[str] = []
    for space_id, hidden, ids in sections:
        where = plan.places[space_id].where()
        heading = ngettext(
            "%(num)s nyt indlæg %(where)s", "%(num)s nye indlæg %(where)s", len(ids), where=where
        )
        if hidden:
            paragraphs.append(f"{heading}.\n{settings.base_url}{plan.posts[ids[0]].path}")
            continue
        paragraphs.append(heading + ":")
        for post_id in ids[:DIGEST_POSTS]:
            p = plan.posts[post_id]
            text = f"{p.title} ({p.author})" + (f": {p.text}" if p.text else "")
            paragraphs.append(f"{text}\n{settings.base_url}{p.path}")
        if len(ids) > DIGEST_POSTS:
            more = len(ids) - DIGEST_POSTS
            paragraphs.append(ngettext("… og %(num)s indlæg mere.", "… og %(num)s indlæg mere.", more))
    return subject, "\n\n".join(paragraphs)


def send_digests(db: Session, *, day: date, settings: Settings, batch: int = BATCH) -> int:
    """Send the digests of ``day`` (see the module's docstring) in ``db``'s transaction, ``batch``
    people at a time; returns how many were sent. A second run sends nothing."""
    plan = plan_digests(db, day=day)
    return sum(queue_digests(db, plan, part, settings=settings) for part in _chunks(plan.due, batch))


def _chunks(items: Sequence[T], size: int) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# --- the periodic job -------------------------------------------------------------------------


def _sent_after_close(db: Session, day: date) -> bool:
    """Whether the day's digests were already sent after its window closed (the newest digest
    says so, found by the primary key): later runs that day have nothing left to do."""
    last = db.execute(select(Digest.day, Digest.sent_at).order_by(Digest.id.desc()).limit(1)).first()
    return last is not None and last.day == day and last.sent_at >= window(day)[1]


def run_digest_job(database: Database, *, settings: Settings, now: datetime | None = None) -> int:
    """The periodic job: from DIGEST_HOUR on, the day's digests — planned in a read transaction,
    sent ``BATCH`` people per short write transaction (safe to run again: the claims)."""
    now = now or utcnow()
    local = now.astimezone(TZ)
    if local.hour < DIGEST_HOUR:
        return 0
    day = local.date()
    with database.transaction(readonly=True) as s:
        if _sent_after_close(s, day):
            return 0
        plan = plan_digests(s, day=day)
    sent = 0
    for part in _chunks(plan.due, BATCH):
        with database.transaction() as s:
            sent += queue_digests(s, plan, part, settings=settings, now=now)
    return sent


def register_jobs(reg: Registry) -> None:
    """The daily digest, looked at every quarter of an hour (it sends once a day, from 17:00)."""
    settings = reg.settings

    def digest(database: Database, payload: dict[str, Any]) -> None:
        run_digest_job(database, settings=settings)

    reg.every(DIGEST_JOB, digest, seconds=DIGEST_EVERY_SECONDS, own_transactions=True)
