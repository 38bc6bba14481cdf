"""The search index on its own: Danish stemming, scopes that agree with the permission policy,
highlights that are safe HTML, groups replaced whole, and queries that never break it."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from boardkit.core import search
from boardkit.core.permissions import Action, Audience, Principal, Resource, can
from boardkit.core.search import Document
from boardkit.core.search.whoosh import (
    ANALYZER,
    WhooshIndex,
    analyse,
    index_words,
    word_counts,
)


@pytest.fixture
def index(tmp_path: Path) -> Iterator[WhooshIndex]:
    ix = WhooshIndex(tmp_path / "index")
    yield ix
    ix.close()


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


def test_vaskeri_finds_vaskeriet_with_highlight(index: WhooshIndex) -> None:
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


def test_only_permitted_documents_come_back(index: WhooshIndex) -> None:
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


def test_a_group_is_replaced_whole(index: WhooshIndex) -> None:
    index.replace_groups(["m:1"], [doc(1, "A", "altan", group="m:1"), doc(2, "B", "altan", group="m:1")])
    index.replace_groups(["m:2"], [doc(3, "C", "altan", group="m:2")])
    scopes = search.reader_scopes(STAFF)
    assert {h.id for h in index.search("altan", scopes=scopes).hits} == {1, 2, 3}
    index.replace_groups(["m:1"], [doc(2, "B", "carport", group="m:1")])  # item 1 deleted, 2 changed
    assert {h.id for h in index.search("altan", scopes=scopes).hits} == {3}
    assert {h.id for h in index.search("carport", scopes=scopes).hits} == {2}
    assert index.count() == 2


def test_a_closed_item_leaves_the_residents_results_when_it_becomes_closed(index: WhooshIndex) -> None:
    index.replace_groups(["m:1"], [doc(1, "Kælder", "kælderrum", group="m:1")])
    scopes = search.reader_scopes(RESIDENT)
    assert index.search("kælderrum", scopes=scopes).total == 1  # fills this thread's filter cache
    index.replace_groups(["m:1"], [doc(1, "Kælder", "kælderrum", group="m:1", closed=True)])
    assert index.search("kælderrum", scopes=scopes).hits == []


JUNK = [
    "",
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
def test_junk_queries_find_nothing_quietly(index: WhooshIndex, query: str) -> None:
    index.replace_groups([], [doc(1, "Vaskeri", "Vaskeriet")])
    cleaned = search.clean_query(query)
    results = index.search(cleaned, scopes=search.reader_scopes(STAFF))
    assert results.hits == [] or query.startswith("vaskeri")


def test_a_novel_is_refused_and_control_characters_are_dropped() -> None:
    with pytest.raises(search.QueryTooLong):
        search.clean_query("vaskeri " * 300)
    assert search.clean_query("vask\x00eri\n\tnu") == "vask eri nu"


def test_many_words_are_capped(index: WhooshIndex) -> None:
    index.replace_groups([], [doc(1, "Vaskeri", "vaskeri " + " ".join(f"ord{n}" for n in range(40)))])
    words = " ".join(["vaskeri"] + [f"ord{n}" for n in range(40)])
    assert len(analyse(words)) == search.MAX_TERMS
    assert [h.id for h in index.search(words, scopes=search.reader_scopes(STAFF)).hits] == [1]


def test_the_filter_is_cached_per_reader_and_dropped_when_the_index_changes(index: WhooshIndex) -> None:
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


def test_a_big_batch_replaces_its_groups_and_keys(index: WhooshIndex) -> None:
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


WRITER = """
import sys
from pathlib import Path
from boardkit.core.search.whoosh import WhooshIndex
from tests.core.search.test_search import doc
item = doc(1, "Kælder", "kælderrum", group="m:1", closed=sys.argv[2] == "closed")
WhooshIndex(Path(sys.argv[1])).replace_groups(["m:1"], [item])
"""


def test_a_change_written_by_another_process_reaches_this_ones_searcher_and_filter_cache(
    index: WhooshIndex,
) -> None:
    """Processes that share one index directory (the worker writes, the app searches): this
    process's searcher and its cached permission filters are renewed when another commits."""
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
