"""The search index on its own: Danish stemming, scopes that agree with the permission policy,
highlights that are safe HTML, groups replaced whole, and queries that never break it.

The tests taking ``index`` run against both backends: whoosh, and PostgreSQL's full-text search
when ``BOARDKIT_TEST_POSTGRES_URL`` is set (see tests/conftest.py).
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import text

from boardkit.core import search
from boardkit.core.db import make_engine
from boardkit.core.permissions import Action, Audience, Principal, Resource, can
from boardkit.core.search import Document, SearchBackend
from boardkit.core.search import postgres as pg_search
from boardkit.core.search.postgres import PostgresIndex
from boardkit.core.search.whoosh import (
    ANALYZER,
    WhooshIndex,
    analyse,
    index_words,
    word_counts,
)
from tests.conftest import PG_URL

BACKENDS = ["whoosh", "postgres"] if PG_URL else ["whoosh"]


@pytest.fixture
def whoosh_index(tmp_path: Path) -> Iterator[WhooshIndex]:
    ix = WhooshIndex(tmp_path / "index")
    yield ix
    ix.close()


@pytest.fixture
def pg_index(pg_ready: str) -> Iterator[PostgresIndex]:
    ix = PostgresIndex(make_engine(pg_ready, pool_size=2))
    with ix.engine.begin() as conn:
        conn.execute(text("TRUNCATE search_document"))
    yield ix
    ix.close()


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest) -> SearchBackend:
    name = "pg_index" if request.param == "postgres" else "whoosh_index"
    return cast(SearchBackend, request.getfixturevalue(name))


def doc(
    id: int,
    title: str,
    text: str,
    *,
    board: int = 1,
    closed: bool = False,
    residents: bool = True,
    group: str = "",
) -> Document:
    return Document(
        kind="agenda_item",
        id=id,
        group=group or f"test:{id}",
        title=title,
        text=text,
        scopes=search.material_scopes(
            organisation_id=1, board_id=board, department_id=board, residents=residents, closed=closed
        ),
        route="meeting",
        params={"meeting_id": id},
        anchor=f"item-{id}",
        date=datetime(2026, 3, 1, 18, tzinfo=UTC),
    )


MEMBER = Principal(person_id=1, board_roles={1: "member"}, board_departments={1: 1})
SUBSTITUTE = Principal(person_id=2, board_roles={1: "substitute"}, board_departments={1: 1})
RESIDENT = Principal(person_id=3, resident_department_ids=frozenset({1}))
OTHER_BOARD = Principal(person_id=4, board_roles={2: "chair"}, board_departments={2: 2})
STAFF = Principal(person_id=5, staff_organisation_ids=frozenset({1}))
DEPT_STAFF = Principal(person_id=6, staff_department_ids=frozenset({1}))
OTHER_ORG_STAFF = Principal(person_id=7, staff_organisation_ids=frozenset({9}))
ANYONE = [MEMBER, SUBSTITUTE, RESIDENT, OTHER_BOARD, STAFF, DEPT_STAFF, OTHER_ORG_STAFF]


@pytest.mark.parametrize(("closed", "residents"), list(itertools.product([False, True], [False, True])))
def test_scopes_agree_with_the_permission_policy(closed: bool, residents: bool) -> None:
    """For every kind of reader and material, the index filter says what permissions.can says."""
    resource = Resource(
        organisation_id=1,
        department_id=1,
        board_id=1,
        audience=Audience.RESIDENTS if residents else Audience.BOARD,
        closed=closed,
    )
    scopes = search.material_scopes(
        organisation_id=1, board_id=1, department_id=1, residents=residents, closed=closed
    )
    for p in ANYONE:
        assert bool(search.reader_scopes(p) & scopes) == can(p, Action.VIEW, resource), p


def test_danish_stemming_makes_inflections_one_word() -> None:
    assert analyse("vaskeri") == analyse("vaskeriet") == analyse("Vaskeriets") == ["vaskeri"]
    assert analyse("og det er i") == []  # stop words only


def test_vaskeri_finds_vaskeriet_with_highlight(index: SearchBackend) -> None:
    index.replace_groups(
        ["test:1", "test:2"],
        [
            doc(1, "Renovering", "Vaskeriet i kælderen får nye maskiner <og> bedre ventilation."),
            doc(2, "Legeplads", "Nye gynger ved Engvænget."),
        ],
    )
    results = index.search("vaskeri", scopes=search.reader_scopes(RESIDENT))
    assert [h.id for h in results.hits] == [1]
    hit = results.hits[0]
    assert "<mark>Vaskeriet</mark>" in hit.highlights[0]
    assert "&lt;og&gt;" in hit.highlights[0]  # the text itself is escaped
    assert (hit.route, hit.params, hit.anchor) == ("meeting", {"meeting_id": 1}, "item-1")
    assert hit.date == datetime(2026, 3, 1, 18, tzinfo=UTC)


@pytest.fixture(params=["narrow", "wide"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """PostgreSQL finds a narrow reader's documents by their scopes and checks each for the words,
    and a wide reader's by the words and checks each for the scopes: the same answers either way."""
    if request.param == "wide":
        monkeypatch.setattr(pg_search, "NARROW_ROWS", -1)
    return str(request.param)


