"""When records happen: event times from a start time and a requests-per-second profile.

Times are integer nanoseconds since the Unix epoch. A profile is either a constant rate or a
sequence of ``(seconds, rate)`` steps played in order, the last rate continuing for ever; a step
with rate 0 is a quiet period. Within a step records are evenly spaced, so every second of the
stream holds exactly the requested number of records, and event times strictly increase (which
makes the event-time field a unique key of the stream).

Logpush delivers by processing time, not event time. `Reorder` models that: each record becomes
available a random delay after it happened, and records come out in availability order.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from hecharness.generate.errors import GenerateError

__all__ = ["DEFAULT_START", "EventTimes", "Rate", "Reorder", "seconds_to_ns"]

# Fixed so that seeded streams are reproducible; it matches hecharness.clock.VirtualClock's start.
DEFAULT_START = 1_700_000_000.0

Rate = float | Sequence[tuple[float, float]]

_NS = 1_000_000_000
_MAX_RATE = 1e9  # one record per nanosecond keeps event times distinct

T = TypeVar("T")


def seconds_to_ns(seconds: float) -> int:
    """Epoch seconds (as logical clocks give them) to integer nanoseconds, without float drift."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        raise GenerateError(f"start: expected epoch seconds, got {seconds!r}")
    return int(Decimal(repr(seconds)) * _NS) if isinstance(seconds, float) else seconds * _NS


class EventTimes:
    """Event times for records 0, 1, 2, ... of a stream."""

    def __init__(self, start: float, rate: Rate) -> None:
        self.start_ns = seconds_to_ns(start)
        self.steps = _steps(rate)

    def chunks(self, size: int = 1024) -> Iterator[list[int]]:
        """Event times in lists of up to `size`, so builders can draw random picks a list at a time."""
        step_start = self.start_ns
        last = len(self.steps) - 1
        for number, (duration_ns, per_second) in enumerate(self.steps):
            if per_second:
                numerator, scale = per_second.numerator, _NS * per_second.denominator
                # Record j of a step falls at floor(j * scale / numerator) ns after the step starts.
                count = -(-duration_ns * numerator // scale) if number < last else None
                index = 0
                while count is None or index < count:
                    end = index + size if count is None else min(index + size, count)
                    yield [step_start + j * scale // numerator for j in range(index, end)]
                    index = end
            step_start += duration_ns

    def times(self) -> Iterator[int]:
        return itertools.chain.from_iterable(self.chunks())


def _steps(rate: Rate) -> list[tuple[int, Fraction]]:
    if isinstance(rate, (int, float)) and not isinstance(rate, bool):
        return [(0, _check_rate(rate, final=True))]
    if isinstance(rate, (str, bytes)) or not isinstance(rate, Sequence) or not rate:
        raise GenerateError(f"rate: expected records per second or a list of (seconds, rate) steps, got {rate!r}")
    steps = []
    for number, step in enumerate(rate):
        if not (isinstance(step, Sequence) and len(step) == 2):
            raise GenerateError(f"rate: step {number} must be (seconds, rate), got {step!r}")
        seconds, per_second = step
        final = number == len(rate) - 1
        if (isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < math.inf):
            raise GenerateError(f"rate: step {number} lasts {seconds!r} seconds; it must be a positive number")
        steps.append((0 if final else round(seconds * _NS), _check_rate(per_second, final)))
    return steps


def _check_rate(rate: Any, final: bool) -> Fraction:
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not math.isfinite(rate):
        raise GenerateError(f"rate: expected records per second, got {rate!r}")
    if rate < 0 or (final and rate == 0):
        raise GenerateError(f"rate: {rate!r} records per second is out of range; it must be greater than 0")
    if rate > _MAX_RATE:
        raise GenerateError(f"rate: {rate!r} records per second is out of range; at most {_MAX_RATE:.0e}")
    return Fraction(rate).limit_denominator(1_000_000) if rate else Fraction(0)


class Reorder:
    """Delays each item by up to `jitter` seconds and yields items in the order they become available.

    Items come in with their event time; out go ``(available_at_ns, item)`` pairs. Memory holds
    only the items still in flight, about ``jitter * rate`` of them.
    """

    def __init__(self, jitter: float, seed: int) -> None:
        if isinstance(jitter, bool) or not isinstance(jitter, (int, float)) or not 0 <= jitter < math.inf:
            raise GenerateError(f"jitter: {jitter!r} is out of range; it must be a number of seconds, 0 or more")
        self.jitter_ns = round(jitter * _NS)
        self.rng = random.Random(f"hecharness:jitter:{seed}")

    def __call__(self, timed: Iterable[tuple[int, T]]) -> Iterator[tuple[int, T]]:
        if not self.jitter_ns:
            yield from timed
            return
        heap: list[tuple[int, int, T]] = []
        draw, spread = self.rng.random, self.jitter_ns
        for order, (event_ns, item) in enumerate(timed):
            heapq.heappush(heap, (event_ns + int(draw() * spread), order, item))
            # Nothing still to come can be available before this event happened.
            while heap[0][0] <= event_ns:
                available, _, ready = heapq.heappop(heap)
                yield available, ready
        while heap:
            available, _, ready = heapq.heappop(heap)
            yield available, ready
