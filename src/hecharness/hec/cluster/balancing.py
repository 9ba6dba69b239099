"""How the balancer in front of a cluster's indexers is set up: its policy and cookie options."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hecharness.errors import InvalidArgument

__all__ = ["Balancing", "cluster_balancing", "POLICY_NAMES", "UNAVAILABLE_STATUSES", "DEFAULT_COOKIE"]

# Kept here rather than read from the registry, so the CLI and the checks below need no policy code.
POLICY_NAMES = ("round-robin", "per-connection", "least-outstanding", "cookie")
# Policies that pick a node with nothing to go on but the nodes: what "cookie" falls back to.
FALLBACK_NAMES = ("round-robin", "least-outstanding")
# nginx's answers when no upstream can take a request: refused (502) or too slow (504).
UNAVAILABLE_STATUSES = (502, 504)
DEFAULT_COOKIE = "AWSALB"  # AWS Application Load Balancer's duration-based stickiness cookie


@dataclass(frozen=True)
class Balancing:
    """The balancer's settings.

    `policy` is one of `POLICY_NAMES`. With "cookie": `cookie_name` is the cookie the balancer
    issues, `cookie_lifetime` the harness-clock seconds a cookie keeps its node (None: for ever),
    `channel_cookie` the name of splunkd's own cookie (inputs.conf `channel_cookie`), whose value is
    the channel, to stick on instead, and `fallback` the policy that picks a node for a request
    without a valid cookie. `unavailable` is the status of the balancer's own page when no indexer
    is up and healthy.
    """

    policy: str = "round-robin"
    cookie_name: str = DEFAULT_COOKIE
    cookie_lifetime: float | None = None
    channel_cookie: str | None = None
    fallback: str = "round-robin"
    unavailable: int = 502

    def __post_init__(self) -> None:
        if self.policy not in POLICY_NAMES:
            raise InvalidArgument(f"unknown balancer {self.policy!r}; known: {', '.join(POLICY_NAMES)}")
        if self.fallback not in FALLBACK_NAMES:
            raise InvalidArgument(f"balancer fallback must be one of {', '.join(FALLBACK_NAMES)}, got {self.fallback!r}")
        if self.unavailable not in UNAVAILABLE_STATUSES:
            raise InvalidArgument(f"the balancer's unavailable answer is 502 or 504, got {self.unavailable!r}")
        for what, name in (("cookie_name", self.cookie_name), ("channel_cookie", self.channel_cookie)):
            if name is not None and not _cookie_name_ok(name):
                raise InvalidArgument(f"{what} must be a cookie name (letters, digits, - _ .), got {name!r}")
        lifetime = self.cookie_lifetime
        if lifetime is not None and (
            isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or not math.isfinite(lifetime) or lifetime <= 0
        ):
            raise InvalidArgument(f"cookie_lifetime must be a number of seconds above 0, got {lifetime!r}")
        cookie_options = self.cookie_lifetime is not None or self.channel_cookie is not None or self.cookie_name != DEFAULT_COOKIE
        if cookie_options and self.policy != "cookie":
            raise InvalidArgument(f"cookie options need balancer='cookie', not {self.policy!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "cookie_name": self.cookie_name,
            "cookie_lifetime": self.cookie_lifetime,
            "channel_cookie": self.channel_cookie,
            "fallback": self.fallback,
            "unavailable": self.unavailable,
        }


def cluster_balancing(indexers: int, balancer: str | None = None, **options: Any) -> Balancing | None:
    """The balancer for `indexers` indexers, from `FakeHEC`'s options; None for a single collector.

    `options` are `FakeHEC`'s names for `Balancing`'s fields: cookie_name, cookie_lifetime,
    channel_cookie, balancer_fallback, balancer_unavailable.
    """
    if isinstance(indexers, bool) or not isinstance(indexers, int) or indexers < 1:
        raise InvalidArgument(f"indexers must be a whole number >= 1, got {indexers!r}")
    fields = {name.removeprefix("balancer_"): value for name, value in options.items()}
    balancing = Balancing(balancer or "round-robin", **fields)
    if indexers > 1:
        return balancing
    if balancer is not None or balancing != Balancing():
        raise InvalidArgument("balancer options need a cluster: indexers=2 or more")
    return None


def _cookie_name_ok(name: object) -> bool:
    return isinstance(name, str) and bool(name) and all(ch.isalnum() or ch in "-_." for ch in name)