def test_only_permitted_documents_come_back(index: SearchBackend, plan: str) -> None:
    index.replace_groups(
        [],
        [
            doc(1, "Budget", "Tagrenovering og budget", residents=True),
            doc(2, "Personalesag", "Tagrenovering fortroligt", closed=True),
            doc(3, "Bestyrelsen", "Tagrenovering internt", residents=False),
            doc(4, "Andet", "Tagrenovering i afdeling to", board=2, residents=False),
        ],
    )

    def ids(p: Principal) -> set[int]:
        return {h.id for h in index.search("tagrenovering", scopes=search.reader_scopes(p)).hits}

    assert ids(RESIDENT) == {1}
    assert ids(SUBSTITUTE) == {1, 3}
    assert ids(MEMBER) == {1, 2, 3}
    assert ids(OTHER_BOARD) == {4}
    assert ids(STAFF) == {1, 2, 3, 4}
    assert ids(OTHER_ORG_STAFF) == set()
    assert ids(Principal(person_id=None)) == set()
    # A kind filter narrows, never widens.
    assert index.search("tagrenovering", scopes=search.reader_scopes(STAFF), kind="meeting").hits == []


def test_a_group_is_replaced_whole(index: SearchBackend) -> None:
    index.replace_groups(["m:1"], [doc(1, "A", "altan", group="m:1"), doc(2, "B", "altan", group="m:1")])
    index.replace_groups(["m:2"], [doc(3, "C", "altan", group="m:2")])
    scopes = search.reader_scopes(STAFF)
    assert {h.id for h in index.search("altan", scopes=scopes).hits} == {1, 2, 3}
    index.replace_groups(["m:1"], [doc(2, "B", "carport", group="m:1")])  # item 1 deleted, 2 changed
    assert {h.id for h in index.search("altan", scopes=scopes).hits} == {3}
    assert {h.id for h in index.search("carport", scopes=scopes).hits} == {2}
    assert index.count() == 2


def test_a_closed_item_leaves_the_residents_results_when_it_becomes_closed(index: SearchBackend) -> None:
    index.replace_groups(["m:1"], [doc(1, "Kælder", "kælderrum", group="m:1")])
    scopes = search.reader_scopes(RESIDENT)
    assert index.search("kælderrum", scopes=scopes).total == 1  # fills this thread's filter cache
    index.replace_groups(["m:1"], [doc(1, "Kælder", "kælderrum", group="m:1", closed=True)])
    assert index.search("kælderrum", scopes=scopes).hits == []


