"""`hecharness generate` writes synthetic Logpush output; `hecharness fields` lists a dataset's fields."""

from __future__ import annotations

import datetime
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from hecharness.cli.datasets import DATASET_HELP, field_list_option
from hecharness.cli.exits import epilog, interrupted
from hecharness.cli.group import main
from hecharness.cli.output import OutputFile
from hecharness.generate import (
    DEFAULT_RATE,
    DEFAULT_START,
    OUTPUT_TYPES,
    PROFILES,
    TIMESTAMP_FORMATS,
    GenerateError,
    OutputOptions,
    OutputOptionsError,
    UnknownDatasetError,
    dataset_names,
    encoded_stream,
    get_dataset,
)

# Below this many records a run is over before a progress bar would tell anyone anything.
_PROGRESS_THRESHOLD = 100_000
_FIXED_START = datetime.datetime.fromtimestamp(DEFAULT_START, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class EpochOrDate(click.ParamType):
    """Epoch seconds, or an RFC 3339 date such as 2024-05-01T12:00:00Z."""

    name = "epoch-or-date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(value)
        except ValueError:
            pass
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.fail(f"{value!r} is neither epoch seconds nor an RFC 3339 date", param, ctx)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.timestamp()


@main.command(epilog=epilog("every record was written"))
@click.option("--dataset", "-d", required=True, metavar="NAME", help=DATASET_HELP)
@field_list_option
@click.option("--count", "-n", type=click.IntRange(min=0), default=1000, show_default=True, help="Records to write.")
@click.option("--fields", "-f", metavar="LIST", help="Comma-separated field names, or 'all' (the default).")
@click.option("--timestamps", type=click.Choice(TIMESTAMP_FORMATS), help="Timestamp format. [default: unixnano]")
@click.option("--output-type", type=click.Choice(OUTPUT_TYPES), help="Record format. [default: ndjson]")
@click.option("--sample", type=float, metavar="RATE", help="Keep this fraction of records (0 < RATE <= 1).")
@click.option("--cve-2021-44228", "cve", is_flag=True, default=None, help="Write every '${' as 'x{'.")
@click.option("--logpull-options", metavar="QUERY", help="A job's logpull_options string, e.g. 'fields=RayID&timestamps=rfc3339'.")
@click.option("--output-options", metavar="JSON", help="A job's output_options object, as JSON.")
@click.option("--seed", type=int, default=None,
              help="Same seed and options, same bytes (the events then start at a fixed time unless --start says otherwise). [default: 0]")
@click.option("--rate", type=float, default=DEFAULT_RATE, show_default=True, help="Records per second of event time.")
@click.option("--start", type=EpochOrDate(), default=None,
              help=f"Event time of the first record: epoch seconds or an RFC 3339 date. [default: so that the events end now, "
                   f"where a search of the last 24 hours finds them; with --seed, {_FIXED_START}]")
@click.option("--jitter", type=float, default=0.0, show_default=True,
              help="Up to this many seconds of processing delay; records come out in availability order.")
@click.option("--profile", type=click.Choice(PROFILES), default="cloudflare", show_default=True,
              help="ibm-cis limits fields to IBM Cloud Internet Services' table.")
@click.option("--batch-size", type=click.IntRange(min=1), default=100_000, show_default=True,
              help="Records per batch; batch_prefix and batch_suffix wrap each batch.")
@click.option("--scope", type=click.Choice(("zone", "account")), default=None,
              help="Whose job pushes the records: a zone's, or an account's (firewall_events: every zone). [default: the dataset's own]")
@click.option("--out", "-o", type=OutputFile(stdout=True), default="-", show_default=True, metavar="FILE",
              help="Where to write; '-' is stdout.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr. [default: on for long runs on a terminal]")
def generate(dataset: str, count: int, fields: str | None, timestamps: str | None, output_type: str | None,
             sample: float | None, cve: bool | None, logpull_options: str | None, output_options: str | None,
             seed: int | None, rate: float, start: float | None, jitter: float, profile: str, batch_size: int,
             scope: str | None, out: str | Path, progress: bool | None) -> None:
    """Write synthetic Logpush records, as a Logpush job with these options would deliver them.

    \b
    Examples:
      hecharness generate -d http_requests -n 1000000 --rate 5000 -o requests.ndjson
      hecharness generate -d firewall_events --fields RayID,Action,Datetime --timestamps rfc3339
      hecharness generate -d dns_logs --logpull-options 'fields=QueryName,Timestamp&timestamps=unix'
      hecharness generate -d my_logs --field-list my-fields.json -n 100
    """
    options = _options(fields, timestamps, output_type, sample, cve, logpull_options, output_options)
    try:
        chosen = get_dataset(dataset, profile)
    except UnknownDatasetError as error:
        raise click.BadParameter(str(error), param_hint="--dataset") from None
    try:
        chosen.check_scope(scope)
    except UnknownDatasetError as error:
        raise click.BadParameter(str(error), param_hint="--scope") from None
    if start is None:
        start = DEFAULT_START if seed is not None else _ending_now(count, rate)
    show = progress if progress is not None else count >= _PROGRESS_THRESHOLD and sys.stderr.isatty()
    began = time.monotonic()
    written = _Written()
    try:
        with _Progress(count, show) as bar:
            def advance(records: int) -> None:
                written.records += records
                bar.advance(records)

            pieces = encoded_stream(dataset, options, seed=seed or 0, count=count, start=start, rate=rate,
                                    profile=profile, jitter=jitter, batch_size=batch_size, progress=advance, scope=scope)
            _write(pieces, out, written)
    except KeyboardInterrupt:
        where = "the output" if out == "-" else str(out)
        interrupted(f"interrupted after {written.records:,} of {count:,} records; {where} is incomplete")
    except OutputOptionsError as error:
        hint = "--logpull-options" if logpull_options else "--output-options" if output_options else _hint(str(error))
        raise click.BadParameter(str(error), param_hint=hint) from None
    except GenerateError as error:
        raise click.UsageError(str(error)) from None
    if show:
        where = "" if out == "-" else f" to {out}"
        click.echo(f"wrote {written.records:,} records, {written.bytes:,} bytes{where} in {time.monotonic() - began:.1f} s", err=True)


def _ending_now(count: int, rate: float) -> float:
    """The start that puts the last record at about now: recent enough for Splunk's default search."""
    return float(math.floor(time.time() - count / rate)) if rate > 0 else float(math.floor(time.time()))


@dataclass
class _Written:
    records: int = 0
    bytes: int = 0


def _options(fields: str | None, timestamps: str | None, output_type: str | None, sample: float | None,
             cve: bool | None, logpull_options: str | None, output_options: str | None) -> OutputOptions:
    flags = {"--fields": fields, "--timestamps": timestamps, "--output-type": output_type, "--sample": sample,
             "--cve-2021-44228": cve}
    given = [name for name, value in flags.items() if value is not None]
    if logpull_options is not None and output_options is not None:
        raise click.UsageError("give either --logpull-options or --output-options, not both")
    if (logpull_options is not None or output_options is not None) and given:
        raise click.UsageError(f"{given[0]} cannot be combined with --logpull-options or --output-options; put it in them")
    try:
        if logpull_options is not None:
            return OutputOptions.from_logpull(logpull_options)
        if output_options is not None:
            try:
                parsed = json.loads(output_options)
            except ValueError as error:
                raise click.BadParameter(f"not valid JSON ({error})", param_hint="--output-options") from None
            return OutputOptions.from_output_options(parsed)
        return OutputOptions(
            field_names=tuple(name.strip() for name in fields.split(",")) if fields is not None else None,
            output_type=output_type or "ndjson",
            timestamp_format=timestamps or "unixnano",
            sample_rate=1.0 if sample is None else sample,
            cve_2021_44228=bool(cve),
        )
    except OutputOptionsError as error:
        hint = "--logpull-options" if logpull_options is not None else "--output-options" if output_options is not None else _hint(str(error))
        raise click.BadParameter(str(error), param_hint=hint) from None


def _hint(message: str) -> str:
    key = message.split(":", 1)[0]
    return {"field_names": "--fields", "sample_rate": "--sample", "timestamp_format": "--timestamps"}.get(key, "options")


def _write(pieces, out: str | Path, written: _Written) -> None:
    if out == "-":
        try:
            _copy(pieces, sys.stdout.buffer, written)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # The reader (say, `head`) has seen enough; that is not an error.
            sys.stderr.close()
        return
    try:
        with open(out, "wb") as stream:
            _copy(pieces, stream, written)
    except OSError as error:
        raise click.BadParameter(f"cannot write {str(out)!r}: {error.strerror}", param_hint="--out") from None


def _copy(pieces, stream: BinaryIO, written: _Written) -> None:
    for piece in pieces:
        stream.write(piece)
        written.bytes += len(piece)


class _Progress:
    def __init__(self, total: int, show: bool) -> None:
        self.show = show
        self.total = total
        self._progress = None
        self._task = None

    def __enter__(self) -> _Progress:
        if self.show:
            self._progress = Progress(
                TextColumn("generating"), BarColumn(), MofNCompleteColumn(), TextColumn("records"),
                TimeElapsedColumn(), TimeRemainingColumn(), console=Console(stderr=True),
            )
            self._progress.start()
            self._task = self._progress.add_task("generate", total=self.total)
        return self

    def advance(self, records: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, records)

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


@main.command(epilog=epilog("the fields were listed"))
@click.argument("dataset", required=False)
@click.option("--dataset", "-d", "dataset_option", metavar="NAME", help="The dataset (the same as giving it as the argument).")
@field_list_option
@click.option("--profile", type=click.Choice(PROFILES), default="cloudflare", show_default=True,
              help="ibm-cis lists only the fields IBM Cloud Internet Services offers.")
def fields(dataset: str | None, dataset_option: str | None, profile: str) -> None:
    """List DATASET's fields with their types, allowed values and a short description; without one, list the datasets.

    \b
    Examples:
      hecharness fields http_requests
      hecharness fields --dataset gateway_dns
      hecharness fields --field-list my-fields.json --dataset my_logs
    """
    if dataset is not None and dataset_option is not None and dataset != dataset_option:
        raise click.UsageError(f"two datasets given: {dataset!r} and --dataset {dataset_option!r}; give one")
    name = dataset if dataset is not None else dataset_option
    if name is None:
        _list_datasets(profile)
        return
    try:
        chosen = get_dataset(name, profile)
    except UnknownDatasetError as error:
        raise click.BadParameter(str(error), param_hint="DATASET" if dataset is not None else "--dataset") from None
    available = chosen.available(profile)
    deprecated = sum(f.deprecated for f in available)
    click.echo(f"# {chosen.name}: {len(available)} fields ({deprecated} deprecated); key {chosen.key or 'none (records are told apart by their lines)'}; "
               f"event time {chosen.event_time or 'none'}; timestamps are int (unix, unixnano) or string (rfc3339)")
    width = max(len(f.name) for f in available)
    for field in available:
        notes = " (deprecated)" if field.deprecated else ""
        kind, description = (field.type, field.description) if field.type else ("undocumented", "type not documented; written as null")
        values = f"{'; ' if description else ''}one of: {', '.join(repr(v) for v in field.values)}" if field.values else ""
        click.echo(f"{field.name:<{width}}  {kind:<13}  {description}{notes}{values}")


def _list_datasets(profile: str) -> None:
    rows = []
    for name in dataset_names():
        try:
            dataset = get_dataset(name, profile)
        except UnknownDatasetError:
            continue  # not offered on this profile
        origin = "from its field list" if dataset.listed else "hand-modelled"
        shown = dataset.ibm_name if profile == "ibm-cis" and dataset.ibm_name else dataset.name
        rows.append((shown, f"{len(dataset.available(profile))} fields", dataset.scope, origin))
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    click.echo(f"# {len(rows)} datasets; 'hecharness fields NAME' lists one's fields")
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
