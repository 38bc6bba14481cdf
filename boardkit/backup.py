"""``boardkit backup DIR`` and ``boardkit restore DIR`` (README: Backup and restore), while the app runs.

A backup is a folder:

- ``database.sqlite3``: SQLite's online backup API, one consistent copy while the app writes; or
  ``database.pgdump``: ``pg_dump`` (custom format) of a snapshot the counts below are read in too;
- ``files/``: the stored files, copied after the dump (content-addressed and written once, so every
  file the dump refers to exists by then), each checked against its name (its sha256) on the way;
- ``files.txt``: ``sha256 size`` of each file;
- ``secret_key``: the data directory's key, if it is kept there (it encrypts bank accounts and seals
  the links in queued mail);
- ``manifest.json``, written last: a folder without it is no backup. Format, versions, the migration,
  the rows of every table, the files, what was left out and why.

Left out: the search index (restore rebuilds it), ``.eml`` mail (the mail log keeps every message;
the files hold login links), unconfirmed import files and spooled uploads (transient).

Restore goes into an empty data directory (nothing in it but a ``secret_key``, which a fresh start
makes) and, on PostgreSQL, a database without tables; it checks every file and count, and removes
what it wrote if anything fails.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, inspect, make_url, select, text

from boardkit import migrate
from boardkit.config import Settings
from boardkit.core import storage
from boardkit.fileio import TEMP_PREFIX, atomic_writer, private_dir, write_atomic

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
FILE_LIST = "files.txt"
SECRET_KEY = "secret_key"
SQLITE_DUMP = "database.sqlite3"
PG_DUMP = "database.pgdump"
CHUNK = 1024 * 1024
LEFT_OUT = {
    "search": "derived: restore rebuilds the search index (boardkit reindex)",
    "mail": "the .eml files of delivered mail: the mail log keeps every message; the files hold login links",
    "imports": "import files waiting for confirmation (kept a day at most): check the file again",
    "tmp": "uploads being received",
}


class BackupError(Exception):
    """A backup or restore that cannot be done (or was refused); the message says why."""


@dataclass
class Dump:
    kind: str
    name: str
    revision: str | None
    counts: dict[str, int]
    referenced: set[str]
    server: str = ""


@dataclass
class Copied:
    files: list[tuple[str, int]] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(size for _sha, size in self.files)


# --- backup ----------------------------------------------------------------------------------


def backup(settings: Settings, target: Path) -> dict[str, Any]:
    """Back up the database, the stored files and the secret key into ``target`` (new or empty);
    returns the manifest. ``core.storage``'s references must be registered (``app.compose``)."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not empty: back up into a new or empty folder")
    private_dir(target)
    try:
        return _backup(settings, target)
    except BaseException:
        for entry in target.iterdir():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        raise


def _backup(settings: Settings, target: Path) -> dict[str, Any]:
    url = settings.database_url
    dump = _dump_sqlite(url, target) if url.startswith("sqlite") else _dump_pg(url, target)
    copied = _copy_files(settings.files_dir, target / FILES)  # after the dump: it names no file not there
    names = {sha for sha, _size in copied.files}
    missing = sorted(dump.referenced - names)
    with (target / FILE_LIST).open("w") as out:
        out.writelines(f"{sha} {size}\n" for sha, size in copied.files)
    key_file = settings.data_dir / SECRET_KEY
    kept = key_file.is_file() and key_file.read_text().strip() == settings.secret_key
    if kept:
        shutil.copyfile(key_file, target / SECRET_KEY)
    manifest = {
        "format": FORMAT,
        "boardkit": _version(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": {
            "kind": dump.kind,
            "file": dump.name,
            "bytes": (target / dump.name).stat().st_size,
            "sha256": _sha256(target / dump.name),
            "revision": dump.revision,
            **({"server": dump.server} if dump.server else {}),
        },
        "counts": dump.counts,
        "files": {
            "count": len(copied.files),
            "bytes": copied.total,
            "list": FILE_LIST,
            "sha256": _sha256(target / FILE_LIST),
            "missing": missing,  # referred to by the database, gone from the store (or deleted meanwhile)
            "damaged": copied.damaged,  # not what their name says: left out
        },
        "secret_key": {
            "file": SECRET_KEY if kept else None,  # None: BOARDKIT_SECRET_KEY; restore needs the same
            "fingerprint": fingerprint(settings.secret_key),
        },
        "left_out": LEFT_OUT,
    }
    os.sync()  # everything above on disk before the manifest says the backup is whole
    write_atomic(target / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode())
    return manifest


def fingerprint(secret: str) -> str:
    """Enough of the key's hash to tell two keys apart, nothing to guess it from."""
    return hashlib.sha256(b"boardkit-backup:" + secret.encode()).hexdigest()[:16]


