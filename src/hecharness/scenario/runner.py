"""Running many scenarios side by side, and writing what they found.

Scenarios are independent (each has its own fake HECs on free ports, its own clock), so they run in
a pool of processes; two by default, one per core of a small CI machine. Each worker loads the
scenario from its file again, since scenarios hold functions that do not cross processes.

Written under `out_dir`:

- `report.json`: every scenario with its verdicts, metrics, delivery accounting and timeline;
- `junit.xml`: one testcase per scenario, for CI;
- `timelines/<name>.svg`: each batch's attempts over logical time, and the job's events.

A run owns the timelines of its own scenarios and those the report it replaces listed: they are
replaced or removed, so nothing in `timelines/` outlives the report that explains it. Other files
there are left alone.

Ctrl-C stops the workers (and the commands they started) at once, writes the reports of what
finished, the rest marked not run, and raises `RunInterrupted` with that summary.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any

from hecharness.scenario.definition import Scenario
from hecharness.scenario.discovery import Unloadable, load_file
from hecharness.scenario.junit import junit_xml
from hecharness.scenario.result import ScenarioOutcome, ScenarioResult
from hecharness.scenario.run import prepare_certificates, run_scenario
from hecharness.scenario.sender import abandon_all
from hecharness.scenario.svg import render_svg

__all__ = ["RunSummary", "RunInterrupted", "run_many", "write_reports", "quiet_server_warnings"]

_STOP_GRACE = 1.0  # seconds a worker gets to end after SIGTERM before it is killed


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


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during `run_many`: the reports of what finished were written; `summary` says where."""

    def __init__(self, summary: RunSummary) -> None:
        super().__init__()
        self.summary = summary


def run_many(
    scenarios: Sequence[Scenario],
    out_dir: str | Path = "scenario-results",
    *,
    workers: int = 2,
    on_result: Callable[[ScenarioResult], None] | None = None,
    unloadable: Sequence[Unloadable] = (),
) -> RunSummary:
    """Run every scenario (in `workers` processes), then write the reports under `out_dir`.

    `unloadable` files (from `discover`) are reported as errors in place of their scenarios.
    """
    out_dir = Path(out_dir).absolute()
    started = time.perf_counter()
    done: dict[str, ScenarioResult] = {}

    def finished(result: ScenarioResult) -> None:
        done[result.name] = result
        if on_result is not None:
            on_result(result)

    broken = [ScenarioResult.unloadable(file) for file in unloadable]
    for result in broken:
        finished(result)
    try:
        certs = prepare_certificates(out_dir / "certs")  # once here, so workers only read them
        if workers <= 1 or len(scenarios) <= 1:
            for scenario in scenarios:
                finished(run_scenario(scenario, out_dir, certs.directory))
        else:
            _in_pool(scenarios, out_dir, certs.directory, workers, finished)
    except KeyboardInterrupt:
        results = broken + [done.get(s.name) or ScenarioResult.interrupted(s) for s in scenarios]
        raise RunInterrupted(write_reports(results, out_dir, time.perf_counter() - started)) from None
    results = broken + [done[s.name] for s in scenarios]
    return write_reports(results, out_dir, time.perf_counter() - started)


def _in_pool(scenarios: Sequence[Scenario], out_dir: Path, certs_dir: Path, workers: int, finished: Callable[[ScenarioResult], None]) -> None:
    # spawn, not fork: a forked child would inherit whatever threads the parent runs (a test's HEC).
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(scenarios)), mp_context=context, initializer=_worker_started)
    try:
        futures: dict[Future[ScenarioResult], Scenario] = {}
        # The workers start here. Ctrl-C is held back meanwhile, so none is hit while it boots, before it
        # can ignore it; the parent gets any that came as soon as this is done.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for scenario in scenarios:
                if not scenario.source:
                    raise ValueError(f"scenario {scenario.name!r} has no source file; run it with run_scenario() or workers=1")
                futures[pool.submit(_run_from_file, scenario.source, scenario.name, str(out_dir), str(certs_dir))] = scenario
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for future in as_completed(futures):
            scenario = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool as broken:
                result = ScenarioResult(scenario.name, scenario.story, scenario.source, scenario.sender.kind, [], 0.0, error=f"the worker process died: {broken}")
            finished(result)
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End the pool's own worker processes now (each by its pid), rather than after their scenarios."""
    processes = list((pool._processes or {}).values())  # noqa: SLF001 - Python 3.11 has no public way to stop busy workers
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: the worker kills the commands it started, then exits
    deadline = time.monotonic() + _STOP_GRACE
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join()


def _worker_started() -> None:
    # Ctrl-C reaches the whole process group; the parent decides what it means, and stops us with SIGTERM.
    # A no-op handler, not SIG_IGN, which commands started from here would inherit.
    signal.signal(signal.SIGINT, lambda *_: None)
    signal.signal(signal.SIGTERM, _terminated)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held back by the parent while we started


def _terminated(*_: Any) -> None:
    abandon_all()
    os._exit(128 + signal.SIGTERM)  # noqa: SLF001 - at once: the parent is writing the report without us


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
    for picture in _owned_timelines(out_dir, results):
        picture.unlink(missing_ok=True)
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


def _owned_timelines(out_dir: Path, results: Sequence[ScenarioResult]) -> set[Path]:
    """The pictures this run replaces: its own scenarios', and those the report it overwrites listed."""
    owned = {out_dir / "timelines" / f"{result.name}.svg" for result in results}
    try:
        previous = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
        listed = [entry.get("timeline_svg") for entry in previous["scenarios"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return owned  # no report (or not ours): only this run's own names are known to be ours
    for picture in listed:
        # Only what the harness writes: timelines/<name>.svg, never a path that leaves the directory.
        if isinstance(picture, str) and PurePosixPath(picture).parent == PurePosixPath("timelines") and picture.endswith(".svg"):
            owned.add(out_dir / picture)
    return owned


def _report(results: Sequence[ScenarioResult], wall_seconds: float, pictures: dict[str, str]) -> dict[str, Any]:
    return {
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_seconds, 3),
        "passed": sum(1 for r in results if r.passed),
        "failed": sum(1 for r in results if r.outcome in (ScenarioOutcome.FAIL, ScenarioOutcome.ERROR)),
        "not_run": sum(1 for r in results if r.outcome == ScenarioOutcome.NOT_RUN),
        "scenarios": [{**r.to_dict(), "timeline_svg": pictures.get(r.name)} for r in results],
    }
