"""Parsing `/services/collector/event` bodies into events, object by object, as splunkd does.

A body is JSON objects laid end to end (whitespace between them optional), JSON arrays of such
objects, or a mix. Splunk indexes every object before the first bad one and none from it on, and
names the bad one (0-based) in `invalid-event-number`. Two quirks are kept on purpose:

- an index the token may not write to, or that the server lacks, is reported one past the bad
  object (code 7);
- an object with a key outside the envelope silently ends the request: what came before is
  indexed and the answer is still 200 (or "No data" when nothing came before).

Metadata never carries over from one object to the next: each falls back to the token's defaults.

A body too big to hold inflated (see `hecharness.hec.body`) is parsed as its pieces come out of the
inflater, holding the text of about one object at a time: a gzip bomb that is no JSON is refused
after `max_event_size` of it, and what follows the first bad object is never inflated.
"""

from __future__ import annotations

import bisect
import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from hecharness import codes
from hecharness.hec.indexes import Indexes
from hecharness.hec.batches import Event
from hecharness.hec.tokens import Rejected, Token

__all__ = ["Parsed", "parse_event_body", "parse_event_pieces", "json_values", "epoch_seconds", "ENVELOPE_KEYS"]

ENVELOPE_KEYS = frozenset({"event", "time", "host", "source", "sourcetype", "index", "fields"})
_METADATA_KEYS = ("host", "source", "sourcetype", "index")


@dataclass(slots=True)
class Parsed:
    """The accepted prefix of a body, and why it stopped short if it did."""

    events: list[Event]
    error: Rejected | None = None
    note: str | None = None


@dataclass(slots=True)
class Defaults:
    """What an event gets for metadata it does not carry."""

    request_id: int
    channel: str | None
    host: str
    token: Token
    indexes: Indexes


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# NaN and Infinity are not JSON; orjson refuses them, so the slow path must too.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


class ExponentTime:
    """A `time` written in scientific notation (`1.75248e9`), which Splunk refuses with code 15."""

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        self.literal = literal

    def __repr__(self) -> str:
        return self.literal


# Decoding loses how a number was written; this twin of _DECODER keeps exponent literals visible.
_EXPONENT_DECODER = json.JSONDecoder(
    parse_constant=_reject_constant,
    parse_float=lambda text: ExponentTime(text) if "e" in text or "E" in text else float(text),
)
# A cheap test for whether a body may hold one: only such bodies take the slow path to find out.
_EXPONENT_TIME = re.compile(rb'"time"\s*:\s*-?[0-9.]+[eE]')
_EXPONENT_TIME_TEXT = re.compile(_EXPONENT_TIME.pattern.decode())
# What Splunk reads as a time string: digits with an optional fraction (a comma is refused, as a
# German-locale sender found; Python's float() would also take "1_000", " 12 " or "1e9").
_DECIMAL_TIME = re.compile(r"[0-9]+(\.[0-9]+)?")
_WHITESPACE = " \t\n\r"
# A \uD800-\uDFFF escape: cheap to look for, and only then is the decoded value searched.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse_event_body(body: bytes, defaults: Defaults, max_event_size: int) -> Parsed:
    """Validate each JSON object of `body` in order, stopping at the first one Splunk would refuse."""
    return _parse(_objects(body, max_event_size), defaults)


def parse_event_pieces(pieces: Iterable[bytes], defaults: Defaults, max_event_size: int) -> Parsed:
    """`parse_event_body` of the pieces' concatenation, taking pieces only as far as it reads."""
    return _parse(_flattened(json_values(pieces, max_event_size)), defaults)


def _parse(objects: Iterator[Any], defaults: Defaults) -> Parsed:
    events: list[Event] = []
    seen = 0
    for number, item in enumerate(objects):
        seen += 1
        if isinstance(item, Rejected):
            item.invalid_event_number = number
            return Parsed(events, item)
        try:
            event = _validate(item, number, defaults)
        except Rejected as refusal:
            if refusal.invalid_event_number is None:
                refusal.invalid_event_number = number
            return Parsed(events, refusal)
        if isinstance(event, _Stop):
            if not events:
                return Parsed(events, Rejected(codes.NO_DATA, note=event.note))
            return Parsed(events, None, event.note)
        if event is not None:
            events.append(event)
    if not seen:
        return Parsed(events, Rejected(codes.NO_DATA, note="no JSON object in the body"))
    return Parsed(events)


