"""The harness clock: every timed behaviour reads logical seconds from one of these.

Logpush retries over minutes and propagates changes over a quarter of an hour. Tests cannot wait
that long, so senders, faults and the journal take a clock instead of calling `time` directly:

- `RealClock(scale=60)` runs 60 logical seconds per wall second, for real pushes over the network.
- `VirtualClock()` only moves when told to, for unit tests that must not sleep at all.

Logical time is expressed as Unix epoch seconds, so journal timestamps read like real dates.

Compressing time must never manufacture a failure. The harness's own waits (batch intervals, retry
backoff, propagation delays) run on its clock and are compressed; a time-out on something another
party does (a destination answering an upload) is measured on that party's clock: a fake HEC hosted
on the harness clock takes logical time, anything else takes real time. `wall_timeout` turns such a
time-out into wall seconds.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from abc import ABC, abstractmethod

from hecharness.errors import InvalidArgument

__all__ = ["Clock", "RealClock", "VirtualClock"]


class Clock(ABC):
    """Logical time, in seconds since the Unix epoch."""

    @abstractmethod
    def now(self) -> float:
        """The current logical time."""

    @abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Wait for `seconds` of logical time."""

    @abstractmethod
    def to_wall(self, seconds: float) -> float:
        """How many wall-clock seconds `seconds` of logical time take on this clock."""

    def wall_timeout(self, seconds: float) -> float:
        """The wall seconds after which work running on this clock has used `seconds` of its time."""
        return self.to_wall(seconds)


class RealClock(Clock):
    """Wall time, optionally sped up: `scale=60` makes five logical minutes pass in five seconds."""

    def __init__(self, scale: float = 1.0, start: float | None = None) -> None:
        if not scale > 0:
            raise InvalidArgument(f"clock scale must be a positive number, got {scale!r}")
        self.scale = float(scale)
        self._origin_logical = time.time() if start is None else float(start)
        self._origin_monotonic = time.monotonic()

    def now(self) -> float:
        return self._origin_logical + (time.monotonic() - self._origin_monotonic) * self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.scale)

    def to_wall(self, seconds: float) -> float:
        return seconds / self.scale

    def __repr__(self) -> str:
        return f"RealClock(scale={self.scale:g})"


class VirtualClock(Clock):
    """A clock that stands still until `advance()` moves it; sleepers wake in deadline order.

    `advance` may be called from any thread: each sleeper is woken on its own event loop.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = float(start)
        self._lock = threading.Lock()
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        with self._lock:
            heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), future))
        await future

    def to_wall(self, seconds: float) -> float:
        return 0.0

    def wall_timeout(self, seconds: float) -> float:
        # Nothing advances the clock while a request is in flight, so only real time can run out:
        # the destination's real work gets the real time it would have had in life.
        return seconds

    def next_deadline(self) -> float | None:
        """When the earliest sleeper wakes, or None when nobody sleeps."""
        with self._lock:
            return self._sleepers[0][0] if self._sleepers else None

    def advance(self, seconds: float) -> None:
        """Move time forward and wake everyone whose deadline has come."""
        if seconds < 0:
            raise InvalidArgument(f"a clock cannot go backwards (advance by {seconds!r})")
        self.advance_to(self._now + seconds)

    def advance_to(self, moment: float) -> None:
        with self._lock:
            self._now = max(self._now, moment)
            due = []
            while self._sleepers and self._sleepers[0][0] <= self._now:
                due.append(heapq.heappop(self._sleepers)[2])
        for future in due:
            loop = future.get_loop()
            if not loop.is_closed():
                loop.call_soon_threadsafe(_wake, future)

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now:.3f})"


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
