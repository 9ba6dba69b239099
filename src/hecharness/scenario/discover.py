"""Finding scenarios: every `*.py` in a directory defines `scenario` (one) or `scenarios` (a list).

Files starting with `_` are helpers, not scenarios. Names are picked by exact name, by file stem
(all the scenarios of that file), or by a shell pattern such as `validation-*`.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from hecharness.scenario.definition import Scenario

__all__ = ["BUILTIN", "load_directory", "load_file", "select", "ScenarioNotFound"]

# The scenarios that ship with hecharness: a directory inside the installed package, found from anywhere.
BUILTIN = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioNotFound(LookupError):
    """A name matched no scenario; the message lists the known ones."""


def load_directory(directory: str | Path) -> list[Scenario]:
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"no scenario directory {directory}")
    found: list[Scenario] = []
    for path in sorted(directory.glob("*.py")):
        if not path.name.startswith("_"):
            found.extend(load_file(path))
    seen: dict[str, str] = {}
    for scenario in found:
        if scenario.name in seen:
            raise ValueError(f"scenario {scenario.name!r} is defined in {seen[scenario.name]} and in {scenario.source}")
        seen[scenario.name] = scenario.source
    return found


def load_file(path: str | Path) -> list[Scenario]:
    """The scenarios a file defines, each told where it came from."""
    path = Path(path)
    module_name = f"hecharness_scenarios.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look classes up by module
    spec.loader.exec_module(module)
    defined = getattr(module, "scenarios", None)
    if defined is None:
        defined = [getattr(module, "scenario", None)]
    scenarios = list(defined)
    if not scenarios or not all(isinstance(s, Scenario) for s in scenarios):
        raise TypeError(f"{path} must define `scenario = Scenario(...)` or `scenarios = [Scenario(...), ...]`")
    return [replace(s, source=str(path)) for s in scenarios]


def select(scenarios: list[Scenario], names: Iterable[str]) -> list[Scenario]:
    """The scenarios matching any of `names` (all of them for none), in their original order."""
    names = list(names)
    if not names:
        return list(scenarios)
    chosen: set[str] = set()
    for name in names:
        matched = {
            s.name
            for s in scenarios
            if s.name == name or Path(s.source).stem == name or fnmatch.fnmatchcase(s.name, name)
        }
        if not matched:
            known = ", ".join(s.name for s in scenarios)
            raise ScenarioNotFound(f"no scenario {name!r}; known: {known}")
        chosen |= matched
    return [s for s in scenarios if s.name in chosen]
