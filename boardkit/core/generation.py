"""The data generation: one number that rises with every committed change, for page caches.

Every write transaction that changed anything a page is made of raises ``data_generation.value``
just before it commits (bookkeeping such as the job queue and login attempts does not count).
A cached page is served only while the number is what it was when the page was made, so a
change committed by any process empties every process's cache of it at once.

Reading the number must cost next to nothing, since it is read per request:
- SQLite: a read-only connection reads the one row (an indexed read in WAL mode, where
  readers never wait for writers — the only database read on the event loop);
- PostgreSQL: the number is sent with ``NOTIFY`` at commit and a listener thread in each
  process keeps the newest one (no query per request). While the listener is not connected
  the generation is unknown and nothing is served from a cache. A change committed by another
  process reaches the listener within milliseconds; a change by this process counts at once
  (the local epoch).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import sqlite3
import threading
from typing import Any

from sqlalchemy import TextClause, event, make_url, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

log = logging.getLogger("boardkit.generation")

# Tables whose changes no page shows (the queue's own state, rate-limit counters).
IGNORED_TABLES = frozenset({"job", "login_attempt", "data_generation"})
CHANNEL = "bk_generation"
_BUMP = text("UPDATE data_generation SET value = value + 1 WHERE id = 1")
_BUMP_NOTIFY = text(
    "WITH g AS (UPDATE data_generation SET value = value + 1 WHERE id = 1 RETURNING value) "
    "SELECT pg_notify('bk_generation', value::text) FROM g"
)
_READ = "SELECT value FROM data_generation WHERE id = 1"
_CHANGED = "bk_changed"
_DML = ("insert", "update", "delete")

Token = tuple[int, int]


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
        self._listener: threading.Thread | None = None
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
        session.flush()  # the commit's own flush comes after this hook; count its changes too
        if session.info.get(_CHANGED):
            session.execute(_BUMP if self.is_sqlite else _BUMP_NOTIFY)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            self.local_epoch = next(self._epoch)

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
                    self._listener = threading.Thread(
                        target=self._listen, name="boardkit-generation", daemon=True
                    )
                    self._listener.start()
        return self._pg_value

    def _listen(self) -> None:
        import psycopg

        dsn = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    row = conn.execute(_READ).fetchone()
                    self._raise_to(int(row[0]) if row else None)
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=1.0):
                            if note.payload.isdigit():
                                self._raise_to(int(note.payload))
            except Exception as exc:  # the database may be away; serve uncached until it is back
                log.warning("generation listener: %s", exc)
                self._pg_value = None
                self._stop.wait(1.0)
        self._pg_value = None

    def _raise_to(self, value: int | None) -> None:
        if value is None or self._pg_value is None or value > self._pg_value:
            self._pg_value = value

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            self._close_sqlite()
