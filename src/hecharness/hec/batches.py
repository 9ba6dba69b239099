"""What one request was and delivered: the contract between the collector, which writes, and the journal.

For each request the collector hands `Journal.record` a `RequestRecord`, and for one that accepted
events one `Batch` with it. The journal
keeps batches whole, trims the oldest from the front (`skip`) to honour its event cap, and turns
them into `Event`s only when somebody reads them. A `/raw` batch is its body's lines and the metadata
they share, so the hot path pays for counting lines, not for objects; an `/event` batch holds its
events already made, since answering meant parsing every object anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import orjson

from hecharness.hec.jsontext import dumps_json
from hecharness.hec.lines import RawLines

__all__ = ["RequestRecord", "Event", "Batch", "RawBatch", "EventBatch"]


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


class Batch(Protocol):
    """The events one request delivered, as the journal stores them."""

    skip: int  # events dropped from the front to honour the journal's cap; only the journal moves it

    def __len__(self) -> int:
        """Events still stored: those delivered less `skip`."""
        ...

    def events(self, skip: int) -> Iterator[Event]:
        """The events from `skip` on (the journal passes the `skip` it read under its lock)."""
        ...

    def copy(self) -> Batch:
        """The same events with a `skip` of its own, for a second journal (a cluster's merged one)."""
        ...


@dataclass(slots=True)
class RawBatch:
    """The events of one `/raw` request: the lines, made into events on demand, and what they share.

    `metadata` is that shared part written as an event with no line (`raw` None): every event of
    the batch is it with one line filled in.
    """

    metadata: Event
    lines: RawLines
    skip: int = 0

    def __len__(self) -> int:
        return self.lines.count - self.skip

    def copy(self) -> RawBatch:
        return RawBatch(self.metadata, self.lines, self.skip)

    def events(self, skip: int) -> Iterator[Event]:
        m = self.metadata
        shared = (m.request_id, m.channel, m.index, m.source, m.sourcetype, m.host, m.time)
        for line in self.lines.lines()[skip:]:
            yield Event(*shared, line.decode("utf-8", "replace"))


@dataclass(slots=True)
class EventBatch:
    """The events of one `/event` request."""

    items: list[Event]
    skip: int = 0

    def __len__(self) -> int:
        return len(self.items) - self.skip

    def copy(self) -> EventBatch:
        return EventBatch(self.items, self.skip)

    def events(self, skip: int) -> Iterator[Event]:
        yield from self.items[skip:]
