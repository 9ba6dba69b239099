"""`hecharness push`: run a simulated Logpush job against a destination and summarise what happened."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hecharness.cli import output
from hecharness.cli.datasets import DATASET_HELP, field_list_option
from hecharness.cli.exits import EXIT_LOST, epilog, interrupted
from hecharness.cli.group import main
from hecharness.cli.output import OutputFile
from hecharness.clock import RealClock
from hecharness.errors import HecHarnessError
from hecharness.logpush import LogpushSimulator, Report, ValidationRefused
from hecharness.logpush.batching import DEFAULT_GZIP_LEVEL
from hecharness.destination import DestinationError
from hecharness.logpush.policy import POLICIES

EXIT_REFUSED = 3
_EXIT_CODES = epilog(
    "every record was uploaded",
    (EXIT_LOST, "records were dropped after retries, or lost while the job was disabled"),
    (EXIT_REFUSED, "the destination failed Logpush's validation push"),
)


@main.command(epilog=_EXIT_CODES)
@click.option("--destination-conf", required=True, help="The job's destination, e.g. 'splunk://host:8088/services/collector/raw?channel=...&header_Authorization=Splunk%20<token>'.")
@click.option("--dataset", default="http_requests", show_default=True, help=DATASET_HELP)
@field_list_option
@click.option("--count", type=click.IntRange(1), default=10_000, show_default=True, help="Records to generate.")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), default=1000.0, show_default=True, help="Records per logical second.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the records and the policy's jitter.")
@click.option("--logpull-options", default=None, help="e.g. 'fields=RayID,EdgeStartTimestamp&timestamps=rfc3339'.")
@click.option("--filter", "job_filter", default=None, metavar="JSON", help='The job\'s filter, e.g. \'{"where":{"key":"EdgeResponseStatus","operator":"geq","value":500}}\'.')
@click.option("--filter-attack-traffic", is_flag=True, help="Leave out DDoS attack traffic (http_requests, firewall_events, network_analytics_logs).")
@click.option("--max-upload-records", type=int, default=None, help="Batch limit in records (1,000-1,000,000; 0 = Logpush's default).")
@click.option("--max-upload-bytes", type=int, default=None, help="Batch limit in uncompressed bytes (5 MB-1 GB; 0 = none).")
@click.option("--max-upload-interval", "max_upload_interval_seconds", type=int, default=None, help="Batch limit in seconds (30-300).")
@click.option("--policy", type=click.Choice(list(POLICIES)), default="faq", show_default=True, help="Retry, drop and disable behaviour.")
@click.option("--time-scale", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True, help="Logical seconds per wall second for the job's own waits (60: five minutes of retries in five seconds); the destination's answers still have 30 real seconds.")
@click.option("--cacert", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, help="CA bundle to trust for the destination.")
@click.option("--merge-subrequests", is_flag=True, help="http_requests: Worker subrequests go inside their parent's line (Subrequests).")
@click.option("--scope", type=click.Choice(("zone", "account")), default=None,
              help="A zone's job or an account's (firewall_events: every zone). [default: the dataset's own]")
@click.option("--any-port", is_flag=True, help="Allow Splunk ports other than 443 and 8088, as newer Logpush docs do.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True, help="Batches uploaded at once.")
@click.option("--gzip-level", type=click.IntRange(0, 9), default=DEFAULT_GZIP_LEVEL, show_default=True, help="gzip level of the batches (6 makes about half the bytes for four times the CPU).")
@click.option("--report", "report_path", type=OutputFile(), default=None, help="Write the attempt timeline and metrics here as JSON (also when interrupted).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def push(
    destination_conf: str,
    dataset: str,
    count: int,
    rate: float,
    seed: int,
    logpull_options: str | None,
    job_filter: str | None,
    filter_attack_traffic: bool,
    max_upload_records: int | None,
    max_upload_bytes: int | None,
    max_upload_interval_seconds: int | None,
    policy: str,
    time_scale: float,
    cacert: Path | None,
    merge_subrequests: bool,
    scope: str | None,
    any_port: bool,
    concurrency: int,
    gzip_level: int,
    report_path: Path | None,
    quiet: bool,
) -> None:
    """Push generated records through a simulated Logpush job."""
    job = {"destination_conf": destination_conf, "dataset": dataset, "logpull_options": logpull_options}
    limits = {
        "max_upload_records": max_upload_records,
        "max_upload_bytes": max_upload_bytes,
        "max_upload_interval_seconds": max_upload_interval_seconds,
    }
    job.update({k: v for k, v in limits.items() if v is not None})
    if job_filter is not None:
        job["filter"] = job_filter
    if filter_attack_traffic:
        job["filter_attack_traffic"] = True
    if merge_subrequests:
        job["merge_subrequests"] = True
    console = output.console(stderr=True)
    try:
        simulator = LogpushSimulator(
            job,
            clock=RealClock(scale=time_scale),
            policy=policy,
            count=count,
            rate=rate,
            seed=seed,
            cafile=cacert,
            any_port=any_port,
            scope=scope,
            concurrency=concurrency,
            compress_level=gzip_level,
        )
    except HecHarnessError as error:
        raise click.UsageError(_in_flags(error)) from None
    if simulator.job.destination.insecure_skip_verify:
        console.print(
            "[yellow]warning:[/] insecure-skip-verify=true: the destination's certificate is not verified "
            "(not its chain to a trusted CA, not its expiry, not its host name); anyone on the path can pose as the HEC",
            soft_wrap=True,
        )
    try:
        report = asyncio.run(_run(simulator, count, console, quiet))
    except ValidationRefused as refusal:
        console.print(f"[red]{refusal}[/]")
        raise SystemExit(EXIT_REFUSED) from None
    except KeyboardInterrupt:
        # asyncio.run has cancelled the job: uploads in flight were abandoned, nothing more is sent.
        report = simulator.report()
        _write_report(report_path, report, interrupted=True)
        _summarise(report, output.console())
        metrics = report.metrics
        saved = f"; {report_path} holds the run so far" if report_path is not None else ""
        if not metrics.records_generated:
            interrupted(f"interrupted before any record was sent{saved}")
        interrupted(
            f"interrupted after {metrics.records_generated:,} of {count:,} records: {metrics.records_uploaded:,} uploaded, "
            f"{metrics.records_pending:,} not delivered yet (queued, or sent and not yet answered: the HEC may have some){saved}"
        )
    _write_report(report_path, report)
    _summarise(report, output.console())
    metrics = report.metrics
    if metrics.records_dropped or metrics.records_lost_disabled:
        raise SystemExit(EXIT_LOST)


def _in_flags(error: Exception) -> str:
    """The error as the command line should say it: its remedy as a flag, not as a Python keyword."""
    cause = error.__cause__
    if isinstance(cause, DestinationError) and cause.option:
        return f"destination_conf is invalid: {cause.reason}; --{cause.option.replace('_', '-')} allows it"
    return str(error)


def _write_report(path: Path | None, report: Report, interrupted: bool = False) -> None:
    if path is None:
        return
    data = report.to_dict()
    if interrupted:
        data["interrupted"] = True
    try:
        path.write_text(json.dumps(data, indent=2))
    except OSError as error:  # checked before the run; something changed since
        raise click.ClickException(f"cannot write the report to {path}: {error.strerror or error}") from None


async def _run(simulator: LogpushSimulator, count: int, console: Console, quiet: bool) -> Report:
    await simulator.validate()
    if quiet:
        return await simulator.run()
    columns = (TextColumn("records"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[state]}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("push", total=count, state="")

        def update(metrics) -> None:
            state = f"up {metrics.records_uploaded:,} · dropped {metrics.records_dropped:,} · retries {metrics.retries}"
            progress.update(task, completed=metrics.records_generated, state=state)

        simulator._progress = update
        return await simulator.run()


def _summarise(report: Report, console: Console) -> None:
    metrics, job = report.metrics, report.job
    table = Table(title=f"Logpush job {job.id} ({report.policy.name} policy)", show_header=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    rows = [
        ("records generated", metrics.records_generated),
        ("uploaded", metrics.records_uploaded),
        ("dropped after retries", metrics.records_dropped),
        ("lost while disabled", metrics.records_lost_disabled),
        ("sampled out", metrics.records_sampled_out),
        ("filtered out", metrics.records_filtered_out),
        *([("subrequests merged into their parent's line", metrics.records_merged)] if metrics.records_merged else []),
        ("batches / uploads / retries", f"{metrics.batches} / {metrics.uploads} / {metrics.retries}"),
        ("bytes uncompressed / compressed", f"{metrics.bytes_uncompressed:,} / {metrics.bytes_compressed:,}"),
        ("answers", ", ".join(f"{k}: {v}" for k, v in sorted(metrics.outcomes.items())) or "-"),
        ("job", "enabled" if job.enabled else "disabled"),
        ("logical time", f"{report.ended_at - report.started_at:,.0f} s"),
    ]
    if job.error_message:
        rows.append(("last error", job.error_message))
    for name, value in rows:
        table.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
