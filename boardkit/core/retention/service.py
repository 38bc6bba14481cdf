"""Retention rules and the nightly job that applies them.

A domain registers each of its rules in its ``register`` with :func:`register_rule` (registering
again under the same name replaces, as core's other registries do). A rule is
``fn(db, today, limit) -> RetentionResult``: it deletes at most ``limit`` of its objects that are
due on ``today`` and says what it deleted — counts and ids, never content — and which stored files
the deleted rows referred to. A rule must make progress: what it handled is no longer due
(deleted, or marked as done), so running it again finds nothing.

:func:`run` applies every rule in turn, in batches, each batch in a short transaction of its own
that also writes one audit entry (action ``retention.deleted``, the rule's name as summary, the
counts and ids as its changes). A rule that finds nothing writes one entry with zero counts, so
the log shows the rule ran. Once a batch has committed, the files it names are deleted from the
store unless a registered column still refers to them (``storage.unreferenced``); a rolled-back
batch therefore never loses a file. Minutes, decisions and the audit log are never any rule's
business.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.orm import Session

from boardkit.core import audit, storage
from boardkit.core.db import Database, utcnow
from boardkit.core.templating import TZ

log = logging.getLogger("boardkit.retention")

KIND = "retention.nightly"
EVERY_SECONDS = 24 * 60 * 60
BATCH = 500
ACTION = "retention.deleted"
AUDIT_OBJECT = "retention_rule"
DRY_RUN_LIMIT = 1_000_000_000  # a dry run looks at everything at once (and rolls it back)


@dataclass
class RetentionResult:
    """What one batch of a rule deleted: ``counts`` by kind of thing (``{"permits": 2}``), ``ids``
    by object type (``{"permit": [7, 9]}``) and the sha256 of the stored files the deleted rows
    referred to (deleted after the commit if nothing else refers to them)."""

    counts: dict[str, int] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def add(self, other: RetentionResult) -> None:
        for key, n in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        for key, ids in other.ids.items():
            self.ids.setdefault(key, []).extend(ids)
        self.files |= other.files


# (db, today, limit) → what one batch deleted
RetentionRule = Callable[[Session, date, int], RetentionResult]

_RULES: dict[str, RetentionRule] = {}


def register_rule(name: str, fn: RetentionRule) -> None:
    """Add a rule under ``name`` (e.g. ``"expenses.receipts"``); registering again replaces."""
    _RULES[name] = fn


def rule_names() -> list[str]:
    return sorted(_RULES)


def today() -> date:
    return utcnow().astimezone(TZ).date()


@dataclass
class RuleRun:
    """What a run of one rule did: every batch added up, and how many stored files went."""

    name: str
    result: RetentionResult
    files_deleted: int = 0


def _record(db: Session, name: str, day: date, result: RetentionResult) -> None:
    audit.record(
        db,
        actor_id=None,
        action=ACTION,
        object_type=AUDIT_OBJECT,
        summary=name,
        diff={"day": day.isoformat(), "counts": dict(result.counts), "ids": dict(result.ids)},
    )


def delete_unreferenced(database: Database, store: storage.FileStore, shas: Collection[str]) -> int:
    """Delete the stored files of ``shas`` nothing refers to any more (call after the commit that
    deleted their rows); returns how many."""
    if not shas:
        return 0
    with database.transaction(readonly=True) as db:
        gone = storage.unreferenced(db, shas)
    for sha in gone:
        store.delete(sha)
    return len(gone)


def run_rule(
    database: Database, *, store: storage.FileStore, name: str, today: date, limit: int = BATCH
) -> RuleRun:
    """Apply one rule until it finds nothing: each batch in its own transaction with its audit
    entry, then its files; a rule that finds nothing at all still writes one (zero) entry."""
    fn = _RULES[name]
    run = RuleRun(name, RetentionResult())
    first = True
    while True:
        with database.transaction() as db:
            result = fn(db, today, limit)
            if result.total or first:
                _record(db, name, today, result)
        run.files_deleted += delete_unreferenced(database, store, result.files)
        run.result.add(result)
        first = False
        if not result.total:
            return run


def dry_run_rule(database: Database, *, name: str, today: date) -> RetentionResult:
    """What ``name`` would delete today, found by running it in a transaction that is rolled back
    (no audit entry, no file touched)."""
    with database.transaction() as db:
        result = _RULES[name](db, today, DRY_RUN_LIMIT)
        db.rollback()
    return result


def run(
    database: Database,
    *,
    store: storage.FileStore,
    today: date,
    names: Collection[str] | None = None,
    limit: int = BATCH,
) -> list[RuleRun]:
    """Apply every registered rule (or those of ``names``), one after the other. A rule that
    fails is logged and the others still run; the job fails after them, to be tried again."""
    runs: list[RuleRun] = []
    failed: list[str] = []
    for name in rule_names():
        if names is not None and name not in names:
            continue
        try:
            runs.append(run_rule(database, store=store, name=name, today=today, limit=limit))
        except Exception:
            log.exception("retention rule %s failed", name)
            failed.append(name)
    for r in runs:
        log.info(
            "retention %s: %s; %s stored file(s) deleted", r.name, _counts(r.result.counts), r.files_deleted
        )
    if failed:
        raise RuntimeError(f"retention rules failed: {', '.join(failed)}")
    return runs


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing"
