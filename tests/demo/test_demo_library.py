"""The demo's library: Engparken's board has six documents and two contracts as real PDFs, and
eight keys and accounts; the handover view names roles, never people."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from boardkit import migrate
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.demo import load_demo
from boardkit.library import service
from boardkit.org.models import Board, Person


def test_engparken_has_a_library_and_a_keys_register(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    store = FileStore(tmp_path / "files")
    try:
        with db.transaction() as s:
            load_demo(s, seed=1, store=store)
        with db.transaction(readonly=True) as s:
            board = s.scalar(select(Board).where(Board.name == "Afdelingsbestyrelsen i Engparken"))
            assert board is not None
            documents = service.handover_documents(s, board_id=board.id)
            assert sorted(d.kind for d in documents if d.kind != "contract") == sorted(
                [
                    "statutes",
                    "rules_of_procedure",
                    "house_rules",
                    "maintenance_plan",
                    "inspection_report",
                    "raaderet_catalogue",
                ]
            )
            contracts = service.handover_contracts(s, board_id=board.id)
            assert {c.supplier for c in contracts} == {"Grøn Have ApS", "Rent Trappe A/S"}
            assert all(c.admin_contact and c.notice_period for c in contracts)
            keys = service.handover_keys(s, board_id=board.id)
            assert len(keys) == 8 and {k.kind for k in keys} == {"key", "fob", "account", "code"}
            assert {k.state for k in keys} == {"held", "returned"}
            names = set(s.scalars(select(Person.name)))
            shown = " ".join(f"{k.label} {k.opens} {' '.join(k.holder_roles)}" for k in keys)
            assert not [n for n in names if n in shown]
            for document in s.scalars(select(service.LibraryDocument)):
                latest = document.latest
                assert latest is not None
                text = PdfReader(store.path(latest.sha256)).pages[0].extract_text()
                assert document.title.split()[0] in text
    finally:
        db.dispose()
