"""The command line: serve, worker, demo, db, import, reindex, retention, backup, restore, token create,
createadmin."""

from __future__ import annotations

import argparse
import copy
import getpass
import logging
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from boardkit import backup, migrate
from boardkit.config import ConfigError, Settings, load_settings
from boardkit.core import auth
from boardkit.core.db import Database, problem

log = logging.getLogger("boardkit")


def _db(settings: Settings, **options: Any) -> Database:
    return Database(
        settings.database_url,
        busy_timeout=settings.db_busy_timeout_seconds,
        pool_size=settings.db_pool_size,
        **options,
    )


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from boardkit.app import create_app

    started = time.perf_counter()
    try:
        migrate.upgrade(settings.database_url)
    except Exception as exc:
        if problem(exc) is None:
            raise
        # A read-only, full or missing data directory: serve anyway, so people get a page that
        # says so (503) rather than no answer; the schema is brought up to date at the next start.
        log.error(
            "the database %s cannot be opened or written (%s): serving error pages until it can; "
            "restart once the data directory %s is writable",
            settings.database_url,
            exc,
            settings.data_dir,
        )
    if not settings.smtp_url:
        log.info("BOARDKIT_SMTP_URL is not set: mail is written to %s", settings.mail_dir)
    options: dict[str, Any] = {
        "host": args.host or settings.host,
        "port": args.port or settings.port,
        "log_config": log_config(),
        "log_level": "info",
        "access_log": settings.access_log,
        "proxy_headers": True,
        "forwarded_allow_ips": "127.0.0.1",
        "timeout_graceful_shutdown": 30,  # requests in flight finish; then the worker stops
    }
    if args.workers > 1:
        # uvicorn's supervisor: N processes on one socket, each built by app_factory from the
        # environment (settings given to run() in place of it do not reach them); a process
        # that dies is replaced, SIGTERM or Ctrl-C stops them all gracefully.
        log.info("database ready in %.2f s; serving on %s", time.perf_counter() - started, settings.base_url)
        uvicorn.run("boardkit.cli:app_factory", factory=True, workers=args.workers, **options)
        return 0
    app = create_app(settings)
    log.info("database ready in %.2f s; serving on %s", time.perf_counter() - started, settings.base_url)
    uvicorn.run(app, **options)
    return 0


def app_factory() -> Any:
    """The app of one of ``serve --workers N``'s processes, its settings read from the environment
    (and ``.env``). Each runs its own job worker unless ``BOARDKIT_INPROCESS_WORKER=0``: any
    number may (a job is claimed by one, a periodic job queued by one per period)."""
    from boardkit.app import create_app

    _logging()
    return create_app(load_settings())


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with the access log's paths (login links among them) redacted."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"secrets": {"()": "boardkit.core.auth.RedactSecrets"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["secrets"]
    return config


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    from boardkit.app import build_runner
    from boardkit.core.jobs import Worker

    migrate.upgrade(settings.database_url)
    db = _db(settings, pool_pre_ping=False)  # several checkouts per job; what fails is retried
    runner = build_runner(db, settings)
    if args.once:
        count = runner.run_until_idle()
        log.info("ran %s job(s)", count)
        return 0
    # Threads share the runner (each claims its own jobs) and wait on the database and the SMTP
    # server side by side; SIGTERM lets each finish the job it has, then stops them.
    workers = [Worker(runner, poll_seconds=settings.worker_poll_seconds) for _ in range(max(args.threads, 1))]

    def stop(*_: Any) -> None:
        for worker in workers:
            worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, stop)
    log.info("worker running with %s thread(s); Ctrl-C stops it", len(workers))
    for worker in workers[1:]:
        worker.start()
    try:
        workers[0].loop()
    except KeyboardInterrupt:
        stop()
    for worker in workers[1:]:
        worker.stop(timeout=60)
    return 0


