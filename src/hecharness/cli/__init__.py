"""The `hecharness` command line: one module per command, gathered into one click group."""

from __future__ import annotations

import click

from hecharness import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
