"""What one request was and delivered: the contract between the collector, which writes, and the journal.

For each request the collector hands `Journal.record` a `RequestRecord`, and for one that accepted
events one `Batch` with it; a request taken in one step (`pack_taken`) goes to `Journal.keep`
packed already, with no record made. The journal keeps batches whole, trims the oldest from the
front to honour its event cap, and turns them into `Event`s only when somebody reads them. A `/raw`
batch is its body's lines and the metadata they share, so the hot path pays for counting lines,
not for objects; an `/event` batch holds its events already made, since answering meant parsing
every object anyway.

The journal keeps both packed (`RequestRecord.pack`, `Batch.pack`): as flat tuples of strings,
numbers and bytes, which CPython's garbage collector stops tracking at its first pass over them.
Kept as objects, a full journal was hundreds of thousands of tracked objects that every full
collection walked, stalling the server's loop for up to 100 ms at a time (a 1 KB load's p99 was
107 ms against 3 ms with count_only). Flat, because a tuple holding another tuple is untracked only
on a pass after that one's, and a record's second pass is likely a full collection's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any, Protocol

import orjson

from hecharness.hec.jsontext import dumps_json
from hecharness.hec.lines import RawLines

__all__ = [
    "RequestRecord", "Event", "Batch", "RawBatch", "EventBatch", "unpack_batch", "batch_request_id", "pack_balance",
    "pack_head", "pack_taken",
]  # fmt: skip


@dataclass(slots=True)
class RequestRecord:
    """One HTTP request and the answer it got. Credentials are masked before they get here."""

    id: int
    time: float
    method: str
    path: str
    query: str
    headers: dict[str, str]
    remote: str
    status: int = 0
    code: int | None = None
    text: str | None = None
    bytes_in: int = 0
    bytes_decoded: int = 0
    events: int = 0
    channel: str | None = None
    token_name: str | None = None
    invalid_event_number: int | None = None
    ack_id: int | None = None
    duration: float = 0.0
    note: str | None = None
    fault: str | None = None
    # In a cluster (`hecharness.hec.cluster`): the indexer that answered (1-based; None when a single
    # collector or the balancer itself answered) and the balancer's decision, as a dict.
    indexer: int | None = None
    balance: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        # Left out for a single collector, so its records read as they always did.
        for name in ("indexer", "balance"):
            if data[name] is None:
                del data[name]
        return data

    def pack(self) -> tuple[Any, ...]:
        """The record as one flat tuple: what the answer was (`_ANSWER`), then what the request's
        head said (`_HEAD`), then the headers' names, then their values. Spelled out: it runs for
        every request, and getting the fields by name costs twice as much.

        A cluster's `balance` is a dict, which would keep the tuple tracked: it is packed as JSON.
        """
        headers = self.headers
        balance = self.balance
        return (
            self.id, self.time, self.remote, self.status, self.code, self.text, self.bytes_in, self.bytes_decoded,
            self.events, self.invalid_event_number, self.ack_id, self.duration, self.note, self.fault, self.indexer,
            None if balance is None else pack_balance(balance),
            self.method, self.path, self.query, self.channel, self.token_name,
            *headers,
            *headers.values(),
        )  # fmt: skip

    @classmethod
    def unpack(cls, packed: tuple[Any, ...]) -> RequestRecord:
        (id, time, remote, status, code, text, bytes_in, bytes_decoded, events, invalid_event_number, ack_id, duration,
         note, fault, indexer, balance, method, path, query, channel, token_name) = packed[:_FIELDS]  # fmt: skip
        count = (len(packed) - _FIELDS) // 2
        headers = dict(zip(packed[_FIELDS : _FIELDS + count], packed[_FIELDS + count :]))
        return cls(
            id, time, method, path, query, headers, remote, status, code, text, bytes_in, bytes_decoded, events,
            channel, token_name, invalid_event_number, ack_id, duration, note, fault, indexer,
            None if balance is None else orjson.loads(balance),
        )  # fmt: skip


# The order of a packed record (RequestRecord.pack), and where in it are what the counters count.
_ANSWER = ("id", "time", "remote", "status", "code", "text", "bytes_in", "bytes_decoded", "events",
           "invalid_event_number", "ack_id", "duration", "note", "fault", "indexer", "balance")  # fmt: skip
_HEAD = ("method", "path", "query", "channel", "token_name")
_FIELDS = len(_ANSWER) + len(_HEAD)  # before the headers' names and values
ID, STATUS, CODE, BYTES_IN, BYTES_DECODED, FAULT, INDEXER = map(
    _ANSWER.index, ("id", "status", "code", "bytes_in", "bytes_decoded", "fault", "indexer")
)


_BALANCES: dict[bytes, bytes] = {}  # each balancer decision packed, kept once: a run makes few distinct ones


def pack_balance(balance: dict[str, Any]) -> bytes:
    """A cluster record's balance as the packed record keeps it: JSON, one bytes object for equal decisions.

    orjson's bytes keep the 4 KB buffer they were written into: kept as they come, a journal of
    100,000 cluster requests held 400 MB of them. An exact copy is kept instead, and shared.
    """
    text = orjson.dumps(balance)
    kept = _BALANCES.get(text)
    if kept is None:
        if len(_BALANCES) >= 4096:  # decisions naming cookies can be many: start over
            _BALANCES.clear()
        kept = _BALANCES[text] = bytes(memoryview(text))
    return kept


def pack_head(
    method: str, path: str, query: str, channel: str | None, token_name: str | None, headers: dict[str, str]
) -> tuple[tuple[Any, ...], tuple[str, ...] | None]:
    """What `pack_taken` needs of a request's head: the packed record's part from the method to
    just before the Content-Length's value, and the header values after that one (None: the
    headers have no Content-Length, and the first part is all of it)."""
    values = list(headers.values())
    at = list(headers).index("content-length") if "content-length" in headers else None
    head = (method, path, query, channel, token_name, *headers)
    if at is None:
        return (*head, *values), None
    return (*head, *values[:at]), tuple(values[at + 1 :])


def pack_taken(
    head: tuple[Any, ...],
    rest: tuple[str, ...] | None,
    length: str | None,
    request_id: int,
    time: float,
    remote: str,
    bytes_in: int,
    bytes_decoded: int,
    events: int,
    duration: float,
    indexer: int | None = None,
    balance: bytes | None = None,
) -> tuple[Any, ...]:
    """`RequestRecord.pack()` of a request taken in full (200, HEC code 0, no ack, note or fault)
    whose head `pack_head` packed, without making the record: the one-step path's way
    (`hecharness.hec.collector.Collector.answer_whole`). `balance` is packed already."""
    answer = (
        request_id, time, remote, 200, 0, "Success", bytes_in, bytes_decoded, events, None, None, duration,
        None, None, indexer, balance,
    )  # fmt: skip
    if rest is None:
        return (*answer, *head)
    return (*answer, *head, length, *rest)


@dataclass(frozen=True, slots=True)
class Event:
    """One accepted event, with the metadata Splunk would index it under."""

    request_id: int
    channel: str | None
    index: str
    source: str
    sourcetype: str
    host: str
    time: float | None
    raw: str | None
    event: Any = None
    fields: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        """The event as Splunk would show its `_raw`: the raw line, or the event as JSON text."""
        if self.raw is not None:
            return self.raw
        if isinstance(self.event, str):
            return self.event
        return dumps_json(self.event).decode()

    def data(self) -> Any:
        """The event's payload as data: the event value, or the raw line parsed as JSON if it is JSON."""
        if self.raw is None:
            return self.event
        try:
            return orjson.loads(self.raw)
        except orjson.JSONDecodeError:
            return self.raw

    def to_dict(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict, which deep-copies the payload recursively
        # and fails on events nested a few hundred levels deep (valid JSON HEC accepts).
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


assert sorted(_ANSWER + _HEAD + ("headers",)) == sorted(f.name for f in fields(RequestRecord))


class Batch(Protocol):
    """The events one request delivered."""

    def __len__(self) -> int:
        """Events delivered."""
        ...

    def events(self, skip: int) -> Iterator[Event]:
        """The events from `skip` on (the journal drops events from the front of its oldest batch)."""
        ...

    def pack(self) -> tuple[Any, ...]:
        """The batch as a plain tuple for the journal to keep: its kind's name, then what `unpack_batch` needs."""
        ...


@dataclass(slots=True)
class RawBatch:
    """The events of one `/raw` request: the lines, made into events on demand, and what they share.

    `shared` is what every event of the batch has in common, in `Event`'s field order up to its
    line: request_id, channel, index, source, sourcetype, host, time. A tuple rather than an
    `Event`, because making a frozen dataclass costs a small request more than the rest of its batch.
    """

    shared: tuple[Any, ...]
    lines: RawLines

    @property
    def metadata(self) -> Event:
        """What the events share, as an event with no line (`raw` None)."""
        return Event(*self.shared, raw=None)

    def __len__(self) -> int:
        return self.lines.count

    def events(self, skip: int) -> Iterator[Event]:
        shared = self.shared
        for line in self.lines.lines()[skip:]:
            yield Event(*shared, line.decode("utf-8", "replace"))

    def pack(self) -> tuple[Any, ...]:
        lines = self.lines.cut
        if lines is None:  # a large body, cut into lines only when read: kept as it is
            return ("uncut", *self.shared, self.lines)
        return ("raw", *self.shared, *lines)

    @classmethod
    def unpack(cls, packed: tuple[Any, ...]) -> RawBatch:
        return cls(packed[1:_SHARED], RawLines.listed(list(packed[_SHARED:])))

    @classmethod
    def unpack_uncut(cls, packed: tuple[Any, ...]) -> RawBatch:
        return cls(packed[1:_SHARED], packed[_SHARED])


_SHARED = 8  # a packed raw batch's kind and the 7 fields its events share come before its lines


@dataclass(slots=True)
class EventBatch:
    """The events of one `/event` request."""

    items: list[Event]

    def __len__(self) -> int:
        return len(self.items)

    def events(self, skip: int) -> Iterator[Event]:
        yield from self.items[skip:]

    def pack(self) -> tuple[Any, ...]:
        # Parsed payloads are dicts and lists the collector tracks whatever holds them: kept as they are.
        return ("events", self.items)

    @classmethod
    def unpack(cls, packed: tuple[Any, ...]) -> EventBatch:
        return cls(packed[1])


_UNPACK: dict[str, Callable[[tuple[Any, ...]], Batch]] = {
    "raw": RawBatch.unpack,
    "uncut": RawBatch.unpack_uncut,
    "events": EventBatch.unpack,
}


def batch_request_id(packed: tuple[Any, ...]) -> int:
    """The id of the request a packed batch came with."""
    return packed[1][0].request_id if packed[0] == "events" else packed[1]


def unpack_batch(packed: tuple[Any, ...]) -> Batch:
    """The batch `Batch.pack` made `packed` of."""
    return _UNPACK[packed[0]](packed)
