"""The balancing policy interface: given the nodes that can take a request, pick one."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_plus
from typing import Any, ClassVar, Protocol

from hecharness.clock import Clock
from hecharness.hec.cluster.balancing import Balancing
from hecharness.hec.cluster.route import Route

__all__ = ["Node", "Policy", "Routing", "register", "POLICIES"]


class Node(Protocol):
    """What a policy knows of an indexer."""

    number: int  # 1-based
    outstanding: int  # requests it is serving now


@dataclass(slots=True)
class Routing:
    """One request to place: its scope, the nodes up and healthy (in node order), those up, and the decision so far."""

    scope: dict[str, Any]
    candidates: Sequence[Node]
    up: Sequence[Node]
    route: Route

    def channel(self) -> str | None:
        """The request's channel, from its header or its query, as the collector reads it."""
        for header, value in self.scope["headers"]:
            if header == b"x-splunk-request-channel" and value:
                return value.decode("latin-1")
        for pair in self.scope["query_string"].decode("latin-1").split("&"):
            key, _, value = pair.partition("=")
            if key == "channel" and value:
                return unquote_plus(value)
        return None

    def cookie(self, name: str) -> str | None:
        """The value of the request's cookie `name`, if it sent one."""
        for header, value in self.scope["headers"]:
            if header == b"cookie":
                for pair in value.decode("latin-1").split(";"):
                    key, equals, text = pair.strip().partition("=")
                    if equals and key == name:
                        return text.strip().strip('"')
        return None


class Policy(ABC):
    """One way of spreading requests over nodes. Implementations register under their `name`."""

    name: ClassVar[str]

    def __init__(self, balancing: Balancing, clock: Clock) -> None:
        self.balancing = balancing
        self.clock = clock

    @abstractmethod
    def pick(self, routing: Routing) -> Node | None:
        """The node for this request, with `routing.route.reason` saying why; None when none can take it.

        Returning None with `route.reset` set asks the balancer to reset the connection instead of
        answering with its unavailable page.
        """

    def forget(self) -> None:
        """Drop what the policy remembers (stickiness tables, counters): the cluster was reset."""


POLICIES: dict[str, type[Policy]] = {}


def register(policy: type[Policy]) -> type[Policy]:
    """Class decorator: make a policy available by its name."""
    POLICIES[policy.name] = policy
    return policy


