"""A Logpush job, simulated: records in, batches out, retries, drops and disabling on the harness clock.

    from hecharness.clock import VirtualClock
    from hecharness.logpush import LogpushSimulator

    simulator = LogpushSimulator(
        "splunk://127.0.0.1:8088/services/collector/raw?channel=...&header_Authorization=Splunk%20<token>",
        count=10_000, rate=500, clock=VirtualClock(), any_port=True,
    )
    report = simulator.run_sync()
    print(report.metrics.records_uploaded, report.metrics.records_dropped)

It is a discrete-event loop. The things that happen at a moment are: records becoming available
(from the generator, at `rate` per second from the clock's start), a batch closing, an upload
attempt falling due, and a scheduled action (enable, disable, a configuration change taking
effect). On a `VirtualClock` the loop jumps straight to the next moment and uploads take no logical
time, so hours of retries run in a blink; on a `RealClock(scale=60)` it sleeps between moments.
Uploads are real HTTP requests to the job's destination either way, and their deadline is measured
on the destination's clock (see `hecharness.clock`): a fake HEC on the same clock answers slowly in
logical time, anything else in real time.

Every record is accounted for: generated = uploaded + dropped + lost while disabled + sampled out +
filtered out + merged (+ pending, until the run ends). A job's `filter` and `filter_attack_traffic`
decide which records are pushed at all; sampling applies to what they keep, as Cloudflare's docs say.
A job that merges Worker subrequests (http_requests, `merge_subrequests`) sends them inside their
parent's line: they count as merged, the parent's filter decides for them, and their fate is their
parent's (see `hecharness.logpush.subrequests`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from hecharness import preflight
from hecharness.clock import Clock, RealClock, VirtualClock
from hecharness.errors import HecHarnessError, InvalidArgument
from hecharness.generate import Encoder, OutputOptions, RecordSource, get_dataset
from hecharness.logpush.batching import DEFAULT_GZIP_LEVEL, Batcher, UploadBatch
from hecharness.logpush.job import ApiError, JobError, LogpushJob, envelope
from hecharness.logpush.policy import DisableClock, RetryPolicy, get_policy
from hecharness.logpush.sender import OutcomeKind, Sender, UploadOutcome
from hecharness.logpush.subrequests import FACTS, Merged, merge_subrequests

__all__ = ["LogpushSimulator", "Metrics", "Attempt", "AttemptVerdict", "JobEvent", "JobEventKind", "Report", "ValidationRefused", "create_job"]

_PREPARE_STEP = 500  # records batched between looks at the uploads in flight
_DESTINATION_POLL = 0.01  # wall seconds between looks at a virtual clock's sleepers during uploads


class ValidationRefused(HecHarnessError):
    """The destination failed the validation push; `envelope` is the API's refusal."""

    def __init__(self, cause: str) -> None:
        self.error = ApiError.validating_destination(cause)
        super().__init__(self.error.message)
        self.cause = cause
        self.envelope = envelope(errors=[self.error])


