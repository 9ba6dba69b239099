"""One indexer of a cluster: a full collector with its own journal, and what the balancer knows of it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from starlette.types import Scope

from hecharness.clock import Clock
from hecharness.faults import Endpoint, FaultSet, Reply, RequestFacts
from hecharness.hec import connection
from hecharness.hec.acks import AckLedger
from hecharness.hec.batches import Batch, RequestRecord, pack_balance
from hecharness.hec.collector import Collector
from hecharness.hec.journal import Counters, Journal, Part
from hecharness.hec.paths import HEALTH_PATHS
from hecharness.hec.settings import HECSettings
from hecharness.hec.tokens import TokenStore
from hecharness.hec.cluster.route import ROUTE_KEY, Route

__all__ = ["Indexer", "IndexerJournal"]

_PROBE_PATH = HEALTH_PATHS[0]


class IndexerJournal(Journal):
    """An indexer's own journal: its own exact counters, and its part of the cluster's merged journal.

    Each request is stored once, in the merged journal, with the indexer that took it; this journal
    reads the part of it that is this indexer's (`Journal._source`). Request ids come from the merged
    journal, so they are unique across the cluster and an event's `request_id` finds its request in
    either journal. The merged journal's caps are the cluster's: an indexer keeps what of its own
    requests the cluster still keeps.
    """

    def __init__(self, number: int, merged: Journal, settings: HECSettings) -> None:
        super().__init__(settings.max_events, settings.max_requests, settings.count_only)
        self.number = number
        self.merged = merged
        self._part = Part(number)

    def _source(self) -> tuple[Journal, Part | None]:
        part = self._part
        if part.after and part.epoch != self.merged.epoch:
            # The merged journal was cleared since: its request ids began again, all after this one's clear.
            part = self._part = Part(self.number)
        return self.merged, part

    def next_request_id(self) -> int:
        return self.merged.next_request_id()

    def record(self, request: RequestRecord, batch: Batch | None = None) -> None:
        route = request.balance
        if isinstance(route, Route):  # set by the indexer's collector as the request came in
            request.balance = route.to_dict()
            if route.reset:
                # The node died before answering: nothing it was given was written.
                request.note = f"node {self.number} went down mid-request; the balancer reset the connection" + (
                    f" ({request.events} events not written)" if batch is not None else ""
                )
                batch = None
        request.indexer = self.number
        super().record(request, batch)

    def keep(self, packed: tuple[Any, ...], packed_batch: tuple[Any, ...] | None = None, events: int = 0) -> None:
        with self._lock:
            self._count(packed, events)
            if self._waiting:
                self._changed.notify_all()
        self.merged.keep(packed, packed_batch, events)

    @property
    def counters(self) -> Counters:
        """Its own counters, with what the merged journal no longer stores of its requests."""
        counters = super().counters
        merged, part = self._source()
        assert part is not None
        requests, events, lost = merged._stored_of(part)
        counters.requests_dropped_from_store = counters.requests - requests
        counters.events_dropped_from_store = counters.events - events - lost
        return counters

    def clear(self) -> None:
        with self._lock:
            self._reset()
            # What was recorded so far stays in the merged journal; this one reads on from the next request.
            merged = self.merged
            self._part = Part(self.number, after=merged.last_request_id, epoch=merged.epoch)


class _IndexerCollector(Collector):
    """A collector that writes the balancer's decision into each request's record."""

    def _placed(self, record: RequestRecord, scope: Scope) -> RequestRecord:
        record.balance = scope.get("extensions", {}).get(ROUTE_KEY)  # a Route until journaled
        return record

    def _placement(self, scope: Scope) -> tuple[int | None, bytes | None]:
        # Answered in one step, never in flight: its route cannot have been reset.
        route = scope.get("extensions", {}).get(ROUTE_KEY)
        return self.node, None if route is None else pack_balance(route.to_dict())


class Indexer:
    """Node `number` (1-based) of a cluster: its collector, whether it is up, and its requests in flight."""

    def __init__(
        self,
        number: int,
        tokens: TokenStore,
        settings: HECSettings,
        clock: Clock,
        merged: Journal,
        faults: FaultSet,
    ) -> None:
        self.number = number
        self.journal = IndexerJournal(number, merged, settings)
        self.collector: Collector = _IndexerCollector(tokens, settings, self.journal, clock)
        self.collector.node = number
        self.collector.faults = faults  # one set for the cluster; `node=N` aims a rule at one indexer
        self.up = True
        self.outstanding = 0
        # Called when what the balancer's health check sees may have changed: up or down, or settings.
        self.on_change: list[Callable[[], None]] = []
        self.collector.on_configure.append(lambda previous, settings: self._changed())
        self._in_flight: dict[Route, asyncio.Transport | None] = {}

    @property
    def acks(self) -> AckLedger:
        return self.collector.acks

    @property
    def settings(self) -> HECSettings:
        return self.collector.settings

    def configure(self, **changes: Any) -> HECSettings:
        """Change this indexer's settings only, e.g. `configure(health="queues-full")`."""
        return self.collector.configure(**changes)

    def health(self) -> str | None:
        """Why a load balancer's health check would fail on this node now; None when it passes.

        The check is the one a load balancer makes, GET /services/collector/health: it fails while
        the node is down, while its health setting answers other than 200 (a busy node), and while a
        fault aimed at this node's health checks (`path=health node=N`, or `path=any node=N`) answers
        other than 2xx. Rules without `node=` never see these probes.
        """
        if not self.up:
            return "down"
        collector = self.collector
        status = collector.settings.health_code.status
        if status != 200:
            return f"health {status} ({collector.settings.health})"
        faults = collector.faults
        if len(faults):
            facts = RequestFacts(path=_PROBE_PATH, endpoint=Endpoint.HEALTH, node=self.number, probe=True)
            outcome = faults.decide(facts).outcome
            if isinstance(outcome, Reply):
                if not outcome.accepts:
                    return f"health {outcome.http_status} (fault)"
            elif outcome is not None:
                return f"health check failed ({outcome})"
        return None

    # -- requests on it (called by the balancer, on the server's loop) ------------------------

    def enter(self, route: Route, scope: Scope) -> None:
        self.outstanding += 1
        self._in_flight[route] = scope.get("extensions", {}).get(connection.TRANSPORT_KEY)

    def leave(self, route: Route) -> None:
        self.outstanding -= 1
        self._in_flight.pop(route, None)

    def go_down(self, lose_unwritten: int, reason: str) -> list[Any]:
        """Stop taking requests: reset those in flight, forget acks, and lose the newest `lose_unwritten` events."""
        self.up = False
        self._changed()
        for route, transport in list(self._in_flight.items()):
            route.reset = True
            if transport is not None:
                connection.abort_with_reset(transport)
        self.collector.acks.clear()
        if not lose_unwritten:
            return []
        return self.journal.lose_newest(lose_unwritten, reason)

    def come_up(self) -> None:
        self.up = True
        self._changed()

    def _changed(self) -> None:
        for observer in self.on_change:
            observer()

    def describe(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "up": self.up,
            "health": self.settings.health,
            "outstanding": self.outstanding,
            "counters": self.journal.counters.to_dict(),
            "lost": len(self.journal.lost_events()),
            "acks": self.acks.summary(),
        }

    def __repr__(self) -> str:
        return f"<Indexer {self.number} {'up' if self.up else 'down'}>"

