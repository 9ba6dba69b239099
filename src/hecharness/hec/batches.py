"""What one request was and delivered: the contract between the collector, which writes, and the journal.

For each request the collector hands `Journal.record` a `RequestRecord`, and for one that accepted
events one `Batch` with it. The journal
keeps batches whole, trims the oldest from the front to honour its event cap, and turns
them into `Event`s only when somebody reads them. A `/raw` batch is its body's lines and the metadata
they share, so the hot path pays for counting lines, not for objects; an `/event` batch holds its
events already made, since answering meant parsing every object anyway.

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
from itertools import chain
from operator import attrgetter
from typing import Any, Protocol

import orjson

from hecharness.hec.jsontext import dumps_json
from hecharness.hec.lines import RawLines

__all__ = ["RequestRecord", "Event", "Batch", "RawBatch", "EventBatch", "unpack_batch"]


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
        """The record as one flat tuple: its fields but the headers, then each header's name and value.

        A cluster's `balance` is a dict, which would keep the tuple tracked: it is packed as JSON.
        """
        values = _record_fields(self)
        if self.balance is not None:
            values = (*values[:_BALANCE], orjson.dumps(self.balance))
        return (*values, *chain.from_iterable(self.headers.items()))

    @classmethod
    def unpack(cls, packed: tuple[Any, ...]) -> RequestRecord:
        headers = iter(packed[_FIELDS:])
        record = cls(*packed[:_HEADERS], dict(zip(headers, headers)), *packed[_HEADERS:_FIELDS])
        if record.balance is not None:
            record.balance = orjson.loads(record.balance)
        return record


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


_RECORD_FIELDS = [f.name for f in fields(RequestRecord)]
_HEADERS = _RECORD_FIELDS.index("headers")
_record_fields = attrgetter(*(name for name in _RECORD_FIELDS if name != "headers"))
_FIELDS = len(_RECORD_FIELDS) - 1  # packed before the headers' names and values
_BALANCE = _FIELDS - 1  # the last of them (see RequestRecord.pack)
assert _RECORD_FIELDS[-1] == "balance"


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


def unpack_batch(packed: tuple[Any, ...]) -> Batch:
    """The batch `Batch.pack` made `packed` of."""
    return _UNPACK[packed[0]](packed)