JUNK = [
    "",
    "& | ! : * ( ) '",
    "!vaskeri",
    "vaskeri:*",
    "vaskeri:A",
    "vaskeri <-> x",
    "'vaskeri' & !'x'",
    "\\",
    "\\'",
    "vaskeri'",
    " ",
    "AND OR (",
    'title:"x',
    "*",
    "?ø*",
    "\x00\x00",
    "NOT",
    "a" * 499,
    "ø" * 400,
    "💥 <script>alert(1)</script>",
    "vaskeri)))) OR ((((",
    "' OR 1=1 --",
]


@pytest.mark.parametrize("query", JUNK)
def test_junk_queries_find_nothing_quietly(index: SearchBackend, query: str) -> None:
    index.replace_groups([], [doc(1, "Vaskeri", "Vaskeriet")])
    cleaned = search.clean_query(query)
    results = index.search(cleaned, scopes=search.reader_scopes(STAFF))
    # Operators are no operators: a query with the word (and no other) finds it, others nothing.
    assert [h.id for h in results.hits] in ([], [1])
    assert results.hits == [] or "vaskeri" in query


def test_a_novel_is_refused_and_control_characters_are_dropped() -> None:
    with pytest.raises(search.QueryTooLong):
        search.clean_query("vaskeri " * 300)
    assert search.clean_query("vask\x00eri\n\tnu") == "vask eri nu"


def test_many_words_are_capped(index: SearchBackend) -> None:
    index.replace_groups([], [doc(1, "Vaskeri", "vaskeri " + " ".join(f"ord{n}" for n in range(40)))])
    words = " ".join(["vaskeri"] + [f"ord{n}" for n in range(40)])
    assert len(analyse(words)) == search.MAX_TERMS
    results = index.search(words, scopes=search.reader_scopes(STAFF))
    assert [h.id for h in results.hits] == [1]
    assert results.terms[:2] == ["vaskeri", "ord0"] and len(results.terms) == search.MAX_TERMS


def test_the_filter_is_cached_per_reader_and_dropped_when_the_index_changes(
    whoosh_index: WhooshIndex,
) -> None:
    index = whoosh_index
    index.replace_groups([], [doc(1, "Vaskeri", "vaskeri")])
    scopes = search.reader_scopes(MEMBER)
    index.search("vaskeri", scopes=scopes)
    state = index._state()
    cached = state.filters[(scopes, "")]
    index.search("vaskeri", scopes=scopes)
    assert state.filters[(scopes, "")] is cached
    index.replace_groups([], [doc(2, "Vaskeri", "vaskeri")])
    assert {h.id for h in index.search("vaskeri", scopes=scopes).hits} == {1, 2}
    assert state.filters[(scopes, "")] is not cached


# --- writing ------------------------------------------------------------------------------


def test_word_counts_are_the_analysers_words_counted() -> None:
    text = "Vaskeriet og vaskeriet, VASKERI i afd. 3.1 — beboernes møder; a b ø 12.5.2026 www.ab.dk"
    assert word_counts(text) == Counter(index_words(text))
    assert sorted(index_words(text)) == sorted(t.text for t in ANALYZER(text))


BIG = 500


def test_a_big_batch_replaces_its_groups_and_keys(index: SearchBackend) -> None:
    old = [doc(1, "Vaskeri", "gammel tekst", group="g:a"), doc(2, "Budget", "x", group="g:b")]
    index.replace_groups([], old)
    batch = [doc(i, "Vaskeriet", f"ny tekst {i}", group="g:a") for i in range(2, 2 + BIG)]
    assert index.replace_groups(["g:a"], batch) == BIG
    scopes = search.reader_scopes(MEMBER)
    assert index.count() == BIG  # 1 left with its group, 2 replaced by its new version
    assert index.search("gammel", scopes=scopes).hits == []
    assert [h.id for h in index.search("budget", scopes=scopes).hits] == []
    assert index.search("ny tekst 2", scopes=scopes).hits[0].id == 2
    assert len(index.search("vaskeri", scopes=scopes, limit=1000).hits) == BIG


