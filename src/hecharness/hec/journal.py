"""The journal: the single record of what reached the collector and what it answered.

Every request gets a `RequestRecord`; every accepted event an `Event`. Counters are exact for the
life of the journal; stored requests and events are capped (oldest dropped first) so a long load
run keeps flat memory, and `count_only` stores nothing but the counters.

The server writes from its own thread while tests read from theirs, so every access takes the
journal's lock. Each request's events arrive as one batch (`hecharness.hec.batches`), kept as it
came and turned into `Event` objects only when somebody reads them: the hot path pays for counting
lines, not for objects. Requests and batches are kept packed into plain tuples, which the garbage
collector does not walk (see `hecharness.hec.batches`). What the events add up to is
`hecharness.hec.accounting`'s to say.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from hecharness.errors import HecHarnessError
from hecharness.hec.accounting import DeliveryReport, Key, Nested, account
from hecharness.hec.batches import (
    BYTES_DECODED,
    BYTES_IN,
    CODE,
    FAULT,
    ID,
    INDEXER,
    STATUS,
    Batch,
    Event,
    EventBatch,
    RequestRecord,
    batch_request_id,
    unpack_batch,
)
from hecharness.hec.har import journal_har

__all__ = ["Counters", "Journal", "JournalTruncated", "Part"]


class JournalTruncated(HecHarnessError, RuntimeError):
    """Accounting needs every accepted event, and some were dropped to respect the cap."""


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


@dataclass(frozen=True)
class Part:
    """One indexer's part of a cluster's journal: its requests (by the indexer in their records) after `after`.

    `after` is the last request id issued when the indexer's journal was last cleared: clearing it
    leaves the cluster's journal, which holds every request once, as it was.
    """

    indexer: int
    after: int = 0
    epoch: int = 0  # the store's (`Journal.epoch`) when `after` was taken; ids after a later clear are all new

    def has_request(self, packed: tuple[Any, ...]) -> bool:
        return packed[INDEXER] == self.indexer and packed[ID] > self.after

    def has_batch(self, owner: int | None, packed: tuple[Any, ...]) -> bool:
        return owner == self.indexer and (not self.after or batch_request_id(packed) > self.after)

    def has_lost(self, event: Event, owner: int | None) -> bool:
        return owner == self.indexer and event.request_id > self.after


class Journal:
    """Requests, events and counters, safe to read from any thread while the server writes.

    What it reads is its own store, all of it (`_source`); an indexer's journal reads its own
    `Part` of the cluster's instead (`hecharness.hec.cluster.indexer.IndexerJournal`).
    """

    def __init__(
        self,
        max_events: int = 100_000,
        max_requests: int = 100_000,
        count_only: bool = False,
        request_ids: Callable[[], Iterator[int]] | None = None,
    ) -> None:
        for name, value in (("max_events", max_events), ("max_requests", max_requests)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
        self.max_events = max_events
        self.max_requests = max_requests
        self.count_only = count_only
        # Where request ids come from after each clear: 1, 2, 3... unless several journals share a count.
        self._new_request_ids = request_ids or (lambda: itertools.count(1))
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._waiting = 0  # threads in wait_for_*: with none, a write skips the notification's cost
        self.epoch = -1
        self._reset()

    def _reset(self) -> None:
        self._requests: deque[tuple[Any, ...]] = deque()  # RequestRecord.pack()
        # Batch.pack() and, beside it, how many events each delivered; the oldest has its first
        # `_head_skip` dropped. Apart, so the packed tuples stay flat (see hecharness.hec.batches).
        self._batches: deque[tuple[Any, ...]] = deque()
        self._batch_sizes: deque[int] = deque()
        self._batch_owners: deque[int | None] = deque()  # the indexer of each batch's request (see `Part`)
        self._head_skip = 0
        self._stored_events = 0
        self._counters = Counters()
        self._request_ids = self._new_request_ids()
        self.last_request_id = 0  # the last id issued (0: none yet since the last clear)
        self.epoch += 1  # clears so far: ids start again after each
        self._lost: list[tuple[Event, str, int | None]] = []  # with the indexer that lost it

    # -- written by the server ---------------------------------------------------------------

    def next_request_id(self) -> int:
        # Atomic: itertools.count needs no lock, a shared count has its own.
        self.last_request_id = request_id = next(self._request_ids)
        return request_id

    def load(self, counters: Counters, requests: Iterable[RequestRecord], events: Iterable[Event]) -> None:
        """Hold these instead of what was recorded: a copy of other journals, read as one."""
        with self._lock:
            self._reset()
            self._counters = counters
            self._requests = deque(request.pack() for request in requests)
            stored = list(events)
            if stored:
                self._batches.append(EventBatch(stored).pack())
                self._batch_sizes.append(len(stored))
                self._batch_owners.append(None)
            self._stored_events = len(stored)
            self._changed.notify_all()

    def record(self, request: RequestRecord, batch: Batch | None = None) -> None:
        """Count a finished request and keep it, with the events it delivered, within the caps."""
        if batch is None or not len(batch):
            self.keep(request.pack())
        else:
            self.keep(request.pack(), batch.pack(), len(batch))

    def keep(self, packed: tuple[Any, ...], packed_batch: tuple[Any, ...] | None = None, events: int = 0) -> None:
        """`record` for a request packed already (`RequestRecord.pack`), with the batch of its `events`."""
        with self._lock:
            counters = self._count(packed, events)
            if self.count_only:
                counters.requests_dropped_from_store += 1
                counters.events_dropped_from_store += events
            else:
                # Both stores inline: this runs for every request.
                requests = self._requests
                requests.append(packed)
                if len(requests) > self.max_requests:
                    requests.popleft()
                    counters.requests_dropped_from_store += 1
                if events:
                    self._batches.append(packed_batch)
                    self._batch_sizes.append(events)
                    self._batch_owners.append(packed[INDEXER])
                    self._stored_events += events
                    if self._stored_events > self.max_events:
                        self._drop_oldest_events()
            if self._waiting:
                self._changed.notify_all()

    def _count(self, packed: tuple[Any, ...], events: int) -> Counters:
        """Count a request in the counters (the lock held); returns them."""
        counters = self._counters
        counters.requests += 1
        counters.bytes_in += packed[BYTES_IN]
        counters.bytes_decoded += packed[BYTES_DECODED]
        counters.by_status[packed[STATUS]] += 1
        if (code := packed[CODE]) is not None:
            counters.by_code[code] += 1
        if (fault := packed[FAULT]) is not None:
            counters.by_fault[fault] += 1
        counters.events += events
        return counters

    def _drop_oldest_events(self) -> None:
        excess = self._stored_events - self.max_events
        while excess > 0:
            left = self._batch_sizes[0] - self._head_skip
            dropped = min(excess, left)
            self._head_skip += dropped
            if dropped == left:
                self._batches.popleft()
                self._batch_sizes.popleft()
                self._batch_owners.popleft()
                self._head_skip = 0
            self._stored_events -= dropped
            self._counters.events_dropped_from_store += dropped
            excess -= dropped

    def lose_newest(self, count: int, reason: str) -> list[Event]:
        """Take the newest `count` stored events out as lost, saying why.

        For an indexer that answered 200 and died before writing: the events leave what was
        accepted and are kept in `lost_events()` with `reason`, so accounting reports them as
        missing with the reason instead of silently. Returns them, oldest first.
        """
        store, part = self._source()
        return store._lose_newest(count, reason, part)

    def _lose_newest(self, count: int, reason: str, part: Part | None) -> list[Event]:
        """`lose_newest` among the batches of `part` (None: all of them)."""
        lost: list[Event] = []
        with self._lock:
            kept: list[tuple[tuple[Any, ...], int, int | None]] = []  # packed batches, sizes, owners; newest first
            while self._batches and len(lost) < count:
                packed, size, whose = self._batches.pop(), self._batch_sizes.pop(), self._batch_owners.pop()
                if part is not None and not part.has_batch(whose, packed):
                    kept.append((packed, size, whose))
                    continue
                oldest = not self._batches
                events = list(unpack_batch(packed).events(self._head_skip if oldest else 0))
                if oldest:
                    self._head_skip = 0  # what is left of it is kept below without the events dropped before
                cut = max(0, len(events) - (count - len(lost)))
                lost[:0] = events[cut:]
                if cut:
                    kept.append((EventBatch(events[:cut]).pack(), cut, whose))
            for packed, size, whose in reversed(kept):
                self._batches.append(packed)
                self._batch_sizes.append(size)
                self._batch_owners.append(whose)
            self._stored_events -= len(lost)
            self._lost.extend((event, reason, None if part is None else part.indexer) for event in lost)
            if self._waiting:
                self._changed.notify_all()
        return lost

    def lost_events(self) -> list[tuple[Event, str]]:
        """Events accepted and then lost (`lose_newest`), each with the reason, oldest loss first."""
        store, part = self._source()
        with store._lock:
            lost = store._lost
            return [(event, reason) for event, reason, whose in lost if part is None or part.has_lost(event, whose)]

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

    def _stored_of(self, part: Part) -> tuple[int, int, int]:
        """How many of `part`'s requests and events this journal stores, and how many events it lost."""
        with self._lock:
            requests = sum(map(part.has_request, self._requests))
            owners, batches = self._batch_owners, self._batches
            sizes = zip(self._batch_sizes, owners, batches)
            events = sum(size for size, owner, batch in sizes if part.has_batch(owner, batch))
            if batches and part.has_batch(owners[0], batches[0]):
                events -= self._head_skip
            lost = sum(1 for event, _, owner in self._lost if part.has_lost(event, owner))
        return requests, events, lost

    def _source(self) -> tuple[Journal, Part | None]:
        """The journal whose store this one reads, and which part of it (None: all of it)."""
        return self, None

    @property
    def events(self) -> list[Event]:
        """The stored events, oldest first."""
        store, part = self._source()
        with store._lock:
            # Eviction may drop more of the oldest batch later; read it with the skip seen now.
            packed, skip = list(store._batches), store._head_skip
            owners = None if part is None else list(store._batch_owners)
        out: list[Event] = []
        for at, batch in enumerate(packed):
            if owners is None or part.has_batch(owners[at], batch):  # type: ignore[union-attr]
                out.extend(unpack_batch(batch).events(skip))
            skip = 0
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
        store, part = self._source()
        with store._lock:
            packed = list(store._requests)
        if part is not None:
            packed = [request for request in packed if part.has_request(request)]
        records = map(RequestRecord.unpack, packed)
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
        return self._wait(lambda: self._counters.events >= count, timeout)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> bool:
        return self._wait(lambda: self._counters.requests >= count, timeout)

    def _wait(self, done: Callable[[], bool], timeout: float) -> bool:
        with self._changed:
            self._waiting += 1
            try:
                return self._changed.wait_for(done, timeout)
            finally:
                self._waiting -= 1

    def clear(self) -> None:
        with self._lock:
            self._reset()

    def complete_events(self) -> list[Event]:
        """The stored events, provided they are every event accepted; `JournalTruncated` if not."""
        dropped = self.counters.events_dropped_from_store
        if dropped:
            store, _ = self._source()
            raise JournalTruncated(
                f"{dropped} accepted events were not stored (max_events={store.max_events}, "
                f"count_only={store.count_only}); raise max_events to account for every record"
            )
        return self.events

    def delivery(
        self, expected: Iterable[Any], key: Key = None, ignore: Iterable[str | bytes] = (), nested: Nested = None
    ) -> DeliveryReport:
        """Account for what a sender meant to deliver against the events this journal accepted.

        `key` names a field (e.g. "RayID") read from each record and each event's JSON payload, or is
        a function of a record; without one, records and events are compared as whole lines. Lines in
        `ignore` are not records (a validation probe). `nested` is where records inside an event sit
        (e.g. "Subrequests"). See `hecharness.hec.accounting.account`.
        """
        return account(expected, [self], key, ignore, nested)

    def export(self) -> dict[str, Any]:
        """Counters, requests, events, and the events lost after they were accepted, as JSON-ready data."""
        return {
            "counters": self.counters.to_dict(),
            "requests": [r.to_dict() for r in self.requests()],
            "events": [e.to_dict() for e in self.events],
            "lost": self.export_lost(),
        }

    def export_lost(self) -> list[dict[str, Any]]:
        """`lost_events()` as JSON-ready data: each event with the reason it was lost."""
        return [{"event": event.to_dict(), "reason": reason} for event, reason in self.lost_events()]

    def to_har(self) -> dict[str, Any]:
        """The stored requests as a HAR 1.2 document (see `hecharness.hec.har`)."""
        return journal_har(self.requests(), self.events)
