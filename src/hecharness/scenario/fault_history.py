"""When each fault of a run was in force, for the timeline's shaded periods.

The run notes the faults of every HEC when it adds the scenario's own and after each timeline
action (the only places a scenario changes them); a fault's period is then read from its spec:

- with a `window`, the window itself, from when the fault was added (or first matched, for
  `from=first-request`), cut short if the fault was removed first;
- with `first` or a `sequence` (used up after some requests), from when it was added to the last
  request it answered;
- otherwise, from when it was added until it was removed or the run ended.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hecharness.faults.faultset import FaultSet
from hecharness.faults.rules import Fault
from hecharness.hec import RequestRecord

__all__ = ["FaultHistory", "FaultPeriod"]


@dataclass(frozen=True)
class FaultPeriod:
    start: float  # on the run's clock
    end: float
    hec: str
    label: str  # the fault's spec, e.g. "reset window=0..120 name=outage"


@dataclass
class _Entry:
    hec: str
    fault: Fault
    added: float
    removed: float | None = None


class FaultHistory:
    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def note(self, faults: Mapping[str, FaultSet], now: float) -> None:
        """Record the faults each HEC has now: those new since the last note were added, those gone removed."""
        current = {id(fault): (hec, fault) for hec, fault_set in faults.items() for fault in fault_set.list()}
        for entry in self._entries:
            if entry.removed is None and id(entry.fault) not in current:
                entry.removed = now
        known = {id(entry.fault) for entry in self._entries if entry.removed is None}
        self._entries += [_Entry(hec, fault, now) for key, (hec, fault) in current.items() if key not in known]

    def periods(self, requests: Mapping[str, Sequence[RequestRecord]], ended_at: float) -> list[FaultPeriod]:
        """Each fault's period in force, from the journal of its HEC where the spec alone cannot tell."""
        periods = []
        for entry in self._entries:
            fault, end = entry.fault, entry.removed if entry.removed is not None else ended_at
            seen = [r for r in requests.get(entry.hec, ()) if entry.added <= r.time <= end]
            answered = [r.time for r in seen if _answered_by(r, fault)]
            start = entry.added
            if fault.window is not None:
                # from=first-request: the window opens at the first request after the fault was added
                origin = seen[0].time if fault.window_from == "first-request" and seen else entry.added
                start, end = origin + fault.window[0], min(end, origin + fault.window[1])
            elif fault.first is not None or fault.sequence:
                if not answered:
                    continue
                end = max(answered)
            if end > start:
                periods.append(FaultPeriod(start, end, entry.hec, str(fault)))
        return periods


def _answered_by(request: RequestRecord, fault: Fault) -> bool:
    return bool(request.fault) and any(part.startswith(f"{fault.name}=") for part in request.fault.split(", "))
