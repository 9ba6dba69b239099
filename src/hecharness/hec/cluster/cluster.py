"""A cluster of indexers behind one address: the balancer's ASGI app, the indexers, and their restarts.

The balancer is an ASGI app in front of the indexers' apps, in the same process and event loop:
each request is placed by the policy (`hecharness.hec.cluster.policies`) among the indexers that
are up and pass the load balancer's health check, and handed to that indexer's collector as it is,
with no second hop over TCP. A `Cluster` stands where a single `Collector` stands for `FakeHEC`,
the admin API and the live page: it has the same journal, faults, tokens, settings and hooks, the
journal being the merged one (every request of every indexer, and the balancer's own answers).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from hecharness.clock import Clock
from hecharness.errors import InvalidArgument
from hecharness.faults import FaultSet
from hecharness.faults.actions import FRONT_DOOR_ANSWERS
from hecharness.hec import connection, replies
from hecharness.hec.accounting import DeliveryReport, Key, Nested, account
from hecharness.hec.acks import SummedAcks
from hecharness.hec.batches import RequestRecord
from hecharness.hec.cluster.balancing import Balancing
from hecharness.hec.cluster.indexer import Indexer
from hecharness.hec.cluster.policies import Routing, policy_for
from hecharness.hec.cluster.restarts import Outage, Restart, parse_restart
from hecharness.hec.cluster.route import ROUTE_KEY, Route
from hecharness.hec.collector import channel_of, headers_of, new_record, query_of
from hecharness.hec.indexes import Indexes
from hecharness.hec.journal import Journal
from hecharness.hec.settings import HECSettings
from hecharness.hec.tokens import TokenStore

__all__ = ["Cluster"]

# What the balancer's health check found, and at which version of the nodes' state (see Cluster._look).
_Placement = tuple[int, list[Indexer], list[Indexer], dict[int, str]]


class Cluster:
    """`count` indexers sharing `tokens` and one fault set, each starting with `settings`, behind a balancer."""

    def __init__(
        self, tokens: TokenStore, settings: HECSettings, clock: Clock, count: int, balancing: Balancing
    ) -> None:
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidArgument(f"indexers must be a whole number >= 1, got {count!r}")
        self.tokens = tokens
        self.settings = settings
        self.clock = clock
        self.balancing = balancing
        self.journal = Journal(settings.max_events, settings.max_requests, settings.count_only)
        self.faults = FaultSet(clock)
        self.errors: list[str] = []
        self.on_request: list[Callable[[RequestRecord], None]] = []
        self.on_stop: list[Callable[[], None]] = []
        self.on_configure: list[Callable[[HECSettings, HECSettings], None]] = []
        self.indexers = [Indexer(n, tokens, settings, clock, self.journal, self.faults) for n in range(1, count + 1)]
        self._versions = itertools.count(1)
        self._version = 0  # of what the health check would see; see _look
        self._placement: _Placement = (-1, [], [], {})
        for indexer in self.indexers:
            indexer.on_change.append(self._changed)
            # One list each for the whole cluster: a request is observed, and an error kept, once.
            indexer.collector.errors = self.errors
            indexer.collector.on_request = self.on_request
        self.policy = policy_for(balancing, clock)
        self.acks = SummedAcks(lambda: [indexer.acks.summary() for indexer in self.indexers])
        self._initial_settings = settings
        self._outages: list[Outage] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def node(self, number: int) -> Indexer:
        """Indexer `number`, counting from 1."""
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(self.indexers):
            raise InvalidArgument(f"no node {number!r}; this cluster has nodes 1 to {len(self.indexers)}")
        return self.indexers[number - 1]

    # -- the balancer ------------------------------------------------------------------------------

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point: place the request on an indexer and let its collector answer."""
        if scope["type"] != "http":
            return
        route, indexer = self._place(scope)
        if indexer is None:
            await self._refuse(scope, receive, send, route)
            return
        if route.cookie_set is not None:
            send = _setting_cookie(send, route.cookie_set)
        indexer.enter(route, scope)
        try:
            await indexer.collector.app(scope, receive, send)
        finally:
            indexer.leave(route)

    def takes_whole(self, scope: Scope) -> bool:
        """`Collector.takes_whole`, for the cluster: while no node restarts are scheduled."""
        return not self._outages and self.indexers[0].collector.takes_whole(scope)

    def answer_whole(self, scope: Scope, data: bytes) -> Response | None:
        """`Collector.answer_whole`, by the indexer the balancer places the request on.

        Placed once: a request the indexer declines keeps its place (and the policy's turn) for `app`.
        """
        if self._outages:
            return None  # app brings the nodes up to date first
        route, indexer = self._place(scope)
        if indexer is None or route.cookie_set is not None:
            return None
        # Not entered as in flight: answered in one step on the loop, no restart or placement can
        # come between, so nothing would see it there.
        return indexer.collector.answer_whole(scope, data)

    def _place(self, scope: Scope) -> tuple[Route, Indexer | None]:
        """The indexer the request goes to (None: none can take it), and why; chosen once per request."""
        extensions = scope.setdefault("extensions", {})
        route = extensions.get(ROUTE_KEY)
        if route is not None:
            return route, None if route.node is None else self.indexers[route.node - 1]
        if self._outages:
            self.sync()
        placement = self._placement
        if placement[0] != self._version or len(self.faults):
            placement = self._look()
        _, up, candidates, ejected = placement
        route = Route(self.balancing.policy, ejected=dict(ejected) if ejected else {})  # a policy may edit its copy
        indexer = self.policy.pick(Routing(scope, candidates, up, route))
        if indexer is not None:
            route.node = indexer.number
        extensions[ROUTE_KEY] = route
        return route, indexer

    def _look(self) -> _Placement:
        """The nodes up, those that pass the health check, and why the others fail it.

        Kept until a node goes down or comes up or its settings change (from any thread), while no
        fault rule exists: a rule can answer health checks differently from one request to the next
        (`first=`, `every=`, windows), so with rules the look is taken afresh for every request.
        """
        version = self._version  # before looking: a change meanwhile leaves what is kept stale at once
        up, candidates, ejected = [], [], {}
        for indexer in self.indexers:
            if indexer.up:
                up.append(indexer)
            why = indexer.health()
            if why is None:
                candidates.append(indexer)
            else:
                ejected[indexer.number] = why
        placement = (version, up, candidates, ejected)
        if not len(self.faults):  # what a rule made the check see ends with the rule
            self._placement = placement
        return placement

    def _changed(self) -> None:
        self._version = next(self._versions)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, route: Route) -> None:
        """No indexer can take the request: the balancer answers its own error page, or resets."""
        headers, query = headers_of(scope), query_of(scope)
        record = new_record(scope, headers, query, self.journal.next_request_id(), self.clock.now())
        record.channel = channel_of(headers, query)
        record.balance = route.to_dict()
        down = ", ".join(f"{node} {why}" for node, why in sorted(route.ejected.items())) or "none"
        transport = scope.get("extensions", {}).get(connection.TRANSPORT_KEY)
        if route.reset and transport is not None:
            record.note = f"answered by the load balancer: {route.reason}; connection reset"
            self._journal(record)
            await connection.reset(transport)
            return
        status = self.balancing.unavailable
        body, content_type = FRONT_DOOR_ANSWERS[status]
        record.status = status
        record.note = f"answered by the load balancer: no indexer up and healthy (nodes: {down})"
        self._journal(record)
        await replies.front_door_reply(status, body, content_type, {})(scope, receive, send)

    def _journal(self, record: RequestRecord) -> None:
        self.journal.record(record)
        for observer in self.on_request:
            observer(record)

    # -- restarts ------------------------------------------------------------------------------------

    def schedule(self, restart: Restart | str) -> list[Outage]:
        """Add a restart (`Restart`, or a spec such as "restart node=1 at=120 for=30"); returns its outages.

        Thread-safe; the nodes go down and come back on the server's loop, at their times on the
        harness clock (or at the next request, whichever is first).
        """
        if isinstance(restart, str):
            restart = parse_restart(restart)
        outages = restart.outages(self.clock.now(), len(self.indexers))
        with self._lock:
            self._outages.extend(outages)
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)
        return outages

    @property
    def outages(self) -> list[Outage]:
        with self._lock:
            return list(self._outages)

    def sync(self) -> None:
        """Take down and bring up the nodes whose outages begin or end by now. Runs on the server's loop."""
        now = self.clock.now()
        for outage in self.outages:
            indexer = self.indexers[outage.node - 1]
            if not outage.begun and now >= outage.start:
                outage.begun = True
                reason = f"indexer {outage.node} restarted ({outage.spec}) before writing them"
                indexer.go_down(outage.lose_unwritten, reason)
            if outage.begun and not outage.ended and now >= outage.end:
                outage.ended = True
                if not any(o.node == outage.node and o.begun and not o.ended for o in self.outages):
                    indexer.come_up()

    async def watch(self) -> None:
        """Apply restarts at their times; runs on the server's loop for as long as it serves."""
        self._loop = asyncio.get_running_loop()
        self._wake = wake = asyncio.Event()
        while True:
            self.sync()
            now = self.clock.now()
            moments = [m for o in self.outages for m in (o.start, o.end) if m > now]
            waits = [asyncio.ensure_future(wake.wait())]
            if moments:
                waits.append(asyncio.ensure_future(self.clock.sleep(min(moments) - now)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
            wake.clear()

    # -- what a Collector offers FakeHEC, the admin API and the live page ------------------------------

    def configure(self, **changes: Any) -> HECSettings:
        """Change every indexer's settings, e.g. `configure(health="queues-full")`; returns the new settings."""
        previous = self.settings
        for indexer in self.indexers:
            self.settings = indexer.configure(**changes)
        journal = self.journal
        journal.max_events, journal.max_requests, journal.count_only = (
            self.settings.max_events, self.settings.max_requests, self.settings.count_only,
        )
        for observer in self.on_configure:
            observer(previous, self.settings)
        return self.settings

    def reset(self) -> None:
        """Back to the state it was made with: every indexer reset and up, no restarts, empty journals."""
        with self._lock:
            self._outages.clear()
        for indexer in self.indexers:
            indexer.collector.reset()
            indexer.come_up()
        self.policy.forget()
        self.configure(**self._initial_settings.to_dict())
        self.journal.clear()

    def delivery(
        self, expected: Iterable[Any], key: Key = None, ignore: Iterable[str | bytes] = (), nested: Nested = None
    ) -> DeliveryReport:
        """Accounting over every indexer's journal: a record that arrived at two indexers is duplicated."""
        return account(expected, [indexer.journal for indexer in self.indexers], key, ignore, nested)

    def busy_since(self, moment: float) -> bool:
        return any(indexer.collector.busy_since(moment) for indexer in self.indexers)

    @property
    def busy(self) -> bool:
        return self.busy_since(time.monotonic())

    def idle_timeout(self, idle_since: float) -> float:
        return self.settings.idle_timeout(self.busy_since(idle_since))

    def idle_recheck(self) -> float:
        return min(self.settings.keep_alive_idle_timeout, self.settings.busy_keep_alive_idle_timeout)

    def indexes(self) -> Indexes:
        return self.indexers[0].collector.indexes()

    def release_hangs(self) -> None:
        for indexer in self.indexers:
            indexer.collector.release_hangs()

    def release_all(self) -> None:
        for indexer in self.indexers:
            indexer.collector.release_all()
        for stopping in list(self.on_stop):
            stopping()

    def describe(self) -> dict[str, Any]:
        """The balancer and each indexer, for the admin API and the live page."""
        return {
            "balancer": self.balancing.to_dict(),
            "indexers": [indexer.describe() for indexer in self.indexers],
            "restarts": [outage.to_dict() for outage in self.outages],
        }


def _setting_cookie(send: Send, cookie: str) -> Send:
    header = (b"set-cookie", f"{cookie}; Path=/".encode("latin-1"))

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return sending

