"""Files behind a small interface: content-addressed (sha256), written once, never overwritten.

One stored file may be referred to from several domains (the same PDF attached to a meeting and to a
permit case), so a file is deleted only when no registered column refers to it any more: each domain
names its columns with :func:`register_references`, and :func:`unreferenced` asks them all. Derived
copies that can be made again (drawn packs) and files whose records retention deleted go this way.
Everything under the data directory is the server's alone: folders 0700, files 0600 (uploaded
receipts, minutes, mail with login links), whatever the process's umask.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
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


def private_dir(path: Path, *, tighten: bool = False) -> Path:
    """Make ``path`` and any missing parents as folders only this user can open (0700).

    ``tighten`` also takes group and other access off ``path`` itself when it exists already (the
    data directory of an older installation); folders that existed are otherwise left alone.
    """
    missing: list[Path] = []
    level = path
    while not level.exists():
        missing.append(level)
        level = level.parent
    for folder in reversed(missing):
        folder.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode passes through the umask; this one does not
    if tighten and not missing and path.stat().st_mode & 0o077:
        os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty as a file only this user can read (0600), or make it so if it exists."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (replacing it atomically) readable by this user only."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mkstemp makes it 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class FileStore:
    """Filesystem storage under ``root``; a shared or S3-compatible store can replace it later."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        """Store ``data`` once; returns its sha256. Writing is atomic (temp file, then rename)."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.is_file():
            return digest
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")  # 0600, kept by the rename
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def put_file(self, source: Path) -> str:
        """Store a file that is on disk already (a large upload) without reading it into memory."""
        digest = hashlib.sha256()
        with source.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(chunk)
        sha = digest.hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha
        private_dir(target.parent)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as fh:
                shutil.copyfileobj(fh, out, 1024 * 1024)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        """Remove a file; callers check with :func:`unreferenced` that nothing refers to it."""
        self.path(sha256).unlink(missing_ok=True)
