"""Round robin per request, as an L7 load balancer (AWS ALB, nginx) spreads HTTP requests."""

from __future__ import annotations

import itertools

from hecharness.hec.cluster.policies.base import Node, Policy, Routing, register

__all__ = ["RoundRobin"]


@register
class RoundRobin(Policy):
    name = "round-robin"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._turns = itertools.count()

    def pick(self, routing: Routing) -> Node | None:
        candidates = routing.candidates
        if not candidates:
            return None
        node = candidates[next(self._turns) % len(candidates)]
        routing.route.reason = "next in turn"
        return node

    def forget(self) -> None:
        self._turns = itertools.count()
