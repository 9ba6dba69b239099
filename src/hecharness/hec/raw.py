"""How a `/raw` body becomes events: counted when it arrives, split only when somebody reads them.

Splitting a 1 MB body into a thousand line objects costs more than everything else a request
does, and most are never read back (load runs, count-only mode, the cap evicting them). So the
common shape, lines separated by a bare `\\n` with none blank or starting with white space, is
counted with `bytes.count` and kept whole; anything else (CR line ends, blank lines, leading white
space) is split at once, with the same result either way.
"""

from __future__ import annotations

__all__ = ["RawLines"]

# Two bytes that can only occur where splitting by `\n` alone would be wrong or would keep a blank line.
_SLOW_MARKS = (b"\r", b"\n\n", b"\n ", b"\n\t", b"\x0b", b"\x0c")


class RawLines:
    """The events of one `/raw` body: every non-blank line ("line" mode) or the whole body ("body")."""

    __slots__ = ("_body", "_lines", "count")

    def __init__(self, body: bytes, mode: str = "line") -> None:
        self._body = body
        self._lines: list[bytes] | None = None
        if mode == "body":
            self._lines = [body.rstrip(b"\r\n")]
        elif body[:1].isspace() or any(mark in body for mark in _SLOW_MARKS):
            lines = list(filter(None, body.splitlines()))
            if any(map(bytes.isspace, lines)):
                lines = [line for line in lines if not line.isspace()]
            self._lines = lines
        if self._lines is not None:
            self.count = len(self._lines)
        else:
            self.count = body.count(b"\n") + (bool(body) and not body.endswith(b"\n"))

    def __len__(self) -> int:
        return self.count

    def lines(self) -> list[bytes]:
        if self._lines is not None:
            return self._lines
        lines = self._body.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        return lines

    def head(self, count: int) -> RawLines:
        """The first `count` events only (a fault that accepts part of a request)."""
        if count >= self.count:
            return self
        kept = RawLines.__new__(RawLines)
        kept._body = b""
        kept._lines = self.lines()[:count]
        kept.count = count
        return kept
