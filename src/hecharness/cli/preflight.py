"""`hecharness preflight`: the Logpush FAQ's curl test against a HEC, with the cause and fix of any failure."""

from __future__ import annotations

import json
from pathlib import Path

import click

from hecharness.cli import output
from hecharness.cli.exits import epilog
from hecharness.cli.group import main
from hecharness.cli.remote import http_url, verification
from hecharness.errors import HecHarnessError
from hecharness.preflight import DEFAULT_TIMEOUT, FAILURE_CLASSES, SAMPLE_RECORD, check
from hecharness.preflight.report import render
from hecharness.preflight.search import LANDING_FAILURES, Landing, find_marker, marked_sample, new_marker
from hecharness.preflight.target import is_destination_conf

_EXIT_CODES = epilog(
    "the HEC took the sample record (and, with --search, it was found)",
    *((failure.exit_code, f"{failure.name}: {failure.summary}") for failure in (*FAILURE_CLASSES, *LANDING_FAILURES)),
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
@click.option("--any-port", is_flag=True, help="No warning for ports other than 443 and 8088 (the Logpush FAQ's rule).")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Seconds to wait for each network operation.",
)
@click.option("--search", "search_url", metavar="URL", help="After the POST, search for the sample through Splunk's REST API here, e.g. https://HOST:8089.")
@click.option("--search-token", envvar="HECHARNESS_SEARCH_TOKEN", help="Splunk authentication token for --search (or set HECHARNESS_SEARCH_TOKEN).")
@click.option("--search-user", help="User for --search, with --search-password instead of a token.")
@click.option("--search-password", envvar="HECHARNESS_SEARCH_PASSWORD", help="Password of --search-user (or set HECHARNESS_SEARCH_PASSWORD).")
@click.option("--search-index", default="*", show_default=True, help="Index to search for the sample.")
@click.option("--search-timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True, metavar="SECONDS", help="How long to keep searching before 'not found'.")
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
    search_url: str | None,
    search_token: str | None,
    search_user: str | None,
    search_password: str | None,
    search_index: str,
    search_timeout: float,
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
    marker = _search_options(search_url, search_token, search_user, search_password)
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
            sample=SAMPLE_RECORD if marker is None else marked_sample(marker),
        )
    except HecHarnessError as error:
        raise click.BadParameter(str(error), param_hint="--cacert") from None
    landing = None
    if marker is not None and search_url is not None and result.exit_code == 0:
        verify = verification(cacert, insecure)
        landing = find_marker(
            search_url, marker, index=search_index, token=search_token, user=search_user, password=search_password,
            timeout=search_timeout, verify=verify,
        )
    if as_json:
        data = result.to_dict(show_token=show_token)
        if landing is not None:
            data["search"] = landing.to_dict()
        click.echo(json.dumps(data, indent=2))
    else:
        render(result, output.console(highlight=False), show_token=show_token)
        if landing is not None:
            click.echo(_landing_line(landing))
    context.exit(result.exit_code or (landing.exit_code if landing is not None else 0))


def _search_options(url: str | None, token: str | None, user: str | None, password: str | None) -> str | None:
    """The marker to put in the sample when --search is given; the search options checked first."""
    if url is None:
        if token is not None or user is not None:
            raise click.UsageError("--search-token and --search-user go with --search URL")
        return None
    http_url(url, "--search")
    if (token is None) == (user is None):
        raise click.UsageError("--search needs --search-token, or --search-user with --search-password")
    if user is not None and password is None:
        raise click.UsageError("--search-user needs --search-password (or HECHARNESS_SEARCH_PASSWORD)")
    return new_marker()


def _landing_line(landing: Landing) -> str:
    if landing.found:
        lag = "" if landing.lag is None else f", indexing lag {landing.lag:g}s"
        return f"FOUND: the sample is searchable in index {landing.index}, sourcetype {landing.sourcetype}{lag}"
    return f"NOT FOUND ({landing.failure.name}, exit {landing.exit_code}): {landing.message}"
