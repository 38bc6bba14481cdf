"""The data generation: a token that changes with every committed change, for page caches.

Every write transaction that changed anything a page is made of moves the generation on
(bookkeeping such as the job queue and login attempts does not count). A cached page is served
only while the token is what it was when the page was made, so a change committed by any process
empties every process's cache of it at once.

Reading the token must cost next to nothing, since it is read per request:
- SQLite: the change raises ``data_generation.value`` just before the commit (writers take
  turns anyway); a read-only connection reads the one row (an indexed read in WAL mode, where
  readers never wait for writers — the only database read on the event loop).
- PostgreSQL: after the commit, a notifier thread of the process sends ``NOTIFY`` on a
  connection of its own (several commits in a row share one), and a listener thread in each
  process counts the notifications it receives: the count is the generation (no query per
  request). Nothing is written inside the transaction: one row that every writer updates, or a
  ``NOTIFY`` inside the transaction (PostgreSQL holds a database-wide lock from a notifying
  transaction's commit until it is durable), would make every write wait for the previous
  one's disk flush. While the listener is not connected the generation is unknown and nothing is
  served from a cache; a change committed by another process reaches the listener within
  milliseconds (PostgreSQL hands a notification to each listening connection on its own, so
  another process may hear it a few milliseconds after the committing process has answered;
  ``tests/test_processes.py`` measures it), and from the moment it is on the listener's socket,
  read or not, no cached page is served; a change by this process counts at once (the local
  epoch). Should a process die
  between a commit and its notification, the other processes' copies still expire with the page
  cache's TTL.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import select
import sqlite3
import threading
from typing import Any

from sqlalchemy import TextClause, event, make_url, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

log = logging.getLogger("boardkit.generation")

# Tables whose changes no cached page shows (the queue's own state, the mail queue's delivery state
# — a mass mailing commits hundreds of times a second, which would empty every process's cache as
# often —, rate-limit counters, workers' signs of life, the PostgreSQL search index: no cached page
# shows search results, and its writes, made on the search engine's own connections, would
# otherwise empty every cache after each index job).
IGNORED_TABLES = frozenset(
    {"job", "outbox_email", "login_attempt", "data_generation", "worker_heartbeat", "search_document"}
)
CHANNEL = "bk_generation"
_BUMP = text("UPDATE data_generation SET value = value + 1 WHERE id = 1")
_READ = "SELECT value FROM data_generation WHERE id = 1"
_CHANGED = "bk_changed"
_DML = ("insert", "update", "delete")

Token = tuple[int, int]


def mark_changed(session: Session) -> None:
    """Count the session's transaction as a change of page data: for writes made with Core
    statements on its connection, which the session's events do not see."""
    session.info[_CHANGED] = True


def _readable(fd: int, timeout: float = 0.0) -> bool:
    """Whether the socket has data waiting (a notification not yet read)."""
    try:
        return bool(select.select([fd], [], [], timeout)[0])
    except (OSError, ValueError):  # closed meanwhile: the listener reconnects
        return True


