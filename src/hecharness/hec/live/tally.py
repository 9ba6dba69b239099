"""`Tally`: what every finished request adds to the totals the live page and /metrics show.

It runs on the server's loop for each request, so it does no more than a few dictionary
increments and a bisect; everything else (rates, Prometheus families) is derived when read.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter

from hecharness.hec.batches import RequestRecord
from hecharness.hec.paths import ENDPOINT_OF

__all__ = ["DURATION_BUCKETS", "Tally"]

# Upper bounds in seconds: a fake HEC answers in well under a millisecond unless a fault delays it.
DURATION_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
NOT_FOUND = "(not found)"


class Tally:
    """Totals since the listener started; unlike the journal's counters, a clear or reset keeps them,
    as Prometheus expects of a counter."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, int, int | None]] = Counter()  # (path, status, code)
        self.events: Counter[int] = Counter()  # by status
        self.bytes_in = 0
        self.bytes_decoded = 0
        self.duration_counts = [0] * (len(DURATION_BUCKETS) + 1)
        self.duration_sum = 0.0

    def __call__(self, record: RequestRecord) -> None:
        # Any path can be asked for, and a fault or a reset answers unknown ones too: one label for every
        # path HEC does not serve keeps the series few, whatever answered.
        path = record.path if record.path in ENDPOINT_OF else NOT_FOUND
        self.requests[(path, record.status, record.code)] += 1
        if record.events:
            self.events[record.status] += record.events
        self.bytes_in += record.bytes_in
        self.bytes_decoded += record.bytes_decoded
        self.duration_counts[bisect_left(DURATION_BUCKETS, record.duration)] += 1
        self.duration_sum += record.duration

    def requests_by_status(self) -> dict[str, int]:
        totals: Counter[int] = Counter()
        for (_, status, _), count in self.requests.items():
            totals[status] += count
        return {str(status): count for status, count in sorted(totals.items())}

    def events_by_status(self) -> dict[str, int]:
        return {str(status): count for status, count in sorted(self.events.items())}
