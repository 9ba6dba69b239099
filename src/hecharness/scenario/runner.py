"""Running many scenarios side by side, and writing what they found.

Scenarios are independent (each has its own fake HECs on free ports, its own clock), so they run in
a pool of processes; two by default, one per core of a small CI machine. Each worker loads the
scenario from its file again, since scenarios hold functions that do not cross processes.

Written under `out_dir`:

- `report.json`: every scenario with its verdicts, metrics, delivery accounting and timeline;
- `junit.xml`: one testcase per scenario, for CI;
- `timelines/<name>.svg`: each batch's attempts over logical time, and the job's events.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from hecharness.scenario.definition import Scenario
from hecharness.scenario.discover import load_file
from hecharness.scenario.junit import junit_xml
from hecharness.scenario.result import ScenarioResult
from hecharness.scenario.run import prepare_certificates, run_scenario
from hecharness.scenario.svg import render_svg

__all__ = ["RunSummary", "run_many", "write_reports", "quiet_server_warnings"]


@dataclass
class RunSummary:
    results: list[ScenarioResult]
    wall_seconds: float
    report: Path
    junit: Path
    timelines: Path

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failed(self) -> list[ScenarioResult]:
        return [result for result in self.results if not result.passed]


def run_many(
    scenarios: Sequence[Scenario],
    out_dir: str | Path = "scenario-results",
    *,
    workers: int = 2,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> RunSummary:
    """Run every scenario (in `workers` processes), then write the reports under `out_dir`."""
    out_dir = Path(out_dir).absolute()
    certs = prepare_certificates(out_dir / "certs")  # once here, so workers only read them
    started = time.perf_counter()
    if workers <= 1 or len(scenarios) <= 1:
        results = []
        for scenario in scenarios:
            results.append(run_scenario(scenario, out_dir, certs.directory))
            if on_result is not None:
                on_result(results[-1])
    else:
        results = _in_pool(scenarios, out_dir, certs.directory, workers, on_result)
    wall = time.perf_counter() - started
    return write_reports(results, out_dir, wall)


def _in_pool(
    scenarios: Sequence[Scenario], out_dir: Path, certs_dir: Path, workers: int, on_result: Callable[[ScenarioResult], None] | None
) -> list[ScenarioResult]:
    by_name: dict[str, ScenarioResult] = {}
    # spawn, not fork: a forked child would inherit whatever threads the parent runs (a test's HEC).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(scenarios)), mp_context=context) as pool:
        futures: dict[Future[ScenarioResult], Scenario] = {}
        for scenario in scenarios:
            if not scenario.source:
                raise ValueError(f"scenario {scenario.name!r} has no source file; run it with run_scenario() or workers=1")
            futures[pool.submit(_run_from_file, scenario.source, scenario.name, str(out_dir), str(certs_dir))] = scenario
        for future in as_completed(futures):
            scenario = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool as broken:
                result = ScenarioResult(scenario.name, scenario.story, scenario.source, scenario.sender.kind, [], 0.0, error=f"the worker process died: {broken}")
            by_name[scenario.name] = result
            if on_result is not None:
                on_result(result)
    return [by_name[scenario.name] for scenario in scenarios]


def _run_from_file(source: str, name: str, out_dir: str, certs_dir: str) -> ScenarioResult:
    """In a worker: load the scenario again from its file and run it."""
    quiet_server_warnings()
    for scenario in load_file(source):
        if scenario.name == name:
            return run_scenario(scenario, out_dir, certs_dir)
    raise LookupError(f"{source} no longer defines scenario {name!r}")


def quiet_server_warnings() -> None:
    """Keep uvicorn's warnings off stderr: scenarios send it bad requests on purpose (TLS to a plain
    port), and the report says what happened better. A filter, since each FakeHEC resets the level."""
    logger = logging.getLogger("uvicorn.error")
    if _only_errors not in logger.filters:
        logger.addFilter(_only_errors)


def _only_errors(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


def write_reports(results: Sequence[ScenarioResult], out_dir: str | Path, wall_seconds: float) -> RunSummary:
    out_dir = Path(out_dir)
    timelines = out_dir / "timelines"
    timelines.mkdir(parents=True, exist_ok=True)
    pictures: dict[str, str] = {}
    for result in results:
        if result.timeline is None:
            continue
        path = timelines / f"{result.name}.svg"
        verdict = "passed" if result.passed else "FAILED"
        path.write_text(render_svg(result.timeline, f"{result.name} ({verdict})", result.story), encoding="utf-8")
        pictures[result.name] = str(path.relative_to(out_dir))
    report = out_dir / "report.json"
    report.write_text(json.dumps(_report(results, wall_seconds, pictures), indent=2, default=str), encoding="utf-8")
    junit = out_dir / "junit.xml"
    junit.write_bytes(junit_xml(results, wall_seconds=wall_seconds))
    return RunSummary(list(results), wall_seconds, report, junit, timelines)


def _report(results: Sequence[ScenarioResult], wall_seconds: float, pictures: dict[str, str]) -> dict[str, Any]:
    return {
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if not r.passed),
        "scenarios": [{**r.to_dict(), "timeline_svg": pictures.get(r.name)} for r in results],
    }
