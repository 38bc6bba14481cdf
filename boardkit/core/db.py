"""Database plumbing: declarative base, engine, sessions and the one-transaction helper.

Waiting is bounded everywhere by one busy timeout (``BOARDKIT_DB_BUSY_TIMEOUT_SECONDS``): a
SQLite writer waits that long for the write lock (first for its turn among this process's
writers, then for other processes), a PostgreSQL statement that long for a row lock; after that
it gives up with :class:`DatabaseBusy` (or the driver's own error), which the web answers with
503 and ``Retry-After``. :func:`problem` sorts such errors from real bugs.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from boardkit.core.generation import Generation
from boardkit.fileio import private_file

DEFAULT_BUSY_TIMEOUT = 5.0
# A non-waiting write (bookkeeping) on PostgreSQL: lock_timeout 0 would mean "wait forever".
NOWAIT_PG_LOCK_TIMEOUT = "50ms"
# SQLite write requests in worker threads at once: one writing, the next ones ready to follow
# the moment it commits (the rest wait on the event loop, holding no thread).
WRITE_SLOTS = 3

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC on every backend (SQLite forgets offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class DatabaseBusy(Exception):
    """The write lock was not free within the busy timeout (or at once, for a non-waiting write)."""


Problem = Literal["busy", "conflict", "storage", "unreachable"]
_SQLITE_STORAGE = ("SQLITE_READONLY", "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_NOTADB")
_PG_PROBLEMS: dict[str, Problem] = {
    "40001": "conflict",  # serialization_failure
    "40P01": "conflict",  # deadlock_detected
    "55P03": "busy",  # lock_not_available (lock_timeout)
    "57014": "busy",  # query_canceled (statement_timeout)
    "25006": "storage",  # read_only_sql_transaction (a standby, a read-only database)
    "53100": "storage",  # disk_full
    "57P01": "unreachable",  # admin_shutdown (the server is stopping or restarting)
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now (still starting)
}
_OS_STORAGE = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG})


def problem(exc: BaseException) -> Problem | None:
    """What a failure says about the database or the data directory, if anything:

    ``busy`` — a lock was not free within the busy timeout; ``conflict`` — the transaction lost a
    race (PostgreSQL serialisation failure or deadlock) and may simply be run again; ``storage`` —
    the database or the file store cannot be written (read-only, full, cannot be opened);
    ``unreachable`` — the database server cannot be reached (stopped, restarting, the network).
    None for anything else, which stays a bug.
    """
    if isinstance(exc, DatabaseBusy):
        return "busy"
    if getattr(exc, "connection_invalidated", False):  # the server closed our connection
        return "unreachable"
    orig = getattr(exc, "orig", None) or exc
    name = getattr(orig, "sqlite_errorname", None)
    if isinstance(name, str):
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
            return "busy"
        if name.startswith(_SQLITE_STORAGE):
            return "storage"
        return None
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate.startswith("08"):  # connection_exception and its kinds
            return "unreachable"
        return _PG_PROBLEMS.get(sqlstate, "storage" if sqlstate.startswith("53") else None)
    psycopg = sys.modules.get("psycopg")  # not imported: not a PostgreSQL error
    if psycopg is not None and isinstance(orig, psycopg.OperationalError):  # no SQLSTATE: no connection
        return "unreachable"
    if isinstance(orig, OSError) and orig.errno in _OS_STORAGE:
        return "storage"
    return None


_budget = threading.local()


@contextmanager
def wait_at_most(seconds: float) -> Iterator[None]:
    """Let this thread's next writes wait at most ``seconds`` for their turn (what is left of the
    busy timeout after a request already waited on the event loop)."""
    before = getattr(_budget, "seconds", None)
    _budget.seconds = max(0.0, seconds)
    try:
        yield
    finally:
        _budget.seconds = before


class _WriterTurn:
    """One SQLite write transaction at a time in this process, handed from one writer to the next.

    SQLite has one writer at a time anyway; waiting here wakes the next writer the moment the last
    one commits, where SQLite's own busy handler sleeps and polls (and lets an unlucky writer wait
    far longer than the others). Other processes still meet SQLite's busy timeout.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: object | None = None

    def acquire(self, conn: object, timeout: float) -> None:
        got = self._lock.acquire(timeout=timeout) if timeout > 0 else self._lock.acquire(blocking=False)
        if not got:
            raise DatabaseBusy(f"no turn to write within {timeout:g} s")
        self._holder = conn

    def release(self, conn: object) -> None:
        if self._holder is not None and self._holder is conn:
            self._holder = None
            self._lock.release()


def _raw(conn: Any) -> Any:
    """The DBAPI connection behind SQLAlchemy's pool proxy (the dialect is handed either)."""
    return getattr(conn, "dbapi_connection", None) or conn


PG_POOL_SIZE = 40
PG_POOL_OVERFLOW = 10


