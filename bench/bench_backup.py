"""``boardkit backup`` and ``boardkit restore`` of the demo plus many stored files.

The demo is loaded into a fresh data directory (SQLite, or a PostgreSQL database with
``--postgres URL``, which must be empty), ``--files`` random files of ``--kib`` KiB each are added
to its file store, then the backup and the restore run through the command line as an operator
runs them. Prints the time of each and the files and megabytes per second.

    python bench/bench_backup.py [--files 10000] [--kib 50] [--postgres postgresql+psycopg://…/pgb_bench]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from boardkit import cli
from boardkit.config import load_settings
from boardkit.core.storage import FileStore


def _empty_database(url: str, name: str) -> str:
    base = make_url(url)
    target = f"{base.database}_{name}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target}"'))
    admin.dispose()
    return base.set(database=target).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--kib", type=int, default=50)
    parser.add_argument(
        "--postgres", default="", help="a PostgreSQL URL; its database gets _src and _dst copies"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-backup-") as tmp:
        source = {"BOARDKIT_DATA_DIR": str(Path(tmp) / "source")}
        target = {"BOARDKIT_DATA_DIR": str(Path(tmp) / "restored")}
        if args.postgres:
            source["BOARDKIT_DATABASE_URL"] = _empty_database(args.postgres, "src")
            target["BOARDKIT_DATABASE_URL"] = _empty_database(args.postgres, "dst")
        assert cli.run(["demo"], env=source) == 0
        store = FileStore(load_settings(env=source).files_dir)
        started = time.perf_counter()
        for _n in range(args.files):
            store.put(os.urandom(args.kib * 1024))
        print(f"stored {args.files} files in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        megabytes = args.files * args.kib / 1024

        folder = Path(tmp) / "backup"
        started = time.perf_counter()
        assert cli.run(["backup", str(folder)], env=source) == 0
        took = time.perf_counter() - started
        print(f"backup:  {took:.1f} s, {args.files / took:.0f} files/s, {megabytes / took:.0f} MB/s")
        started = time.perf_counter()
        assert cli.run(["restore", str(folder)], env=target) == 0
        took = time.perf_counter() - started
        rate = f"{args.files / took:.0f} files/s, {megabytes / took:.0f} MB/s"
        print(f"restore: {took:.1f} s, {rate} (with the reindex)")


if __name__ == "__main__":
    main()
