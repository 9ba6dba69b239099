"""Where commands write: output paths checked before any work starts, and consoles that do not
wrap lines when the output goes to a pipe or a file."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console

__all__ = ["OutputFile", "console"]

# Wide enough that no line is wrapped, narrow enough that rich's padding to it stays cheap.
_UNWRAPPED_WIDTH = 10_000


class OutputFile(click.ParamType):
    """A file path the command will write; refused up front (exit 2) if it cannot be written.

    A command that found out only at the end would have done all its work for nothing. The check
    opens the file for appending if it exists, or a nameless temporary file beside it if not: the
    one test that agrees with the operating system (permissions, read-only mounts, a directory in
    the way). It never creates the file itself, which another process may be waiting to see appear.
    """

    name = "file"

    def __init__(self, stdout: bool = False) -> None:
        self.stdout = stdout  # '-' means standard output

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if self.stdout and value == "-":
            return value
        path = Path(value)
        try:
            if path.exists() or path.is_symlink():
                with open(path, "ab"):
                    pass
            else:
                with tempfile.TemporaryFile(dir=path.parent):
                    pass
        except OSError as error:
            self.fail(f"cannot write {str(path)!r}: {error.strerror or error}", param, ctx)
        return path


def console(*, stderr: bool = False, **options: Any) -> Console:
    """A rich Console: wrapped to the terminal's width on a terminal, not wrapped at all otherwise.

    Rich wraps at 80 columns when the output is not a terminal and pads wrapped blocks with
    spaces, so a URL piped to a file or `grep` is cut in two. Off a terminal, lines are as long as
    they need to be and lose their trailing spaces.
    """
    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr, **options)
    return Console(file=_TrimmedLines(stream), width=_UNWRAPPED_WIDTH, soft_wrap=True, **options)


class _TrimmedLines:
    """A text stream that drops the spaces at the end of each line written through it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._partial = ""

    def write(self, text: str) -> int:
        lines = (self._partial + text).split("\n")
        self._partial = lines.pop()
        if lines:
            self._stream.write("".join(line.rstrip(" ") + "\n" for line in lines))
        return len(text)

    def flush(self) -> None:
        # A line still in progress is written as it is: its trailing spaces may yet be followed by text.
        if self._partial:
            self._stream.write(self._partial)
            self._partial = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return False
