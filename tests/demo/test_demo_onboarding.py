"""The demo's onboarding: a programme for new department board members with three videos it made
itself (playable, captioned in Danish), a declaration, the rules of procedure as a PDF and two
tasks; kasserer@ half-way through."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from boardkit import migrate
from boardkit.core.db import Database
from boardkit.core.storage import FileStore
from boardkit.demo import load_demo
from boardkit.onboarding import captions, media
from boardkit.onboarding import service as onboarding
from boardkit.onboarding.models import Caption, Module, Programme, Signature, Video
from boardkit.org.models import Person
from boardkit.org.service import today


def test_the_demo_programme_and_the_treasurer_half_way(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    store = FileStore(tmp_path / "files")
    try:
        with db.transaction() as s:
            load_demo(s, seed=1, store=store)
        with db.transaction(readonly=True) as s:
            programmes = s.scalars(select(Programme)).all()
            assert {p.role for p in programmes} == {"member", "chair", "treasurer"}
            modules = s.scalars(select(Module).where(Module.programme_id == programmes[0].id)).all()
            assert [m.kind for m in modules].count("video") == 3 and all(m.published for m in modules)
            assert {m.kind for m in modules} == {"video", "declaration", "document", "task"}
            document = next(m for m in modules if m.kind == "document")
            assert document.document_sha256 is not None
            pdf = PdfReader(store.path(document.document_sha256))
            assert "Forretningsorden" in pdf.pages[0].extract_text()
            for video in s.scalars(select(Video)):
                info = media.probe(store.path(video.sha256))
                assert info.video_codec == "h264" and abs(info.duration - video.duration) < 0.3
                danish = (Caption.video_id == video.id) & (Caption.language == "da")
                track = s.scalar(select(Caption).where(danish))
                assert track is not None and captions.parse_vtt(store.get(track.sha256))
                assert track.transcript
            treasurer = s.scalar(select(Person).where(Person.email == "kasserer@demo.boardkit.dk"))
            assert treasurer is not None
            (mine,) = onboarding.my_programmes(s, person_id=treasurer.id, today=today())
            assert mine.done == 4 and len(mine.steps) == 7 and mine.percent == 57
            assert not any(step.overdue for step in mine.steps if not step.done)
            assert s.scalar(select(Signature.id).where(Signature.person_id == treasurer.id)) is not None
    finally:
        db.dispose()