class _Stop:
    __slots__ = ("note",)

    def __init__(self, note: str) -> None:
        self.note = note


def _objects(body: bytes, max_event_size: int):
    """Yield each JSON value of the body (arrays flattened one level), or a `Rejected` for the bad one."""
    if len(body) <= max_event_size:
        try:
            value = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # several objects end to end, or a bad one somewhere: find which on the slow path
        else:
            if _EXPONENT_TIME.search(body) is None:  # else the slow path finds whose time it is
                yield from value if isinstance(value, list) else (value,)
                return
    yield from _objects_slowly(body, max_event_size)


def _objects_slowly(body: bytes, max_event_size: int):
    return _flattened(json_values((body,), max_event_size))


def _flattened(values: Iterator[Any]) -> Iterator[Any]:
    for value in values:
        yield from value if isinstance(value, list) else (value,)


def json_values(pieces: Iterable[bytes], max_event_size: int) -> Iterator[Any]:
    """Each JSON value of the pieces' concatenation, holding the text of about one at a time;
    the first bad one, or one longer than `max_event_size`, comes as a `Rejected` and ends them.

    An object cut by a piece's end fails to parse until the rest arrives; a failure is final only
    at the body's end or once the unparsed text passes `max_event_size` (no event may be longer).
    Parsing is retried after the unparsed text doubles, so a long object costs linear time.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    text, position, dropped = "", 0, 0  # unparsed text from `position`; `dropped` characters before it
    retry_at = 0  # unparsed length at which to try again after a failure
    broken = False  # the body is not UTF-8 from the end of `text` on
    waiting: list[bytes] = []  # pieces gathered until the retry is due, so the text is copied once for them
    waiting_size = 0
    pieces = iter(pieces)
    while True:
        piece = next(pieces, None)
        final = piece is None
        if not final:
            waiting.append(piece)
            waiting_size += len(piece)
            if len(text) - position + waiting_size < retry_at:
                continue
        dropped += position
        text, position = text[position:], 0
        data = waiting[0] if len(waiting) == 1 else b"".join(waiting)
        waiting, waiting_size = [], 0
        try:
            text += decoder.decode(data, final)
        except UnicodeDecodeError as error:
            # Objects wholly before the bad byte are fine; the one holding it is invalid.
            text += error.object[: error.start].decode("utf-8")
            broken = final = True
        # Where exponent times may be, found in one pass over the text in hand: searching each
        # object costs far more. A literal cut by the piece's end is found with the next piece.
        exponents = [match.start() for match in _EXPONENT_TIME_TEXT.finditer(text)]
        while True:
            position = _skip_space(text, position)
            unparsed = len(text) - position
            if not unparsed:
                break
            try:
                value, end = _DECODER.raw_decode(text, position)
            except ValueError:
                if final or unparsed > max_event_size:
                    yield Rejected(codes.INVALID_DATA_FORMAT, note=f"not JSON at character {dropped + position}")
                    return
                retry_at = 2 * unparsed
                break
            except RecursionError:
                # The standard parser recurses once per level; a value nested deeper than it can go is
                # refused like any other JSON it cannot read (orjson, the fast path, stops at 1024 levels).
                yield Rejected(
                    codes.INVALID_DATA_FORMAT, note=f"JSON nested too deeply at character {dropped + position}"
                )
                return
            retry_at = 0
            if end - position > max_event_size:
                yield Rejected(codes.INVALID_DATA_FORMAT, note=f"event larger than max_event_size ({max_event_size})")
                return
            if _SURROGATE_ESCAPE.search(text, position, end) and _has_lone_surrogate(value):
                # orjson (the fast path) refuses these, so the same object must not pass here; its text
                # is not Unicode and the journal could not write it back out.
                yield Rejected(
                    codes.INVALID_DATA_FORMAT, note=f"unpaired UTF-16 surrogate escape at character {dropped + position}"
                )
                return
            if exponents and _any_within(exponents, position, end):
                _mark_exponent_times(
                    value if isinstance(value, list) else [value], _EXPONENT_DECODER.raw_decode(text, position)[0]
                )
            yield value
            position = end
        if final:
            if broken:
                yield Rejected(codes.INVALID_DATA_FORMAT, note="body is not valid UTF-8")
            return


def _any_within(positions: list[int], start: int, end: int) -> bool:
    """Whether any of the sorted `positions` lies in [start, end)."""
    first = bisect.bisect_left(positions, start)
    return first < len(positions) and positions[first] < end


def _mark_exponent_times(items: list[Any], twin: Any) -> None:
    """Replace each envelope `time` written with an exponent by an `ExponentTime`.

    `twin` is the same JSON decoded again keeping exponent literals; only the envelope's own
    `time` is looked at, so a number in the event itself stays the number it is.
    """
    twins = twin if isinstance(twin, list) else [twin]
    for item, marked in zip(items, twins):
        if isinstance(item, dict) and isinstance(marked, dict) and isinstance(marked.get("time"), ExponentTime):
            item["time"] = marked["time"]


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (or key) in a decoded value holds a surrogate that was not part of a pair."""
    pending = [value]
    while pending:  # iterative: the value may be nested hundreds of levels deep
        item = pending.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position


