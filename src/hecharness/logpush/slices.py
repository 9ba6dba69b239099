"""One sender's share of a load spread over many senders: its own records, batched as a job batches them.

A run with several senders (Locust workers on several machines) must not send a record twice, or
delivery could not be accounted by key. Each sender takes a slice: the generator's stream under a
seed of its own, with event times shifted by its index, so datasets keyed by event time get a key
space per sender as well as those keyed by Ray ID. Accounting counts keys as a multiset, so even two
Ray IDs that happened to match across seeds would still count once each.

A slice is a handful of numbers, and that is what a sender reports instead of the keys it sent:
whoever accounts regenerates the very lines from it (`RecordSlice.lines`), so reports stay small and
memory flat however many million records were sent.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, replace
from typing import Any

from hecharness.errors import InvalidArgument
from hecharness.generate import DEFAULT_RATE, Encoder, GenerateError, OutputOptions, RecordSource, get_dataset
from hecharness.logpush.batching import DEFAULT_GZIP_LEVEL, Batcher, UploadBatch
from hecharness.logpush.job import LogpushJob

__all__ = ["RecordSlice", "upload_batches"]

# Seeds of neighbouring senders lie this far apart, so a run's seed 1 never replays a seed 0 sender.
SEED_STRIDE = 1_000_003
# Sender i's event times are shifted by i microseconds: at up to a million records per second of event
# time (a step of at least a microsecond), records of different senders never share a timestamp.
MAX_RATE = 1_000_000.0
MAX_SENDERS = 1_000_000


@dataclass(frozen=True)
class RecordSlice:
    """The first `records` records of one sender's stream, in the job's output format."""

    dataset: str
    logpull_options: str | None
    seed: int
    start: float  # epoch seconds, the sender's shift included
    rate: float = DEFAULT_RATE
    records: int = 0

    @classmethod
    def for_sender(
        cls,
        index: int,
        *,
        dataset: str,
        logpull_options: str | None = None,
        seed: int = 0,
        start: int,
        rate: float = DEFAULT_RATE,
    ) -> RecordSlice:
        """Sender `index`'s slice of a run that starts at `start` (whole epoch seconds) from `seed`."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < MAX_SENDERS:
            raise InvalidArgument(f"a sender's index must be a whole number from 0 to {MAX_SENDERS - 1:,}, got {index!r}")
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise InvalidArgument(f"start must be whole epoch seconds, got {start!r}")
        if not 0 < rate <= MAX_RATE:
            raise InvalidArgument(f"rate must be above 0 and at most {MAX_RATE:,.0f} records per second of event time, got {rate!r}")
        # Written out rather than added: the generator reads a start by its shortest spelling, which keeps
        # every microsecond of "1700000000.000007" where 1700000000 + 7e-6 would not.
        shifted = float(f"{start}.{index:06d}")
        chosen = cls(dataset, logpull_options, seed * SEED_STRIDE + index, shifted, rate)
        chosen.encoder()  # bad options fail here, where the run is set up, not on the first batch
        return chosen

    @property
    def key(self) -> str:
        """The field that tells records apart: RayID, or the event time."""
        return get_dataset(self.dataset).key

    def encoder(self) -> Encoder:
        try:
            options = OutputOptions.from_job({"logpull_options": self.logpull_options})
            encoder = Encoder(self.dataset, options)
        except GenerateError as error:
            raise InvalidArgument(str(error)) from None
        if options.sample_rate < 1:
            # The job's own sampling would draw its own records out of each slice; nobody could say which were sent.
            raise InvalidArgument("sample= in logpull_options is not supported when load is spread over senders")
        return encoder

    def source(self, count: int | None = None) -> RecordSource:
        """The sender's stream: its first `count` records, or endless."""
        return RecordSource(self.dataset, seed=self.seed, start=self.start, rate=self.rate, count=count)

    def lines(self) -> Iterator[bytes]:
        """The lines of the records sent, as the job wrote them, oldest first."""
        source = self.source()
        render = source.renderer(self.encoder())
        return (render(item) for _, item in itertools.islice(source, self.records))

    def sent(self, records: int) -> RecordSlice:
        return replace(self, records=records)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RecordSlice:
        try:
            return cls(**data)
        except TypeError as error:
            raise InvalidArgument(f"not a record slice: {error}") from None


_PAUSE_EVERY = 1000  # records


def upload_batches(
    job: LogpushJob,
    records: RecordSlice,
    compress_level: int = DEFAULT_GZIP_LEVEL,
    pause: Callable[[], object] | None = None,
    source: RecordSource | None = None,
    compression: Executor | None = None,
) -> Iterator[UploadBatch]:
    """The slice's records cut into gzipped batches under the job's limits, oldest first, until its source ends.

    `source` is the slice's stream if it was built already (`records.source()`: building the
    generator's world for a seed takes a second or two, which a caller may want to spend elsewhere).
    `compression` runs the gzip work, as `Batcher` takes it.
    `pause` is called every thousand records: a cooperative scheduler (Locust's gevent) gets its
    turn there, or a large batch would hold it for seconds and a master would think its worker dead.
    """
    encoder = records.encoder()
    if job.dataset != encoder.dataset.name:
        raise InvalidArgument(f"the job sends {job.dataset} and the slice holds {encoder.dataset.name}")
    source = records.source() if source is None else source
    render = source.renderer(encoder)
    batcher = Batcher(
        encoder, job.upload_limits, config=1, next_id=itertools.count(1).__next__, compress_level=compress_level, compression=compression
    )
    add = batcher.add
    available_at = records.start
    for number, (available_at, item) in enumerate(source, 1):
        yield from add(available_at, render(item))
        if pause is not None and not number % _PAUSE_EVERY:
            pause()
    last = batcher.flush(available_at)
    if last is not None:
        yield last
