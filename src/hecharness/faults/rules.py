"""Fault rules: what to do (an action or a sequence), to which requests, and when.

A rule counts the requests that fall in its scope. Its schedule then decides on each one:
the first N, every Nth, with probability p (seeded, so the same requests draw the same way),
inside a time window on the harness clock, or any mix of these (all must agree). A sequence
applies its steps to the requests the rule fires on, one step each, then stops firing.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hecharness.clock import Clock
from hecharness.faults.actions import Action, AckFault, Delay, Pass, SlowBody, TLSAbort

__all__ = ["Fault", "FaultSet", "Decision", "RequestFacts", "ENDPOINTS", "ANY_PATH"]

# Scope names for groups of HEC paths; any other `path` must match exactly.
ENDPOINTS = ("event", "raw", "ack", "health")
# `path=any` reaches every request. Without a `path`, a fault leaves health checks alone: a sender's or
# load balancer's health probe should neither trip an outage meant for the data nor use up its `first=N`.
ANY_PATH = "any"
UNSCOPED_SKIPS = frozenset({"health"})


@dataclass(frozen=True)
class RequestFacts:
    """What a rule's scope can look at, known before the body is read."""

    path: str
    endpoint: str  # one of ENDPOINTS, or "other"
    token_name: str | None = None
    token_value: str | None = None
    channel: str | None = None
    sourcetype: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idle: float | None = None  # real seconds its keep-alive connection idled first; None on a new connection


@dataclass(eq=False)
class Fault:
    """One rule. Build it from a spec with `hecharness.faults.parse_fault`, or directly."""

    action: Action | None = None
    sequence: tuple[Action, ...] = ()
    # where
    path: str | None = None
    token: str | None = None
    channel: str | None = None
    sourcetype: str | None = None
    header: tuple[str, str | None] | None = None
    idle: float | None = None  # only requests on a reused connection that idled at least this long
    # when
    first: int | None = None
    every: int | None = None
    probability: float | None = None
    seed: int | None = None
    window: tuple[float, float] | None = None
    window_from: str = "start"
    name: str = ""
    spec: str = ""

    def __post_init__(self) -> None:
        if (self.action is None) == (not self.sequence):
            raise ValueError("a fault needs exactly one of an action or a sequence")
        self.matched = 0
        self.fired = 0
        self._rng = random.Random(self.seed)
        self._origin: float | None = None
        self._owner: FaultSet | None = None

    @property
    def actions(self) -> tuple[Action, ...]:
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
        return True

    def consider(self, now: float) -> Action | None:
        """Count one in-scope request and say what this rule does to it, if anything."""
        self.matched += 1
        if self._origin is None and self.window_from == "first-request":
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


@dataclass
class Decision:
    """Everything the rules decided for one request."""

    outcome: Action | None = None
    delay: float = 0.0
    slow_body: float | None = None
    ack: AckFault | None = None
    fired: list[str] = field(default_factory=list)

    @property
    def label(self) -> str | None:
        """How the journal names the faults that fired, e.g. `busy=error:9`."""
        return ", ".join(self.fired) or None


NO_FAULT = Decision()


class FaultSet:
    """The rules of one collector, in the order they were added; safe to change from any thread."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._count = 0

    def add(self, fault: Fault | str | Mapping[str, Any], name: str | None = None) -> Fault:
        """Add a rule after the others; returns it, so `fault.remove()` takes it out again."""
        if not isinstance(fault, Fault):
            from hecharness.faults.spec import parse_fault

            fault = parse_fault(fault)
        if name is not None:
            fault.name = name
        with self._lock:
            self._count += 1
            if not fault.name:
                fault.name = f"fault-{self._count}"
            if fault.window_from == "start" and fault._origin is None:
                fault._origin = self.clock.now()
            fault._owner = self
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault | str) -> Fault:
        with self._lock:
            for existing in self._faults:
                if existing is fault or existing.name == fault:
                    self._faults.remove(existing)
                    existing._owner = None
                    return existing
        raise KeyError(f"no fault named {fault if isinstance(fault, str) else fault.name!r}")

    def clear(self) -> None:
        with self._lock:
            for fault in self._faults:
                fault._owner = None
            self._faults.clear()
            self._count = 0

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    @contextmanager
    def during(self, *faults: Fault | str | Mapping[str, Any]) -> Iterator[list[Fault]]:
        """Apply faults for the length of a `with` block."""
        added = [self.add(fault) for fault in faults]
        try:
            yield added
        finally:
            for fault in added:
                if fault._owner is self:
                    self.remove(fault)

    def decide(self, facts: RequestFacts) -> Decision:
        """Walk the rules in order: modifiers stack, the first outcome ends the walk."""
        if not self._faults:
            return NO_FAULT
        decision = Decision()
        now = self.clock.now()
        with self._lock:
            for fault in self._faults:
                if fault.handshake_only or not fault.in_scope(facts):
                    continue
                action = fault.consider(now)
                if action is None or isinstance(action, TLSAbort):
                    continue
                decision.fired.append(f"{fault.name}={action}")
                if isinstance(action, Delay):
                    decision.delay += action.seconds(fault._rng)
                elif isinstance(action, SlowBody):
                    decision.slow_body = action.seconds
                elif isinstance(action, AckFault):
                    decision.ack = action
                elif isinstance(action, Pass):
                    pass
                else:
                    decision.outcome = action
                    break
        return decision

    def abort_handshake(self) -> str | None:
        """Whether a new TLS connection should fail its handshake; the firing rule's label if so."""
        if not self._faults:
            return None
        now = self.clock.now()
        with self._lock:
            for fault in self._faults:
                if not any(isinstance(a, TLSAbort) for a in fault.actions):
                    continue
                action = fault.consider(now)
                if isinstance(action, TLSAbort):
                    return f"{fault.name}={action}"
        return None
