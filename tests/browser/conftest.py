"""Browser tests: a real server (uvicorn) with a real SMTP server, driven by Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from boardkit.config import Settings
from boardkit.core.db import Database
from tests.smtp import SMTPServer, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IPAD = {"width": 820, "height": 1180}
PHONE = {"width": 375, "height": 812}


class LiveServer:
    def __init__(self, app: Any, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def start_live(data: Path, db: Database, smtp_url: str) -> LiveServer:
    """Serve the app on a free port over ``db``, with an in-process worker sending to ``smtp_url``."""
    from boardkit.app import create_app

    port = free_port()
    settings = Settings(
        data_dir=data,
        database_url=db.url,
        smtp_url=smtp_url,
        secret_key="browser-test",
        base_url=f"http://127.0.0.1:{port}",
        argon2_time_cost=1,
        argon2_memory_kib=8,
        worker_poll_seconds=0.2,
        inprocess_worker=True,
    )
    server = LiveServer(create_app(settings, db=db), port)
    server.start()
    return server


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


DemoCopy = Callable[[Path], str]


@pytest.fixture(scope="session")
def demo_copy(sqlite_demo_template: Callable[[], Path]) -> DemoCopy:
    """Put the demo (migrated and loaded as ``load_demo(s, seed=1)`` loads it, copied from the tests'
    template) into a data directory; returns its database URL."""

    def copy(data: Path) -> str:
        path = data / "boardkit.sqlite3"
        shutil.copy(sqlite_demo_template(), path)
        return f"sqlite:///{path}"

    return copy


@pytest.fixture(scope="module")
def live(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SMTPServer, demo_copy: DemoCopy
) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("live")
    db = Database(demo_copy(data))
    server = start_live(data, db, smtp_server.url)
    yield server
    server.stop()
    db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for a module (not the session: Playwright's sync API keeps an event loop running in
    the thread until it stops, and later tests call asyncio.run)."""
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.1 A/AA rules) on the page; returns the violations."""
    page.evaluate(AXE)
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
    ]


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