def make_engine(
    url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, pool_size: int | None = None, **kwargs: Any
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, the busy timeout and the writers' turn;
    PostgreSQL a pool of ``pool_size`` connections (default PG_POOL_SIZE) plus PG_POOL_OVERFLOW."""
    if url.startswith("sqlite"):
        _private_file(url)
        connect = {"timeout": busy_timeout, "check_same_thread": False}
        engine = create_engine(url, connect_args=connect, **kwargs)
        turn = _WriterTurn()
        dialect = engine.dialect
        base_commit, base_rollback, base_close = dialect.do_commit, dialect.do_rollback, dialect.do_close

        # The turn ends when the transaction does, however it ends (a connection closed by the pool
        # after an error included), so a failed writer can never keep the others out.
        def do_commit(conn: Any) -> None:
            try:
                base_commit(conn)
            finally:
                turn.release(_raw(conn))

        def do_rollback(conn: Any) -> None:
            try:
                base_rollback(conn)
            finally:
                turn.release(_raw(conn))

        def do_close(conn: Any) -> None:
            try:
                base_close(conn)
            finally:
                turn.release(_raw(conn))

        dialect.do_commit = do_commit  # type: ignore[method-assign,assignment]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign,assignment]
        dialect.do_close = do_close  # type: ignore[method-assign,assignment]

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, manage transactions, so BEGIN is emitted as we say.
            dbapi_conn.isolation_level = None
            # SQLite's lower() folds ASCII only; Danish names need Ø → ø as PostgreSQL does.
            dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            options = conn.get_execution_options()
            if options.get("bk_readonly", False):
                conn.exec_driver_sql("BEGIN")  # readers never wait: WAL gives them a snapshot
                return
            # IMMEDIATE takes the write lock up front: no upgrade deadlocks between writers.
            nowait = options.get("bk_nowait", False)
            raw = _raw(conn.connection)
            budget = getattr(_budget, "seconds", None)
            turn.acquire(raw, 0 if nowait else busy_timeout if budget is None else min(budget, busy_timeout))
            try:
                if nowait:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 0")
                try:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                finally:
                    if nowait:
                        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            except BaseException:
                turn.release(raw)
                raise

        return engine
    # A row lock is waited for as long as SQLite's write lock would be, then 503 (lock_timeout).
    kwargs.setdefault("connect_args", {}).setdefault("options", f"-c lock_timeout={int(busy_timeout * 1000)}")
    # Connections stay open for as many requests as may run at once (the thread pool's 40 worker
    # threads): a smaller pool closes a connection as it comes back and opens a new one (a backend
    # started) a moment later, which under load costs more than the requests. A pool opens its
    # connections only as they are needed; the overflow is for threads of the process's own.
    kwargs.setdefault("pool_size", pool_size or PG_POOL_SIZE)
    kwargs.setdefault("max_overflow", PG_POOL_OVERFLOW)
    # Each checkout asks the server first (a round trip), so a restarted server costs no request;
    # a job worker does without (it checks out several times per job and retries what fails).
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "begin")
    def _pg_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if options.get("bk_nowait", False):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{NOWAIT_PG_LOCK_TIMEOUT}'")

    return engine


def _private_file(url: str) -> None:
    """The SQLite file created owner-only (or made so) before SQLite opens it: SQLite gives its -wal
    and -shm files the database file's mode, so those are owner-only too."""
    path = make_url(url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        # A read-only or full data directory: opening the database tells the story.
        with contextlib.suppress(OSError):
            private_file(Path(path))


class Database:
    """An engine plus a session factory; the app and the worker each hold one."""

    def __init__(self, url: str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, **kwargs: Any) -> None:
        self.url = url
        self.busy_timeout = busy_timeout
        self.engine = make_engine(url, busy_timeout=busy_timeout, **kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Safe requests on SQLite begin DEFERRED so readers run side by side under WAL.
        self.read_sessions = sessionmaker(
            self.engine.execution_options(bk_readonly=True), expire_on_commit=False
        )
        # Writes that would rather not happen now than wait (bookkeeping, see core.bookkeeping).
        self.nowait_sessions = sessionmaker(
            self.engine.execution_options(bk_nowait=True), expire_on_commit=False
        )
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )
        # Page caches compare the generation these sessions raise with every change.
        self.generation = Generation(url, self.sessions)
        self.generation.track(self.read_sessions)
        self.generation.track(self.nowait_sessions)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self, *, readonly: bool = False) -> Session:
        return (self.read_sessions if readonly else self.sessions)()

    @contextmanager
    def transaction(self, *, readonly: bool = False, wait: bool = True) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception.

        ``wait=False``: a write that raises :class:`DatabaseBusy` (or the driver's lock error) at
        once rather than wait for another writer.
        """
        factory = self.read_sessions if readonly else self.sessions if wait else self.nowait_sessions
        with factory() as session, session.begin():
            yield session

    def write_gate(self) -> asyncio.Semaphore | None:
        """SQLite: where this process's write requests queue, in order, on the event loop, so at
        most :data:`WRITE_SLOTS` of them hold a worker thread (waiting there for their turn)
        and the other threads stay free for readers. None on PostgreSQL, whose writers run side
        by side."""
        if not self.is_sqlite:
            return None
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(WRITE_SLOTS)
        return gate

    def run(self, fn: Callable[[Session], Any]) -> Any:
        with self.transaction() as session:
            return fn(session)

    def dispose(self) -> None:
        self.generation.close()
        self.engine.dispose()
