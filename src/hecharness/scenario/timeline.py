"""A run drawn over logical time: each batch's attempts (or each request), and what happened to the job.

From a Logpush run there is one lane per batch, a mark per attempt (delivered, retry, dropped), and a
flag per job event (disabled, enabled, a change requested or applied) and timeline action. For any
other sender, one lane of the requests the HEC journaled, marked accepted or refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hecharness.hec import RequestRecord
from hecharness.logpush import Report

__all__ = ["Mark", "Flag", "Timeline"]

OUTCOMES = ("delivered", "retry", "dropped", "accepted", "refused")


@dataclass(frozen=True)
class Mark:
    lane: str
    offset: float  # logical seconds since the sender started
    outcome: str  # one of OUTCOMES
    label: str


@dataclass(frozen=True)
class Flag:
    offset: float
    kind: str  # "disabled", "enabled", "change-requested", "change-applied", "change-refused" or "action"
    label: str


@dataclass(frozen=True)
class Timeline:
    span: float
    lanes: tuple[str, ...]
    marks: tuple[Mark, ...]
    flags: tuple[Flag, ...]

    @classmethod
    def from_report(
        cls, report: Report, actions: Sequence[tuple[float, str]] = (), destinations: Mapping[str, int] | None = None
    ) -> Timeline:
        """`destinations` (HEC name to port), when there are several, names each batch's HEC in its lane."""
        start = report.started_at
        lanes: dict[str, None] = {}
        marks = []
        for attempt in report.attempts:
            lane = f"batch {attempt.batch}"
            if destinations and len(destinations) > 1:
                to = next((name for name, port in destinations.items() if f":{port}/" in attempt.destination), None)
                lane += f" ({to})" if to else ""
            lanes.setdefault(lane)
            answer = attempt.error or f"HTTP {attempt.status}" + (f", code {attempt.code}" if attempt.code is not None else "")
            label = f"{lane}, attempt {attempt.attempt} at {attempt.time - start:,.1f} s: {attempt.outcome}, {attempt.records:,} records ({answer})"
            marks.append(Mark(lane, attempt.time - start, attempt.outcome, label))
        flags = [Flag(event.time - start, event.kind, f"{event.kind}: {event.detail}" if event.detail else event.kind) for event in report.events]
        flags += [Flag(seconds, "action", label) for seconds, label in actions]
        return cls(report.ended_at - start, tuple(lanes), tuple(marks), tuple(sorted(flags, key=lambda f: f.offset)))

    @classmethod
    def from_requests(cls, requests: Sequence[RequestRecord], started_at: float, ended_at: float, actions: Sequence[tuple[float, str]] = ()) -> Timeline:
        marks = []
        for request in requests:
            offset = request.time - started_at
            outcome = "accepted" if 200 <= request.status < 300 else "refused"
            answer = f"{request.status}" + (f", code {request.code}" if request.code is not None else "")
            fault = f", fault {request.fault}" if request.fault else ""
            label = f"{request.method} {request.path} at {offset:,.2f} s: {answer}, {request.events:,} events{fault}"
            marks.append(Mark("requests", offset, outcome, label))
        flags = tuple(Flag(seconds, "action", label) for seconds, label in actions)
        return cls(ended_at - started_at, ("requests",) if marks else (), tuple(marks), flags)

    def count(self, outcome: str) -> int:
        return sum(1 for mark in self.marks if mark.outcome == outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "span": self.span,
            "lanes": list(self.lanes),
            "marks": [asdict(mark) for mark in self.marks],
            "flags": [asdict(flag) for flag in self.flags],
        }
