"""The `hecharness` command line: one module per command, gathered into one click group."""

from __future__ import annotations

import click

from hecharness import __version__


class _Commands(click.Group):
    """The group of commands, with one answer to Ctrl-C: exit 130, not click's "Aborted!" and 1.

    Commands with something to report (records written, a partial report) catch it themselves first.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            from hecharness.cli.exits import interrupted

            interrupted("interrupted")


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hecharness")
def main() -> None:
    """A fake Splunk HEC, Logpush simulator and test harness for SIEM ingestion pipelines."""


def _register() -> None:
    # Each command lives in its own module; importing registers it on `main`.
    import hecharness.cli.serve  # noqa: F401
    import hecharness.cli.certs  # noqa: F401
    import hecharness.cli.generate  # noqa: F401
    import hecharness.cli.preflight  # noqa: F401
    import hecharness.cli.push  # noqa: F401
    import hecharness.cli.scenario  # noqa: F401


_register()
