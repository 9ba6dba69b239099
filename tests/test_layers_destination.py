"""The layers under Logpush stay under it: read from the source, so no import order can hide an arrow."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import hecharness

PACKAGE = Path(hecharness.__file__).parent


def imported(path: Path) -> set[str]:
    """The hecharness modules a file imports, deferred imports and TYPE_CHECKING blocks included."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.split(".")[0] == "hecharness"}


def test_preflight_imports_nothing_of_logpush():
    # The simulator validates a destination with the pre-flight probe, so preflight sits below logpush.
    arrows = {
        f"{path.name} -> {name}"
        for path in (PACKAGE / "preflight").glob("*.py")
        for name in imported(path)
        if name.startswith(("hecharness.logpush", "hecharness.scenario", "hecharness.cli"))
    }
    assert not arrows


def test_destination_sits_below_its_users():
    allowed = {"hecharness.masking", "hecharness.errors"}
    assert imported(PACKAGE / "destination.py") <= allowed


@pytest.mark.parametrize("package", ["hecharness.logpush", "hecharness.preflight"])
def test_no_submodule_shares_a_name_the_package_exports(package):
    # `from package import name` would bind the module or the name depending on what was imported first.
    module = importlib.import_module(package)
    submodules = {info.name for info in pkgutil.iter_modules(module.__path__)}
    assert not submodules & set(module.__all__)
