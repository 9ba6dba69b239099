"""A fake HEC's journal read from another process, or another machine, through its admin API.

`AdminJournal` is an `EventSource`, so `account()` takes it beside or instead of a local journal:
delivery is accounted over every fake a load reached (behind a balancer, on several machines) as
over the indexers of one cluster.

    journals = [AdminJournal("http://10.0.0.5:9000"), AdminJournal("http://10.0.0.6:9000")]
    report = account(expected_lines, journals, key="RayID")
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from hecharness.errors import HecHarnessError
from hecharness.hec.accounting import DeliveryReport, Key, account, counted_verdict
from hecharness.hec.batches import Event
from hecharness.hec.journal import JournalTruncated

__all__ = ["AdminJournal", "AdminUnreachable", "Delivery", "delivery_over"]

_PAGE = 10_000  # events per call: a page of full Logpush records stays a few megabytes


class AdminUnreachable(HecHarnessError):
    """A fake's admin API did not answer, or answered with an error; the message says which and why."""


class AdminJournal:
    """The journal of the fake whose admin API listens at `url` (with its `token`, if it has one)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def counters(self) -> dict[str, Any]:
        """The fake's exact counters: requests, events, bytes, by status and code."""
        return self._get("/journal/counters")

    def complete_events(self) -> list[Event]:
        """Every event the fake accepted, oldest first; `JournalTruncated` if it did not keep them all."""
        counters = self.counters()
        dropped = counters.get("events_dropped_from_store", 0)
        if dropped:
            raise JournalTruncated(
                f"{self.url}: {dropped:,} of {counters.get('events', 0):,} accepted events were not kept "
                "(count-only, or past --max-events); counting by key needs them all"
            )
        events: list[Event] = []
        while True:
            page = self._get("/journal/events", params={"offset": len(events), "limit": _PAGE})
            events.extend(Event(**item) for item in page)
            if len(page) < _PAGE:
                return events

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> AdminJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            response = self._client.get(path, params=params)
        except httpx.HTTPError as error:
            raise AdminUnreachable(f"{self.url}: no answer from the admin API ({' '.join(str(error).split()) or type(error).__name__})") from None
        if response.status_code != 200:
            raise AdminUnreachable(f"{self.url}{path}: HTTP {response.status_code}: {response.text[:200]}")
        try:
            return response.json()
        except ValueError:
            raise AdminUnreachable(f"{self.url}{path}: the answer is not JSON; is this a fake HEC's admin port?") from None


@dataclass(frozen=True)
class Delivery:
    """Sent against received over one or more fakes: the verdict line, and the report when keys were counted."""

    verdict: str
    complete: bool
    report: DeliveryReport | None = None


def delivery_over(
    expected: Iterable[Any],
    journals: Sequence[AdminJournal],
    key: Key = None,
    ignore: Iterable[str | bytes] = (),
    sent: int | None = None,
) -> Delivery:
    """Account `expected` against what the fakes behind `journals` accepted, by key when they kept every
    event and by count when one of them did not (count-only, or more events than --max-events).

    `sent`, when known, spares counting `expected` for the verdict by count.
    """
    try:
        report = account(expected, journals, key, ignore)
    except JournalTruncated:
        sent = sum(1 for _ in expected) if sent is None else sent
        received = sum(journal.counters().get("events", 0) for journal in journals)
        return Delivery(counted_verdict(sent, received), sent == received)
    return Delivery(report.verdict(), report.complete, report)
