"""`hecharness journal merge`: sent = received over several fake HECs, read through their admin APIs.

For a fake spread over machines behind the user's own load balancer: each fake knows only what reached
it, and a record that arrived once at each of two fakes is a duplicate that neither saw alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path

import click

from hecharness.cli.exits import EXIT_LOST, epilog
from hecharness.cli.group import main
from hecharness.cli.remote import http_url
from hecharness.errors import HecHarnessError
from hecharness.hec.remote import AdminJournal, delivery_over
from hecharness.logpush.slices import RecordSlice

__all__ = ["journal"]

_EXIT_CODES = epilog(
    "every record sent arrived exactly once, and nothing else did",
    (EXIT_LOST, "records are missing, duplicated, or arrived unsent"),
)


@main.group()
def journal() -> None:
    """Fake HECs' journals, read through their admin APIs."""


@journal.command(epilog=_EXIT_CODES)
@click.argument("admin_urls", nargs=-1, required=True, metavar="ADMIN_URL...")
@click.option("--expected", "expected_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The records sent, one per line (as `hecharness generate` writes them).")
@click.option("--sent", "sent_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="What a Locust run sent, as its master wrote it with --sent-file.")
@click.option("--key", default=None, help="The field that tells records apart, e.g. RayID (default: whole lines; with --sent, the dataset's key).")
@click.option("--admin-token", default=None, envvar="HECHARNESS_ADMIN_TOKEN", help="The fakes' admin token, if they have one.")
def merge(admin_urls: tuple[str, ...], expected_path: Path | None, sent_path: Path | None, key: str | None, admin_token: str | None) -> None:
    """Account for the records sent against what every fake at ADMIN_URL... accepted, taken together."""
    if (expected_path is None) == (sent_path is None):
        raise click.UsageError("give the records sent: --expected FILE (one per line) or --sent FILE (a Locust run's)")
    urls = [http_url(url, "ADMIN_URL") for url in admin_urls]
    sent: int | None = None
    try:
        if sent_path is not None:
            slices = _slices(sent_path)
            expected: Iterable[bytes] = chain.from_iterable(chosen.lines() for chosen in slices)
            key = key or (slices[0].key if slices else None)
            sent = sum(chosen.records for chosen in slices)
        else:
            expected = _lines(expected_path)
        journals = [AdminJournal(url, admin_token) for url in urls]
        try:
            delivery = delivery_over(expected, journals, key=key, sent=sent)
        finally:
            for source in journals:
                source.close()
    except HecHarnessError as error:
        raise click.UsageError(str(error)) from None
    click.echo(delivery.verdict)
    if delivery.detail:
        click.echo(delivery.detail, err=True)
    if not delivery.complete:
        raise SystemExit(EXIT_LOST)


def _lines(path: Path) -> Iterator[bytes]:
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                yield line


def _slices(path: Path) -> list[RecordSlice]:
    try:
        data = json.loads(path.read_text())
        return [RecordSlice.from_dict(item) for item in data["slices"]]
    except (ValueError, KeyError, TypeError) as error:
        raise click.BadParameter(f"{path} is not a sent file written by a Locust run's --sent-file ({error})", param_hint="--sent") from None
