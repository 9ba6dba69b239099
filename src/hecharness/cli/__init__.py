"""The `hecharness` command line: one module per command, each registered on the group in `cli.group`.

Importing a command module registers its command, so importing this package gives the whole command line.
"""

from hecharness.cli import certs, generate, journal, preflight, push, record, replay, scenario, serve  # noqa: F401 - registers them
from hecharness.cli.group import main

__all__ = ["main"]
