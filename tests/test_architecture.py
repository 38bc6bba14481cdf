"""Dependencies point one way, checked by import-linter with the contracts in ``.importlinter``:
entry → api and pages → domains → org → core; domains meet only through their service modules
(``<domain>.service`` or ``<domain>.<sub>.service``); no import cycle among the siblings of any package;
inside ``boardkit.meetings`` the meeting core sits below its sub-domains."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, *args: str, extra_path: Path | None = None) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(str(p) for p in (cwd, extra_path or ROOT))
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_import_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def test_the_contracts_can_fail(tmp_path: Path) -> None:
    """A package that breaks each rule: the same contract types report every break."""
    kit = tmp_path / "kit"
    for package, files in {
        "core": {"db.py": "import kit.shop.models\n"},  # core may not import a domain
        "shop": {"models.py": "", "service.py": "", "views.py": "import kit.till.models\n"},  # not a service
        "till": {
            "models.py": "",
            "service.py": "",
            "a.py": "import kit.till.b\n",
            "b.py": "import kit.till.a\n",
        },
    }.items():
        (kit / package).mkdir(parents=True)
        (kit / package / "__init__.py").write_text("")
        for name, text in files.items():
            (kit / package / name).write_text(text)
    (kit / "__init__.py").write_text("")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = kit\ncontract_types =\n"
        "    service_only: tools.importlinter_contracts.ServiceOnlyContract\n"
        "[importlinter:contract:layers]\nname = layers\ntype = layers\nlayers =\n"
        "    kit.shop : kit.till\n    kit.core\n"
        "[importlinter:contract:service-only]\nname = service only\ntype = service_only\n"
        "domains =\n    kit.shop\n    kit.till\n"
        "[importlinter:contract:acyclic]\nname = acyclic\ntype = acyclic_siblings\nancestors =\n    kit\n"
    )
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "Contracts: 0 kept, 3 broken." in out, out
    assert "kit.core is not allowed to import kit.shop" in out
    assert "kit.shop.views -> kit.till.models" in out
    assert "No cycles are allowed in kit.till" in out
