"""How one field value becomes bytes in Logpush output, per output type and timestamp format.

Records carry timestamps as integer nanoseconds since the Unix epoch; the job's
`timestamp_format` decides what the output shows, for every field typed ``int or string``:

- ``unixnano``: integer nanoseconds (the API default)
- ``unix``: integer seconds
- ``rfc3339``: ``"2023-11-14T22:13:20Z"``, seconds precision (the dashboard default)
- ``rfc3339ms``: ``"2023-11-14T22:13:20.120Z"``, always three digits of milliseconds
- ``rfc3339ns``: ``"2023-11-14T22:13:20.120000000Z"``, always nine digits of nanoseconds

These five are what Logpush's job schema takes since March 2026. ``rfc3339nano`` is in no current
schema (only legacy Logpull pages spell it so) and is refused, the message naming ``rfc3339ns``.
Cloudflare's examples show the fractions with all their digits; that zeros are kept, not
trimmed, is our reading of them.

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

__all__ = ["TIMESTAMP_FORMATS", "TimestampFormat", "csv_value", "json_value", "timestamp_converter", "timestamp_format_error"]


class TimestampFormat(StrEnum):
    """How timestamps are written (`timestamp_format`, `timestamps=`); each value is the wire string."""

    UNIXNANO = "unixnano"
    UNIX = "unix"
    RFC3339 = "rfc3339"
    RFC3339MS = "rfc3339ms"
    RFC3339NS = "rfc3339ns"


# Plain strings, as click.Choice and error messages show them (an enum member would show its name).
TIMESTAMP_FORMATS = tuple(member.value for member in TimestampFormat)
# Spellings that are not Logpush's, and the value meant.
_FORMERLY = {"rfc3339nano": "rfc3339ns"}

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
    if timestamp_format in _DIGITS:
        return _Rfc3339(_DIGITS[timestamp_format])
    raise ValueError(timestamp_format_error("timestamp_format", timestamp_format))


def timestamp_format_error(key: str, value: Any) -> str:
    """The one-line refusal of a timestamp format, naming the current values (and the one meant)."""
    meant = _FORMERLY.get(value) if isinstance(value, str) else None
    hint = f" ({value} is Logpull's spelling; Logpush's is {meant})" if meant else ""
    return f"{key}: {value!r} is not one of {', '.join(TIMESTAMP_FORMATS)}{hint}"


def _unchanged(value: Any) -> Any:
    return value


def _unix(value: Any) -> Any:
    if type(value) is int:
        return value // _NS
    return value


# Digits of the second's fraction each RFC 3339 format writes.
_DIGITS = {TimestampFormat.RFC3339: 0, TimestampFormat.RFC3339MS: 3, TimestampFormat.RFC3339NS: 9}


class _Rfc3339:
    # Records arrive in time order, so consecutive values mostly share a second: remember the
    # last one instead of formatting a date per record. One tuple, swapped whole, so that
    # threads sharing a converter never pair a second with another second's text.
    __slots__ = ("digits", "_divisor", "_last")

    def __init__(self, digits: int) -> None:
        self.digits = digits
        self._divisor = 10 ** (9 - digits)
        self._last: tuple[int | None, str] = (None, "")

    def __call__(self, value: Any) -> Any:
        if type(value) is not int:
            return value
        second, fraction = divmod(value, _NS)
        last = self._last
        if last[0] != second:
            last = self._last = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        if self.digits:
            return f"{last[1]}.{fraction // self._divisor:0{self.digits}d}Z"
        return last[1] + "Z"
