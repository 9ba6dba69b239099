"""`hecharness scenario list|run [NAME...]`: the built-in behaviours (and your own, with --dir), run against fake HECs and judged.

Exit codes for `run`: 0 every expectation held; 1 at least one failed, crashed, or its file could
not be loaded; 2 bad usage (a name that matches no scenario, a --dir without scenario files, an
--out that cannot be written), on one line; 130 interrupted (Ctrl-C), after writing the reports of
what finished.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import NoReturn

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hecharness.cli import output
from hecharness.cli.exits import EXIT_USAGE, epilog, interrupted
from hecharness.cli.group import main
from hecharness.scenario import ScenarioNotFound, ScenarioResult, run_many
from hecharness.scenario.discovery import BUILTIN, Catalog, NoScenarios, discover
from hecharness.scenario.runner import RunInterrupted, RunSummary, quiet_server_warnings

EXIT_FAILED = 1
OUTCOME_STYLE = {"pass": "[green]pass[/]", "FAIL": "[red]FAIL[/]", "ERROR": "[red]ERROR[/]", "not run": "[yellow]not run[/]"}


# Not a HecHarnessError: click itself prints it and exits; no Python caller meets it.
class BadUsage(click.ClickException):
    """One line on stderr and exit 2, without click's usage banner: the message says what to fix."""

    exit_code = EXIT_USAGE


@main.group()
def scenario() -> None:
    """Scenarios: a fake HEC, a sender and what must hold, one per behaviour of the Logpush FAQ."""


def _directory_option(function):
    return click.option(
        "--dir",
        "directories",
        multiple=True,
        type=click.Path(path_type=Path),
        help="A directory of your own scenario files, added to the built-in ones (repeatable).",
    )(function)


@scenario.command("list")
@_directory_option
@click.argument("names", nargs=-1)
def list_scenarios(directories: tuple[Path, ...], names: tuple[str, ...]) -> None:
    """List the scenarios (all, or those matching NAMES: names, file stems or patterns like 'validation-*')."""
    chosen = _load(directories, names)
    table = Table(show_lines=False)
    for column in ("scenario", "sender", "file", "what it shows"):
        table.add_column(column, overflow="fold")
    for item in chosen.scenarios:
        table.add_row(item.name, item.sender.kind, Path(item.source).name, item.summary)
    for file in chosen.unloadable:
        table.add_row(file.name, "-", file.name, f"[red]cannot be loaded:[/] {escape(file.problem)}")
    output.console().print(table)


@scenario.command("run", epilog=epilog("every expectation held", (EXIT_FAILED, "a scenario failed, crashed, or its file could not be loaded")))
@_directory_option
@click.argument("names", nargs=-1)
@click.option("--out", type=click.Path(path_type=Path), default=Path("scenario-results"), show_default=True, help="Where the JSON report, JUnit XML and SVG timelines go.")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True, help="Scenarios run at once, one process each.")
@click.option("--verbose", "-v", is_flag=True, help="Print every expectation, not only the failed ones.")
def run_scenarios(directories: tuple[Path, ...], names: tuple[str, ...], out: Path, workers: int, verbose: bool) -> None:
    """Run the scenarios (all, or those matching NAMES) and report expected against observed.

    NAMES are scenario names, file stems or patterns ('validation-*'). With --dir, all means the
    built-in scenarios and yours; name your files' stems to run only yours. The reports of what
    finished are written also when interrupted.
    """
    console = output.console()
    try:
        chosen = _load(directories, names)
        _check_writable(out)
        quiet_server_warnings()
        count = len(chosen.scenarios) + len(chosen.unloadable)
        where = ", ".join(["the built-in scenarios", *map(str, directories)])
        console.print(f"running {_plural(count, 'scenario')} from {where} with {_plural(workers, 'worker')}")

        def progress(result: ScenarioResult) -> None:
            console.print(f"  {OUTCOME_STYLE[result.outcome]} {result.name} ({result.wall_seconds:.1f} s)")

        summary = run_many(chosen.scenarios, out, workers=workers, on_result=progress, unloadable=chosen.unloadable)
    except RunInterrupted as interrupt:
        _interrupted(console, interrupt.summary)
    except KeyboardInterrupt:
        interrupted("interrupted before any scenario ran; no report written")
    console.print(_table(summary.results, summary.wall_seconds))
    for result in summary.results:
        if verbose or not result.passed:
            _details(console, result)
    console.print(f"report: {summary.report}\njunit:  {summary.junit}\ntimelines: {summary.timelines}/")
    if not summary.passed:
        failed = ", ".join(r.name for r in summary.failed)
        console.print(f"[red]{len(summary.failed)} of {_plural(len(summary.results), 'scenario')} failed:[/] {failed}")
        raise SystemExit(EXIT_FAILED)
    everything = "1 scenario passed" if len(summary.results) == 1 else f"all {len(summary.results)} scenarios passed"
    console.print(f"[green]{everything}[/] in {summary.wall_seconds:.1f} s")


def _interrupted(console: Console, summary: RunSummary) -> NoReturn:
    finished = [r for r in summary.results if r.not_run is None]
    names = [r.name for r in summary.results if r.not_run is not None]
    unfinished = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    console.print(f"partial report: {summary.report}\njunit:  {summary.junit}")
    interrupted(f"interrupted after {len(finished)} of {_plural(len(summary.results), 'scenario')}; not run: {unfinished}")


def _load(directories: tuple[Path, ...], names: tuple[str, ...]) -> Catalog:
    try:
        return discover(BUILTIN, *directories).select(names)
    except (ScenarioNotFound, NoScenarios) as problem:
        raise BadUsage(str(problem)) from None


def _check_writable(out: Path) -> None:
    """Before any scenario runs: a report that cannot be written would waste the whole run."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for existing in (out / "report.json", out / "junit.xml", out / "timelines"):
            if existing.exists() and not os.access(existing, os.W_OK):
                raise PermissionError(13, "Permission denied", str(existing))
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        raise BadUsage(f"cannot write the reports to {out}: {error.strerror or error}") from None


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _table(results: list[ScenarioResult], wall_seconds: float) -> Table:
    table = Table(title=f"Scenarios ({wall_seconds:.1f} s wall)")
    table.add_column("scenario")
    table.add_column("sender")
    table.add_column("result")
    table.add_column("checks", justify="right")
    table.add_column("wall", justify="right")
    table.add_column("logical", justify="right")
    failing = any(not result.passed for result in results)
    if failing:
        table.add_column("first failure", overflow="fold")
    for result in results:
        held = sum(1 for v in result.verdicts if v.passed)
        row = [
            result.name,
            result.sender,
            OUTCOME_STYLE[result.outcome],
            f"{held}/{len(result.verdicts)}",
            f"{result.wall_seconds:.1f} s",
            _logical(result.logical_seconds),
        ]
        table.add_row(*row, *([escape(result.headline)] if failing else []))
    return table


def _details(console: Console, result: ScenarioResult) -> None:
    story = f": {escape(result.story)}" if result.story else ""
    console.print(f"\n[bold]{result.name}[/] ({Path(result.source).name}){story}")
    for verdict in result.verdicts:
        colour = "green" if verdict.passed else "red"
        console.print(f"  [{colour}]{'ok' if verdict.passed else 'FAILED'}[/] {escape(verdict.message)}")
    ended = result.command_ended()
    if ended:
        console.print(f"  [red]{escape(ended)}[/]")
    if result.error:
        console.print(escape(result.error.rstrip()), style="red")


def _logical(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
