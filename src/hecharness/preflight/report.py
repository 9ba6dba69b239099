"""The readable report: steps with outcome and time, certificate, verdict with cause and fix, curl."""

from __future__ import annotations

from rich.console import Console, Group
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from hecharness.preflight.certificate import CertificateFacts, Check
from hecharness.preflight.result import PreflightResult, Step, StepOutcome

__all__ = ["render"]

_MARKS = {StepOutcome.OK: ("✓", "green"), StepOutcome.FAILED: ("✗", "bold red"), StepOutcome.SKIPPED: ("–", "dim")}


def render(result: PreflightResult, console: Console, *, show_token: bool = False) -> None:
    conf = result.destination_conf(show_token)
    if conf is not None:
        console.print(Text.assemble(("Pre-flight check of ", "bold"), conf), soft_wrap=True)
    console.print(_steps(result.steps))
    if result.certificate is not None:
        console.print(_certificate(result.certificate))
    console.print(_verdict(result))
    if result.warnings:
        console.print(Text("Warnings", style="bold yellow"))
        for warning in result.warnings:
            console.print(Padding(Text(f"- {warning}"), (0, 0, 0, 2)))
    curl = result.curl_command(show_token)
    if curl is not None:
        console.print(Text("The same request with curl", style="bold"))
        # Printed as is, not wrapped by rich, so it can be copied and run.
        console.print(Text("  " + curl.replace("\n", "\n  ")), soft_wrap=True, highlight=False)


def _steps(steps: tuple[Step, ...]) -> Group:
    lines: list[Text | Padding] = []
    width = max(len(step.title) for step in steps)
    for step in steps:
        mark, style = _MARKS[step.outcome]
        duration = "skipped" if step.duration is None else f"{step.duration * 1000:.1f} ms"
        lines.append(Text.assemble(f" {mark} ", (step.title.ljust(width), "bold"), f" {duration:>10}", style=None if step.outcome is StepOutcome.OK else style))
        # Details go on lines of their own: URLs and certificate names need the full width.
        for detail in step.details:
            lines.append(Padding(Text(detail, style="dim" if step.outcome is StepOutcome.OK else ""), (0, 0, 0, 5)))
    return Group(*lines)


def _certificate(facts: CertificateFacts) -> Group:
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("subject", Text(facts.subject))
    table.add_row("issuer", Text(facts.issuer + (" (self-signed)" if facts.self_signed else "")))
    table.add_row("names", Text(", ".join(facts.names)) if facts.names else "none (no Subject Alternative Names)")
    table.add_row("valid", f"{facts.not_before:%Y-%m-%d} to {facts.not_after:%Y-%m-%d}")
    for label, verdict in (("dates", facts.dates), ("hostname", facts.hostname), ("chain", facts.chain)):
        table.add_row(label, _check(verdict))
    return Group(Text("Certificate", style="bold"), Padding(table, (0, 0, 0, 1)))


def _check(verdict: Check) -> Text:
    return Text.assemble(("ok: " if verdict.ok else "fails: ", "green" if verdict.ok else "red"), verdict.message)


def _verdict(result: PreflightResult) -> Group:
    if result.ok:
        return Group(Text('PASSED: HEC took the sample record and answered {"text":"Success","code":0}', style="bold green"))
    assert result.failure is not None and result.cause is not None and result.fix is not None
    return Group(
        Text(f"FAILED: {result.failure.name} (exit code {result.exit_code})", style="bold red"),
        Padding(Text.assemble(("Cause: ", "bold"), result.cause), (0, 0, 0, 2)),
        Padding(Text.assemble(("Fix: ", "bold"), result.fix), (0, 0, 0, 2)),
    )
