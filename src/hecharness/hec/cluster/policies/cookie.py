"""Cookie stickiness: a request carrying a valid cookie goes back to the node the cookie names.

Two cookies are understood. By default the balancer issues its own, like AWS's `AWSALB`: an opaque
value it maps to a node, set on the answer to a request that came without a valid one. With
`channel_cookie` (splunkd's inputs.conf setting of that name) the indexer's cookie carries the
request's channel, and the balancer sticks on that value instead. Either way the stickiness lasts
`cookie_lifetime` seconds on the harness clock from when the cookie was set; a request after that,
or whose node is down or unhealthy, goes where the fallback policy sends it and gets a new cookie.
"""

from __future__ import annotations

import secrets
from typing import Any

from hecharness.hec.cluster.policies.base import POLICIES, Node, Policy, Routing, register

__all__ = ["CookieSticky", "MAX_COOKIES"]

# Cookies remembered at once. A client that drops cookies (a load generator) gets a new one on every
# request; beyond this the oldest is forgotten, and a request carrying it is placed afresh.
MAX_COOKIES = 100_000


@register
class CookieSticky(Policy):
    name = "cookie"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fallback = POLICIES[self.balancing.fallback](self.balancing, self.clock)
        self._sticky: dict[str, tuple[int, float]] = {}  # cookie value -> node number, expiry

    def pick(self, routing: Routing) -> Node | None:
        balancing, route = self.balancing, routing.route
        name = balancing.channel_cookie or balancing.cookie_name
        seen = routing.cookie(name)
        route.cookie_seen = f"{name}={seen}" if seen is not None else None
        now = self.clock.now()
        held = self._sticky.get(seen) if seen is not None else None
        why_not = "no cookie"
        if held is not None:
            number, expires = held
            node = next((n for n in routing.candidates if n.number == number), None)
            if now >= expires:
                why_not = f"cookie for node {number} expired"
            elif node is None:
                why_not = f"cookie names node {number}, which is {routing.route.ejected.get(number, 'out')}"
            else:
                route.reason = f"cookie {name} names node {number}"
                return node
        elif seen is not None:
            why_not = "cookie not issued here"
        node = self.fallback.pick(routing)
        if node is None:
            return None
        value = self._value(routing)
        if value is not None:
            self._sticky.pop(value, None)  # re-inserted last: the table forgets the oldest first
            self._sticky[value] = (node.number, now + (balancing.cookie_lifetime or float("inf")))
            if len(self._sticky) > MAX_COOKIES:
                del self._sticky[next(iter(self._sticky))]
            route.cookie_set = f"{name}={value}"
        route.reason = f"{why_not}; {self.fallback.name}: {route.reason}"
        return node

    def _value(self, routing: Routing) -> str | None:
        if self.balancing.channel_cookie is None:
            return secrets.token_hex(16)
        return routing.channel()  # splunkd's cookie carries the channel; without one there is none to set

    def forget(self) -> None:
        self.fallback.forget()
        self._sticky.clear()
