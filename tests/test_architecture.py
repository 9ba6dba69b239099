"""The package's shape, checked: imports flow one way, from the layers that use a concept down to where it lives.

Walks every module's import statements (those inside functions and `TYPE_CHECKING` blocks too: a deferred import
still makes the importer depend on what it names) and holds the graph to two rules:

- no circle, between modules or between subpackages;
- no arrow up the layer table below: a module may import its own layer or a lower one.

A new subpackage or top-level module fails the test until it is given a layer here, on purpose: where a concept
sits is a decision, not an accident.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import hecharness

PACKAGE = Path(hecharness.__file__).parent

# Lowest first. Each name is a top-level module or subpackage of hecharness.
LAYERS: list[set[str]] = [
    {"errors", "clock", "codes", "files", "masking", "tls", "destination", "har"},
    # The simulator validates a destination with the pre-flight probe: preflight sits below logpush.
    {"faults", "generate", "preflight", "replay"},
    {"hec", "logpush"},
    {"testing", "scenario", "record", "workers"},
    {"scenarios", "pytest_plugin"},
    {"cli", "locust"},
]
LAYER_OF = {name: depth for depth, names in enumerate(LAYERS) for name in names}


def _module_names() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


MODULES = _module_names()


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The hecharness modules an import statement names (a `from package import name` names the submodule if any)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        here = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(module, node):
                    # The root package is imported by every submodule anyway; an arrow to it says nothing.
                    if target in MODULES and target not in (module, "hecharness"):
                        graph[module].add(target)
    return graph


GRAPH = _graph()


def _top(module: str) -> str:
    return module.split(".")[1]


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return error.args[1]
    return None


def test_every_part_of_the_package_has_a_layer() -> None:
    tops = {_top(module) for module in MODULES if module != "hecharness"}
    assert tops - LAYER_OF.keys() == set(), "give these a place in LAYERS"


def test_no_module_imports_in_a_circle() -> None:
    assert _cycle(GRAPH) is None


def test_no_subpackage_imports_in_a_circle() -> None:
    packages: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        if module == "hecharness":
            continue  # the public face names what sits below it; nothing imports it back
        packages[_top(module)] |= {_top(target) for target in targets if _top(target) != _top(module)}
    assert _cycle(packages) is None


def test_imports_only_go_down_the_layers() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module != "hecharness"
        for target in targets
        if LAYER_OF.get(_top(target), -1) > LAYER_OF.get(_top(module), -1)
    )
    assert upward == []


@pytest.mark.parametrize("package", sorted(m for m, p in MODULES.items() if p.name == "__init__.py"))
def test_no_submodule_shares_a_name_with_its_package_export(package: str) -> None:
    """`from package import name` must mean one thing, whatever was imported first."""
    face = importlib.import_module(package)
    submodules = {m.rsplit(".", 1)[1] for m in MODULES if m.rpartition(".")[0] == package}
    # Exporting the submodule itself (`from hecharness.scenario import expect`) is one meaning, not two.
    clashes = {name for name in set(getattr(face, "__all__", ())) & submodules if not inspect.ismodule(getattr(face, name))}
    assert clashes == set()


def test_the_circle_check_sees_a_circle() -> None:
    assert _cycle({"a": {"b"}, "b": {"a"}}) is not None
