"""The exit codes every command shares, and how each command lists its own in `--help`.

0 is success, 2 bad input or usage (click's own code, also for an output path that cannot be
written or a port that cannot be had), 130 interrupted by Ctrl-C (128 + SIGINT, as shells report
it). Codes between belong to each command and say what went wrong, not that something did; 1 means
the same to every command that sends records (`push`, `journal merge`, a Locust run): some were lost.
"""

from __future__ import annotations

import click

__all__ = ["EXIT_OK", "EXIT_LOST", "EXIT_USAGE", "EXIT_INTERRUPTED", "epilog", "interrupted"]

EXIT_OK, EXIT_LOST, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def epilog(success: str, *own: tuple[int, str], interruptible: bool = True) -> str:
    """The "Exit codes:" block of a command's help: success, its own codes, then bad usage and Ctrl-C.

    A command that runs until stopped (`serve`) is not `interruptible`: Ctrl-C is its way to finish.
    """
    rows = [(EXIT_OK, success), *own, (EXIT_USAGE, "bad input or usage: the message names the value")]
    if interruptible:
        rows.append((EXIT_INTERRUPTED, "interrupted (Ctrl-C); what was done so far is printed"))
    return "\n".join(["\b", "Exit codes:"] + [f"  {code:<3} {meaning}" for code, meaning in sorted(rows)])


def interrupted(message: str) -> None:
    """Say what an interrupted command had done, and exit 130."""
    click.echo(message, err=True)
    raise SystemExit(EXIT_INTERRUPTED)
