"""Fault rules: what to do (an action or a sequence), to which requests, and when.

A rule counts the requests that fall in its scope. Its schedule then decides on each one:
the first N, every Nth, with probability p (seeded, so the same requests draw the same way),
inside a time window on the harness clock, or any mix of these (all must agree). A sequence
applies its steps to the requests the rule fires on, one step each, then stops firing.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from hecharness.faults.actions import FaultAction, TLSAbort

__all__ = ["Fault", "RequestFacts", "Endpoint", "WindowOrigin", "ENDPOINTS", "ANY_PATH"]


class Endpoint(StrEnum):
    """Which HEC endpoint a request went to; OTHER for any path HEC does not serve."""

    EVENT = "event"
    RAW = "raw"
    ACK = "ack"
    HEALTH = "health"
    OTHER = "other"


class WindowOrigin(StrEnum):
    """Where a rule's time window starts counting: when the rule was added, or at its first request."""

    START = "start"
    FIRST_REQUEST = "first-request"


# Scope names for groups of HEC paths; any other `path` must match exactly.
ENDPOINTS = (Endpoint.EVENT, Endpoint.RAW, Endpoint.ACK, Endpoint.HEALTH)
# `path=any` reaches every request. Without a `path`, a fault leaves health checks alone: a sender's or
# load balancer's health probe should neither trip an outage meant for the data nor use up its `first=N`.
ANY_PATH = "any"
UNSCOPED_SKIPS = frozenset({Endpoint.HEALTH})


@dataclass(frozen=True)
class RequestFacts:
    """What a rule's scope can look at, known before the body is read."""

    path: str
    endpoint: Endpoint
    token_name: str | None = None
    token_value: str | None = None
    channel: str | None = None
    sourcetype: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idle: float | None = None  # real seconds its keep-alive connection idled first; None on a new connection
    node: int | None = None  # the indexer serving it, in a cluster (1-based); None for a single collector
    probe: bool = False  # a cluster balancer's health check of `node`, which only rules aimed at that node see


class _Owner(Protocol):
    """The set a rule was added to (a `FaultSet`), as far as the rule needs to know it."""

    def remove(self, fault: Fault | str) -> Fault: ...


@dataclass(eq=False)
class Fault:
    """One rule. Build it from a spec with `hecharness.faults.parse_fault`, or directly."""

    action: FaultAction | None = None
    sequence: tuple[FaultAction, ...] = ()
    # where
    path: str | None = None
    token: str | None = None
    channel: str | None = None
    sourcetype: str | None = None
    header: tuple[str, str | None] | None = None
    idle: float | None = None  # only requests on a reused connection that idled at least this long
    node: int | None = None  # only requests served by this indexer of a cluster (1-based)
    # when
    first: int | None = None
    every: int | None = None
    probability: float | None = None
    seed: int | None = None
    window: tuple[float, float] | None = None
    window_from: WindowOrigin = WindowOrigin.START
    name: str = ""
    spec: str = ""

    def __post_init__(self) -> None:
        if (self.action is None) == (not self.sequence):
            raise ValueError("a fault needs exactly one of an action or a sequence")
        self.window_from = WindowOrigin(self.window_from)  # a plain "first-request" works too
        self.matched = 0
        self.fired = 0
        self._rng = random.Random(self.seed)
        self._origin: float | None = None
        self._owner: _Owner | None = None

    @property
    def actions(self) -> tuple[FaultAction, ...]:
        return self.sequence or (self.action,)  # type: ignore[return-value]

    @property
    def handshake_only(self) -> bool:
        return all(isinstance(a, TLSAbort) for a in self.actions)

    def in_scope(self, facts: RequestFacts) -> bool:
        if self.path is None:
            if facts.endpoint in UNSCOPED_SKIPS:
                return False
        elif self.path != ANY_PATH and self.path != facts.endpoint and self.path != facts.path:
            return False
        if self.token is not None and self.token not in (facts.token_name, facts.token_value):
            return False
        if self.channel is not None and (facts.channel or "").lower() != self.channel.lower():
            return False
        if self.sourcetype is not None and facts.sourcetype != self.sourcetype:
            return False
        if self.header is not None:
            name, value = self.header
            given = facts.headers.get(name.lower())
            if given is None or (value is not None and given != value):
                return False
        if self.idle is not None and (facts.idle is None or facts.idle < self.idle):
            return False
        if self.node is not None and facts.node != self.node:
            return False
        if facts.probe and self.node is None:
            return False  # a cluster-wide rule must not spend its first=N on the balancer's probes
        return True

    def consider(self, now: float) -> FaultAction | None:
        """Count one in-scope request and say what this rule does to it, if anything."""
        self.matched += 1
        if self._origin is None and self.window_from == WindowOrigin.FIRST_REQUEST:
            self._origin = now
        if self.first is not None and self.matched > self.first:
            return None
        if self.every is not None and self.matched % self.every:
            return None
        if self.window is not None:
            start, end = self.window
            origin = self._origin if self._origin is not None else now
            if not origin + start <= now < origin + end:
                return None
        if self.probability is not None and self._rng.random() >= self.probability:
            return None
        if self.sequence:
            if self.fired >= len(self.sequence):
                return None
            action = self.sequence[self.fired]
        else:
            action = self.action
        self.fired += 1
        return action

    def remove(self) -> None:
        """Take this rule out of the set it was added to."""
        if self._owner is not None:
            self._owner.remove(self)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spec": self.spec or str(self),
            "matched": self.matched,
            "fired": self.fired,
            "exhausted": self.exhausted,
        }

    @property
    def exhausted(self) -> bool:
        """True once the rule can never fire again (its `first` or its sequence is used up)."""
        if self.sequence and self.fired >= len(self.sequence):
            return True
        return self.first is not None and self.matched >= self.first

    def __str__(self) -> str:
        return self.spec or (",".join(map(str, self.actions)))
