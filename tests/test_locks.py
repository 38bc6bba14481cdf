"""The lock files are what `make` installs (CI starts from a clean clone): every dependency that
pyproject.toml declares must be pinned there, or the package works only where someone installed
it by hand."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pinned(lock: str) -> set[str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    return {m.group(1).lower().replace("_", "-") for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", text, re.M)}


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("requirements.lock", PROJECT["dependencies"]),
        ("requirements-dev.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["dev"]),
    ],
)
def test_every_declared_dependency_is_pinned(lock: str, requirements: list[str]) -> None:
    missing = sorted({_name(r) for r in requirements} - _pinned(lock))
    assert not missing, f"{lock} lacks {missing}: run pip-compile (see README, 'Dependencies')"