def _dump_sqlite(url: str, target: Path) -> Dump:
    source_path = _sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}")
    out = target / SQLITE_DUMP
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(out)
    try:
        source.backup(copy)  # all pages in one step: one read transaction, the app's writers go on (WAL)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not copy {source_path}: {exc}") from exc
    finally:
        copy.close()
        source.close()
    engine = create_engine(f"sqlite:///{out}")
    try:
        with engine.connect() as conn:
            return Dump("sqlite", SQLITE_DUMP, _revision(conn), _counts(conn), _referenced(conn))
    finally:
        engine.dispose()


def _dump_pg(url: str, target: Path) -> Dump:
    """pg_dump of a snapshot exported by a transaction that reads the counts and the file
    references in it: the manifest describes exactly what the dump holds."""
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn, conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            server = str(conn.execute(text("SHOW server_version")).scalar_one())
            _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={target / PG_DUMP}"], url)
            return Dump("postgresql", PG_DUMP, _revision(conn), _counts(conn), _referenced(conn), server)
    finally:
        engine.dispose()


def _copy_files(source: Path, target: Path) -> Copied:
    """Every stored file, checked against its name; a file being written now (``.tmp-*``) is not
    referred to by anything committed yet."""
    copied = Copied()
    for path in _stored(source):
        sha = path.name
        destination = target / sha[:2] / sha[2:4] / sha
        destination.parent.mkdir(parents=True, exist_ok=True)
        with path.open("rb") as fh, destination.open("wb") as out:
            digest, size = _copy(fh, out)
        if digest != sha:
            destination.unlink()
            copied.damaged.append(sha)
        else:
            copied.files.append((sha, size))
    return copied


