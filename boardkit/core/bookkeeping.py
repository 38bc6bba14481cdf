"""Bookkeeping writes that a read must not wait for: a token's "last used", a read mark, the row
of a reader's freshly drawn pack copy.

A read request never takes the write lock. What it wants noted is handed here after its response
is made: tried at once in a short transaction that does not wait for the lock, and if another
writer holds it, kept (merged by key: the newest wins) and tried again by a small background
thread until it gets through. Each write must be idempotent and self-contained (ids, not ORM
objects): it may run later, or twice after a failure, and nothing is lost if it never runs but
a little history (the next read notes it again).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from sqlalchemy.orm import Session

from boardkit.core.db import Database, problem

log = logging.getLogger("boardkit.bookkeeping")

Write = Callable[[Session], Any]
RETRY_SECONDS = 0.5
MAX_PENDING = 10_000  # beyond this, new notes are dropped (a database away for long)


class Bookkeeper:
    """Pending bookkeeping writes of one process, for one database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: dict[Hashable, Write] = {}
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    def add(self, writes: Iterable[tuple[Hashable, Write]]) -> None:
        with self._lock:
            for key, write in writes:
                if len(self._pending) < MAX_PENDING or key in self._pending:
                    self._pending[key] = write

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self, *, wait: bool = False) -> bool:
        """Write what is pending in one transaction; True when nothing is left.

        ``wait=False`` gives up at once when another writer holds the lock (the flusher thread
        tries again); ``wait=True`` waits up to the busy timeout.
        """
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return True
        try:
            with self.db.transaction(wait=wait) as s:
                for write in batch.values():
                    write(s)
        except Exception as exc:
            kind = problem(exc)
            if kind is None:  # a bug in a write: log it and drop the batch, never break a read
                log.exception("bookkeeping failed; %s write(s) dropped", len(batch))
                return self.pending == 0
            with self._lock:  # newer notes of the same key win over the ones we put back
                self._pending = {**batch, **self._pending}
            self._start_flusher()
            return False
        return self.pending == 0

    def _start_flusher(self) -> None:
        with self._lock:
            if self._flusher is not None and self._flusher.is_alive():
                return
            self._flusher = threading.Thread(
                target=self._flush_loop, name="boardkit-bookkeeping", daemon=True
            )
            self._flusher.start()

    def _flush_loop(self) -> None:
        while True:
            time.sleep(RETRY_SECONDS)
            if self.flush(wait=True):
                with self._lock:
                    if not self._pending:
                        self._flusher = None
                        return
