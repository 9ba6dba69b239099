"""The fault rules of one collector, and what they decide for each request.

`FaultSet` sits above the rules (`hecharness.faults.rules`) and the spec syntax
(`hecharness.faults.spec`): `add()` takes a `Fault` or a spec, and `decide()` walks the rules for
each request to a `Decision`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hecharness.clock import Clock
from hecharness.faults.actions import AckFault, Delay, FaultAction, Pass, SlowBody, TLSAbort
from hecharness.faults.rules import Fault, RequestFacts, WindowOrigin
from hecharness.faults.spec import parse_fault

__all__ = ["FaultSet", "Decision", "NO_FAULT"]


@dataclass
class Decision:
    """Everything the rules decided for one request."""

    outcome: FaultAction | None = None
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
            fault = parse_fault(fault)
        if name is not None:
            fault.name = name
        with self._lock:
            self._count += 1
            if not fault.name:
                fault.name = f"fault-{self._count}"
            if fault.window_from == WindowOrigin.START and fault._origin is None:
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
