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
from hecharness.hec.accounting import Key, account, counted_verdict, key_function, verdict_of
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
        self._check_complete()
        events: list[Event] = []
        while True:
            page = self._get("/journal/events", params={"offset": len(events), "limit": _PAGE})
            events.extend(Event(**item) for item in page)
            if len(page) < _PAGE:
                return events

    def lost_events(self) -> list[tuple[Event, str]]:
        """Events the fake accepted and then lost (a cluster's restart with `lose_unwritten`), each with why."""
        return [(Event(**item["event"]), item["reason"]) for item in self._get("/journal/lost")]

    def delivery(self, expected: Iterable[Any], key: str) -> dict[str, Any]:
        """The fake's own accounting of `expected` by the field `key` (POST /journal/delivery), in its JSON form.

        Only the keys go up and only counts come back, where `complete_events` brings every event down.
        """
        self._check_complete()  # before `expected` is read: a count by count still needs it
        key_of, _ = key_function(key)
        records = [{key: key_of(record)} for record in expected]
        try:
            response = self._client.post("/journal/delivery", json={"records": records, "key": key})
        except httpx.HTTPError as error:
            raise AdminUnreachable(f"{self.url}: no answer from the admin API ({' '.join(str(error).split()) or type(error).__name__})") from None
        if response.status_code == 409:  # the fake did not keep every event
            raise JournalTruncated(f"{self.url}: {response.json().get('error', response.text)}")
        if response.status_code != 200:
            raise AdminUnreachable(f"{self.url}/journal/delivery: HTTP {response.status_code}: {response.text[:200]}")
        return response.json()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> AdminJournal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_complete(self) -> None:
        counters = self.counters()
        dropped = counters.get("events_dropped_from_store", 0)
        if dropped:
            raise JournalTruncated(
                f"{self.url}: {dropped:,} of {counters.get('events', 0):,} accepted events were not kept "
                "(count-only, or past --max-events); counting by key needs them all"
            )

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
    """Sent against received over one or more fakes: the verdict line and, when keys were counted and
    something is wrong, the first keys of each kind."""

    verdict: str
    complete: bool
    detail: str | None = None


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
        if len(journals) == 1 and isinstance(key, str) and not ignore:
            counts = journals[0].delivery(expected, key)
        else:
            counts = account(expected, journals, key, ignore).to_dict()
    except JournalTruncated:
        sent = sum(1 for _ in expected) if sent is None else sent
        received = sum(journal.counters().get("events", 0) for journal in journals)
        return Delivery(counted_verdict(sent, received), sent == received)
    return Delivery(verdict_of(counts), counts["complete"], None if counts["complete"] else _firsts(counts))


def _firsts(counts: dict[str, Any]) -> str:
    kinds = [
        ("missing", counts["first_missing"]),
        ("duplicated", [f"{key!r} x{times}" for key, times in counts["first_duplicated"]]),
        ("unexpected", counts["first_unexpected"]),
        ("lost", [f"{key!r} ({why})" for key, why in counts.get("first_lost", [])]),
    ]
    return "; ".join(
        f"first {kind}: {', '.join(item if kind in ('duplicated', 'lost') else repr(item) for item in items[:5])}"
        for kind, items in kinds
        if items
    )
