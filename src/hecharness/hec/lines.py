"""The events of a `/raw` body: one per line with blank lines skipped, or the whole body as one.

A line ends at `\\n`, `\\r` or `\\r\\n` (what `bytes.splitlines` breaks at); a line that is empty or
only whitespace is no event. That is the same rule `bytes.isspace` draws, so a body that is not
blank always holds at least one event.

A request only needs to know how many events its body holds; the events themselves are wanted
later, when somebody reads the journal, and in a load run never. So a body of long lines (Logpush
batches: 3 KB records, up to hundreds of MB per request) is counted on arrival by walking its
newlines with `bytes.find`, which is memchr, and cut into lines only when read: for a 320 MB batch
that is 50 ms against 400 ms for splitting it into 100,000 objects. Bodies of short lines are
split at once, which is cheaper for them than a Python step per line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["LineCounter", "RawLines", "split_lines"]

# What bytes.isspace() treats as whitespace: a line that starts with none of these is no blank line.
_SPACE = frozenset(b" \t\n\r\x0b\x0c")
_CONTENT = re.compile(rb"[^ \t\n\r\x0b\x0c]")
# Bodies this small, or with lines this short on average, are split on arrival.
_SMALL_BODY = 64 * 1024
_SHORT_LINE = 512
_SAMPLE = 4096  # bytes looked at to tell short lines from long ones


def split_lines(data: bytes) -> list[bytes]:
    """The body's events, one per line, blank lines skipped."""
    lines = data.split(b"\n") if b"\r" not in data else data.splitlines()
    if not lines[-1]:  # the body's final newline (or an empty body)
        lines.pop()
    if not all(lines) or any(map(bytes.isspace, lines)):
        lines = [line for line in lines if line and not line.isspace()]
    return lines


class LineCounter:
    """The events of a body fed piece by piece, counted without keeping any of it.

    Of the line still open at a piece's end only whether it has content yet is carried to the next
    piece, so a body that is one endless line (a gzip bomb of zeros) costs no more than one piece.
    `\\r` is read as `\\n`: the empty lines that makes of `\\r\\n` are no events either way.
    """

    __slots__ = ("_closed", "_open")

    def __init__(self) -> None:
        self._closed = 0  # events on lines that have ended
        self._open = False  # whether the line running on past the last piece has content

    def feed(self, piece: bytes) -> None:
        self.feed_plain(piece.replace(b"\r", b"\n") if b"\r" in piece else piece)

    def feed_plain(self, piece: bytes) -> None:
        """`feed` for a piece known to hold no `\\r`."""
        first = piece.find(b"\n")
        if first < 0:
            self._open = self._open or _has_content(piece, 0, len(piece))
            return
        last = piece.rfind(b"\n")
        ended = self._open or _has_content(piece, 0, first)
        self._closed += ended + _count_within(piece, first + 1, last)
        self._open = _has_content(piece, last + 1, len(piece))

    @property
    def count(self) -> int:
        return self._closed + self._open


def _count_lines(parts: list[bytes]) -> int:
    """len(split_lines(b"".join(parts))) for a body with no `\\r`, without making the lines."""
    counter = LineCounter()
    for part in parts:
        counter.feed_plain(part)
    return counter.count


def _count_within(data: bytes, start: int, end: int) -> int:
    """The events among the lines of data[start:end], which ends just before a newline."""
    if start > end:
        return 0
    sample = min(end, start + _SAMPLE)
    if data.count(b"\n", start, sample) * _SHORT_LINE > sample - start:
        # Short lines: splitting them in C beats a Python step per line.
        return len(split_lines(data[start:end]))
    find, count = data.find, 0
    while start <= end:
        stop = find(b"\n", start, end)
        if stop < 0:
            stop = end
        if stop > start and (data[start] not in _SPACE or not data[start:stop].isspace()):
            count += 1
        start = stop + 1
    return count


def _has_content(data: bytes, start: int, end: int) -> bool:
    return _CONTENT.search(data, start, end) is not None


class RawLines:
    """The events of one body: counted now, cut out of the body when first read."""

    __slots__ = ("_cut", "_lines", "count")

    def __init__(self, cut: Callable[[], list[bytes]] | None, count: int, lines: list[bytes] | None) -> None:
        self._cut = cut  # makes the lines (at least `count` of them) when first read
        self.count = count  # how many events: read on every request, so a plain attribute
        self._lines = lines

    @classmethod
    def of(cls, parts: list[bytes], *, whole_body: bool = False) -> RawLines:
        """The events of a body given as the pieces it arrived in (see `hecharness.hec.body.Body`)."""
        if whole_body:
            return cls.listed(_whole(parts))
        if _split_now(parts):
            return cls.listed(split_lines(parts[0] if len(parts) == 1 else b"".join(parts)))
        return cls(lambda: _split(parts), _count_lines(parts), None)

    @classmethod
    def counted(cls, count: int, parts: Callable[[], list[bytes]], *, whole_body: bool = False) -> RawLines:
        """The events of a body already counted (by a `LineCounter`) and not kept: `parts` makes it again."""
        if whole_body:
            return cls(lambda: _whole(parts()), min(count, 1), None)
        return cls(lambda: _split(parts()), count, None)

    @classmethod
    def listed(cls, lines: list[bytes]) -> RawLines:
        return cls(None, len(lines), lines)

    def __len__(self) -> int:
        return self.count

    def head(self, count: int) -> RawLines:
        """The first `count` events only (a partial acceptance)."""
        if count >= self.count:
            return self
        return RawLines(self._cut, count, None if self._lines is None else self._lines[:count])

    @property
    def cut(self) -> list[bytes] | None:
        """The lines if they are cut already (a small body's, or once read), else None."""
        return self._lines

    def lines(self) -> list[bytes]:
        # The body is read before the lines and let go after they are set, so a reader on another
        # thread sees either the lines or the whole body; two readers at once both split, equally.
        cut = self._cut
        lines = self._lines
        if lines is None:
            lines = cut()[: self.count]
            self._lines = lines
            self._cut = None
        return lines


def _split(parts: list[bytes]) -> list[bytes]:
    return split_lines(b"".join(parts))


def _whole(parts: list[bytes]) -> list[bytes]:
    return [b"".join(parts).rstrip(b"\r\n")]


def _split_now(parts: list[bytes]) -> bool:
    """Small bodies, bodies of short lines and bodies with `\\r` in them are split on arrival."""
    if not parts or sum(map(len, parts)) < _SMALL_BODY:
        return True
    first = parts[0]
    sample = min(len(first), _SMALL_BODY)
    return first.count(b"\n", 0, sample) * _SHORT_LINE > sample or any(b"\r" in part for part in parts)