def _validate(item: Any, number: int, defaults: Defaults) -> Event | _Stop | None:
    if not isinstance(item, dict):
        raise Rejected(codes.INVALID_DATA_FORMAT, note="each event must be a JSON object")
    unknown = item.keys() - ENVELOPE_KEYS
    if unknown:
        return _Stop(f"event {number} has key {sorted(unknown)[0]!r} outside the envelope; Splunk stops reading there")
    if "event" not in item:
        if "fields" not in item:
            raise Rejected(codes.EVENT_FIELD_REQUIRED)
        _check_fields(item["fields"])
        return None  # fields without an event: Splunk answers 200 and indexes nothing for it
    payload = item["event"]
    if payload is None or payload is False:
        raise Rejected(codes.INVALID_DATA_FORMAT, note="event is null or false")
    if isinstance(payload, str) and not payload.strip():
        raise Rejected(codes.EVENT_FIELD_BLANK)
    fields = item.get("fields")
    if fields is not None:
        _check_fields(fields)
    for key in _METADATA_KEYS:
        if key in item and not isinstance(item[key], str):
            raise Rejected(codes.INVALID_DATA_FORMAT, note=f"{key} must be a string")
    token = defaults.token
    index = item.get("index") or token.default_index
    if not defaults.indexes.allow(token, index):
        # Splunk reports the object after the bad one here (measured on 10.4.3).
        raise Rejected(codes.INCORRECT_INDEX, invalid_event_number=number + 1, note=f"index {index!r} not allowed or missing")
    moment = None
    if "time" in item:
        moment = epoch_seconds(item["time"])
        if moment is None:
            # Splunk reads `time` as an indexed field: one it cannot read is code 15 (public reports:
            # 1.75248e9, "1651487970,123", "2024-09-25 19:59:53+00:00").
            raise Rejected(codes.INDEXED_FIELDS_ERROR, note=f"time {item['time']!r} is not epoch seconds")
    return Event(
        request_id=defaults.request_id,
        channel=defaults.channel,
        index=index,
        source=item.get("source") or token.source,
        sourcetype=item.get("sourcetype") or token.default_sourcetype or "httpevent",
        host=item.get("host") or defaults.host,
        time=moment,
        raw=None,
        event=payload,
        fields=fields,
    )


def _check_fields(fields: Any) -> None:
    if not isinstance(fields, dict):
        raise Rejected(codes.INVALID_DATA_FORMAT, note="fields must be an object")
    if any(isinstance(value, dict) for value in fields.values()):
        raise Rejected(codes.INDEXED_FIELDS_ERROR)


def epoch_seconds(value: Any) -> float | None:
    """A `time` value as epoch seconds, reading integers by magnitude (s, ms, µs or ns) as Splunk does."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if _DECIMAL_TIME.fullmatch(value) is None:
            return None
        value = float(value)
    if not isinstance(value, (int, float)) or value != value or value < 0 or value == float("inf"):
        return None
    try:
        for limit, divisor in ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3)):
            if value >= limit:
                return value / divisor
        return float(value)
    except OverflowError:
        return None  # an integer past any float (JSON allows one): no time, as for infinity
