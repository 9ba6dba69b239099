"""Cutting a job's records into upload batches, the way Logpush does.

A batch opens with its first record and closes at whichever limit comes first: `max_upload_records`
records, `max_upload_bytes` uncompressed bytes, or `max_upload_interval_seconds` after it opened.
Time here is when each record became available to Logpush (processing time), so the same records
and limits always make the same batches, however fast the uploads go.

Records are gzipped as they arrive, so a large batch is held compressed, never whole. Compression
runs on a worker thread (zlib-ng lets go of the GIL while it works), so encoding the next records
and compressing the last ones use both cores.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zlib_ng import zlib_ng

from hecharness.generate import Encoder
from hecharness.logpush.job import UploadLimits

__all__ = ["Batcher", "CloseReason", "UploadBatch", "DEFAULT_GZIP_LEVEL"]

_CHUNK_LINES = 1000
# Logpush's gzip level is not documented. Level 1 makes the same valid gzip at a quarter of the CPU
# of level 6 (about twice the bytes): the simulator should not be the slow part of a pipeline test.
DEFAULT_GZIP_LEVEL = 1
# One worker: calls on one compressor must stay in order, and one core is what compression gets.
_COMPRESSION = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hecharness-gzip")


class CloseReason(StrEnum):
    """Which limit closed a batch."""

    RECORDS = "records"
    BYTES = "bytes"
    INTERVAL = "interval"
    FLUSH = "flush"  # the run ended or the job's configuration changed


@dataclass(eq=False)
class UploadBatch:
    """One closed batch and how its upload is going."""

    id: int
    opened_at: float
    ready_at: float
    records: int
    raw_bytes: int
    body: bytes  # gzipped, exactly what is POSTed
    config: int  # the job configuration that encoded it
    keys: list[Any] | None = None
    attempts: int = 0
    first_failure_at: float | None = None
    closed_by: CloseReason = CloseReason.INTERVAL


@dataclass(eq=False)
class _Open:
    opened_at: float
    compressor: Any
    pending: list[bytes] = field(default_factory=list)
    parts: list[Future[bytes]] = field(default_factory=list)
    records: int = 0
    raw_bytes: int = 0
    keys: list[Any] | None = None


class Batcher:
    """Turns (available_at, record) pairs into closed `UploadBatch`es under one set of limits."""

    def __init__(
        self,
        encoder: Encoder,
        limits: UploadLimits,
        *,
        config: int,
        next_id: Callable[[], int],
        compress_level: int = DEFAULT_GZIP_LEVEL,
        track_keys: bool = False,
        compression: Executor | None = None,
    ) -> None:
        """`compression` runs the gzip work (one worker: a compressor's calls must stay in order); by
        default a thread of this module's. Under gevent's monkey-patching that thread is a greenlet,
        so a caller there passes gevent's pool of native threads to keep compression beside encoding."""
        self.encoder = encoder
        self.limits = limits
        self.config = config
        self._next_id = next_id
        self._level = compress_level
        self._track_keys = track_keys
        self._compression = _COMPRESSION if compression is None else compression
        layout = encoder.layout
        self._prefix, self._delimiter, self._suffix = layout.batch_prefix, layout.record_delimiter, layout.batch_suffix
        if layout.cve:
            self._prefix, self._suffix = (p.replace(b"${", b"x{") for p in (self._prefix, self._suffix))
        self._open: _Open | None = None
        self._deadline = math.inf
        self._max_records = limits.max_records
        self._max_bytes = math.inf if limits.max_bytes is None else limits.max_bytes

    @property
    def deadline(self) -> float | None:
        """When the open batch closes by time, if one is open."""
        return None if self._open is None else self._deadline

    @property
    def open_records(self) -> int:
        return self._open.records if self._open is not None else 0

    def add(self, available_at: float, line: bytes, key: Any = None) -> list[UploadBatch]:
        """Take one encoded record; returns the batches this closed (an expired one, a full one, or none)."""
        closed: list[UploadBatch] = []
        batch = self._open
        if batch is not None and available_at >= self._deadline:
            closed.append(self._close(self._deadline, CloseReason.INTERVAL))
            batch = None
        if batch is None:
            batch = self._start(available_at)
        elif self._delimiter:
            line = self._delimiter + line
        pending = batch.pending
        pending.append(line)
        batch.records += 1
        batch.raw_bytes += len(line)
        if batch.keys is not None:
            batch.keys.append(key)
        if len(pending) >= _CHUNK_LINES:
            self._compress_pending(batch)
        if batch.records >= self._max_records:
            closed.append(self._close(available_at, CloseReason.RECORDS))
        elif batch.raw_bytes >= self._max_bytes:
            closed.append(self._close(available_at, CloseReason.BYTES))
        return closed

    def expire(self, now: float) -> UploadBatch | None:
        """Close the open batch if its interval has passed by `now`."""
        deadline = self.deadline
        if deadline is not None and now >= deadline:
            return self._close(deadline, CloseReason.INTERVAL)
        return None

    def flush(self, now: float) -> UploadBatch | None:
        """Close whatever is open now (the job's configuration changes, or it is disabled)."""
        if self._open is None:
            return None
        return self._close(now, CloseReason.FLUSH)

    def discard(self) -> tuple[int, list[Any]]:
        """Throw the open batch away (the job was disabled): how many records it held, and their keys."""
        batch, self._open = self._open, None
        if batch is None:
            return 0, []
        return batch.records, batch.keys or []

    def _start(self, at: float) -> _Open:
        compressor = zlib_ng.compressobj(self._level, zlib_ng.DEFLATED, 16 + zlib_ng.MAX_WBITS)
        self._open = _Open(at, compressor, keys=[] if self._track_keys else None)
        self._deadline = at + self.limits.max_interval_seconds
        if self._prefix:
            self._open.pending.append(self._prefix)
            self._open.raw_bytes += len(self._prefix)
        return self._open

    def _compress_pending(self, batch: _Open) -> None:
        batch.parts.append(self._compression.submit(batch.compressor.compress, b"".join(batch.pending)))
        batch.pending.clear()

    def _close(self, at: float, reason: CloseReason) -> UploadBatch:
        batch = self._open
        assert batch is not None
        if self._suffix:
            batch.pending.append(self._suffix)
            batch.raw_bytes += len(self._suffix)
        self._compress_pending(batch)
        batch.parts.append(self._compression.submit(batch.compressor.flush))
        self._open = None
        return UploadBatch(
            id=self._next_id(),
            opened_at=batch.opened_at,
            ready_at=max(at, batch.opened_at),
            records=batch.records,
            raw_bytes=batch.raw_bytes,
            body=b"".join(part.result() for part in batch.parts),
            config=self.config,
            keys=batch.keys,
            closed_by=reason,
        )
