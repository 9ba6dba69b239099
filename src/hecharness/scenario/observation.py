"""What a run saw: the records sent, what each fake HEC journaled, and what the sender reported.

Expectations read an `Observation` and nothing else. Times are logical seconds on the harness
clock; `offset(t)` turns one into seconds since the sender started, which is how reports show them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from hecharness.destination import PROBE_BODY
from hecharness.errors import HecHarnessError
from hecharness.generate import get_dataset
from hecharness.hec import DeliveryReport, Event, Journal, RequestRecord
from hecharness.hec.accounting import account, key_function, payload_of, records_among
from hecharness.logpush import LogpushJob, Report

if TYPE_CHECKING:
    from hecharness.preflight import PreflightResult
    from hecharness.scenario.fault_history import FaultPeriod
    from hecharness.scenario.timeline import Mark

__all__ = ["Observation", "JobState", "CommandResult", "NotObserved", "Belief", "Believed"]

# Logpush's validation probe reaches the HEC as one event. It is the job being created, not a record
# sent, so delivery accounting leaves it out.
_NOT_RECORDS = (PROBE_BODY,)


class NotObserved(HecHarnessError):
    """An expectation asked for something this run cannot show (e.g. retries of an external command)."""


class Believed(StrEnum):
    """What a sender may believe became of a record: the counts a `Belief` keeps."""

    DELIVERED = "delivered"  # acked, or accepted where there was no ack to wait for
    ACKED = "acked"  # its ackId read true
    ACCEPTED = "accepted"  # a 2xx answer without an ackId
    RESENT = "resent"  # sent again after its first attempt (each time)
    ACK_TIMEOUTS = "ack-timeouts"  # its ackId never read true in time (each time)
    GIVEN_UP = "given-up"  # its last attempt failed


class Belief(Protocol):
    """What a sender that keeps its own account believed became of the records.

    The report shows it beside what arrived; `expect.believed(what, ...)` judges one of its counts.
    """

    def count(self, what: Believed) -> int:
        """How many records it counted as `what`."""
        ...

    def marks(self) -> list[Mark]:
        """Its attempts as the timeline draws them: a lane per batch, a mark per attempt."""
        ...

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class JobState:
    """The job as its API would return it at one moment."""

    time: float
    enabled: bool
    error_message: str | None
    last_error: str | None
    last_complete: str | None

    @classmethod
    def of(cls, job: LogpushJob, time: float) -> JobState:
        return cls(time, job.enabled, job.error_message, job.last_error, job.last_complete)


@dataclass(frozen=True)
class CommandResult:
    command: str
    exit_code: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "exit_code": self.exit_code,
            "timed_out": self.timed_out,
            "seconds": round(self.seconds, 3),
            "stdout": self.stdout[-4000:],
            "stderr": self.stderr[-4000:],
        }


@dataclass
class Observation:
    started_at: float  # logical time the sender started
    ended_at: float
    records: list[tuple[float, Any]]  # (available_at, record as sent: encoded line, or dict when matched by key)
    journals: dict[str, Journal]
    # The scenario facts expectations read, and nothing more of it:
    sender: str  # its kind, e.g. "logpush"
    key: str | None  # how records are matched: whole lines (None) or by this field
    dataset: str
    rate: float  # records per logical second
    report: Report | None = None  # the Logpush simulator's
    refusal: dict[str, Any] | None = None  # the API's error when creating the job was refused
    snapshots: dict[float, JobState] = field(default_factory=dict)  # by offset
    preflight: PreflightResult | None = None
    command: CommandResult | None = None
    belief: Belief | None = None
    ports: dict[str, int] = field(default_factory=dict)  # each HEC's port, to tell destinations apart
    fault_periods: list[FaultPeriod] = field(default_factory=list)  # when each fault was in force
    _deliveries: dict[str | None, DeliveryReport] = field(default_factory=dict, repr=False)
    _events: dict[str | None, list[Event]] = field(default_factory=dict, repr=False)

    # -- time ----------------------------------------------------------------------------------

    def offset(self, time: float) -> float:
        return time - self.started_at

    @property
    def logical_seconds(self) -> float:
        return self.ended_at - self.started_at

    # -- the HECs ------------------------------------------------------------------------------

    def journal(self, hec: str | None = None) -> Journal:
        if hec is None:
            return next(iter(self.journals.values()))
        try:
            return self.journals[hec]
        except KeyError:
            raise NotObserved(f"no HEC named {hec!r}; this scenario has {', '.join(self.journals)}") from None

    def _journals(self, hec: str | None) -> list[Journal]:
        """One HEC's journal, or every HEC's (None)."""
        return [self.journal(hec)] if hec is not None else list(self.journals.values())

    def events(self, hec: str | None = None) -> list[Event]:
        """Events accepted (by one HEC, or all), Logpush's validation probes left out."""
        if hec not in self._events:
            arrived = (event for journal in self._journals(hec) for event in journal.events)
            self._events[hec] = records_among(arrived, ignore=_NOT_RECORDS)
        return self._events[hec]

    def requests(self, hec: str | None = None) -> list[RequestRecord]:
        return sorted((r for journal in self._journals(hec) for r in journal.requests()), key=lambda r: r.time)

    def delivery(self, hec: str | None = None) -> DeliveryReport:
        """What arrived against what was sent, at one HEC or across all of them."""
        if hec not in self._deliveries:
            sent = [record for _, record in self.records]
            self._deliveries[hec] = account(sent, self._journals(hec), self.key, ignore=_NOT_RECORDS)
        return self._deliveries[hec]

    # -- the sender ----------------------------------------------------------------------------

    def logpush(self) -> Report:
        if self.report is None:
            raise NotObserved(f"only the Logpush simulator reports this; the sender here is {self.sender}")
        return self.report

    def believed(self, what: Believed) -> int:
        """How many records the sender counted as `what`."""
        if self.belief is None:
            raise NotObserved(f"the sender here ({self.sender}) keeps no account of what it believed")
        return self.belief.count(what)

    def job_at(self, offset: float | None) -> JobState:
        """The job at a snapshot taken `offset` seconds in, or at the end (None)."""
        report = self.logpush()
        if offset is None:
            return JobState.of(report.job, report.ended_at)
        if offset not in self.snapshots:
            raise NotObserved(f"no snapshot of the job at {offset:g} s")
        return self.snapshots[offset]

    def arrived_keys(self) -> Counter[Any]:
        """How often each record (by the scenario's key) arrived, over every HEC."""
        key_of, _ = key_function(self.key)
        return Counter(key_of(event) for event in self.events())

    def key_of(self, record: Any) -> Any:
        return key_function(self.key)[0](record)

    def show(self, keys: Iterable[Any], limit: int = 3) -> str:
        """A few records for a message, by their dataset's key field rather than as whole lines."""
        keys = list(keys)
        return ", ".join(self.label(key) for key in keys[:limit]) + (", ..." if len(keys) > limit else "")

    def label(self, key: Any) -> str:
        """One record as a report names it: `RayID=...` when its line has the dataset's key field."""
        field = get_dataset(self.dataset).key
        payload = payload_of(key) if self.key is None else None
        if isinstance(payload, dict) and field in payload:
            return f"{field}={payload[field]}"
        text = repr(key)
        return text if len(text) <= 60 else text[:57] + "..."