@dataclass
class Metrics:
    """What Logpush's health view shows for a job, plus the records that never got a batch."""

    records_generated: int = 0
    records_sampled_out: int = 0
    records_filtered_out: int = 0  # left out by the job's filter or filter_attack_traffic
    records_uploaded: int = 0
    records_dropped: int = 0  # in batches given up after their attempts
    records_lost_disabled: int = 0  # available while the job was disabled: never pushed, never backfilled
    records_merged: int = 0  # Worker subrequests sent inside their parent's line, not as lines of their own
    batches: int = 0
    batches_uploaded: int = 0
    batches_dropped: int = 0
    uploads: int = 0  # attempts, the first of each batch included
    retries: int = 0  # attempts after the first
    bytes_uncompressed: int = 0  # of batches uploaded
    bytes_compressed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # HTTP status, or timeout/connection/tls

    @property
    def records_pending(self) -> int:
        return (
            self.records_generated
            - self.records_sampled_out
            - self.records_filtered_out
            - self.records_uploaded
            - self.records_dropped
            - self.records_lost_disabled
            - self.records_merged
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcomes"] = dict(sorted(self.outcomes.items()))
        data["records_pending"] = self.records_pending
        return data


class AttemptVerdict(StrEnum):
    """What became of a batch after one attempt."""

    DELIVERED = "delivered"
    RETRY = "retry"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Attempt:
    """One upload attempt, for the timeline."""

    batch: int
    attempt: int
    time: float  # logical
    wall: float
    records: int
    outcome: AttemptVerdict
    status: int | None
    code: int | None
    error: str | None
    destination: str  # masked
    duration: float


class JobEventKind(StrEnum):
    """What happened to the job itself, as the timeline shows it."""

    DISABLED = "disabled"
    ENABLED = "enabled"
    CHANGE_REQUESTED = "change-requested"
    CHANGE_APPLIED = "change-applied"
    CHANGE_REFUSED = "change-refused"


@dataclass(frozen=True)
class JobEvent:
    """A change of the job's state, for the timeline."""

    time: float
    wall: float
    kind: JobEventKind
    detail: str = ""


@dataclass
class Report:
    job: LogpushJob
    policy: RetryPolicy
    metrics: Metrics
    attempts: list[Attempt]
    events: list[JobEvent]
    started_at: float
    ended_at: float
    # With track_keys: the natural keys (e.g. RayID) of the records in each fate.
    keys: dict[str, list[Any]] | None = None

    def attempts_of(self, batch: int) -> list[Attempt]:
        return [a for a in self.attempts if a.batch == batch]

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job.to_api(mask=True),
            "policy": self.policy.to_dict(),
            "metrics": self.metrics.to_dict(),
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "attempts": [asdict(a) for a in self.attempts],
            "events": [asdict(e) for e in self.events],
            **({"keys": self.keys} if self.keys is not None else {}),
        }


@dataclass(eq=False)
class _Config:
    """One version of the job's configuration, with what it takes to encode and upload under it."""

    version: int
    job: LogpushJob
    encoder: Encoder
    batcher: Batcher
    sample_rate: float
    render: Callable[[Any], bytes]
    keep: Callable[[Any], bool] | None  # None: every record is pushed
    sender: Sender | None = None
    merging: bool = False  # folds subrequests into their parent's line, which shows them


