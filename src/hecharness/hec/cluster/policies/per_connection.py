"""Per connection, as an L4 load balancer (AWS NLB) does: a TCP connection stays on its first node.

The connection is known by its transport, which the server puts in each request's scope. A node
that goes down takes its connections with it: the next request on one is reset, as the sender
would see the target's socket vanish. A node failing health checks keeps its connections (L4 does
not look at them again), and gets no new ones.
"""

from __future__ import annotations

import itertools
from typing import Any

from hecharness.hec.cluster.policies.base import Node, Policy, Routing, register
from hecharness.hec.connection import LOST_KEY, TRANSPORT_KEY

__all__ = ["PerConnection"]


@register
class PerConnection(Policy):
    name = "per-connection"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._turns = itertools.count()
        self._pinned: dict[Any, int] = {}  # transport -> node number

    def pick(self, routing: Routing) -> Node | None:
        extensions = routing.scope.get("extensions") or {}
        connection = extensions.get(TRANSPORT_KEY)
        route = routing.route
        pinned = self._pinned.get(connection)
        if pinned is not None:
            for node in routing.up:
                if node.number == pinned:
                    route.reason = f"connection kept on node {pinned}"
                    if route.ejected.pop(pinned, None) is not None:
                        # Unhealthy, not gone: the open connection still reaches it.
                        route.reason += " (failing health checks; L4 keeps open connections)"
                    return node
            route.reason = f"connection was on node {pinned}, which is down"
            route.reset = True
            return None
        candidates = routing.candidates
        if not candidates:
            return None
        node = candidates[next(self._turns) % len(candidates)]
        route.reason = "new connection, next in turn"
        if connection is not None:
            self._pinned[connection] = node.number
            lost = extensions.get(LOST_KEY)
            if lost is not None:
                lost.add_done_callback(lambda _: self._pinned.pop(connection, None))
        return node

    def forget(self) -> None:
        self._turns = itertools.count()
        self._pinned.clear()
