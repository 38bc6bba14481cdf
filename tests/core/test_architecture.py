"""Dependencies point one way: core imports no domain; domains meet only through service modules
(a domain's ``service`` or a sub-domain's, e.g. ``boardkit.meetings.minutes.service``); the meetings
package has no import cycle."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

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


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imported_modules(path: Path, *, deferred: bool = True) -> set[str]:
    """The boardkit modules a file imports (``from a import b`` counts as a.b when b is a module);
    imports under ``if TYPE_CHECKING:`` do not count, those inside functions do unless ``deferred`` is
    False."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            if not deferred and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(child, ast.Import):
                found.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                for a in child.names:
                    full = f"{child.module}.{a.name}"
                    found.add(full if is_module(full) else child.module)
            visit(child)

    visit(tree)
    return {n for n in found if n.startswith("boardkit.")}


def is_service(name: str) -> bool:
    """``boardkit.<domain>.service`` or ``boardkit.<domain>.<sub-domain>.service``."""
    parts = name.split(".")
    return parts[-1] == "service" and len(parts) in (3, 4)


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
        for name in sorted(imported_modules(path)):
            parts = name.split(".")
            if len(parts) > 2 and parts[1] in DOMAINS and parts[1] != own and not is_service(name):
                offenders.append(f"{rel} imports {name}")
    assert offenders == []


def cycles(package: str) -> list[list[str]]:
    """The import cycles among the modules of ``package`` (strongly connected components, Tarjan)."""
    root = PACKAGE.parent.joinpath(*package.split("."))
    modules = {}
    for path in root.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    graph = {m: {i for i in imported_modules(p) if i in modules and i != m} for m, p in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                component.append(w)
            if component:
                found.append(sorted([v, *component]))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def test_meetings_has_no_import_cycle() -> None:
    assert cycles("boardkit.meetings") == []


def test_the_checks_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from boardkit.org.models import Person\nimport boardkit.meetings.views\n")
    assert imports(bad) == ["boardkit.org.models", "boardkit.org.models.Person", "boardkit.meetings.views"]


def test_the_cycle_check_can_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "boardkit" / "loop"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from boardkit.loop import b\n")
    (package / "b.py").write_text("def f() -> None:\n    from boardkit.loop.a import x\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from boardkit.loop import a\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", tmp_path / "boardkit")
    assert cycles("boardkit.loop") == [["boardkit.loop.a", "boardkit.loop.b"]]
    assert is_service("boardkit.meetings.minutes.service") and not is_service(
        "boardkit.meetings.minutes.views"
    )