class LogpushSimulator:
    """One Logpush job pushing generated records to its destination.

    `job` is a `LogpushJob`, the API's job object as a mapping, or just a `destination_conf`.
    Records come from `hecharness.generate` (`count` of them at `rate` per second, from `seed`),
    or from `records`, an iterable of (available_at, record) pairs in time order.

    `clock` paces the job's own waits; `destination_clock` is the one the destination runs on,
    which its uploads' deadline is measured in: real time unless given (pass a fake HEC's `clock`
    when it shares the harness clock, so its slow answers are slow in logical time).
    """

    def __init__(
        self,
        job: LogpushJob | Mapping[str, Any] | str,
        *,
        clock: Clock | None = None,
        policy: str | RetryPolicy = "faq",
        count: int | None = None,
        rate: float = 1000.0,
        seed: int = 0,
        jitter: float = 0.0,
        records: Iterable[tuple[float, Mapping[str, Any]]] | None = None,
        cafile: str | Path | None = None,
        concurrency: int = 4,
        compress_level: int = DEFAULT_GZIP_LEVEL,
        propagation_delay: float | tuple[float, float] = (600.0, 900.0),
        track_keys: bool = False,
        any_port: bool = False,
        allow_http: bool = False,
        scope: str | None = None,
        destination_clock: Clock | None = None,
        upload_wall_timeout: float | None = None,
        progress: Callable[[Metrics], None] | None = None,
    ) -> None:
        if not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidArgument(f"concurrency must be a whole number >= 1, got {concurrency!r}")
        if not 0 <= compress_level <= 9:
            raise InvalidArgument(f"compress_level must be 0 to 9, got {compress_level!r}")
        self.job = _as_job(job, any_port, allow_http, scope)
        self.clock = clock or RealClock()
        self.policy = get_policy(policy)
        self.cafile = cafile
        self.concurrency = concurrency
        self.compress_level = compress_level
        self.propagation_delay = propagation_delay
        self.track_keys = track_keys
        self.metrics = Metrics()
        self.attempts: list[Attempt] = []
        self.events: list[JobEvent] = []
        self._progress = progress
        self._rng = random.Random(seed)
        self._sampling = random.Random(f"hecharness:logpush:sample:{seed}")
        self._seed = seed
        self._batch_ids = itertools.count(1)
        self._versions = itertools.count(1)
        self._started_at = self.clock.now()
        # Generated records are rendered straight from the generator's plans; given ones are dicts.
        self._generated = None if records is not None else RecordSource(
            self.job.dataset, seed=seed, count=count, start=self._started_at, rate=rate, jitter=jitter, scope=self.job.scope
        )
        self._source: Iterator[tuple[float, Any]] = iter(records if records is not None else self._generated)
        self._subrequests = get_dataset(self.job.dataset).subrequests
        if self._subrequests is not None:
            self._source = merge_subrequests(self._source, self._facts_of, lambda: self._config.merging)
        self._config = self._configure(self.job)
        self._endless = records is None and count is None
        self._next_record: tuple[float, Mapping[str, Any]] | None = None
        self._source_done = False
        self._due: list[tuple[float, int, UploadBatch]] = []  # attempts by due time
        self._actions: list[tuple[float, int, Callable[[], Any]]] = []
        self._order = itertools.count()
        self._failing_since: float | None = None
        # The last successful upload, or when the job was last enabled if none since.
        self._succeeded_at: float = self._started_at
        self._deadline = _deadline(self.policy, destination_clock, upload_wall_timeout)
        # A virtual clock the destination runs on too: only this loop can let the destination's waits pass.
        self._shared_clock = self.clock if isinstance(self.clock, VirtualClock) and destination_clock is self.clock else None
        self._keys: dict[str, list[Any]] | None = {"uploaded": [], "dropped": [], "lost": []} if track_keys else None

    # -- the job, as its owner steers it ------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.job.enabled

    def schedule(self, after: float, action: Callable[[], Any]) -> None:
        """Run `action` (e.g. `simulator.enable`) `after` logical seconds from the start of the run."""
        heapq.heappush(self._actions, (self._started_at + after, next(self._order), action))

    def disable(self, reason: str = "disabled by its owner") -> None:
        if not self.job.enabled:
            return
        now = self.clock.now()
        self.job = self._config.job = self.job.update(enabled=False)
        lost, keys = self._config.batcher.discard()
        self.metrics.records_lost_disabled += lost
        if self._keys is not None:
            self._file("lost", keys)
        while self._due:  # queued retries die with the job
            _, _, batch = heapq.heappop(self._due)
            self._drop(batch, now, while_disabled=True)
        self._event(JobEventKind.DISABLED, reason)

    def enable(self) -> None:
        """Turn the job back on. It pushes what becomes available from now on: there is no backfill."""
        if self.job.enabled:
            return
        self.job = self._config.job = self.job.update(enabled=True)
        self._failing_since = None
        self._succeeded_at = self.clock.now()
        self._event(JobEventKind.ENABLED, "records from now on only; the gap is lost")

    async def update(self, **changes: Any) -> None:
        """Change the job as a PUT would; the change takes effect after the propagation delay.

        A new destination must pass the validation push first (`ValidationRefused` if not).
        Until the delay has passed, batches keep the old fields and go to the old destination.
        """
        updated = self.job.update(**changes)
        if "destination_conf" in changes:
            await _validate(updated, self.cafile, self._deadline)
        delay = self._propagation_delay()
        self._event(JobEventKind.CHANGE_REQUESTED, f"{', '.join(sorted(changes))}; takes effect in {delay:.0f}s")
        heapq.heappush(self._actions, (self.clock.now() + delay, next(self._order), lambda: self._apply(updated)))

    async def validate(self) -> None:
        """Push the validation probe to the job's destination; `ValidationRefused` if it fails."""
        await _validate(self.job, self.cafile, self._deadline)

    # -- running -------------------------------------------------------------------------------

    def run_sync(self, until: float | None = None) -> Report:
        return asyncio.run(self.run(until))

    async def run(self, until: float | None = None) -> Report:
        """Run until every record is uploaded or dropped, or until `until` logical seconds after the start."""
        if until is None and self._endless:
            raise InvalidArgument("an endless record stream needs run(until=...): give count= or until=")
        deadline = None if until is None else self._started_at + until
        try:
            while True:
                moment = self._next_moment(deadline)
                if moment is None:
                    break
                if deadline is not None and moment > deadline:
                    await self._wait(deadline)
                    break
                await self._wait(moment)
                await self._step()
                if self._progress is not None:
                    self._progress(self.metrics)
        finally:
            await self._close_senders()
        return self.report()

    def report(self) -> Report:
        keys = None if self._keys is None else {fate: list(values) for fate, values in self._keys.items()}
        return Report(
            self.job, self.policy, self.metrics, list(self.attempts), list(self.events), self._started_at, self.clock.now(), keys
        )

    # -- the loop ------------------------------------------------------------------------------

    def _next_moment(self, limit: float | None) -> float | None:
        """The next moment anything happens: an attempt or action falls due, a batch fills or expires."""
        scheduled = min((queue[0][0] for queue in (self._due, self._actions) if queue), default=None)
        horizon = scheduled if limit is None or scheduled is None else min(scheduled, limit)
        if horizon is None:
            horizon = limit
        filled_at = self._take_records(horizon)
        moments = [t for t in (scheduled, filled_at, self._config.batcher.deadline) if t is not None]
        return min(moments, default=None)

    def _take_records(self, horizon: float | None, most: int | None = None) -> float | None:
        """Feed the batcher the records available up to `horizon` (at most `most` of them).

        Stops at a record that closes a batch and returns that batch's ready time: its upload
        starts then, not later. Records never pass a pending action (an enable, a change), which
        applies to the records of its own moment.
        """
        config = self._config
        render, add, keep = config.render, config.batcher.add, config.keep
        # Nothing here awaits, so the job's state and the next action stay put while it runs.
        limit = math.inf if horizon is None else horizon
        action_at = self._actions[0][0] if self._actions else math.inf
        enabled, sampled = self.job.enabled, config.sample_rate < 1.0
        keyed = self._keys is not None
        source, taken, budget = self._source, 0, math.inf if most is None else most
        try:
            while taken < budget:
                upcoming = self._next_record
                if upcoming is None:
                    if self._source_done:
                        return None
                    upcoming = next(source, None)
                    if upcoming is None:
                        self._source_done = True
                        return None
                available_at, record = upcoming
                if available_at > limit or available_at >= action_at:
                    self._next_record = upcoming
                    return None
                self._next_record = None
                taken += 1
                if type(record) is Merged:
                    self.metrics.records_merged += len(record.subrequests)
                    self.metrics.records_generated += len(record.subrequests)
                if not enabled:
                    self.metrics.records_lost_disabled += 1
                    if keyed:
                        self._file("lost", [self._key_of(record)])
                    continue
                # A merged line is its parent's: the parent's filter decides for the subrequests in it.
                if keep is not None and not keep(record.parent if type(record) is Merged else record):
                    self.metrics.records_filtered_out += 1
                    continue
                if sampled and self._sampling.random() >= config.sample_rate:
                    self.metrics.records_sampled_out += 1
                    continue
                closed = add(available_at, render(record), self._key_of(record) if keyed else None)
                if closed:
                    for batch in closed:
                        self._ready(batch)
                    return closed[-1].ready_at
            return None
        finally:
            self.metrics.records_generated += taken

    async def _step(self) -> None:
        now = self.clock.now()
        while self._actions and self._actions[0][0] <= now:
            _, _, action = heapq.heappop(self._actions)
            result = action()
            if asyncio.iscoroutine(result):
                await result
        expired = self._config.batcher.expire(now)
        if expired is not None:
            self._ready(expired)
        due: list[UploadBatch] = []
        while self._due and self._due[0][0] <= now and len(due) < self.concurrency:
            due.append(heapq.heappop(self._due)[2])
        if due:
            uploads = [asyncio.ensure_future(self._upload(batch)) for batch in due]
            try:
                await self._prepare_while(uploads, now + self.policy.upload_timeout)
            except BaseException:
                # Stopped (Ctrl-C cancels the run): the uploads end here, before run() closes their
                # client, instead of failing later on a closed client with nobody to hear it.
                for upload in uploads:
                    upload.cancel()
                await asyncio.gather(*uploads, return_exceptions=True)
                raise
            for batch, upload in zip(due, uploads):
                self._settle(batch, upload.result(), now)

    async def _prepare_while(self, uploads: list[asyncio.Future[UploadOutcome]], deadline: float) -> None:
        """While uploads are on the wire, batch the records that come next instead of idling.

        Batching is a pure function of the records and the limits, so doing it early changes
        nothing; a disable that the uploads' outcomes cause still drops what was batched ahead.
        """
        poll = None if self._shared_clock is None else _DESTINATION_POLL
        while not all(upload.done() for upload in uploads):
            self._pass_destination_waits(deadline)
            if self._source_done or len(self._due) >= 2 * self.concurrency:
                await asyncio.wait(uploads, timeout=poll)
            else:
                self._take_records(None, most=_PREPARE_STEP)
                await asyncio.sleep(0)

    def _pass_destination_waits(self, deadline: float) -> None:
        """On a virtual clock the destination shares, let its next wait (a delay, a slow answer) end.

        Time moves only up to the uploads' logical `deadline`, never onto it, so this cannot time an
        upload out: a wait that outlasts the deadline runs into the deadline in real time instead
        (`Clock.wall_timeout`), since a destination waiting on the clock and one busy working look
        alike from here.
        """
        if self._shared_clock is None:
            return
        wake = self._shared_clock.next_deadline()
        if wake is not None and wake < deadline:
            self._shared_clock.advance_to(wake)

    def _ready(self, batch: UploadBatch) -> None:
        self.metrics.batches += 1
        heapq.heappush(self._due, (batch.ready_at, next(self._order), batch))

    async def _upload(self, batch: UploadBatch) -> UploadOutcome:
        config = self._config
        if config.sender is None:
            config.sender = Sender(config.job.destination, cafile=self.cafile, **self._deadline)
        batch.attempts += 1
        self.metrics.uploads += 1
        if batch.attempts > 1:
            self.metrics.retries += 1
        return await config.sender.upload(batch.body)

    def _settle(self, batch: UploadBatch, outcome: UploadOutcome, now: float) -> None:
        metrics = self.metrics
        metrics.outcomes[str(outcome.status) if outcome.status is not None else str(outcome.kind)] += 1
        if outcome.delivered:
            metrics.batches_uploaded += 1
            metrics.records_uploaded += batch.records
            metrics.bytes_uncompressed += batch.raw_bytes
            metrics.bytes_compressed += len(batch.body)
            if self._keys is not None:
                self._file("uploaded", batch.keys or [])
            self._failing_since = None
            self._succeeded_at = now
            self.job = self._config.job = self.job.succeeded(batch.ready_at)
            self._log(batch, outcome, now, AttemptVerdict.DELIVERED)
            return
        if batch.first_failure_at is None:
            batch.first_failure_at = now
        if self._failing_since is None:
            self._failing_since = now
        self.job = self._config.job = self.job.failed(now, outcome.describe())
        retry_at = None
        if self.policy.retries(outcome.status):
            retry_at = self.policy.next_attempt_at(batch.ready_at, batch.attempts, now, self._rng)
        if not self.job.enabled:  # disabled while this batch was in flight
            self._log(batch, outcome, now, AttemptVerdict.DROPPED)
            self._drop(batch, now, while_disabled=True)
            return
        self._log(batch, outcome, now, AttemptVerdict.RETRY if retry_at is not None else AttemptVerdict.DROPPED)
        if retry_at is None:
            self._drop(batch, now)
        else:
            heapq.heappush(self._due, (retry_at, next(self._order), batch))
        if self.job.enabled and now - self._disable_clock_start() >= self.policy.disable_after:
            self.disable(f"no successful upload for {now - self._disable_clock_start():.0f}s: {outcome.describe()}")

    def _disable_clock_start(self) -> float:
        if self.policy.disable_clock is DisableClock.LAST_SUCCESS:
            return self._succeeded_at
        return self._failing_since if self._failing_since is not None else self.clock.now()

    def _drop(self, batch: UploadBatch, now: float, *, while_disabled: bool = False) -> None:
        self.metrics.batches_dropped += 1
        if while_disabled:
            self.metrics.records_lost_disabled += batch.records
        else:
            self.metrics.records_dropped += batch.records
        if self._keys is not None:
            self._file("lost" if while_disabled else "dropped", batch.keys or [])

    def _apply(self, updated: LogpushJob) -> None:
        """A configuration change takes effect: close the old batch, start batching the new way."""
        old = self._config
        leftover = old.batcher.flush(self.clock.now())
        if leftover is not None:
            self._ready(leftover)
        updated = updated.update(enabled=self.job.enabled)
        self._config = self._configure(updated, previous=old)
        self.job = updated
        self._event(JobEventKind.CHANGE_APPLIED, self.job.destination.canonical())

    # -- helpers -------------------------------------------------------------------------------

    def _configure(self, job: LogpushJob, previous: _Config | None = None) -> _Config:
        options = OutputOptions.from_job(job.to_api())
        encoder = Encoder(job.dataset, options)
        version = next(self._versions)
        batcher = Batcher(
            encoder,
            job.upload_limits,
            config=version,
            next_id=lambda: next(self._batch_ids),
            compress_level=self.compress_level,
            track_keys=self.track_keys,
        )
        render = self._generated.renderer(encoder) if self._generated is not None else encoder.encode_record
        # Merged subrequests travel in the parent's Subrequests field: a job that does not output
        # that field does not merge, rather than send them nowhere.
        merging = options.merge_subrequests and self._subrequests in encoder.fields
        if self._subrequests is not None:
            render = self._merged_renderer(encoder, render)
        sender = previous.sender if previous is not None and previous.job.destination_conf == job.destination_conf else None
        if previous is not None and sender is None and previous.sender is not None:
            asyncio.ensure_future(previous.sender.aclose())
        gate = job.gate(self._generated.getter if self._generated is not None else None)
        return _Config(version, job, encoder, batcher, options.sample_rate, render, gate, sender, merging)

    def _merged_renderer(self, encoder: Encoder, render: Callable[[Any], bytes]) -> Callable[[Any], bytes]:
        """`render`, and for a `Merged` parent its line with the subrequests' records in Subrequests."""
        fields, field = encoder.fields, self._subrequests
        inner = tuple(name for name in fields if name != field)
        convert, stamps = encoder.layout.convert, encoder.layout.timestamp_fields
        whole = self._generated.record if self._generated is not None else (lambda item, fields: item)

        def render_line(item: Any) -> bytes:
            if type(item) is not Merged:
                return render(item)
            record = dict(whole(item.parent, fields))
            # The elements carry the job's fields (the docs do not say whether they carry all of a
            # record's), in the job's timestamp format, as the parent does.
            record[field] = [
                {name: convert(value) if name in stamps else value for name in inner for value in (sub.get(name),)}
                for sub in (whole(sub, inner) for sub in item.subrequests)
            ]
            return encoder.encode_record(record)

        return render_line

    def _facts_of(self, item: Any) -> Mapping[str, Any]:
        return self._generated.record(item, FACTS) if self._generated is not None else item

    def _key_of(self, item: Any) -> Any:
        if type(item) is Merged:
            return _Keys((self._key_of(item.parent), *map(self._key_of, item.subrequests)))
        if self._generated is not None:
            return self._generated.key(item)
        return item.get(get_dataset(self.job.dataset).key)

    def _file(self, fate: str, keys: Iterable[Any]) -> None:
        """Note the keys of records in one fate; a merged line's subrequests share their parent's."""
        filed = self._keys[fate]
        for key in keys:
            if type(key) is _Keys:
                filed.extend(key)
            else:
                filed.append(key)

    async def _wait(self, moment: float) -> None:
        if isinstance(self.clock, VirtualClock):
            self.clock.advance_to(moment)
            await asyncio.sleep(0)
        else:
            remaining = moment - self.clock.now()
            if remaining > 0:
                await self.clock.sleep(remaining)

    def _propagation_delay(self) -> float:
        delay = self.propagation_delay
        if isinstance(delay, tuple):
            return self._rng.uniform(*delay)
        return float(delay)

    def _log(self, batch: UploadBatch, outcome: UploadOutcome, now: float, verdict: AttemptVerdict) -> None:
        self.attempts.append(
            Attempt(
                batch=batch.id,
                attempt=batch.attempts,
                time=now,
                wall=time.time(),
                records=batch.records,
                outcome=verdict,
                status=outcome.status,
                code=outcome.code,
                error=None if outcome.delivered else outcome.describe(),
                destination=self._config.job.destination.canonical(),
                duration=outcome.duration,
            )
        )

    def _event(self, kind: JobEventKind, detail: str) -> None:
        self.events.append(JobEvent(self.clock.now(), time.time(), kind, detail))

    async def _close_senders(self) -> None:
        if self._config.sender is not None:
            await self._config.sender.aclose()
            self._config.sender = None


