"""The balancer's decision for one request, written into its `RequestRecord.balance`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Route", "ROUTE_KEY"]

# Where the decision travels in the ASGI scope's extensions, from the balancer to the indexer.
ROUTE_KEY = "hecharness.route"


@dataclass(slots=True, eq=False)  # eq=False: hashable by identity, a key of the in-flight table
class Route:
    """Which node a request went to and why: the policy, the cookie seen and set, the nodes left out."""

    policy: str
    node: int | None = None
    reason: str = ""
    cookie_seen: str | None = None
    cookie_set: str | None = None
    ejected: dict[int, str] = field(default_factory=dict)  # node -> why the balancer skipped it
    reset: bool = False  # the node went down while the request was on it

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "node": self.node,
            "reason": self.reason,
            "cookie_seen": self.cookie_seen,
            "cookie_set": self.cookie_set,
            "ejected": {str(node): why for node, why in sorted(self.ejected.items())} if self.ejected else {},
            "reset": self.reset,
        }
