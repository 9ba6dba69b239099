"""Record streams and encoded batches: the generator's public entry points.

Every stream is a pure function of its arguments: the same seed and options give the same records
and byte-identical output, whatever the machine or the wall clock. Streams are lazy and endless
unless given a `count`, and memory stays flat however many records are drawn.

Three properties hold between streams of the same seed, which tests and simulators can lean on:

- choosing fields does not change values: ``records(fields=F)`` is ``records()`` projected on F;
- sampling keeps a subset: ``records(sample_rate=0.1)`` is a sub-sequence of ``records()``;
- jitter only reorders: with ``jitter > 0`` the same records come out in availability order.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from hecharness.generate import builders
from hecharness.generate.blueprint import Blueprint, Piece, Plan
from hecharness.generate.catalog import get_dataset
from hecharness.generate.encode import Encoder
from hecharness.generate.errors import GenerateError
from hecharness.generate.options import OutputOptions, check_sample_rate
from hecharness.generate.event_times import DEFAULT_START, EventTimes, Rate, Reorder, seconds_to_ns

__all__ = ["DEFAULT_RATE", "batches", "encoded_stream", "records", "timed_records"]

DEFAULT_RATE = 1000.0
_CHUNK = 1000

Options = OutputOptions | Mapping[str, Any] | str | None


def records(
    dataset: str,
    *,
    seed: int = 0,
    count: int | None = None,
    start: float = DEFAULT_START,
    rate: Rate = DEFAULT_RATE,
    fields: str | Iterable[str] | None = None,
    profile: str = "cloudflare",
    sample_rate: float = 1.0,
    jitter: float = 0.0,
    scope: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Generate records of `dataset` as dicts, fields in the order selected.

    - `count`: how many records to yield (after sampling); None for an endless stream.
    - `start`, `rate`: event times begin at `start` (epoch seconds, as `hecharness.clock`
      reports them) and advance at `rate` records per second, or follow a list of
      ``(seconds, rate)`` steps.
    - `fields`: a list of names, a comma-separated string, ``"all"`` or None (every
      non-deprecated field of the profile); deprecated fields only when named.
    - `profile`: ``"cloudflare"`` or ``"ibm-cis"`` (IBM's field table and dataset names).
    - `sample_rate`: keep this fraction of records, as a job's ``sample_rate`` does.
    - `jitter`: up to this many seconds of processing delay; records then come out in the
      order they became available rather than in event order.
    - `scope`: ``"zone"`` or ``"account"``, for a dataset a job of either may push
      (firewall_events: one zone, or every zone of an account, told apart by ZoneName); None
      for the dataset's own.

    Timestamps are integer nanoseconds. Each dataset's `key` field (`get_dataset(name).key`:
    RayID for http_requests and firewall_events, the event timestamp for the others) never
    repeats within a stream. Records share nested lists and dicts with one another: copy them
    before mutating.
    """
    chosen = get_dataset(dataset, profile)
    selection = chosen.select(fields, profile)
    blueprint, plans = _plans(chosen.name, seed, count, start, rate, sample_rate, jitter, scope=chosen.check_scope(scope))
    return map(blueprint.materializer(selection), plans)


def timed_records(
    dataset: str,
    *,
    seed: int = 0,
    count: int | None = None,
    start: float = DEFAULT_START,
    rate: Rate = DEFAULT_RATE,
    fields: str | Iterable[str] | None = None,
    profile: str = "cloudflare",
    sample_rate: float = 1.0,
    jitter: float = 0.0,
    scope: str | None = None,
) -> Iterator[tuple[float, dict[str, Any]]]:
    """Like `records`, paired with when each record becomes available to Logpush.

    Availability is the record's event time plus its processing delay (see `jitter`), in epoch
    seconds, and never decreases along the stream: a simulator advancing its clock can take
    every record available "now" and batch them as Logpush does, by processing time.
    """
    chosen = get_dataset(dataset, profile)
    selection = chosen.select(fields, profile)
    blueprint, timed = _plans(chosen.name, seed, count, start, rate, sample_rate, jitter, timed=True, scope=chosen.check_scope(scope))
    materialize = blueprint.materializer(selection)
    return ((available / 1e9, materialize(plan)) for available, plan in timed)


class RecordSource:
    """Records of one dataset as they become available, for a consumer that encodes them itself.

    Iterating gives (available_at, item) pairs in availability order: `available_at` in epoch
    seconds, `item` an opaque handle. `renderer(encoder)` turns items straight into that encoder's
    record bytes, without building a dict first (the fast path a Logpush simulator needs), and
    `record(item)` gives the dict `records(...)` would. The same arguments give the same records.
    """

    def __init__(
        self,
        dataset: str,
        *,
        seed: int = 0,
        count: int | None = None,
        start: float = DEFAULT_START,
        rate: Rate = DEFAULT_RATE,
        profile: str = "cloudflare",
        jitter: float = 0.0,
        scope: str | None = None,
    ) -> None:
        self.dataset = get_dataset(dataset, profile)
        self.profile = profile
        self.scope = self.dataset.check_scope(scope)
        self._blueprint, self._timed = _plans(self.dataset.name, seed, count, start, rate, 1.0, jitter, timed=True, scope=self.scope)
        self._materialize = self._blueprint.materializer(self.dataset.select(None, profile))
        if self.dataset.key is None:
            self._key = lambda item: None  # no field identifies a record (workers_trace_events)
        else:
            self._key = self.getter(self.dataset.key)

    def __iter__(self) -> Iterator[tuple[float, Any]]:
        return ((available / 1e9, plan) for available, plan in self._timed)

    def record(self, item: Any, fields: tuple[str, ...] | None = None) -> dict[str, Any]:
        """The item's record: the dataset's default fields, or `fields` (any of its fields, in that order)."""
        return self._materialize(item) if fields is None else self._blueprint.materializer(fields)(item)

    def key(self, item: Any) -> Any:
        """The item's natural key (`Dataset.key`: RayID, or the event time; None if it has none), without building its record."""
        return self._key(item)

    def getter(self, field: str) -> Callable[[Any], Any]:
        """A function reading one field's value from an item, as `record(item)[field]` would give it."""
        if not self.dataset.has(field):
            raise GenerateError(f"{self.dataset.name} has no field {field!r}")
        kind, number = self._blueprint.owner[field]
        if kind == Piece.DYNAMIC:
            return lambda item: item[0][number]
        return lambda item: item[number + 1].values[field]

    def renderer(self, encoder: Encoder) -> Callable[[Any], bytes]:
        """The bytes `encoder.encode_record` would give for an item's record."""
        if encoder.dataset.name != self.dataset.name:
            raise GenerateError(f"an encoder for {encoder.dataset.name} cannot render {self.dataset.name} records")
        render = self._blueprint.renderer(encoder.layout)
        if encoder.layout.cve:
            return lambda item: render(item).replace(b"${", b"x{")
        return render


