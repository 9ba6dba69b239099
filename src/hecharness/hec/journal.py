"""The journal: the single record of what reached the collector and what it answered.

Every request gets a `RequestRecord`; every accepted event an `Event`. Counters are exact for the
life of the journal; stored requests and events are capped (oldest dropped first) so a long load
run keeps flat memory, and `count_only` stores nothing but the counters.

The server writes from its own thread while tests read from theirs, so every access takes the
journal's lock. Raw bodies are kept as `RawLines` and turned into `Event` objects only when
somebody reads them: the hot path pays for counting lines, not for objects.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import sys
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from hecharness.hec.lines import RawLines

__all__ = [
    "dumps_json",
    "account",
    "key_function",
    "payload_of",
    "Event",
    "RequestRecord",
    "Counters",
    "Journal",
    "DeliveryReport",
    "JournalTruncated",
]


def dumps_json(value: Any, default: Any = None) -> bytes:
    """Compact JSON for journal data. orjson writes at most 254 levels of nesting, while events may
    be nested as deep as the parser reads (1,024 levels); deeper values go through the standard
    library, which is slower and recurses once per level, so it gets the room for that."""
    try:
        return orjson.dumps(value, default=default)
    except orjson.JSONEncodeError:
        with _recursion_room(_DEEPEST_EVENT):
            return json.dumps(value, default=default, ensure_ascii=False, separators=(",", ":")).encode()


_DEEPEST_EVENT = 1024  # orjson.loads refuses deeper, so no accepted event is deeper than this
_recursion_lock = threading.Lock()


@contextlib.contextmanager
def _recursion_room(levels: int) -> Iterator[None]:
    """Raise the interpreter's recursion limit by `levels` while inside (the limit is process-wide,
    so the lock keeps two writers from restoring each other's value)."""
    with _recursion_lock:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + levels)
        try:
            yield
        finally:
            sys.setrecursionlimit(limit)


class JournalTruncated(RuntimeError):
    """Accounting needs every accepted event, and some were dropped to respect the cap."""


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class _RawBatch:
    """The events of one `/raw` request: shared metadata and the lines, materialised on demand."""

    request_id: int
    channel: str | None
    index: str
    source: str
    sourcetype: str
    host: str
    time: float | None
    lines: RawLines
    skip: int = 0  # lines dropped from the front to honour the event cap

    def __len__(self) -> int:
        return self.lines.count - self.skip

    def events(self, skip: int) -> Iterator[Event]:
        for line in self.lines.lines()[skip:]:
            yield Event(
                self.request_id,
                self.channel,
                self.index,
                self.source,
                self.sourcetype,
                self.host,
                self.time,
                line.decode("utf-8", "replace"),
            )


@dataclass(slots=True)
class _EventBatch:
    """The events of one `/event` request."""

    items: list[Event]
    skip: int = 0

    def __len__(self) -> int:
        return len(self.items) - self.skip

    def events(self, skip: int) -> Iterator[Event]:
        yield from self.items[skip:]


@dataclass
class Counters:
    """Exact totals since the journal was created or cleared, whatever was stored."""

    requests: int = 0
    events: int = 0
    bytes_in: int = 0
    bytes_decoded: int = 0
    by_status: Counter[int] = field(default_factory=Counter)
    by_code: Counter[int] = field(default_factory=Counter)
    by_fault: Counter[str] = field(default_factory=Counter)
    events_dropped_from_store: int = 0
    requests_dropped_from_store: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("by_status", "by_code", "by_fault"):
            data[name] = {str(key): value for key, value in sorted(getattr(self, name).items())}
        return data


Key = str | Callable[[Any], Any] | None