async def create_job(
    body: Mapping[str, Any], *, cafile: str | Path | None = None, any_port: bool = False, scope: str | None = None,
    **simulator: Any,
) -> tuple[dict[str, Any], LogpushSimulator | None]:
    """Create a job as the API does: check it, push the validation probe, answer in the envelope.

    `scope` is where the body was posted: ``"zone"`` or ``"account"`` (None: the dataset's own).
    Returns the envelope and, when it succeeded, a simulator for the job.
    """
    try:
        job = LogpushJob.from_api(body, any_port=any_port, scope=scope)
    except JobError as error:
        return envelope(errors=[error]), None
    try:
        policy = get_policy(simulator.get("policy", "faq"))
        deadline = _deadline(policy, simulator.get("destination_clock"), simulator.get("upload_wall_timeout"))
        await _validate(job, cafile, deadline)
    except ValidationRefused as refusal:
        return refusal.envelope, None
    return envelope(job.to_api()), LogpushSimulator(job, cafile=cafile, **simulator)


class _Keys(tuple):
    """The keys of a merged line: its parent's, then its subrequests'."""


def _deadline(policy: RetryPolicy, destination_clock: Clock | None, wall_timeout: float | None) -> dict[str, Any]:
    """An upload's deadline and the clock it runs on: the policy's, in the destination's time.

    The destination runs on real time unless it is a fake HEC on the harness clock; `wall_timeout`
    (real seconds) replaces the policy's, for tests that make uploads time out on purpose.
    """
    if wall_timeout is not None:
        return {"timeout": wall_timeout, "clock": RealClock()}
    return {"timeout": policy.upload_timeout, "clock": destination_clock or RealClock()}


