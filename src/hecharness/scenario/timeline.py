"""A run drawn over logical time: each batch's attempts (or each request), and what happened to the job.

From a Logpush run there is one lane per batch, a mark per attempt (delivered, retry, dropped), and a
flag per job event (disabled, enabled, a change requested or applied) and timeline action. For any
other sender, one lane of the requests the HEC journaled, marked accepted or refused. Either way,
the periods the faults were in force (the outage itself), and for each failed attempt, how many of
its records the HEC had indexed all the same: what a retry then delivers twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hecharness.hec import RequestRecord
from hecharness.logpush import Report

if TYPE_CHECKING:
    from hecharness.logpush.simulator import Attempt
    from hecharness.scenario.fault_history import FaultPeriod

__all__ = ["Mark", "MarkOutcome", "Flag", "FaultWindow", "Timeline"]


class MarkOutcome(StrEnum):
    """What became of one attempt (a Logpush run's, spelled as the simulator spells it) or one request."""

    DELIVERED = "delivered"
    RETRY = "retry"
    DROPPED = "dropped"
    ACCEPTED = "accepted"  # a request the HEC answered 2xx, for senders other than Logpush
    REFUSED = "refused"


@dataclass(frozen=True)
class Mark:
    lane: str
    offset: float  # logical seconds since the sender started
    outcome: MarkOutcome
    label: str
    indexed: int = 0  # records of a failed attempt the HEC had indexed anyway (a slow answer the sender gave up on)


@dataclass(frozen=True)
class Flag:
    offset: float
    kind: str  # "disabled", "enabled", "change-requested", "change-applied", "change-refused" or "action"
    label: str


@dataclass(frozen=True)
class FaultWindow:
    start: float  # offsets, as for marks
    end: float
    label: str


@dataclass(frozen=True)
class Timeline:
    span: float
    lanes: tuple[str, ...]
    marks: tuple[Mark, ...]
    flags: tuple[Flag, ...]
    faults: tuple[FaultWindow, ...] = ()

    @classmethod
    def from_report(
        cls,
        report: Report,
        actions: Sequence[tuple[float, str]] = (),
        destinations: Mapping[str, int] | None = None,
        faults: Sequence[FaultPeriod] = (),
        requests: Sequence[RequestRecord] = (),
    ) -> Timeline:
        """`destinations` (HEC name to port), when there are several, names each batch's HEC in its lane.
        `requests`, the HECs' journal, tells which failed attempts had been indexed."""
        start = report.started_at
        lanes: dict[str, None] = {}
        marks = []
        indexed = _indexed_anyway(report.attempts, requests)
        for attempt in report.attempts:
            lane = f"batch {attempt.batch}"
            if destinations and len(destinations) > 1:
                to = next((name for name, port in destinations.items() if f":{port}/" in attempt.destination), None)
                lane += f" ({to})" if to else ""
            lanes.setdefault(lane)
            answer = attempt.error or f"HTTP {attempt.status}" + (f", code {attempt.code}" if attempt.code is not None else "")
            label = f"{lane}, attempt {attempt.attempt} at {attempt.time - start:,.1f} s: {attempt.outcome}, {attempt.records:,} records ({answer})"
            kept = indexed.get(id(attempt), 0)
            if kept:
                label += f"; the HEC had indexed {kept:,} of its records all the same, so they arrive again with the retry"
            marks.append(Mark(lane, attempt.time - start, MarkOutcome(attempt.outcome), label, kept))
        flags = [Flag(event.time - start, event.kind, f"{event.kind}: {event.detail}" if event.detail else event.kind) for event in report.events]
        flags += [Flag(seconds, "action", label) for seconds, label in actions]
        return cls(report.ended_at - start, tuple(lanes), tuple(marks), tuple(sorted(flags, key=lambda f: f.offset)), _windows(faults, start))

    @classmethod
    def from_requests(
        cls,
        requests: Sequence[RequestRecord],
        started_at: float,
        ended_at: float,
        actions: Sequence[tuple[float, str]] = (),
        faults: Sequence[FaultPeriod] = (),
    ) -> Timeline:
        marks = []
        for request in requests:
            offset = request.time - started_at
            outcome = MarkOutcome.ACCEPTED if 200 <= request.status < 300 else MarkOutcome.REFUSED
            answer = f"{request.status}" + (f", code {request.code}" if request.code is not None else "")
            fault = f", fault {request.fault}" if request.fault else ""
            indexer = f", indexer {request.indexer}" if request.indexer is not None else ""  # a cluster's
            label = f"{request.method} {request.path} at {offset:,.2f} s: {answer}, {request.events:,} events{indexer}{fault}"
            marks.append(Mark("requests", offset, outcome, label))
        flags = tuple(Flag(seconds, "action", label) for seconds, label in actions)
        return cls(ended_at - started_at, ("requests",) if marks else (), tuple(marks), flags, _windows(faults, started_at))

    def beside(self, marks: Sequence[Mark]) -> Timeline:
        """This timeline with a sender's own lanes (one per batch, as it saw them) above the others."""
        lanes = dict.fromkeys(mark.lane for mark in marks)
        return replace(self, lanes=(*lanes, *self.lanes), marks=(*marks, *self.marks))

    def count(self, outcome: MarkOutcome) -> int:
        return sum(1 for mark in self.marks if mark.outcome == outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "span": self.span,
            "lanes": list(self.lanes),
            "marks": [asdict(mark) for mark in self.marks],
            "flags": [asdict(flag) for flag in self.flags],
            "faults": [asdict(window) for window in self.faults],
        }


def _windows(periods: Sequence[FaultPeriod], start: float) -> tuple[FaultWindow, ...]:
    return tuple(FaultWindow(max(0.0, p.start - start), p.end - start, p.label) for p in sorted(periods, key=lambda p: p.start))


def _indexed_anyway(attempts: Sequence[Attempt], requests: Sequence[RequestRecord]) -> dict[int, int]:
    """Failed attempts (by id) whose request the HEC journaled with events accepted, and how many.

    Each request the HEC journaled belongs to the latest attempt not yet matched that started before
    it (one carrying as many records as the request had events, if any): a request reaches the HEC
    as its upload starts, and an attempt that never got through (a reset) leaves no request.
    """
    waiting = sorted(attempts, key=lambda a: a.time)
    indexed: dict[int, int] = {}
    for request in sorted(requests, key=lambda r: r.time):
        before = [a for a in waiting if a.time <= request.time]
        if not before:
            continue  # the job's validation probe
        same_size = [a for a in before if a.records == request.events]
        attempt = (same_size or before)[-1]
        waiting.remove(attempt)
        if attempt.outcome != MarkOutcome.DELIVERED and request.events:
            indexed[id(attempt)] = request.events
    return indexed
