"""`hecharness preflight`: the Logpush FAQ's curl test against a HEC, with the cause and fix of any failure."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hecharness.cli import output
from hecharness.cli.exits import epilog
from hecharness.cli.group import main
from hecharness.preflight import DEFAULT_TIMEOUT, FAILURE_CLASSES, check
from hecharness.preflight.report import render
from hecharness.preflight.target import is_destination_conf

_EXIT_CODES = epilog(
    "the HEC took the sample record", *((failure.exit_code, f"{failure.name}: {failure.summary}") for failure in FAILURE_CLASSES)
)


@main.command(epilog=_EXIT_CODES)
@click.argument("target", metavar="DESTINATION_OR_URL")
@click.option("--token", envvar="HECHARNESS_TOKEN", help="HEC token, for the URL form (or set HECHARNESS_TOKEN).")
@click.option("--channel", metavar="GUID", help="Channel to send, for the URL form. Default: none, as curl would.")
@click.option("--sourcetype", help="Sourcetype, for the URL form. Default: cloudflare:json unless the URL names one.")
@click.option(
    "--cacert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trust the CAs in this PEM file instead of the system's, as curl --cacert.",
)
@click.option("--insecure", "-k", is_flag=True, help="Report certificate problems without failing on them (insecure-skip-verify=true).")
@click.option("--any-port", is_flag=True, help="Allow ports other than 443 and 8088.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Seconds to wait for each network operation.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--show-token", is_flag=True, help="Print the token in full in the destination and the curl command.")
@click.pass_context
def preflight(
    context: click.Context,
    target: str,
    token: str | None,
    channel: str | None,
    sourcetype: str | None,
    cacert: Path | None,
    insecure: bool,
    any_port: bool,
    timeout: float,
    as_json: bool,
    show_token: bool,
) -> None:
    """Check that a Splunk HEC takes Logpush's pushes: the FAQ's curl test, step by step.

    DESTINATION_OR_URL is a Logpush destination_conf,

    \b
        splunk://HOST:8088/services/collector/raw?channel=GUID&insecure-skip-verify=false&sourcetype=cloudflare:json&header_Authorization=Splunk%20TOKEN

    or a HEC URL with --token: https://HOST:8088/services/collector/raw.

    Lints the destination with Logpush's rules, resolves the host, connects, checks the TLS
    certificate, asks /services/collector/health, then POSTs the FAQ's sample record to the raw
    endpoint. It sends one event, as the FAQ's curl does.
    """
    if is_destination_conf(target):
        for name, value in (("--token", token), ("--channel", channel), ("--sourcetype", sourcetype)):
            if value is not None:
                raise click.UsageError(f"{name} goes with the URL form; a splunk:// destination carries its own")
    elif token is None:
        raise click.UsageError(f"--token is required with a URL ({target!r}); or give a splunk:// destination")
    try:
        result = check(
            target,
            token=token,
            channel=channel,
            sourcetype=sourcetype,
            cafile=cacert,
            insecure=insecure,
            any_port=any_port,
            timeout=timeout,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--cacert") from None
    if as_json:
        click.echo(json.dumps(result.to_dict(show_token=show_token), indent=2))
    else:
        render(result, output.console(highlight=False), show_token=show_token)
    context.exit(result.exit_code)
