"""Writing in the data directory: whole or not at all, kept once written, and the server's alone.

Every file boardkit writes under the data directory goes through :func:`write_atomic` (or
:func:`atomic_writer` for a stream): a temporary file in the target's folder, flushed to disk
(``fsync``), renamed over the target, and the folder's entry flushed too. A reader (another
process, another machine on a shared volume) sees the old file or the new one, never a part; a
full disk or a crash leaves at most a ``.tmp-*`` file that this process removes when it can.
Derived copies that are made again when missing (the search index's text cache) skip the fsync.

Folders are made 0700 and files 0600, whatever the process's umask (uploaded receipts, minutes and
mail with login links are personal data).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
TEMP_PREFIX = ".tmp-"


def fsync_dir(path: Path) -> None:
    """Flush ``path``'s entries (a file renamed or made in it) to disk."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
        fsync_dir(folder.parent)  # the new folder itself survives a crash, so do the files in it
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


@contextlib.contextmanager
def atomic_writer(path: Path, *, durable: bool = True, exclusive: bool = False) -> Iterator[BinaryIO]:
    """A file to write ``path``'s new content into; it becomes ``path`` only when the block ends
    without an error (and, ``durable``, once it is on disk). ``exclusive``: only if ``path`` does not
    exist yet (:class:`FileExistsError` otherwise, the existing file untouched)."""
    private_dir(path.parent)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)  # 0600, kept by the rename
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        if exclusive:
            os.link(tmp, path)  # fails if another process made it first
            tmp.unlink()
        else:
            os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(path.parent)


def write_atomic(path: Path, data: bytes, *, durable: bool = True, exclusive: bool = False) -> None:
    """Write ``data`` as ``path``, all or nothing (see :func:`atomic_writer`)."""
    with atomic_writer(path, durable=durable, exclusive=exclusive) as fh:
        fh.write(data)