def test_every_hostile_character_is_just_a_character(index: SearchBackend) -> None:
    index.replace_groups([], [doc(1, "Vaskeri", "Vaskeriet & co. (kælder) | tørrerum: 'nyt'!")])
    scopes = search.reader_scopes(STAFF)
    for q in ["vaskeri & kælder", "vaskeri | foo", "(kælder)", "tørrerum:", "'nyt'!", "vaskeri !nyt"]:
        results = index.search(search.clean_query(q), scopes=scopes)
        # Every word must occur: "foo" is not in the text, "nyt" is (a "!" is no NOT).
        assert [h.id for h in results.hits] == ([] if "foo" in q else [1]), q


def test_the_kind_filter_and_more_than_a_page(index: SearchBackend) -> None:
    docs = [doc(i, "Altan", f"altan nummer {i}") for i in range(1, 26)]
    docs.append(replace(docs[0], kind="meeting", id=99))
    index.replace_groups([], docs)
    scopes = search.reader_scopes(STAFF)
    page = index.search("altan", scopes=scopes)
    assert len(page.hits) == search.PAGE_SIZE and page.more
    assert [h.id for h in index.search("altan", scopes=scopes, kind="meeting").hits] == [99]
    few = index.search("altan nummer 17", scopes=scopes)
    assert [h.id for h in few.hits] == [17] and not few.more
    assert index.search("altan", scopes=scopes, kind="proposal").hits == []


def test_a_title_match_ranks_above_a_text_match(index: SearchBackend) -> None:
    index.replace_groups(
        [],
        [
            doc(1, "Budget", "Carport og skure, ventilation i kælderen og nye vinduer."),
            doc(2, "Carport", "Budget for vinduer."),
        ],
    )
    hits = index.search("carport", scopes=search.reader_scopes(STAFF)).hits
    assert [h.id for h in hits] == [2, 1]
    assert hits[0].score > hits[1].score


def test_text_postgresql_cannot_store_is_stored_cleanly(index: SearchBackend) -> None:
    """A PDF's text may hold NUL characters (PostgreSQL's text cannot), or the characters the
    PostgreSQL backend marks highlights with: neither breaks indexing nor the highlights."""
    index.replace_groups(
        [], [doc(1, "Vask\x00eri", "Vaskeriet\x00 \ue000tørrerum\ue001 <b>fed</b> & \ue003")]
    )
    hit = index.search("tørrerum", scopes=search.reader_scopes(STAFF)).hits[0]
    assert "<mark>tørrerum</mark>" in hit.highlights[0]
    assert "&lt;b&gt;fed" in hit.highlights[0]
    assert hit.highlights[0].count("<mark>") == hit.highlights[0].count("</mark>") == 1


# --- PostgreSQL only ------------------------------------------------------------------------

pg_only = pytest.mark.postgres_only  # skipped, saying so, without PostgreSQL (tests/conftest.py)


def index_shape(ix: PostgresIndex) -> list[tuple[str, ...]]:
    with ix.engine.connect() as conn:
        indexes = conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_document'")
        ).all()
        columns = conn.execute(
            text(
                "SELECT attname, attstorage, attcompression, format_type(atttypid, atttypmod),"
                " pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a"
                " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                " WHERE attrelid = CAST('search_document' AS regclass) AND attnum > 0 AND NOT attisdropped"
            )
        ).all()
        constraints = conn.execute(
            text(
                "SELECT conname, contype FROM pg_constraint"
                " WHERE conrelid = CAST('search_document' AS regclass)"
            )
        ).all()
    return sorted(tuple(str(v) for v in row) for row in [*indexes, *columns, *constraints])


