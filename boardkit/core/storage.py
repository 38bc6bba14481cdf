"""Files behind a small interface: content-addressed (sha256), written once, never overwritten.

One stored file may be referred to from several domains (the same PDF attached to a meeting and to a
permit case), so a file is deleted only when no registered column refers to it any more: each domain
names its columns with :func:`register_references`, and :func:`unreferenced` asks them all. Derived
copies that can be made again (drawn packs) and files whose records retention deleted go this way.
Everything under the data directory is the server's alone (folders 0700, files 0600) and written
whole or not at all, durably, before a row refers to it (``boardkit.fileio``): a full disk fails the
write (503, see ``core.db.problem``) and leaves nothing half-written behind.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from boardkit.fileio import atomic_writer, write_atomic

_REFERENCES: dict[str, tuple[Any, ...]] = {}


def register_references(owner: str, *columns: Any) -> None:
    """The columns in which ``owner`` keeps the sha256 of stored files (registering again replaces)."""
    _REFERENCES[owner] = columns


def unreferenced(db: Session, shas: Collection[str]) -> set[str]:
    """Those of ``shas`` no registered column refers to: safe to delete once this transaction commits."""
    left = set(shas)
    for columns in _REFERENCES.values():
        for column in columns:
            if not left:
                return left
            left -= set(db.scalars(select(column).where(column.in_(left)).distinct()))
    return left


def reference_columns() -> list[Any]:
    """Every registered column that keeps the sha256 of stored files."""
    return [column for columns in _REFERENCES.values() for column in columns]


class FileStore:
    """Filesystem storage under ``root``; a shared or S3-compatible store can replace it later."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` once; returns its sha256. Written whole and on disk before it is returned
        (an OSError such as a full disk leaves nothing behind)."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not self._stored(target, len(data)):
            write_atomic(target, data)
        return digest

    def put_file(self, source: Path) -> str:
        """Store a file that is on disk already (a large upload) without reading it into memory."""
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        target = self.path(sha)
        if not self._stored(target, source.stat().st_size):
            with atomic_writer(target) as out, source.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1024 * 1024)
        return sha

    @staticmethod
    def _stored(target: Path, size: int) -> bool:
        """Whether ``target`` holds the content already (a file of another size, e.g. cut short by a
        crash before writes were flushed, is written again: the name says what it must hold)."""
        try:
            return target.stat().st_size == size
        except FileNotFoundError:
            return False

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove a file; callers check with :func:`unreferenced` that nothing refers to it."""
        self.path(sha256).unlink(missing_ok=True)
