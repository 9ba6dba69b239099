"""The workers' journals and tallies read as one server's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hecharness.hec.accounting import DeliveryReport, Key, Nested, account
from hecharness.hec.batches import Event, RequestRecord
from hecharness.hec.journal import Counters, Journal

__all__ = ["MergedJournal", "JournalCopy", "sum_counters", "sum_tallies"]

# (counters, requests, events), as a worker sends its journal
JournalCopy = tuple[Counters, list[RequestRecord], list[Event]]


def sum_counters(parts: Iterable[Counters]) -> Counters:
    total = Counters()
    for part in parts:
        for name, value in vars(part).items():
            setattr(total, name, getattr(total, name) + value)  # ints add, and so do Counters
    return total


def sum_tallies(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The fields of several `Tally`s added up (counters, byte totals, histogram buckets)."""
    total = dict(parts[0])
    for part in parts[1:]:
        for name, value in part.items():
            if isinstance(value, list):
                total[name] = [a + b for a, b in zip(total[name], value)]
            else:
                total[name] = total[name] + value
    return total


class MergedJournal(Journal):
    """One journal over the copies of several: requests in id order, events in their requests' order.

    `parts` keeps each worker's own, so delivery is accounted over all of them, as over the journals
    of several HECs, and a part that dropped events says so itself.
    """

    def __init__(self, copies: Sequence[JournalCopy], max_events: int, max_requests: int, count_only: bool) -> None:
        super().__init__(max_events, max_requests, count_only)
        self.parts: list[Journal] = []
        for counters, requests, events in copies:
            part = Journal(max_events, max_requests, count_only)
            part.load(counters, requests, events)
            self.parts.append(part)
        self.load(
            sum_counters(counters for counters, _, _ in copies),
            sorted((r for _, requests, _ in copies for r in requests), key=lambda r: r.id),
            sorted((e for _, _, events in copies for e in events), key=lambda e: e.request_id),
        )

    def delivery(
        self, expected: Iterable[Any], key: Key = None, ignore: Iterable[str | bytes] = (), nested: Nested = None
    ) -> DeliveryReport:
        return account(expected, self.parts, key, ignore, nested)