def _stored(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        for name in sorted(names):
            if not name.startswith(TEMP_PREFIX) and _is_sha(name):
                yield Path(root) / name


# --- restore ---------------------------------------------------------------------------------


def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Restore the backup in ``source`` into the configured data directory and database, which
    must be empty; returns its manifest. The caller upgrades the schema and rebuilds the index."""
    manifest = _read_manifest(source)
    _check_target(settings, manifest)
    key = _secret_key(settings, source, manifest)
    written: list[Path] = []
    try:
        _restore_files(source, settings.files_dir, manifest, written)
        if key is not None:
            write_atomic(settings.data_dir / SECRET_KEY, key.encode())
        os.sync()  # the files on disk before the database that refers to them
        if manifest["database"]["kind"] == "sqlite":
            _restore_sqlite(source, settings.database_url, manifest, written)
        else:
            _restore_pg(source, settings.database_url, manifest)
    except BaseException:
        for path in reversed(written):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        raise
    return manifest


def _read_manifest(source: Path) -> dict[str, Any]:
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} holds no complete backup (no {MANIFEST})")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(
            f"{source} is a backup of another format ({manifest.get('format')!r}, not {FORMAT})"
        )
    revision = manifest["database"].get("revision")
    if revision and not migrate.knows(revision):
        raise BackupError(
            f"the backup is at migration {revision}, which this boardkit ({_version()}) does not know: "
            f"it was made by a newer version (boardkit {manifest.get('boardkit')}); restore with that one"
        )
    dump = source / manifest["database"]["file"]
    if not dump.is_file() or _sha256(dump) != manifest["database"]["sha256"]:
        raise BackupError(f"{dump} is missing or damaged (its sha256 is not the manifest's)")
    listed = source / manifest["files"]["list"]
    if not listed.is_file() or _sha256(listed) != manifest["files"]["sha256"]:
        raise BackupError(f"{listed} is missing or damaged")
    return manifest


def _check_target(settings: Settings, manifest: dict[str, Any]) -> None:
    kind = "sqlite" if settings.database_url.startswith("sqlite") else "postgresql"
    if kind != manifest["database"]["kind"]:
        raise BackupError(
            f"the backup holds a {manifest['database']['kind']} database, but BOARDKIT_DATABASE_URL "
            f"is {kind}: restore into the same kind of database"
        )
    data = settings.data_dir
    found = sorted(p.name for p in data.iterdir() if p.name != SECRET_KEY) if data.is_dir() else []
    if found:
        raise BackupError(
            f"the data directory {data} is not empty ({', '.join(found[:5])}"
            f"{', …' if len(found) > 5 else ''}): restore into a new one; nothing was changed"
        )
    if kind == "sqlite":
        path = _sqlite_path(settings.database_url)
        if path.exists() and path.stat().st_size > 0:
            raise BackupError(
                f"the database {path} exists already: restore into a new one; nothing was changed"
            )
        return
    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
    finally:
        engine.dispose()
    if tables:
        name = make_url(settings.database_url).database
        raise BackupError(
            f"the database {name} has tables already ({', '.join(sorted(tables)[:5])}…): restore into an "
            "empty database (CREATE DATABASE); nothing was changed"
        )


def _secret_key(settings: Settings, source: Path, manifest: dict[str, Any]) -> str | None:
    """The key to write into the data directory, or None when the configured one is to stay."""
    wanted = manifest["secret_key"]
    if wanted.get("file"):
        key = (source / wanted["file"]).read_text().strip()
        if fingerprint(key) != wanted["fingerprint"]:
            raise BackupError(f"{source / wanted['file']} is damaged (not the key the backup was made with)")
        own = settings.data_dir / SECRET_KEY
        from_file = own.is_file() and own.read_text().strip() == settings.secret_key
        if not from_file and settings.secret_key != key:
            raise BackupError(
                "BOARDKIT_SECRET_KEY is set to another key than the backup's: unset it (the backup's key "
                "is restored into the data directory) or set the backup's; nothing was changed"
            )
        return key if from_file else None
    if fingerprint(settings.secret_key) != wanted["fingerprint"]:
        raise BackupError(
            "the backup was made with BOARDKIT_SECRET_KEY set: set the same key before restoring "
            "(bank accounts and queued mail are sealed with it); nothing was changed"
        )
    return None


def _restore_files(source: Path, files_dir: Path, manifest: dict[str, Any], written: list[Path]) -> None:
    if not files_dir.exists():
        written.append(files_dir)
    store = storage.FileStore(files_dir)
    count = 0
    with (source / manifest["files"]["list"]).open() as listing:
        for line in listing:
            sha, size = line.split()
            path = source / FILES / sha[:2] / sha[2:4] / sha
            if not path.is_file():
                raise BackupError(f"{path} is missing from the backup")
            with (
                path.open("rb") as fh,
                atomic_writer(store.path(sha), durable=False) as out,
            ):  # not durable one by one: one sync for all before the database is written
                digest, copied = _copy(fh, out)
                if digest != sha or copied != int(size):
                    raise BackupError(f"{path} is damaged (not the file its name says)")
            count += 1
    if count != manifest["files"]["count"]:
        raise BackupError(f"the backup lists {count} files, its manifest {manifest['files']['count']}")


def _restore_sqlite(source: Path, url: str, manifest: dict[str, Any], written: list[Path]) -> None:
    path = _sqlite_path(url)
    written.append(path)
    with (source / SQLITE_DUMP).open("rb") as fh, atomic_writer(path) as out:
        shutil.copyfileobj(fh, out, CHUNK)
    _check_counts(url, manifest)


def _restore_pg(source: Path, url: str, manifest: dict[str, Any]) -> None:
    database = make_url(url).database or ""
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",  # all or nothing
            f"--dbname={database}",
            str(source / PG_DUMP),
        ],
        url,
    )
    _check_counts(url, manifest)


def _check_counts(url: str, manifest: dict[str, Any]) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            counts = _counts(conn)
    finally:
        engine.dispose()
    if counts != manifest["counts"]:
        differ = sorted(
            t for t in set(counts) | set(manifest["counts"]) if counts.get(t) != manifest["counts"].get(t)
        )
        raise BackupError(
            f"the restored database does not hold what the backup says (tables {', '.join(differ)})"
        )


# --- shared ----------------------------------------------------------------------------------


def _counts(conn: Connection) -> dict[str, int]:
    return {
        table: int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())  # noqa: S608
        for table in sorted(inspect(conn).get_table_names())
    }


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _referenced(conn: Connection) -> set[str]:
    """The files the database refers to (in the columns its schema has: an older one lacks some)."""
    schema = inspect(conn)
    tables = set(schema.get_table_names())
    found: set[str] = set()
    for column in storage.reference_columns():
        table, name = column.expression.table.name, column.expression.name
        if table in tables and name in {c["name"] for c in schema.get_columns(table)}:
            found.update(conn.scalars(select(column).where(column.is_not(None)).distinct()))
    found.discard("")  # no file
    return found


def _run(command: list[str], url: str) -> None:
    """A PostgreSQL client program, connected by environment (no password on the command line)."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt install postgresql-client)")
    done = subprocess.run(command, env=_libpq_env(url), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")


def _libpq_env(url: str) -> dict[str, str]:
    u = make_url(url)
    env = dict(os.environ)
    given = {
        "PGHOST": u.host or u.query.get("host"),
        "PGPORT": str(u.port) if u.port else None,
        "PGUSER": u.username,
        "PGPASSWORD": u.password,
        "PGDATABASE": u.database,
        "PGSSLMODE": u.query.get("sslmode"),
    }
    env.update({k: str(v) for k, v in given.items() if v})
    return env


def _copy(fh: Any, out: Any) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: fh.read(CHUNK), b""):
        digest.update(chunk)
        out.write(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _is_sha(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def _version() -> str:
    try:
        return metadata.version("boardkit")
    except metadata.PackageNotFoundError:
        return "unknown"
