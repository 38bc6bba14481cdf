"""Core's retention job: every registered rule in short batches, an audit entry per batch (one
with zero counts when a rule finds nothing), files deleted after the commit only when nothing
refers to them, one failing rule does not stop the others, and the nightly schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.app import build_runner
from boardkit.config import Settings
from boardkit.core.db import Database, utcnow
from boardkit.core.models import AuditEntry, Job
from boardkit.core.retention import service as retention
from boardkit.core.storage import FileStore

TODAY = date(2026, 12, 4)


@pytest.fixture
def own_rules() -> Iterator[None]:
    """Rules of the test alone, the registered ones put back after."""
    saved = dict(retention._RULES)
    retention._RULES.clear()
    yield
    retention._RULES.clear()
    retention._RULES.update(saved)


def countdown(start: int, files: dict[int, str] | None = None) -> retention.RetentionRule:
    """A rule with ``start`` things to delete, ``limit`` at a time; ``files``: thing → its file."""
    left = list(range(1, start + 1))

    def rule(db: Session, today: date, limit: int) -> retention.RetentionResult:
        batch, left[:] = left[:limit], left[limit:]
        shas = {files[i] for i in batch if files and i in files}
        return retention.RetentionResult(counts={"things": len(batch)}, ids={"thing": batch}, files=shas)

    return rule


def entries(db: Database) -> list[tuple[str, dict[str, object]]]:
    with db.transaction() as s:
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.action == retention.ACTION).order_by(AuditEntry.id)
        )
        return [(e.summary, e.changes) for e in rows]


def test_each_rule_runs_in_batches_with_an_entry_per_batch_and_its_files_after(
    db: Database, tmp_path: Path, own_rules: None
) -> None:
    store = FileStore(tmp_path / "files")
    sha = store.put(b"a receipt")
    retention.register_rule("b.things", countdown(5, {5: sha}))
    retention.register_rule("a.nothing", countdown(0))
    runs = retention.run(db, store=store, today=TODAY, limit=2)
    assert [(r.name, r.result.total, r.files_deleted) for r in runs] == [
        ("a.nothing", 0, 0),
        ("b.things", 5, 1),
    ]
    assert not store.exists(sha)
    logged = entries(db)
    assert [name for name, _ in logged] == ["a.nothing", "b.things", "b.things", "b.things"]
    assert logged[0][1] == {"day": "2026-12-04", "counts": {"things": 0}, "ids": {"thing": []}}
    assert [c["ids"] for _, c in logged[1:]] == [{"thing": [1, 2]}, {"thing": [3, 4]}, {"thing": [5]}]
    again = retention.run(db, store=store, today=TODAY, limit=2)  # nothing left: one zero entry each
    assert [r.result.total for r in again] == [0, 0] and len(entries(db)) == 6


def test_a_failing_rule_is_rolled_back_and_the_others_still_run(
    db: Database, tmp_path: Path, own_rules: None
) -> None:
    def broken(db: Session, today: date, limit: int) -> retention.RetentionResult:
        raise ValueError("boom")

    retention.register_rule("a.broken", broken)
    retention.register_rule("b.things", countdown(1))
    with pytest.raises(RuntimeError, match=r"a\.broken"):
        retention.run(db, store=FileStore(tmp_path / "files"), today=TODAY)
    assert [name for name, _ in entries(db)] == ["b.things"]  # the job fails after the others ran


def test_a_dry_run_writes_nothing(db: Database, own_rules: None) -> None:
    def writes(db: Session, today: date, limit: int) -> retention.RetentionResult:
        db.add(AuditEntry(actor_id=None, action="test.write", object_type="", summary="", changes={}))
        return retention.RetentionResult(counts={"things": 3}, ids={"thing": [1, 2, 3]})

    retention.register_rule("a.writes", writes)
    assert retention.dry_run_rule(db, name="a.writes", today=TODAY).counts == {"things": 3}
    with db.transaction() as s:
        assert s.scalar(select(AuditEntry.id)) is None


def test_the_job_is_nightly_and_every_domain_has_its_rule(db: Database, settings: Settings) -> None:
    runner = build_runner(db, settings)
    assert runner.periodic[retention.KIND] == 24 * 60 * 60
    assert {"expenses.claims", "meetings.person_cases", "permits.closed_cases"} <= set(retention.rule_names())
    assert retention.KIND in runner.schedule_periodic()
    assert runner.run_until_idle(now=utcnow() + timedelta(seconds=1)) >= 1
    with db.transaction() as s:
        job = s.scalar(select(Job).where(Job.kind == retention.KIND))
        assert job is not None and job.status == "done"
    logged = {name for name, _ in entries(db)}
    assert logged == set(retention.rule_names())  # an empty database: one zero entry per rule
    assert retention.KIND not in runner.schedule_periodic()  # not again before tomorrow
