"""How one field value becomes bytes in Logpush output, per output type and timestamp format.

Records carry timestamps as integer nanoseconds since the Unix epoch; the job's
`timestamp_format` decides what the output shows:

- ``unixnano``: integer nanoseconds (the API default)
- ``unix``: integer seconds
- ``rfc3339``: ``"2023-11-14T22:13:20Z"``, seconds precision
- ``rfc3339nano``: ``"2023-11-14T22:13:20.5Z"``, trailing zeros trimmed as Go's RFC3339Nano does

ndjson renders every value as JSON. csv quotes strings the CSV way (doubling inner quotes), writes
numbers and booleans bare, and writes arrays and objects as quoted JSON text so that a cell never
spills over a delimiter. (Cloudflare documents that quoting differs between the two types but not
the csv rules in detail; these are ours.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import orjson

__all__ = ["TIMESTAMP_FORMATS", "TimestampFormat", "csv_value", "json_value", "timestamp_converter"]


class TimestampFormat(StrEnum):
    """How timestamps are written (`timestamp_format`, `timestamps=`); each value is the wire string."""

    UNIXNANO = "unixnano"
    UNIX = "unix"
    RFC3339 = "rfc3339"
    RFC3339NANO = "rfc3339nano"


# Plain strings, as click.Choice and error messages show them (an enum member would show its name).
TIMESTAMP_FORMATS = tuple(member.value for member in TimestampFormat)

_NS = 1_000_000_000

json_value: Callable[[Any], bytes] = orjson.dumps


def csv_value(value: Any) -> bytes:
    if isinstance(value, str):
        return b'"' + value.replace('"', '""').encode() + b'"'
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, (list, dict, tuple)):
        return csv_value(orjson.dumps(value).decode())
    return orjson.dumps(value)


def timestamp_converter(timestamp_format: str) -> Callable[[Any], Any]:
    """A function turning integer nanoseconds into the format's value; other values pass through."""
    if timestamp_format == TimestampFormat.UNIXNANO:
        return _unchanged
    if timestamp_format == TimestampFormat.UNIX:
        return _unix
    if timestamp_format == TimestampFormat.RFC3339:
        return _Rfc3339(nano=False)
    if timestamp_format == TimestampFormat.RFC3339NANO:
        return _Rfc3339(nano=True)
    raise ValueError(f"unknown timestamp format {timestamp_format!r}")


def _unchanged(value: Any) -> Any:
    return value


def _unix(value: Any) -> Any:
    if type(value) is int:
        return value // _NS
    return value


class _Rfc3339:
    # Records arrive in time order, so consecutive values mostly share a second: remember the
    # last one instead of formatting a date per record. One tuple, swapped whole, so that
    # threads sharing a converter never pair a second with another second's text.
    __slots__ = ("nano", "_last")

    def __init__(self, nano: bool) -> None:
        self.nano = nano
        self._last: tuple[int | None, str] = (None, "")

    def __call__(self, value: Any) -> Any:
        if type(value) is not int:
            return value
        second, fraction = divmod(value, _NS)
        last = self._last
        if last[0] != second:
            last = self._last = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        if self.nano and fraction:
            return f"{last[1]}.{fraction:09d}".rstrip("0") + "Z"
        return last[1] + "Z"