def _reset(settings: Settings) -> None:
    db = _db(settings)
    if db.is_sqlite:
        db.dispose()
        path = Path(settings.database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.dispose()


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from boardkit.app import compose
    from boardkit.core.storage import FileStore
    from boardkit.demo import load_demo
    from boardkit.org.models import Organisation

    if args.reset:
        _reset(settings)
    migrate.upgrade(settings.database_url)
    db = _db(settings)
    compose(db, settings)  # the demo may send notices (core.notify needs the directory and the paper channel)
    try:
        with db.transaction() as s:
            if s.scalar(select(Organisation.id).limit(1)) is not None:
                print("Demo data is already loaded (use --reset to start over).", file=sys.stderr)
                return 0
            org = load_demo(
                s, seed=args.seed, store=FileStore(settings.files_dir), secret_key=settings.secret_key
            )
            name = org.name
    finally:
        db.dispose()
    _reindex(settings)
    print(f"Loaded the demo organisation {name!r} into {settings.database_url}", file=sys.stderr)
    print(
        "Log in with e.g. formand@demo.boardkit.dk; the login link is e-mailed"
        + ("" if settings.smtp_url else f" (no SMTP configured: see {settings.mail_dir})"),
        file=sys.stderr,
    )
    return 0


def _reindex(settings: Settings) -> int:
    from boardkit.app import compose
    from boardkit.core.search import indexing as search_index

    db = _db(settings)
    compose(db, settings)  # every domain registers its search material
    try:
        with db.transaction(readonly=True) as s:
            return search_index.rebuild(s, settings)
    finally:
        db.dispose()


def cmd_reindex(settings: Settings, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    migrate.upgrade(settings.database_url)
    count = _reindex(settings)
    print(f"Indexed {count} documents in {time.perf_counter() - started:.1f} s.", file=sys.stderr)
    return 0


def cmd_backup(settings: Settings, args: argparse.Namespace) -> int:
    from boardkit.app import compose

    started = time.perf_counter()
    compose(_db(settings), settings)  # the domains name the columns that refer to stored files
    try:
        manifest = backup.backup(settings, Path(args.dir))
    except (backup.BackupError, OSError) as exc:  # OSError: a full or unwritable backup disk
        print(f"No backup: {exc}", file=sys.stderr)
        return 1
    files, database = manifest["files"], manifest["database"]
    print(
        f"Backed up the {database['kind']} database (migration {database['revision']}) "
        f"and {files['count']} files ({files['bytes'] / 1e6:.1f} MB) into {args.dir} "
        f"in {time.perf_counter() - started:.1f} s.",
        file=sys.stderr,
    )
    for problem_, what in (
        ("missing", "referred to but missing from the file store"),
        ("damaged", "damaged"),
    ):
        if files[problem_]:
            print(f"Warning: {len(files[problem_])} file(s) {what}: see manifest.json", file=sys.stderr)
    return 0


def cmd_restore(settings: Settings, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        manifest = backup.restore(settings, Path(args.dir))
    except (backup.BackupError, OSError) as exc:  # OSError: a full data directory, say (nothing kept)
        print(f"Not restored: {exc}", file=sys.stderr)
        return 1
    migrate.upgrade(settings.database_url)  # a backup of an older version is brought up to date
    count = _reindex(settings)
    print(
        f"Restored the backup of {manifest['created_at']} ({manifest['files']['count']} files) into "
        f"{settings.database_url.split('@')[-1]} and {settings.data_dir}; indexed {count} documents "
        f"in {time.perf_counter() - started:.1f} s.",
        file=sys.stderr,
    )
    return 0


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    if args.action == "upgrade":
        migrate.upgrade(settings.database_url)
        print("Database is up to date.", file=sys.stderr)
    elif args.action == "revision":
        migrate.revision(settings.database_url, args.message or "change")
    return 0


def _organisation_id(s: Any, short_name: str | None) -> int:
    from boardkit.org.models import Organisation

    orgs = list(s.scalars(select(Organisation)))
    if short_name:
        orgs = [o for o in orgs if o.short_name == short_name]
    if len(orgs) != 1:
        names = ", ".join(o.short_name for o in orgs) or "none"
        raise SystemExit(f"Choose the organisation with --organisation (found: {names}).")
    return int(orgs[0].id)


IMPORT_HELP = """Check a residents, memberships or permits file against the database and show what it would
change (a dry run: nothing is written). With --apply the file is imported, all or nothing. A
residents file that ends more than the allowed share of a department's residencies (the
organisation's rule import_move_out_percent, default 10) is imported only with
--confirm-move-outs N, N being the number of residencies it ends. Exit status: 0 done (or dry run),
1 errors in the file or the confirmation missing or wrong (nothing imported), 2 no such file."""


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    from boardkit.app import compose
    from boardkit.org.importing.service import import_csv

    path = Path(args.file)
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    if args.confirm_move_outs is not None and not args.apply:
        print("--confirm-move-outs goes with --apply.", file=sys.stderr)
        return 2
    migrate.upgrade(settings.database_url)
    db = _db(settings)
    compose(db, settings)  # domains register the kinds of file they import (e.g. permits)
    with db.transaction() as s:
        report = import_csv(
            s,
            data=path.read_bytes(),
            organisation_id=_organisation_id(s, args.organisation),
            actor_id=None,
            dry_run=not args.apply,
            confirm_move_outs=args.confirm_move_outs,
        )
        if not report.ok or report.dry_run:
            s.rollback()
    for line, message in report.errors:
        print(f"line {line}: {message}", file=sys.stderr)
    for change in report.changes:
        print(change)
    for kind, counts in report.counts.items():
        print(f"{kind}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    if not report.ok:
        print(f"{report.error_total} error(s): nothing was imported.", file=sys.stderr)
        return 1
    for m in report.move_outs:
        print(
            f"department {m.number} {m.name}: ends {m.ending} of {m.current} residencies ({m.percent}%, "
            f"more than {report.move_out_percent}%)",
            file=sys.stderr,
        )
    if report.confirmation_error:
        print(
            f"Nothing was imported: the file ends {report.ending} residencies. If that is right, run again "
            f"with --apply --confirm-move-outs {report.ending}.",
            file=sys.stderr,
        )
        return 1
    if report.dry_run:
        hint = f" --confirm-move-outs {report.ending}" if report.needs_confirmation else ""
        print(f"Dry run: nothing was changed. Import with --apply{hint}.", file=sys.stderr)
    else:
        print("Imported.", file=sys.stderr)
    return 0


def cmd_retention(settings: Settings, args: argparse.Namespace) -> int:
    from boardkit.app import compose
    from boardkit.core.retention import service as retention
    from boardkit.core.storage import FileStore

    migrate.upgrade(settings.database_url)
    db = _db(settings)
    compose(db, settings)  # every domain registers its rules
    today = retention.today()
    if args.dry_run:
        for name in retention.rule_names():
            result = retention.dry_run_rule(db, name=name, today=today)
            print(f"{name}: {_counts(result.counts)}")
        print("Dry run: nothing was deleted.", file=sys.stderr)
        return 0
    for run in retention.run(db, store=FileStore(settings.files_dir), today=today):
        print(f"{run.name}: {_counts(run.result.counts)}; {run.files_deleted} stored file(s) deleted")
    return 0


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing"


def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from boardkit.org import service as org_service

    db = _db(settings)
    with db.transaction() as s:
        person = org_service.get_person_by_email(s, email=args.email)
        if person is None or not person.active:
            print(f"No active person with e-mail {args.email}", file=sys.stderr)
            return 1
        _token, secret = auth.create_api_token(s, person_id=person.id, name=args.name)
    print(secret)
    return 0


def cmd_createadmin(settings: Settings, args: argparse.Namespace) -> int:
    from boardkit.accounts.service import set_password
    from boardkit.org import service as org_service
    from boardkit.org.models import Organisation, StaffRole
    from boardkit.permits.service import seed_kinds

    migrate.upgrade(settings.database_url)
    db = _db(settings)
    with db.transaction() as s:
        if s.scalar(select(Organisation.id).limit(1)) is None:
            organisation = Organisation(
                name=args.organisation_name or "Boligorganisation", short_name=args.organisation or "org"
            )
            s.add(organisation)
            s.flush()
            seed_kinds(s, organisation_id=organisation.id)
        org_id = _organisation_id(s, args.organisation)
        person = org_service.get_person_by_email(s, email=args.email)
        if person is None:
            person = org_service.create_person(
                s, actor_id=None, organisation_id=org_id, name=args.name or args.email, email=args.email
            )
            s.flush()
        if (
            s.scalar(
                select(StaffRole.id).where(
                    StaffRole.person_id == person.id,
                    StaffRole.organisation_id == org_id,
                    StaffRole.department_id.is_(None),
                )
            )
            is None
        ):
            s.add(StaffRole(person_id=person.id, organisation_id=org_id, role=args.role))
        if args.password:
            password = (
                getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
            )
            set_password(s, person, settings=settings, password=password)
    print(f"{args.email} is administration staff of organisation {org_id}.", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="boardkit", description="Paperless board meetings for social housing.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web app (and an in-process worker)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="app processes on the one port (default 1); each runs an in-process job worker "
        "unless BOARDKIT_INPROCESS_WORKER=0",
    )
    worker = sub.add_parser("worker", help="run background jobs (mail) alone")
    worker.add_argument("--once", action="store_true", help="run due jobs, then exit")
    worker.add_argument(
        "--threads", type=int, default=1, metavar="N", help="run N jobs at a time (default 1)"
    )
    demo = sub.add_parser("demo", help="load the demo organisation")
    demo.add_argument("--reset", action="store_true", help="delete all data first")
    demo.add_argument("--seed", type=int, default=1)
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "revision"])
    db.add_argument("-m", "--message")
    imp = sub.add_parser(
        "import",
        help="import master data from a CSV file (a dry run unless --apply)",
        description=IMPORT_HELP,
    )
    imp.add_argument("file")
    mode = imp.add_mutually_exclusive_group()
    mode.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing (default)"
    )
    mode.add_argument("--apply", action="store_true", help="import the file (all or nothing)")
    imp.add_argument(
        "--confirm-move-outs",
        type=int,
        metavar="N",
        help="with --apply: the number of residencies the file ends, when it ends more than the allowed "
        "share of a department's (the dry run says so and names N)",
    )
    imp.add_argument("--organisation", help="short name of the organisation")
    sub.add_parser("reindex", help="rebuild the search index from the database")
    back = sub.add_parser(
        "backup",
        help="back up the database, the stored files and the secret key while the app runs "
        "(README: Backup and restore)",
    )
    back.add_argument("dir", help="a new or empty folder")
    rest = sub.add_parser(
        "restore",
        help="restore a backup into an empty data directory and database, then migrate and reindex",
    )
    rest.add_argument("dir", help="a folder made by boardkit backup")
    keep = sub.add_parser(
        "retention", help="apply the retention rules now, as the nightly job does (README: Retention)"
    )
    keep.add_argument("--dry-run", action="store_true", help="show what would be deleted, delete nothing")
    token = sub.add_parser("token", help="API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="make an API token and print it")
    create.add_argument("email")
    create.add_argument("--name", default="CLI")
    admin = sub.add_parser("createadmin", help="make a person administration staff")
    admin.add_argument("email")
    admin.add_argument("--name")
    admin.add_argument("--organisation", help="short name of the organisation")
    admin.add_argument("--organisation-name")
    admin.add_argument("--role", default="admin", choices=["admin", "account_manager", "bookkeeper"])
    admin.add_argument("--password", action="store_true", help="also set a password (read from stdin)")
    return p


COMMANDS = {
    "serve": cmd_serve,
    "worker": cmd_worker,
    "demo": cmd_demo,
    "db": cmd_db,
    "import": cmd_import,
    "reindex": cmd_reindex,
    "retention": cmd_retention,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "token": cmd_token,
    "createadmin": cmd_createadmin,
}


def run(argv: list[str] | None = None, env: dict[str, str] | None = None) -> int:
    """Run one command and return its exit status (the tests call this in-process, with ``env`` in
    place of the process environment and ``.env``)."""
    args = parser().parse_args(argv)
    try:
        settings = load_settings(env)
    except ConfigError as exc:
        print(f"boardkit: {exc}", file=sys.stderr)
        return 2
    return COMMANDS[args.command](settings, args)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # fpdf2's font subsetting talks at INFO per PDF
    for handler in logging.getLogger().handlers:
        handler.addFilter(auth.RedactSecrets())
    os.umask(0o077)  # whatever boardkit writes (data, search index, temporary files) is the server's alone


def main(argv: list[str] | None = None) -> None:
    _logging()
    sys.exit(run(argv))
