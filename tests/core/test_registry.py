"""One registration per domain: ``app.compose`` calls each domain's ``register(reg)``; nothing
registers on import; a failed job runs every failure hook of its kind in one transaction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.routing import Mount

from boardkit.app import DOMAINS, create_app
from boardkit.config import Settings
from boardkit.core import jobs
from boardkit.core.db import Database
from boardkit.core.models import Job
from boardkit.core.registry import Registry


def test_every_domain_registers_and_the_mount_at_the_root_comes_last(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.sqlite3")
    app = create_app(settings, start_worker=False)
    mounts = [r.path for r in app.routes if isinstance(r, Mount)]
    assert mounts[-1] == ""  # accounts at "/": a mount there would shadow every mount after it
    assert mounts.index("/admin/notices") < mounts.index("/admin")
    names = {r.name for r in app.routes}
    assert {"home", "meeting", "minutes", "decisions", "search", "notifications", "api", "org"} <= names
    runner = app.state.runner
    assert {"mail.deliver", "notify.deliver", "search.index", "meetings.reminders"} <= set(runner.handlers)
    assert set(runner.failure_hooks["mail.deliver"]) and len(runner.failure_hooks["mail.deliver"]) == 2
    assert all(hasattr(domain, "register") for domain in DOMAINS)


def test_nothing_registers_on_import() -> None:
    """Importing every module registers nothing with core; ``compose`` registers it all."""
    code = (
        "import pkgutil, importlib, tempfile, pathlib, boardkit\n"
        "for m in pkgutil.walk_packages(boardkit.__path__, 'boardkit.'):\n"
        "    if '.migrations' not in m.name and not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "from boardkit.core import audit, search\n"
        "from boardkit.core.notify import registry\n"
        "before = (sorted(search.PROVIDERS), len(audit._NAMES), registry.link_view('minutes'))\n"
        "from boardkit.app import compose\n"
        "from boardkit.config import Settings\n"
        "from boardkit.core.db import Database\n"
        "compose(Database('sqlite://'), Settings(data_dir=pathlib.Path(tempfile.mkdtemp())))\n"
        "after = (sorted(search.PROVIDERS), len(audit._NAMES), registry.link_view('minutes') is not None)\n"
        "print(before, after)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "([], 0, None) (['forum', 'library', 'meeting', 'minutes'], 21, True)"


def test_a_job_that_fails_for_good_runs_its_failure_hooks_in_one_transaction(db: Database) -> None:
    reg = Registry(Settings(), jobs.JobRunner(db, max_attempts=1))
    seen: list[tuple[str, str]] = []

    def broken(_s: Session, _p: dict[str, Any]) -> None:
        raise ValueError("no such thing")

    def first(s: Session, job: Job) -> None:
        s.info["first_hook_ran"] = job.id
        seen.append(("first", job.status))

    def second(s: Session, job: Job) -> None:  # sees the first hook's row: the same transaction
        assert s.info["first_hook_ran"] == job.id
        seen.append(("second", job.last_error.splitlines()[-1]))

    reg.job("broken", broken, on_failure=first)
    reg.on_failure("broken", second)
    with db.transaction() as s:
        jobs.enqueue(s, "broken")
    assert reg.runner.run_until_idle() == 1
    with db.transaction() as s:
        assert s.scalar(select(Job.status)) == "failed"
    assert seen == [("first", "failed"), ("second", "ValueError: no such thing")]
