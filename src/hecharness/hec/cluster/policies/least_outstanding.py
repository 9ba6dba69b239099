"""Least outstanding requests: the node serving the fewest requests now (AWS ALB's other algorithm)."""

from __future__ import annotations

import itertools

from hecharness.hec.cluster.policies.base import Node, Policy, Routing, register

__all__ = ["LeastOutstanding"]


@register
class LeastOutstanding(Policy):
    name = "least-outstanding"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._turns = itertools.count()  # ties go round, so an idle cluster still spreads its requests

    def pick(self, routing: Routing) -> Node | None:
        candidates = routing.candidates
        if not candidates:
            return None
        start = next(self._turns)
        order = [candidates[(start + i) % len(candidates)] for i in range(len(candidates))]
        node = min(order, key=lambda n: n.outstanding)
        routing.route.reason = f"fewest outstanding ({node.outstanding})"
        return node

    def forget(self) -> None:
        self._turns = itertools.count()
