"""`hecharness replay`: resend a HAR capture to a HEC and list the answers that differ."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hecharness.cli.group import main
from hecharness.cli.exits import epilog, interrupted
from hecharness.cli.remote import http_url, verification
from hecharness.har import CaptureError, load_capture
from hecharness.replay import Replayed, differences, parse_speed, replay as send_again, table
from hecharness.replay.sender import SpeedError

EXIT_DIFFERENT = 1
_EXIT_CODES = epilog("every answer was as recorded", (EXIT_DIFFERENT, "some answers differ: the table lists them"))


@main.command(epilog=_EXIT_CODES)
@click.argument("capture", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--to", "to", required=True, metavar="URL", help="Base URL of the HEC to send to, e.g. http://127.0.0.1:8088.")
@click.option("--token", envvar="HECHARNESS_TOKEN", help="Send this token in place of the captured (masked) one (or set HECHARNESS_TOKEN).")
@click.option("--speed", default="1", show_default=True, metavar="1|10|max", help="Pace: 1 as captured, 10 ten times faster, max without pauses.")
@click.option("--cacert", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Trust the CAs in this PEM file instead of the system's.")
@click.option("--insecure", "-k", is_flag=True, help="Do not verify the HEC's certificate.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=30.0, show_default=True, metavar="SECONDS", help="Seconds to wait for each answer.")
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.pass_context
def replay(
    context: click.Context,
    capture: Path,
    to: str,
    token: str | None,
    speed: str,
    cacert: Path | None,
    insecure: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Resend the requests of a HAR CAPTURE in order and compare the answers with the recorded ones.

    Compares status, HEC code, text, invalid-event-number and ackId, prints a row for each that
    differs, and exits 1 if any does. A capture of a real Splunk replayed against the fake is a
    conformance test of the fake; the other way round, of the HEC it is replayed to.
    """
    http_url(to, "--to")
    try:
        pace = parse_speed(speed)
    except SpeedError as error:
        raise click.BadParameter(str(error), param_hint="--speed") from None
    try:
        entries = load_capture(capture)
    except CaptureError as error:
        raise click.BadParameter(str(error), param_hint="CAPTURE") from None
    if token is None and any("****" in value for item in entries for name, value in item.headers if name.lower() == "authorization"):
        click.echo("note: the capture's tokens are masked; give --token to send a real one", err=True)
    answered: list[Replayed] = []
    verify = verification(cacert, insecure)
    try:
        send_again(entries, to, token=token, speed=pace, verify=verify, timeout=timeout, on_answer=answered.append)
    except KeyboardInterrupt:
        _report(answered, as_json)
        interrupted(f"interrupted after {len(answered)} of {len(entries)} requests; the differences so far are above")
    found = _report(answered, as_json)
    if not as_json:
        summary = f"{len(found)} difference{'s' if len(found) != 1 else ''}" if found else "no differences"
        click.echo(f"{summary} in {len(answered)} answer{'s' if len(answered) != 1 else ''}", err=True)
    context.exit(EXIT_DIFFERENT if found else 0)


def _report(answered: list[Replayed], as_json: bool) -> list:
    found = differences(answered)
    if as_json:
        rows = [{"entry": d.entry, "request": d.request, "field": d.field, "recorded": d.recorded, "replayed": d.replayed} for d in found]
        click.echo(json.dumps({"answers": len(answered), "differences": rows}, indent=2))
    elif found:
        click.echo(table(found))
    for result in answered:
        if result.error is not None:
            click.echo(f"entry {result.recorded.number}: no answer ({result.error})", err=True)
    return found