async def _validate(job: LogpushJob, cafile: str | Path | None, deadline: dict[str, Any]) -> None:
    """Logpush's validation push; a TLS failure is explained by the pre-flight check's diagnosis."""
    sender = Sender(job.destination, cafile=cafile, **deadline)
    timeout = sender.wall_timeout
    try:
        outcome = await sender.probe()
    finally:
        await sender.aclose()
    if outcome.delivered:
        return
    cause = outcome.describe()
    if outcome.kind is OutcomeKind.TLS:
        # Logpush reports certificate problems in Go's words ("certificate is valid for X, not Y");
        # the pre-flight check judges the certificate the way Go does and says it the same way.
        result = await asyncio.to_thread(preflight.check, job.destination, cafile=cafile, any_port=job.any_port, timeout=timeout)
        if result.cause:
            cause = f"{result.cause} ({cause})"
    raise ValidationRefused(cause)


def _as_job(job: LogpushJob | Mapping[str, Any] | str, any_port: bool, allow_http: bool, scope: str | None) -> LogpushJob:
    if isinstance(job, LogpushJob):
        return job
    if isinstance(job, str):
        return LogpushJob(destination_conf=job, enabled=True, any_port=any_port, allow_http=allow_http, scope=scope)
    return LogpushJob.from_api({"enabled": True, **job}, any_port=any_port, allow_http=allow_http, scope=scope)

