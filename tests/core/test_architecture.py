"""Dependencies point one way: core imports no domain; domains meet only through service modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "boardkit"
DOMAINS = {"org", "meetings", "accounts", "api", "expenses"}
COMPOSITION_ROOTS = {"app.py", "cli.py", "schema.py", "demo", "migrations"}


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
            names += [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n.startswith("boardkit.")]


def test_core_imports_no_domain() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in (PACKAGE / "core").rglob("*.py")
        for name in imports(path)
        if name.split(".")[1] in DOMAINS
    ]
    assert offenders == []


def test_domains_meet_only_through_service_modules() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] in COMPOSITION_ROOTS or rel.parts[0] not in DOMAINS:
            continue
        own = rel.parts[0]
        for name in imports(path):
            parts = name.split(".")
            if len(parts) > 2 and parts[1] in DOMAINS and parts[1] != own and parts[2] != "service":
                offenders.append(f"{rel} imports {name}")
    assert offenders == []


def test_the_checks_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from boardkit.org.models import Person\nimport boardkit.meetings.views\n")
    assert imports(bad) == ["boardkit.org.models", "boardkit.org.models.Person", "boardkit.meetings.views"]
