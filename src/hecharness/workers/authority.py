"""What the workers of one fake HEC must decide together, decided in their parent.

A fault rule counts requests (`first=3`, `every=10`), draws from its seeded generator and keeps its
time window; splunkd's ack ledger numbers batches per channel. Split over workers, each copy would
count its own share, and `first=3` would fail three requests per worker. So the parent holds the
one `FaultSet` and the one `AckLedger`, and a worker asks it, over its `Line`, whenever the answer
depends on them: a fault decision only while there are rules (a shared count says how many, read
without asking), an ackId only for tokens with acks on. Requests that need neither, the bulk of a
load run, never leave their worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from hecharness.clock import Clock
from hecharness.faults import Fault, FaultSet, RequestFacts
from hecharness.faults.faultset import NO_FAULT, Decision
from hecharness.hec.acks import AckLedger
from hecharness.workers.line import Line

__all__ = ["Authority", "CountedFaultSet", "RemoteAcks", "RemoteFaults"]


class CountedFaultSet(FaultSet):
    """The parent's fault rules, publishing how many there are to the workers after every change."""

    def __init__(self, clock: Clock, count: Any) -> None:  # a shared ctypes int
        super().__init__(clock)
        self._published = count

    def add(self, fault: Fault | str | Mapping[str, Any], name: str | None = None) -> Fault:
        added = super().add(fault, name)
        self._publish()
        return added

    def remove(self, fault: Fault | str) -> Fault:
        removed = super().remove(fault)
        self._publish()
        return removed

    def clear(self) -> None:
        super().clear()
        self._publish()

    def _publish(self) -> None:
        self._published.value = len(self)


class Authority:
    """The parent's side: answers a worker's questions from the shared rules and ledger."""

    def __init__(self, faults: FaultSet, acks: AckLedger) -> None:
        self.faults = faults
        self.acks = acks

    def __call__(self, operation: str, *arguments: Any) -> Any:
        if operation == "decide":
            return self.faults.decide(*arguments)
        if operation == "abort_handshake":
            return self.faults.abort_handshake()
        if operation == "issue":
            return self.acks.issue(*arguments)
        if operation == "poll":
            return self.acks.poll(*arguments)
        raise ValueError(f"unknown operation {operation!r}")


class RemoteFaults:
    """A worker's view of the parent's rules, with the parts of `FaultSet` the collector calls.

    Rules are added and removed in the parent only (the admin API and the Python API live there),
    so `clear()`, which a worker's reset calls, leaves them to the parent's own reset.
    """

    def __init__(self, line: Line, count: Any) -> None:  # a shared ctypes int
        self._line = line
        self._count = count

    def __len__(self) -> int:
        return self._count.value

    def decide(self, facts: RequestFacts) -> Decision:
        return self._line.call("decide", facts) if len(self) else NO_FAULT

    def abort_handshake(self) -> str | None:
        return self._line.call("abort_handshake") if len(self) else None

    def list(self) -> list[Fault]:
        return []

    def clear(self) -> None:
        pass


class RemoteAcks:
    """A worker's view of the parent's ack ledger: one numbering per channel across every worker."""

    def __init__(self, line: Line) -> None:
        self._line = line

    def issue(self, channel: str, ready_at: float, remember: bool = True) -> int:
        return self._line.call("issue", channel, ready_at, remember)

    def poll(self, channel: str, ack_ids: Iterable[int], now: float) -> dict[str, bool]:
        return self._line.call("poll", channel, list(ack_ids), now)

    def summary(self) -> dict[str, dict[str, int]]:
        return {}

    def clear(self) -> None:
        pass  # the parent clears its ledger once, in its own reset