def batches(
    dataset: str,
    options: Options = None,
    *,
    seed: int = 0,
    count: int | None = None,
    start: float = DEFAULT_START,
    rate: Rate = DEFAULT_RATE,
    profile: str = "cloudflare",
    jitter: float = 0.0,
    batch_size: int = _CHUNK,
    scope: str | None = None,
) -> Iterator[bytes]:
    """Encoded batches of up to `batch_size` records, as a job with `options` would upload them.

    `options` is an `OutputOptions`, an ``output_options`` mapping or a ``logpull_options``
    string; its fields, formats and `sample_rate` all apply. The records are the same as
    ``records(...)`` with the same arguments would give.
    """
    _check_count("batch_size", batch_size, minimum=1)
    encoder, render, plans = _encoding(dataset, options, seed, count, start, rate, profile, jitter, scope)
    chunks = iter(lambda: list(itertools.islice(plans, batch_size)), [])
    return (b"".join(encoder.join_lines([[render(plan) for plan in chunk]])) for chunk in chunks)


def encoded_stream(
    dataset: str,
    options: Options = None,
    *,
    seed: int = 0,
    count: int | None = None,
    start: float = DEFAULT_START,
    rate: Rate = DEFAULT_RATE,
    profile: str = "cloudflare",
    jitter: float = 0.0,
    batch_size: int = 100_000,
    progress: Callable[[int], None] | None = None,
    scope: str | None = None,
) -> Iterator[bytes]:
    """The bytes of consecutive batches, in pieces of about a thousand records.

    Joined, the pieces equal the concatenation of ``batches(...)`` with the same arguments, but
    a batch never has to fit in memory. `progress`, when given, is called with the number of
    records in each piece as it is produced.
    """
    _check_count("batch_size", batch_size, minimum=1)
    encoder, render, plans = _encoding(dataset, options, seed, count, start, rate, profile, jitter, scope)
    return _pieces(encoder, render, plans, batch_size, progress)


def _pieces(encoder: Encoder, render: Callable[[Plan], bytes], plans: Iterator[Plan], batch_size: int,
            progress: Callable[[int], None] | None) -> Iterator[bytes]:
    def one_batch(first: list[Plan]) -> Iterator[list[bytes]]:
        chunk, left = first, batch_size
        while chunk:
            left -= len(chunk)
            yield [render(plan) for plan in chunk]
            if progress is not None:
                progress(len(chunk))
            chunk = list(itertools.islice(plans, min(_CHUNK, left))) if left else []

    while first := list(itertools.islice(plans, min(_CHUNK, batch_size))):
        yield from encoder.join_lines(one_batch(first))


def _encoding(dataset, options, seed, count, start, rate, profile, jitter, scope):
    encoder = Encoder(dataset, options, profile=profile)
    blueprint, plans = _plans(encoder.dataset.name, seed, count, start, rate, encoder.options.sample_rate, jitter,
                              scope=encoder.dataset.check_scope(scope))
    return encoder, blueprint.renderer(encoder.layout), plans


def _plans(dataset: str, seed: int, count: int | None, start: float, rate: Rate, sample_rate: float, jitter: float,
           timed: bool = False, scope: str | None = None) -> tuple[Blueprint, Iterator[Any]]:
    """Plans in delivery order; with `timed`, as (available_ns, plan) pairs."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise GenerateError(f"seed: expected an integer, got {seed!r}")
    if count is not None:
        _check_count("count", count, minimum=0)
    check_sample_rate("sample_rate", sample_rate)
    reorder = Reorder(jitter, seed)
    event_times = EventTimes(start, rate)
    source = builders.source(dataset, seed, seconds_to_ns(start), scope)
    plans: Iterator[Any] = source.plans(event_times.chunks())
    if sample_rate < 1:
        # Its own random stream, so that the records kept are exactly a subset of the unsampled ones.
        draw = random.Random(f"hecharness:sample:{seed}").random
        plans = (plan for plan in plans if draw() < sample_rate)
    event = source.blueprint.event_index
    if reorder.jitter_ns:
        pairs = reorder((plan[0][event], plan) for plan in plans)
        plans = pairs if timed else (plan for _, plan in pairs)
    elif timed:
        plans = ((plan[0][event], plan) for plan in plans)
    if count is not None:
        plans = itertools.islice(plans, count)
    return source.blueprint, plans


def _check_count(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise GenerateError(f"{name}: expected a whole number of at least {minimum}, got {value!r}")
