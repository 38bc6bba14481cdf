"""The search index in PostgreSQL: full-text search with the built-in ``danish`` configuration.

Chosen when the database is PostgreSQL (``BOARDKIT_SEARCH`` overrides), so every app process and
worker shares one index. The table ``search_document`` (migration 0021; not a model: it is an
index, like whoosh's files) holds one row per document:

- ``tsv``: a generated ``tsvector`` of the title (weight A) and the text (weight B), computed by
  the database from the stored text, with a GIN index;
- ``scopes``: the permission tokens as ``text[]`` with a GIN index; a reader's filter is
  ``scopes && <their tokens>``.

A query is never parsed as tsquery syntax: PostgreSQL analyses the words (``to_tsvector``, the
same parser, stop words and Snowball stemmer as the documents), and the tsquery is built from the
resulting lexemes, quoted, ANDed — ``& | ! : * ( ) '`` in a query are just characters that are
not words. Finding and ranking are bounded:

- a reader whose scopes cover few documents (estimated from the statistics of ``scopes``; a
  member of five boards has ~1,250 of 1,000,000) has those found by the scopes' GIN index and
  each checked for the words: a very common word's posting list (hundreds of thousands of
  entries) costs more than all of the reader's documents;
- any other reader (the administration of an organisation) has the matches found by the words'
  GIN index and each checked for the scopes (their token is on a third of all documents), and
  at most :data:`CANDIDATES` matches are ranked — a very common word over a whole organisation
  ranks the first of them, not all;
- ranking is ``ts_rank`` (length-normalised, title above text), and only the page's hits get
  ``ts_headline`` (it parses the whole text).

Writes take turns under an advisory lock, each in its own short transaction on the process's
search engine. A full rebuild (``boardkit reindex``) holds that lock, COPYs the documents into a
fresh table over :data:`LOAD_STREAMS` connections at once (the database computes the tsvectors,
which is most of the work), builds the indexes after the load and swaps the table in in one
short transaction: searches keep answering from the old table meanwhile, and index jobs wait for
the swap (or fail and are retried) and then write to the new table.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from typing import Any

from markupsafe import escape
from sqlalchemy import Connection, Engine
from sqlalchemy import text as sql

from boardkit.core.search.service import MAX_TERMS, PAGE_SIZE, Document, Hit, Results

log = logging.getLogger("boardkit.search")

TABLE = "search_document"
CONFIG = "danish"
# Matches a reader may see that are ranked at most (see the module's docstring).
CANDIDATES = 5000
# A reader whose scopes cover at most this many documents (estimated) has each of them checked
# for the words, rather than the words looked up in the index first.
NARROW_ROWS = 20_000
STATS_SECONDS = 600.0
NO_STATS_SECONDS = 60.0  # how soon statistics are looked for again when there were none
HIGHLIGHT_CHARS = 50_000  # of a document's text, the part ts_headline reads
SEARCH_TIMEOUT = "10s"  # a search that takes longer is cancelled (the page answers 503)
LOCK_TIMEOUT_MS = 30_000  # how long an index job waits for a rebuild's swap before it is retried
WRITE_LOCK = 0x626B_7365_6172_6368  # "bksearch": the advisory lock of the index's writers
LOAD_STREAMS = max(1, min(4, os.cpu_count() or 1))  # COPY connections of a rebuild at once
LOAD_QUEUE = 500  # rows waiting for each stream
INDEX_BUILD_MEMORY = "1GB"  # maintenance_work_mem of a rebuild's index builds
_END, _ABORT = object(), object()
COPY_COLUMNS = "key, grp, kind, doc_id, title, body, scopes, route, params, anchor, date"

# Characters ts_headline's output is marked with (private use, removed from stored text): the
# start and end of a match, the gap between fragments, and "<" (ts_headline drops anything that
# looks like an HTML tag; the text is plain text, so "<" stays a character and is escaped later).
_START, _STOP, _GAP, _LT = "\ue000", "\ue001", "\ue002", "\ue003"
_UNSTORABLE = re.compile(f"[\x00{_START}{_STOP}{_GAP}{_LT}]")
HEADLINE_OPTIONS = (
    f"StartSel={_START}, StopSel={_STOP}, MaxFragments=2, MaxWords=35, MinWords=15, "
    f"ShortWord=2, FragmentDelimiter={_GAP}"
)

_STATS = sql(
    "SELECT CAST(CAST(s.most_common_elems AS text) AS text[]) AS elems,"
    " s.most_common_elem_freqs AS freqs, c.reltuples"
    " FROM pg_class c JOIN pg_stats s ON s.schemaname = 'public' AND s.tablename = c.relname"
    " AND s.attname = 'scopes' WHERE c.oid = CAST('search_document' AS regclass)"
)
_ANALYSE = sql(
    "SELECT lexeme FROM unnest(to_tsvector(CAST(:config AS regconfig), :q))"
    " WHERE length(lexeme) >= 2 ORDER BY positions[1] LIMIT :n"
)
# The page's best hits among the first CANDIDATES matches the reader may see, ranked as they are
# found (no tsvector is carried to the sort). One of two plans, by the reader's scopes:
# - narrow (a member of a few boards): the scopes' GIN index finds the reader's documents and
#   each is checked for the words (a plain function call, which the planner cannot turn into a
#   lookup of a common word's whole posting list: that cost 9 ms of a 17 ms search over 100,000
#   items, and grows with the index);
# - wide (an organisation's administration): the words' GIN index finds the matches and each is
#   checked for the scopes (looking up a token that a third of all documents carry took 130 ms
#   over 1,000,000 items, more than the matches of most words).
_NARROW = "scopes && CAST(:scopes AS text[]) AND ts_match_vq(tsv, CAST(:q AS tsquery))"
_WIDE = "tsv @@ CAST(:q AS tsquery) AND arrayoverlap(scopes, CAST(:scopes AS text[]))"
_RANK = """
WITH matches AS MATERIALIZED (
    SELECT key, doc_id, date, ts_rank(tsv, CAST(:q AS tsquery), 1) AS score FROM search_document
    WHERE {where} {kind}
    LIMIT :candidates
)
SELECT key, score FROM matches ORDER BY score DESC, date DESC NULLS LAST, doc_id, key LIMIT :n
"""
_SHOW = sql(
    """SELECT key, kind, doc_id, title, route, params, anchor, date,
    ts_headline(CAST(:config AS regconfig), replace(left(body, :chars), '<', :lt),
                CAST(:q AS tsquery), :options) AS headline
    FROM search_document WHERE key = ANY(CAST(:keys AS text[]))"""
)


def tsquery(lexemes: Sequence[str]) -> str:
    """``'a' & 'b'``: the lexemes quoted as tsquery input quotes them (never parsed as operators)."""
    return " & ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "'" for w in lexemes)


def clean_text(value: str) -> str:
    """Text as stored: no NUL (PostgreSQL's text cannot hold one), none of the marker characters."""
    return _UNSTORABLE.sub(" ", value) if _UNSTORABLE.search(value) else value


def show_headline(headline: str) -> list[str]:
    """ts_headline's fragments as HTML: escaped, ``<mark>`` around the matches, whitespace folded."""
    fragments = []
    for fragment in headline.split(_GAP):
        html = str(escape(fragment.replace(_LT, "<")))
        html = html.replace(_START, "<mark>").replace(_STOP, "</mark>")
        html = " ".join(html.split())
        if html:
            fragments.append(html)
    return fragments


def row_of(doc: Document) -> tuple[Any, ...]:
    date = doc.date
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return (
        doc.key,
        doc.group,
        doc.kind,
        doc.id,
        clean_text(doc.title),
        clean_text(doc.text),
        sorted(doc.scopes),
        doc.route,
        json.dumps(dict(doc.params)),
        doc.anchor,
        date,
    )


class Steps:
    """A rebuild's progress in the log, each step with its time."""

    def __init__(self) -> None:
        self.started = self.last = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        log.info(
            "search index rebuild: %s in %.1f s (%.1f s so far)", what, now - self.last, now - self.started
        )
        self.last = now


class ScopeSizes:
    """How many documents a reader's scopes cover, estimated from PostgreSQL's statistics of the
    ``scopes`` column (its most common elements and their frequencies, read again every
    :data:`STATS_SECONDS`): a token not among them is rarer than the rarest that is."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read_at = -STATS_SECONDS
        self._rows = 0.0
        self._freqs: dict[str, float] = {}
        self._rarest = 0.0

    def narrow(self, conn: Connection, scopes: frozenset[str]) -> bool:
        """Whether the documents of ``scopes`` are few enough to check each one for the words."""
        if time.monotonic() - self._read_at > STATS_SECONDS:
            self._read(conn)
        rows = sum(self._freqs.get(s, self._rarest) for s in scopes) * self._rows
        return rows <= NARROW_ROWS

    def _read(self, conn: Connection) -> None:
        row = conn.execute(_STATS).first()
        with self._lock:
            self._read_at = time.monotonic()
            if row is None or not row.elems:  # not analysed yet: everyone is narrow, for a minute
                self._rows, self._freqs, self._rarest = 0.0, {}, 0.0
                self._read_at -= STATS_SECONDS - NO_STATS_SECONDS
                return
            elems, freqs = list(row.elems), list(row.freqs)
            # most_common_elem_freqs: one per element, then the minimum, maximum and null frequency.
            self._freqs = dict(zip(elems, freqs[: len(elems)], strict=True))
            self._rarest = float(freqs[len(elems)]) if len(freqs) > len(elems) else 0.0
            self._rows = max(0.0, float(row.reltuples))


class PostgresIndex:
    """:class:`boardkit.core.search.SearchBackend` over the ``search_document`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sizes = ScopeSizes()

    def close(self) -> None:
        self.engine.dispose()

    # --- writing ---------------------------------------------------------------------------

    def replace_groups(self, groups: Sequence[str], documents: Iterable[Document]) -> int:
        """Replace every document of ``groups`` (and any with the same keys) in one transaction."""
        rows = [row_of(doc) for doc in documents]
        with self.engine.begin() as conn:
            self._writers_turn(conn)
            if groups:
                conn.execute(
                    sql("DELETE FROM search_document WHERE grp = ANY(:groups)"), {"groups": list(groups)}
                )
            if rows:
                conn.execute(
                    sql("DELETE FROM search_document WHERE key = ANY(:keys)"),
                    {"keys": [row[0] for row in rows]},
                )
                self._copy(conn, TABLE, rows)
        return len(rows)

    def _writers_turn(self, conn: Connection) -> None:
        """One writer at a time (index jobs of several workers, a rebuild): each sees what the
        last one committed, so two jobs for one group never trip over each other's rows, and a
        job waits (a bounded time) for a rebuild to swap its table in — a write to the old table
        would be lost with it. Past the timeout the job fails and is retried later."""
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
        conn.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK})

    @staticmethod
    def _copy(conn: Connection, table: str, rows: Iterable[tuple[Any, ...]]) -> int:
        raw = conn.connection.driver_connection
        assert raw is not None
        count = 0
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({COPY_COLUMNS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    def _load(self, table: str, rows: Iterable[tuple[Any, ...]], streams: int) -> int:
        """COPY ``rows`` into ``table`` over ``streams`` connections at once: the database computes
        each row's tsvector (most of the work), so each stream keeps a core busy."""
        queues: list[queue.Queue[Any]] = [queue.Queue(maxsize=LOAD_QUEUE) for _ in range(streams)]

        def stream(rows_in: queue.Queue[Any]) -> int:
            def take() -> Iterator[tuple[Any, ...]]:
                while (row := rows_in.get()) is not _END:
                    if row is _ABORT:
                        raise RuntimeError("the documents could not be read")
                    yield row

            with self.engine.connect() as conn, conn.begin():
                return self._copy(conn, table, take())

        with ThreadPoolExecutor(streams, thread_name_prefix="boardkit-reindex") as pool:
            loads = [pool.submit(stream, q) for q in queues]

            def put(n: int, item: Any) -> None:
                while True:
                    try:
                        queues[n].put(item, timeout=1.0)
                        return
                    except queue.Full:
                        if loads[n].done():  # the stream failed: its error is raised below
                            loads[n].result()
                            raise RuntimeError("a COPY stream stopped") from None

            try:
                for n, row in enumerate(rows):
                    put(n % streams, row)
            except BaseException:
                for q in queues:
                    with contextlib.suppress(queue.Full):
                        q.put_nowait(_ABORT)
                raise
            for n in range(streams):
                put(n, _END)
            return sum(load.result() for load in loads)

    def rebuild(self, documents: Iterable[Document], *, streams: int = LOAD_STREAMS) -> int:
        """Index ``documents`` as the whole index: a new table, loaded, indexed, swapped in.

        Holds the rebuild lock from before the documents are read until the swap, so an index job
        for a change made meanwhile waits and then writes to the new table.
        """
        new = f"{TABLE}_new"
        with self.engine.connect() as conn:
            conn.execute(sql("SELECT pg_advisory_lock(:key)"), {"key": WRITE_LOCK})  # until unlocked
            conn.commit()
            try:
                with conn.begin():
                    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {new}")
                    conn.exec_driver_sql(f"CREATE TABLE {new} (LIKE {TABLE} INCLUDING ALL EXCLUDING INDEXES)")
                step = Steps()
                count = self._load(new, (row_of(doc) for doc in documents), streams)
                step.done(f"{count} documents loaded")
                with conn.begin():
                    conn.exec_driver_sql(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
                    indexes = self._indexes(conn)
                    for name, definition in indexes:
                        conn.exec_driver_sql(
                            definition.replace(f" {name} ON ", f" {name}_new ON ", 1).replace(
                                f" ON public.{TABLE} ", f" ON public.{new} ", 1
                            )
                        )
                        step.done(f"index {name} built")
                    conn.exec_driver_sql(f"ANALYZE {new}")
                    step.done("analysed")
                with conn.begin():
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
                    primary = self._primary_key(conn)
                    conn.exec_driver_sql(f"DROP TABLE {TABLE}")
                    conn.exec_driver_sql(f"ALTER TABLE {new} RENAME TO {TABLE}")
                    for name, _definition in indexes:
                        if name == primary:
                            conn.exec_driver_sql(
                                f"ALTER TABLE {TABLE} ADD CONSTRAINT {name}"
                                f" PRIMARY KEY USING INDEX {name}_new"
                            )
                        else:
                            conn.exec_driver_sql(f"ALTER INDEX {name}_new RENAME TO {name}")
            finally:
                conn.rollback()
                conn.execute(sql("SELECT pg_advisory_unlock(:key)"), {"key": WRITE_LOCK})
                conn.commit()
        return count

    @staticmethod
    def _indexes(conn: Connection) -> list[tuple[str, str]]:
        """The index definitions the migrations gave the table (the new one gets the same)."""
        rows = conn.execute(
            sql("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = :t"),
            {"t": TABLE},
        )
        return sorted((str(name), str(definition)) for name, definition in rows)

    @staticmethod
    def _primary_key(conn: Connection) -> str | None:
        return conn.execute(
            sql("SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) AND contype = 'p'"),
            {"t": TABLE},
        ).scalar()

    # --- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sql("SELECT count(*) FROM search_document")).scalar_one())

    def analyse(self, conn: Connection, query: str) -> list[str]:
        """The distinct lexemes of ``query`` in order (stop words out, stemmed), at most MAX_TERMS;
        as with whoosh, one-letter words are no words ("blok 7" searches for "blok")."""
        if not query.strip():
            return []
        rows = conn.execute(_ANALYSE, {"config": CONFIG, "q": clean_text(query), "n": MAX_TERMS})
        return [str(lexeme) for (lexeme,) in rows]

    def search(
        self, query: str, *, scopes: frozenset[str], kind: str | None = None, limit: int = PAGE_SIZE
    ) -> Results:
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = '{SEARCH_TIMEOUT}'")
            words = self.analyse(conn, query)
            if not words or not scopes:
                return Results(hits=[], total=0, terms=words)
            q = tsquery(words)
            params: dict[str, Any] = {
                "scopes": sorted(scopes),
                "q": q,
                "candidates": CANDIDATES,
                "n": limit + 1,
            }
            if kind:
                params["kind"] = kind
            where = _NARROW if self.sizes.narrow(conn, scopes) else _WIDE
            ranked = conn.execute(
                sql(_RANK.format(where=where, kind="AND kind = :kind" if kind else "")), params
            ).all()
            more = len(ranked) > limit
            ranked = ranked[:limit]
            if not ranked:
                return Results(hits=[], total=0, terms=words)
            shown = {
                row.key: row
                for row in conn.execute(
                    _SHOW,
                    {
                        "config": CONFIG,
                        "chars": HIGHLIGHT_CHARS,
                        "q": q,
                        "options": HEADLINE_OPTIONS,
                        "lt": _LT,
                        "keys": [row.key for row in ranked],
                    },
                )
            }
        hits = [self._hit(shown[row.key], float(row.score)) for row in ranked if row.key in shown]
        return Results(hits=hits, total=len(hits), terms=words, more=more)

    @staticmethod
    def _hit(row: Any, score: float) -> Hit:
        params = row.params if isinstance(row.params, dict) else json.loads(row.params)
        return Hit(
            kind=row.kind,
            id=int(row.doc_id),
            title=row.title,
            route=row.route,
            params={k: int(v) for k, v in params.items()},
            anchor=row.anchor or "",
            date=row.date.astimezone(UTC) if row.date is not None else None,
            highlights=show_headline(row.headline or ""),
            score=score,
        )