@pg_only
def test_a_rebuild_swaps_in_a_table_like_the_migrations(pg_index: PostgresIndex) -> None:
    before = index_shape(pg_index)
    assert (
        "ix_search_document_tsv",
        "CREATE INDEX ix_search_document_tsv ON public.search_document USING gin (tsv)",
    ) in before
    pg_index.replace_groups([], [doc(1, "Vaskeri", "gammel")])
    scopes = search.reader_scopes(STAFF)
    for _ in range(6):  # psycopg prepares a statement on its 5th run: they must survive the swap
        assert [h.id for h in pg_index.search("vaskeri", scopes=scopes).hits] == [1]
    assert pg_index.rebuild([doc(2, "Vaskeri", "ny"), doc(3, "Altan", "ny")]) == 2
    assert index_shape(pg_index) == before
    assert [h.id for h in pg_index.search("vaskeri", scopes=scopes).hits] == [2]
    assert {h.id for h in pg_index.search("ny", scopes=scopes).hits} == {2, 3}
    assert pg_index.search("gammel", scopes=scopes).hits == []
    pg_index.replace_groups(["test:2"], [])  # the swapped-in table takes writes as before
    assert pg_index.count() == 1


@pg_only
def test_searches_answer_during_a_rebuild_and_a_job_meanwhile_lands_in_the_new_index(
    pg_index: PostgresIndex,
) -> None:
    pg_index.replace_groups([], [doc(1, "Vaskeri", "gammel tekst")])
    scopes = search.reader_scopes(STAFF)
    reading, go_on = threading.Event(), threading.Event()

    def documents() -> Iterator[Document]:
        yield doc(2, "Vaskeri", "ny tekst")
        reading.set()
        assert go_on.wait(10)
        yield doc(3, "Altan", "ny tekst")

    rebuilt: list[int] = []
    rebuild = threading.Thread(target=lambda: rebuilt.append(pg_index.rebuild(documents())))
    rebuild.start()
    assert reading.wait(10)
    # Mid-rebuild: the old index answers, and an index job waits for the swap.
    assert [h.id for h in pg_index.search("tekst", scopes=scopes).hits] == [1]
    job = threading.Thread(
        target=pg_index.replace_groups, args=(["late:9"], [doc(9, "Sen", "ny tekst", group="late:9")])
    )
    job.start()
    job.join(0.5)
    assert job.is_alive()  # waiting for its turn
    go_on.set()
    rebuild.join(30)
    job.join(30)
    assert rebuilt == [2] and not job.is_alive()
    assert {h.id for h in pg_index.search("tekst", scopes=scopes).hits} == {2, 3, 9}


@pg_only
def test_a_failed_rebuild_leaves_the_index_as_it_was(pg_index: PostgresIndex) -> None:
    pg_index.replace_groups([], [doc(1, "Vaskeri", "gammel tekst")])

    def documents() -> Iterator[Document]:
        yield doc(2, "Vaskeri", "ny tekst")
        raise RuntimeError("a provider failed")

    with pytest.raises(RuntimeError, match="a provider failed"):
        pg_index.rebuild(documents())
    assert [h.id for h in pg_index.search("tekst", scopes=search.reader_scopes(STAFF)).hits] == [1]
    pg_index.replace_groups([], [doc(4, "Altan", "tekst")])  # and takes writes
    assert pg_index.count() == 2


WRITER = """
import sys
from pathlib import Path
from boardkit.core.search.whoosh import WhooshIndex
from tests.core.search.test_search import doc
item = doc(1, "Kælder", "kælderrum", group="m:1", closed=sys.argv[2] == "closed")
WhooshIndex(Path(sys.argv[1])).replace_groups(["m:1"], [item])
"""


def test_a_change_written_by_another_process_reaches_this_ones_searcher_and_filter_cache(
    whoosh_index: WhooshIndex,
) -> None:
    """Processes that share one index directory (the worker writes, the app searches): this
    process's searcher and its cached permission filters are renewed when another commits."""
    index = whoosh_index
    root = Path(__file__).resolve().parents[3]

    def write(state: str) -> None:
        subprocess.run([sys.executable, "-c", WRITER, str(index.path), state], cwd=root, check=True)

    write("open")
    scopes = search.reader_scopes(RESIDENT)
    assert index.search("kælderrum", scopes=scopes).total == 1  # searcher opened, filter cached
    write("closed")
    assert index.search("kælderrum", scopes=scopes).hits == []
    write("open")
    assert [h.id for h in index.search("kælderrum", scopes=scopes).hits] == [1]
