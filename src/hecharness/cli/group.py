"""The `hecharness` click group: every command module registers its command on `main`."""

from __future__ import annotations

import click

from hecharness import __version__
from hecharness.cli.exits import interrupted

__all__ = ["main"]


class _Commands(click.Group):
    """The group of commands, with one answer to Ctrl-C: exit 130, not click's "Aborted!" and 1.

    Commands with something to report (records written, a partial report) catch it themselves first.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            interrupted("interrupted")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hecharness")
def main() -> None:
    """A fake Splunk HEC, Logpush simulator and test harness for SIEM ingestion pipelines."""
