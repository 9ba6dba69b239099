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

__all__ = ["RawLines", "split_lines"]

# What bytes.isspace() treats as whitespace: a line that starts with none of these is no blank line.
_SPACE = frozenset(b" \t\n\r\x0b\x0c")
# Bodies this small, or with lines this short on average, are split on arrival.
_SMALL_BODY = 64 * 1024
_SHORT_LINE = 512


def split_lines(data: bytes) -> list[bytes]:
    """The body's events, one per line, blank lines skipped."""
    lines = data.split(b"\n") if b"\r" not in data else data.splitlines()
    if not lines[-1]:  # the body's final newline (or an empty body)
        lines.pop()
    if not all(lines) or any(map(bytes.isspace, lines)):
        lines = [line for line in lines if line and not line.isspace()]
    return lines


def _count_lines(parts: list[bytes]) -> int:
    """len(split_lines(b"".join(parts))) for a body with no `\\r`, without making the lines."""
    count = 0
    head: list[bytes] = []  # the start of a line that runs on from earlier parts
    for part in parts:
        start = 0
        if head:
            stop = part.find(b"\n")
            if stop < 0:
                head.append(part)
                continue
            head.append(part[:stop])
            count += _is_event(b"".join(head))
            head.clear()
            start = stop + 1
        last = part.rfind(b"\n", start)
        if last < 0:
            head.append(part[start:])
            continue
        count += _count_within(part, start, last)
        if last + 1 < len(part):
            head.append(part[last + 1 :])
    if head:
        count += _is_event(b"".join(head))
    return count


def _count_within(data: bytes, start: int, end: int) -> int:
    """The events among the lines of data[start:end], which ends just before a newline."""
    find, count = data.find, 0
    while start <= end:
        stop = find(b"\n", start, end)
        if stop < 0:
            stop = end
        if stop > start and (data[start] not in _SPACE or not data[start:stop].isspace()):
            count += 1
        start = stop + 1
    return count


def _is_event(line: bytes) -> bool:
    return bool(line) and not line.isspace()


class RawLines:
    """The events of one body: counted now, cut out of the body when first read."""

    __slots__ = ("_parts", "_lines", "count")

    def __init__(self, parts: list[bytes], count: int, lines: list[bytes] | None) -> None:
        self._parts = parts
        self.count = count  # how many events: read on every request, so a plain attribute
        self._lines = lines

    @classmethod
    def of(cls, parts: list[bytes], *, whole_body: bool = False) -> RawLines:
        """The events of a body given as the pieces it arrived in (see `hecharness.hec.body.Body`)."""
        if whole_body:
            return cls.listed([b"".join(parts).rstrip(b"\r\n")])
        if _split_now(parts):
            return cls.listed(split_lines(parts[0] if len(parts) == 1 else b"".join(parts)))
        return cls(parts, _count_lines(parts), None)

    @classmethod
    def listed(cls, lines: list[bytes]) -> RawLines:
        return cls([], len(lines), lines)

    def __len__(self) -> int:
        return self.count

    def head(self, count: int) -> RawLines:
        """The first `count` events only (a partial acceptance)."""
        if count >= self.count:
            return self
        return RawLines(self._parts, count, None if self._lines is None else self._lines[:count])

    def lines(self) -> list[bytes]:
        # The body is read before the lines and let go after they are set, so a reader on another
        # thread sees either the lines or the whole body; two readers at once both split, equally.
        parts = self._parts
        lines = self._lines
        if lines is None:
            lines = split_lines(b"".join(parts))[: self.count]
            self._lines = lines
            self._parts = []
        return lines


def _split_now(parts: list[bytes]) -> bool:
    """Small bodies, bodies of short lines and bodies with `\\r` in them are split on arrival."""
    if not parts or sum(map(len, parts)) < _SMALL_BODY:
        return True
    first = parts[0]
    sample = min(len(first), _SMALL_BODY)
    return first.count(b"\n", 0, sample) * _SHORT_LINE > sample or any(b"\r" in part for part in parts)
