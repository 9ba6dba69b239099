"""Finding scenarios: every `*.py` in a directory defines `scenario` (one) or `scenarios` (a list).

Files starting with `_` are helpers, not scenarios. Names are picked by exact name, by file stem
(all the scenarios of that file), or by a shell pattern such as `validation-*`.

A file that cannot be loaded (a syntax error, a bad fault spec, an unknown dataset, a name another
file already took) does not stop the others: `discover` keeps it as `Unloadable`, one line naming
the file, the line and the bad value, and the runner reports it as an error in its place.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from hecharness.errors import HecHarnessError
from hecharness.scenario.definition import Scenario
from hecharness.scenario.text import clip

__all__ = [
    "BUILTIN",
    "Catalog",
    "Unloadable",
    "ScenarioFileError",
    "ScenarioNotFound",
    "NoScenarios",
    "discover",
    "load_directory",
    "load_file",
    "select",
]

# The scenarios that ship with hecharness: a directory inside the installed package, found from anywhere.
BUILTIN = Path(__file__).resolve().parent.parent / "scenarios"


class ScenarioNotFound(HecHarnessError, LookupError):
    """A name matched no scenario; the message lists the known ones."""


class NoScenarios(HecHarnessError, FileNotFoundError):
    """A directory given for scenarios is missing, or holds no scenario files."""


class ScenarioFileError(HecHarnessError):
    """A scenario file could not be loaded; the message names the file, the line and the bad value."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(problem)
        self.source = source


@dataclass(frozen=True)
class Unloadable:
    """A scenario file that could not be loaded, reported in place of the scenarios it would define."""

    source: str
    problem: str

    @property
    def name(self) -> str:
        return Path(self.source).name


@dataclass
class Catalog:
    """The scenarios of one or more directories, and the files among them that could not be loaded."""

    scenarios: list[Scenario] = field(default_factory=list)
    unloadable: list[Unloadable] = field(default_factory=list)

    def select(self, names: Iterable[str]) -> Catalog:
        """The scenarios and unloadable files matching any of `names` (all for none), in their order."""
        names = list(names)
        if not names:
            return Catalog(list(self.scenarios), list(self.unloadable))
        chosen: set[str] = set()
        broken: set[str] = set()
        for name in names:
            scenarios = {s.name for s in self.scenarios if _matches(name, s.name, s.source)}
            files = {u.source for u in self.unloadable if _matches(name, None, u.source)}
            if not scenarios and not files:
                known = ", ".join(s.name for s in self.scenarios)
                unloaded = "; could not load " + ", ".join(u.source for u in self.unloadable) if self.unloadable else ""
                raise ScenarioNotFound(f"no scenario {name!r}; known: {known}{unloaded}")
            chosen |= scenarios
            broken |= files
        return Catalog([s for s in self.scenarios if s.name in chosen], [u for u in self.unloadable if u.source in broken])


def discover(*directories: str | Path) -> Catalog:
    """Every scenario of `directories`, in order; a file that cannot be loaded is kept as `Unloadable`.

    Raises `NoScenarios` for a directory that is missing or has no scenario files: a typo in a path
    must not pass as a run of nothing.
    """
    catalog = Catalog()
    seen: dict[str, str] = {}
    for directory in directories:
        for path in _scenario_files(directory):
            try:
                scenarios = load_file(path)
            except ScenarioFileError as error:
                catalog.unloadable.append(Unloadable(str(path), str(error)))
                continue
            taken = next((s.name for s in scenarios if s.name in seen), None)
            if taken is not None:
                catalog.unloadable.append(Unloadable(str(path), f"{path}: scenario {taken!r} is already defined in {seen[taken]}"))
                continue
            seen.update((s.name, s.source) for s in scenarios)
            catalog.scenarios.extend(scenarios)
    return catalog


def load_directory(directory: str | Path) -> list[Scenario]:
    """Every scenario of one directory; raises `ScenarioFileError` for a file that cannot be loaded."""
    catalog = discover(directory)
    if catalog.unloadable:
        first = catalog.unloadable[0]
        raise ScenarioFileError(first.source, first.problem)
    return catalog.scenarios


def _scenario_files(directory: str | Path) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise NoScenarios(f"no scenario directory {directory}")
    files = [path for path in sorted(directory.glob("*.py")) if not path.name.startswith("_")]
    if not files:
        raise NoScenarios(f"no scenario files in {directory} (a scenario file is a *.py that defines `scenario` or `scenarios`)")
    return files


def load_file(path: str | Path) -> list[Scenario]:
    """The scenarios a file defines, each told where it came from."""
    path = Path(path)
    module_name = f"hecharness_scenarios.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ScenarioFileError(str(path), f"{path}: cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling look classes up by module
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # noqa: BLE001 - any error in the file is the file's, and is reported as such
        sys.modules.pop(module_name, None)
        raise ScenarioFileError(str(path), _where(path, error)) from error
    defined = getattr(module, "scenarios", None)
    if defined is None:
        defined = [getattr(module, "scenario", None)]
    scenarios = list(defined) if isinstance(defined, list | tuple) else [defined]
    if not scenarios or not all(isinstance(s, Scenario) for s in scenarios):
        raise ScenarioFileError(str(path), f"{path} must define `scenario = Scenario(...)` or `scenarios = [Scenario(...), ...]`")
    return [replace(s, source=str(path)) for s in scenarios]


def _where(path: Path, error: Exception) -> str:
    """`path, line N (the line): Error: message`, from the deepest point of the traceback inside the file."""
    def in_file(filename: str | None) -> bool:
        return filename is not None and Path(filename).resolve() == path.resolve()

    if isinstance(error, SyntaxError) and in_file(error.filename):
        line, text, message = error.lineno, error.text, error.msg
    else:
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if in_file(frame.filename)]
        line, text = (frames[-1].lineno, frames[-1].line) if frames else (None, None)
        message = str(error)
    where = f"{path}, line {line}" if line else str(path)
    if text and text.strip():
        where += f" ({clip(text.strip(), 80)})"
    return f"{where}: {type(error).__name__}: {message}"


def _matches(name: str, scenario: str | None, source: str) -> bool:
    stem = Path(source).stem
    return name in (scenario, stem, Path(source).name) or fnmatch.fnmatchcase(scenario or stem, name)




def select(scenarios: list[Scenario], names: Iterable[str]) -> list[Scenario]:
    """The scenarios matching any of `names` (all of them for none), in their original order."""
    return Catalog(list(scenarios)).select(names).scenarios
