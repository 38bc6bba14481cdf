"""Files in the data directory are written whole or not at all (``boardkit.fileio``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from boardkit.config import load_settings
from boardkit.core.storage import FileStore
from boardkit.fileio import TEMP_PREFIX, atomic_writer, write_atomic


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.txt"
    write_atomic(target, b"old")
    with pytest.raises(FileExistsError):
        write_atomic(target, b"new", exclusive=True)
    with pytest.raises(RuntimeError), atomic_writer(target) as fh:
        fh.write(b"half")
        raise RuntimeError("the disk is full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]
    assert not list(tmp_path.rglob(f"{TEMP_PREFIX}*"))


def test_a_stored_file_cut_short_is_written_again(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    sha = store.put(b"%PDF-1.4 referat")
    store.path(sha).write_bytes(b"%PDF")  # what a crash before the data reached the disk could leave
    assert store.put(b"%PDF-1.4 referat") == sha
    assert store.get(sha) == b"%PDF-1.4 referat"


def test_processes_starting_together_keep_one_secret_key(tmp_path: Path) -> None:
    data = tmp_path / "var"
    with ThreadPoolExecutor(8) as pool:
        keys = set(
            pool.map(lambda _: load_settings(env={"BOARDKIT_DATA_DIR": str(data)}).secret_key, range(8))
        )
    assert keys == {(data / "secret_key").read_text()} and len(keys.pop()) > 40
