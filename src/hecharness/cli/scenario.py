"""`hecharness scenario list|run [NAME...]`: the behaviours in scenarios/, run against fake HECs and judged.

Exit codes for `run`: 0 every expectation held; 1 at least one failed (or a scenario crashed);
2 bad usage, such as a name that matches no scenario.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hecharness.cli import main
from hecharness.scenario import ScenarioNotFound, ScenarioResult, load_directory, run_many, select
from hecharness.scenario.discover import BUILTIN
from hecharness.scenario.runner import quiet_server_warnings

EXIT_FAILED = 1


@main.group()
def scenario() -> None:
    """Scenarios: a fake HEC, a sender and what must hold, one per behaviour of the Logpush FAQ."""


def _directory_option(function):
    return click.option(
        "--dir",
        "directory",
        type=click.Path(file_okay=False, path_type=Path),
        default=BUILTIN,
        show_default="the built-in scenarios",
        help="Where the scenario files are.",
    )(function)


@scenario.command("list")
@_directory_option
@click.argument("names", nargs=-1)
def list_scenarios(directory: Path, names: tuple[str, ...]) -> None:
    """List the scenarios (all, or those matching NAMES: names, file stems or patterns like 'validation-*')."""
    chosen = _load(directory, names)
    table = Table(show_lines=False)
    for column in ("scenario", "sender", "file", "what it shows"):
        table.add_column(column, overflow="fold")
    for item in chosen:
        table.add_row(item.name, item.sender.kind, Path(item.source).name, item.summary)
    Console(width=max(Console().width, 120)).print(table)


@scenario.command("run")
@_directory_option
@click.argument("names", nargs=-1)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("scenario-results"), show_default=True, help="Where the JSON report, JUnit XML and SVG timelines go.")
@click.option("--workers", type=click.IntRange(1, 16), default=2, show_default=True, help="Scenarios run at once, one process each.")
@click.option("--verbose", "-v", is_flag=True, help="Print every expectation, not only the failed ones.")
def run_scenarios(directory: Path, names: tuple[str, ...], out: Path, workers: int, verbose: bool) -> None:
    """Run the scenarios (all, or those matching NAMES) and report expected against observed."""
    chosen = _load(directory, names)
    quiet_server_warnings()
    # Piped output (make, CI) defaults to 80 columns, too narrow for the table; terminals keep their width.
    console = Console(width=max(Console().width, 120))
    console.print(f"running {len(chosen)} scenario{'s' if len(chosen) != 1 else ''} from {directory} with {workers} worker{'s' if workers != 1 else ''}")

    def progress(result: ScenarioResult) -> None:
        mark = "[green]pass[/]" if result.passed else "[red]FAIL[/]"
        console.print(f"  {mark} {result.name} ({result.wall_seconds:.1f} s)")

    summary = run_many(chosen, out, workers=workers, on_result=progress)
    console.print(_table(summary.results, summary.wall_seconds))
    for result in summary.results:
        if verbose or not result.passed:
            _details(console, result)
    console.print(f"report: {summary.report}\njunit:  {summary.junit}\ntimelines: {summary.timelines}/")
    if not summary.passed:
        failed = ", ".join(r.name for r in summary.failed)
        console.print(f"[red]{len(summary.failed)} of {len(summary.results)} scenarios failed:[/] {failed}")
        raise SystemExit(EXIT_FAILED)
    console.print(f"[green]all {len(summary.results)} scenarios passed[/] in {summary.wall_seconds:.1f} s")


def _load(directory: Path, names: tuple[str, ...]):
    try:
        return select(load_directory(directory), names)
    except (ScenarioNotFound, FileNotFoundError) as problem:
        raise click.UsageError(str(problem)) from None


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
            "[green]pass[/]" if result.passed else "[red]FAIL[/]",
            f"{held}/{len(result.verdicts)}",
            f"{result.wall_seconds:.1f} s",
            _logical(result.logical_seconds),
        ]
        table.add_row(*row, *([escape(result.headline)] if failing else []))
    return table


def _details(console: Console, result: ScenarioResult) -> None:
    console.print(f"\n[bold]{result.name}[/] ({Path(result.source).name}): {escape(result.story)}")
    for verdict in result.verdicts:
        colour = "green" if verdict.passed else "red"
        console.print(f"  [{colour}]{'ok' if verdict.passed else 'FAILED'}[/] {escape(verdict.message)}")
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