@dataclass
class DeliveryReport:
    """What a sender meant to deliver against what the collector accepted.

    `delivered` counts expected records that arrived at least once; `missing`, `duplicated` (extra
    arrivals of expected records) and `unexpected` (arrivals nobody expected) are counts too, as in
    the JSON form. The records themselves, by key, are `missing_keys`, `duplicated_keys` (each with
    its extra arrivals) and `unexpected_keys`.
    """

    expected: int
    received: int
    delivered: int
    missing_keys: list[Any]
    duplicated_keys: dict[Any, int]
    unexpected_keys: list[Any]
    key: str

    @property
    def missing(self) -> int:
        return len(self.missing_keys)

    @property
    def duplicated(self) -> int:
        return sum(self.duplicated_keys.values())

    @property
    def unexpected(self) -> int:
        return len(self.unexpected_keys)

    @property
    def complete(self) -> bool:
        """Every expected record arrived exactly once and nothing else did."""
        return not self.missing and not self.duplicated and not self.unexpected

    def summary(self, limit: int = 5) -> str:
        parts = [
            f"expected {self.expected}, received {self.received}, delivered {self.delivered}",
            f"missing {self.missing}",
            f"duplicated {self.duplicated}",
            f"unexpected {self.unexpected}",
        ]
        text = ", ".join(parts) + f" (by {self.key})"
        if self.missing_keys:
            text += f"; first missing: {', '.join(map(repr, self.missing_keys[:limit]))}"
        if self.duplicated_keys:
            firsts = list(self.duplicated_keys.items())[:limit]
            text += "; first duplicated: " + ", ".join(f"{k!r} x{n + 1}" for k, n in firsts)
        if self.unexpected_keys:
            text += f"; first unexpected: {', '.join(map(repr, self.unexpected_keys[:limit]))}"
        return text

    def to_dict(self, shown: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """Counts, and the first 20 keys of each kind; `shown` writes a key (by default, lines cut to 120 characters)."""
        show = shown or _clipped
        return {
            "expected": self.expected,
            "received": self.received,
            "delivered": self.delivered,
            "missing": self.missing,
            "duplicated": self.duplicated,
            "unexpected": self.unexpected,
            "complete": self.complete,
            "key": self.key,
            "first_missing": [show(k) for k in self.missing_keys[:20]],
            "first_duplicated": [[show(k), n + 1] for k, n in list(self.duplicated_keys.items())[:20]],
            "first_unexpected": [show(k) for k in self.unexpected_keys[:20]],
        }


def _clipped(key: Any, limit: int = 120) -> Any:
    """A whole-line key cut short: a report names records, it does not carry them."""
    if isinstance(key, str) and len(key) > limit:
        return f"{key[:limit]}... ({len(key):,} characters)"
    return key


class Journal:
    """Requests, events and counters, safe to read from any thread while the server writes."""

    def __init__(self, max_events: int = 100_000, max_requests: int = 100_000, count_only: bool = False) -> None:
        for name, value in (("max_events", max_events), ("max_requests", max_requests)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
        self.max_events = max_events
        self.max_requests = max_requests
        self.count_only = count_only
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._reset()

    def _reset(self) -> None:
        self._requests: deque[RequestRecord] = deque()
        self._batches: deque[_RawBatch | _EventBatch] = deque()
        self._stored_events = 0
        self._counters = Counters()
        self._request_ids = itertools.count(1)

    # -- written by the server ---------------------------------------------------------------

    def next_request_id(self) -> int:
        return next(self._request_ids)  # atomic: itertools.count needs no lock

    def record(self, request: RequestRecord, batch: _RawBatch | _EventBatch | None = None) -> None:
        """Count a finished request and keep it, with the events it delivered, within the caps."""
        with self._lock:
            counters = self._counters
            counters.requests += 1
            counters.bytes_in += request.bytes_in
            counters.bytes_decoded += request.bytes_decoded
            counters.by_status[request.status] += 1
            if request.code is not None:
                counters.by_code[request.code] += 1
            if request.fault is not None:
                counters.by_fault[request.fault] += 1
            events = 0 if batch is None else len(batch)
            counters.events += events
            if self.count_only:
                counters.requests_dropped_from_store += 1
                counters.events_dropped_from_store += events
            else:
                self._store_request(request)
                if events:
                    self._store_batch(batch, events)
            self._changed.notify_all()

    def _store_request(self, request: RequestRecord) -> None:
        self._requests.append(request)
        if len(self._requests) > self.max_requests:
            self._requests.popleft()
            self._counters.requests_dropped_from_store += 1

    def _store_batch(self, batch: _RawBatch | _EventBatch, events: int) -> None:
        self._batches.append(batch)
        self._stored_events += events
        excess = self._stored_events - self.max_events
        while excess > 0:
            oldest = self._batches[0]
            dropped = min(excess, len(oldest))
            oldest.skip += dropped
            if not len(oldest):
                self._batches.popleft()
            self._stored_events -= dropped
            self._counters.events_dropped_from_store += dropped
            excess -= dropped

    # -- read by tests and the admin API --------------------------------------------------------

    @property
    def counters(self) -> Counters:
        """A snapshot of the counters."""
        with self._lock:
            snapshot = Counters(**{k: v for k, v in vars(self._counters).items()})
            for name in ("by_status", "by_code", "by_fault"):
                setattr(snapshot, name, Counter(getattr(self._counters, name)))
            return snapshot

    @property
    def event_count(self) -> int:
        """Events accepted so far (exact, whether or not they are still stored)."""
        with self._lock:
            return self._counters.events

    @property
    def events(self) -> list[Event]:
        """The stored events, oldest first."""
        with self._lock:
            # Eviction may move a batch's skip later; read each with the skip seen now.
            views = [(batch, batch.skip) for batch in self._batches]
        out: list[Event] = []
        for batch, skip in views:
            out.extend(batch.events(skip))
        return out

    def requests(
        self,
        path: str | None = None,
        status: int | None = None,
        code: int | None = None,
        channel: str | None = None,
        fault: str | None = None,
    ) -> list[RequestRecord]:
        """Stored requests, oldest first, filtered by any of path, status, HEC code, channel, fault.

        A channel is a GUID, so it matches whatever its letters' case, as fault selectors do.
        """
        with self._lock:
            records = list(self._requests)
        channel = channel.lower() if channel is not None else None
        return [
            r
            for r in records
            if (path is None or r.path == path or r.path.rstrip("/").endswith(path))
            and (status is None or r.status == status)
            and (code is None or r.code == code)
            and (channel is None or (r.channel or "").lower() == channel)
            and (fault is None or r.fault == fault)
        ]

    def wait_for_events(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least `count` events were accepted; False if `timeout` seconds pass first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._counters.events >= count, timeout)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self._counters.requests >= count, timeout)

    def clear(self) -> None:
        with self._lock:
            self._reset()

    def delivery(self, expected: Iterable[Any], key: Key = None) -> DeliveryReport:
        """Account for what a sender meant to deliver against the events the collector accepted.

        `key` names a field (e.g. "RayID") read from each record and each event's JSON payload, or is
        a function of a record; without one, records and events are compared as whole lines.
        """
        with self._lock:
            if self._counters.events_dropped_from_store:
                raise JournalTruncated(
                    f"{self._counters.events_dropped_from_store} accepted events were not stored "
                    f"(max_events={self.max_events}, count_only={self.count_only}); raise max_events "
                    "to account for every record"
                )
        return account(expected, self.events, key)

    def export(self) -> dict[str, Any]:
        """Counters, requests and events as JSON-ready data."""
        return {
            "counters": self.counters.to_dict(),
            "requests": [r.to_dict() for r in self.requests()],
            "events": [e.to_dict() for e in self.events],
        }

    def to_har(self) -> dict[str, Any]:
        """The stored requests as a HAR 1.2 document (see `hecharness.hec.har`)."""
        from hecharness.hec.har import journal_har  # here, not on top: it imports the collector, which imports this module

        return journal_har(self)


def account(expected: Iterable[Any], events: list[Event], key: Key = None) -> DeliveryReport:
    """Delivery accounting of the records a sender meant to deliver against events that arrived.

    `events` may come from one journal or several (a record delivered to two HECs is a duplicate).
    """
    key_of, label = key_function(key)
    wanted: Counter[Any] = Counter()
    order: list[Any] = []
    total = 0
    for record in expected:
        k = key_of(record)
        if k not in wanted:
            order.append(k)
        wanted[k] += 1
        total += 1
    arrived: Counter[Any] = Counter()
    arrival_order: list[Any] = []
    for event in events:
        k = key_of(event)
        if k not in arrived:
            arrival_order.append(k)
        arrived[k] += 1
    missing = [k for k in order if arrived[k] < wanted[k] for _ in range(wanted[k] - arrived[k])]
    duplicated = {k: arrived[k] - wanted[k] for k in arrival_order if k in wanted and arrived[k] > wanted[k]}
    unexpected = [k for k in arrival_order if k not in wanted for _ in range(arrived[k])]
    delivered = sum(min(arrived[k], wanted[k]) for k in order)
    return DeliveryReport(total, len(events), delivered, missing, duplicated, unexpected, label)


def key_function(key: Key) -> tuple[Callable[[Any], Any], str]:
    """How records and events are told apart (a field, a function, or the whole line), and its name."""
    if callable(key):
        return (lambda item: key(payload_of(item))), getattr(key, "__name__", "key function")
    if key is None:
        return _line_of, "line"

    def field_of(item: Any) -> Any:
        payload = payload_of(item)
        if isinstance(payload, dict):
            return _hashable(payload.get(key))
        return None

    return field_of, repr(key)


def payload_of(item: Any) -> Any:
    """A record or event as data: dicts as they are, JSON text parsed, events by their payload."""
    if isinstance(item, Event):
        return item.data()
    if isinstance(item, bytes):
        item = item.decode("utf-8", "replace")
    if isinstance(item, str):
        try:
            return orjson.loads(item)
        except orjson.JSONDecodeError:
            return item
    return item


def _line_of(item: Any) -> str:
    if isinstance(item, Event):
        return item.text
    if isinstance(item, bytes):
        return item.decode("utf-8", "replace").rstrip("\r\n")
    if isinstance(item, str):
        return item.rstrip("\r\n")
    return orjson.dumps(item).decode()


def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    return value