class Generation:
    """Tracks a database's writes and tells the current generation (or None when unknown)."""

    def __init__(self, url: str, sessions: sessionmaker[Session]) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self._epoch = itertools.count(1)
        self.local_epoch = 0
        self._lock = threading.Lock()
        self._sqlite: sqlite3.Connection | None = None
        self._pg_value: int | None = None
        self._heard = itertools.count(1)  # notifications heard (and connections made) by the listener
        self._listen_fd = -1  # the listener's socket while it is connected
        self._reading = False  # the listener is reading what arrived on it
        self._listener: threading.Thread | None = None
        self._notifier: threading.Thread | None = None
        self._to_notify = threading.Event()
        self._stop = threading.Event()
        self.track(sessions)

    def track(self, sessions: sessionmaker[Session]) -> None:
        """Count the writes of sessions made by ``sessions``."""
        event.listen(sessions, "before_flush", self._before_flush)
        event.listen(sessions, "do_orm_execute", self._orm_execute)
        event.listen(sessions, "before_commit", self._before_commit)
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_rollback", self._after_rollback)

    # --- tracking writes ------------------------------------------------------------------

    def _before_flush(self, session: Session, _ctx: Any, _instances: Any) -> None:
        if _CHANGED not in session.info and any(
            getattr(obj, "__tablename__", "") not in IGNORED_TABLES
            for obj in itertools.chain(session.new, session.dirty, session.deleted)
        ):
            session.info[_CHANGED] = True

    def _orm_execute(self, state: ORMExecuteState) -> None:
        if _CHANGED in state.session.info:
            return
        statement = state.statement
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(statement, "table", None)
            if getattr(table, "name", None) not in IGNORED_TABLES:
                state.session.info[_CHANGED] = True
        elif isinstance(statement, TextClause) and statement.text.lstrip()[:6].lower() in _DML:
            state.session.info[_CHANGED] = True

    def _before_commit(self, session: Session) -> None:
        if not self.is_sqlite:
            return
        session.flush()  # the commit's own flush comes after this hook; count its changes too
        if session.info.get(_CHANGED):
            session.execute(_BUMP)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            self.local_epoch = next(self._epoch)
            if not self.is_sqlite:
                self._notify()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_CHANGED, None)

    # --- reading --------------------------------------------------------------------------

    def token(self) -> Token | None:
        """What a cached page must have been made at to be served now; None: serve none."""
        value = self._read_sqlite() if self.is_sqlite else self._read_postgres()
        return None if value is None else (value, self.local_epoch)

    def _read_sqlite(self) -> int | None:
        with self._lock:
            try:
                if self._sqlite is None:
                    path = self.url.database or ""
                    if not path or path == ":memory:":
                        return None
                    self._sqlite = sqlite3.connect(
                        f"file:{path}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
                    )
                row = self._sqlite.execute(_READ).fetchone()
            except sqlite3.Error:
                self._close_sqlite()
                return None
        return None if row is None else int(row[0])

    def _close_sqlite(self) -> None:
        if self._sqlite is not None:
            with contextlib.suppress(sqlite3.Error):
                self._sqlite.close()
            self._sqlite = None

    def _read_postgres(self) -> int | None:
        if self._listener is None:
            with self._lock:
                if self._listener is None:
                    self._listener = self._thread(self._listen, "boardkit-generation")
        # A notification that has arrived but that the listener thread has not counted yet (it
        # may not have had the CPU since) makes the generation unknown for the moment: this
        # request is answered fresh. Asked in this order — unread data, a read under way, the
        # count — no notification that has reached this process goes unnoticed.
        fd = self._listen_fd
        if fd < 0 or _readable(fd) or self._reading:
            return None
        return self._pg_value

    def _thread(self, target: Any, name: str) -> threading.Thread:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def _dsn(self) -> str:
        return self.url.set(drivername="postgresql").render_as_string(hide_password=False)

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn(), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Anything may have changed while no one listened: a new generation.
                    self._pg_value = next(self._heard)
                    self._listen_fd = conn.fileno()
                    while not self._stop.is_set():
                        if not _readable(self._listen_fd, 1.0):
                            continue
                        self._reading = True
                        try:
                            if any(True for _note in conn.notifies(timeout=0)):
                                self._pg_value = next(self._heard)
                        finally:
                            self._reading = False
            except Exception as exc:  # the database may be away; serve uncached until it is back
                log.warning("generation listener: %s", exc)
                self._listen_fd = -1
                self._pg_value = None
                self._stop.wait(1.0)
        self._listen_fd = -1
        self._pg_value = None

    def _notify(self) -> None:
        """Have the notifier thread tell every process (this one included) that data changed."""
        self._to_notify.set()
        if self._notifier is None:
            with self._lock:
                if self._notifier is None:
                    self._notifier = self._thread(self._send_notifications, "boardkit-notifier")

    def _send_notifications(self) -> None:
        import psycopg

        while True:
            try:
                with psycopg.connect(self._dsn(), autocommit=True, connect_timeout=5) as conn:
                    while True:
                        if self._to_notify.wait(1.0):
                            self._to_notify.clear()  # commits from now on get another notification
                            conn.execute(f"NOTIFY {CHANNEL}")
                        if self._stop.is_set():
                            return
            except Exception as exc:  # the database may be away: send it once it is back
                if self._stop.is_set():
                    return
                log.warning("generation notifier: %s", exc)
                self._to_notify.set()
                self._stop.wait(1.0)

    def close(self) -> None:
        self._stop.set()
        notifier = self._notifier
        if notifier is not None and self._to_notify.is_set():
            notifier.join(timeout=5)  # the last commits' notification goes out first
        with self._lock:
            self._close_sqlite()
