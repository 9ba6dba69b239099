"""A judged scenario: its verdicts, what the sender and the HECs reported, and its timeline.

Plain data, so it crosses from a worker process to the one writing the reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from hecharness.scenario.expect import Verdict
from hecharness.scenario.timeline import Timeline

if TYPE_CHECKING:
    from hecharness.scenario.definition import Scenario
    from hecharness.scenario.discovery import Unloadable
    from hecharness.scenario.observation import Observation

__all__ = ["ScenarioResult", "ScenarioOutcome"]


class ScenarioOutcome(StrEnum):
    """How a scenario ended, as the reports spell it (the capitals make a failure stand out in a list)."""

    PASS = "pass"
    FAIL = "FAIL"  # an expectation did not hold
    ERROR = "ERROR"  # it could not run
    NOT_RUN = "not run"  # the run was interrupted before it


@dataclass
class ScenarioResult:
    name: str
    story: str
    source: str
    sender: str
    verdicts: list[Verdict]
    wall_seconds: float
    logical_seconds: float | None = None
    error: str | None = None  # a traceback, or why its file could not be loaded, when the scenario could not run to the end
    timeline: Timeline | None = None
    details: dict[str, Any] = field(default_factory=dict)
    not_run: str | None = None  # why it never ran to the end, through no fault of its own (the run was interrupted)

    @property
    def passed(self) -> bool:
        return self.error is None and self.not_run is None and bool(self.verdicts) and all(v.passed for v in self.verdicts)

    @property
    def outcome(self) -> ScenarioOutcome:
        if self.not_run is not None:
            return ScenarioOutcome.NOT_RUN
        if self.error is not None:
            return ScenarioOutcome.ERROR
        return ScenarioOutcome.PASS if self.passed else ScenarioOutcome.FAIL

    @property
    def failures(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.passed]

    @property
    def headline(self) -> str:
        """Why it failed, in one line ("" when it passed)."""
        if self.not_run is not None:
            return "not run: " + self.not_run
        if self.error is not None:
            return "error: " + self.error.strip().splitlines()[-1]
        if not self.verdicts:
            return "no expectations: a scenario must say what holds"
        failures = self.failures
        if not failures:
            return ""
        ended = self.command_ended(stderr_lines=1)
        return failures[0].message + (f"; {ended}" if ended and ended not in failures[0].message else "")

    def command_ended(self, stderr_lines: int = 10) -> str | None:
        """How a command sender that failed ended: its exit code and the last lines of its stderr.

        None when the sender is not a command, or it exited 0. A failed delivery reads very
        differently once "/bin/sh: vector: not found" is next to it.
        """
        command = self.details.get("command")
        if not command or (command["exit_code"] == 0 and not command["timed_out"]):
            return None
        if command["timed_out"]:
            ended = f"the command was killed after its timeout ({command['seconds']:.1f} s)"
        else:
            ended = f"the command exited with code {command['exit_code']}"
        tail = [line for line in command["stderr"].splitlines() if line.strip()][-stderr_lines:]
        if not tail:
            return ended + ", nothing on stderr"
        return ended + ": " + tail[0] if len(tail) == 1 else ended + ", stderr ending:\n" + "\n".join("  " + line for line in tail)

    @classmethod
    def unloadable(cls, file: Unloadable) -> ScenarioResult:
        """A file that could not be loaded, in place of the scenarios it would have defined."""
        return cls(file.name, "", file.source, "-", [], 0.0, error=file.problem)

    @classmethod
    def interrupted(cls, scenario: Scenario) -> ScenarioResult:
        return cls(scenario.name, scenario.story, scenario.source, scenario.sender.kind, [], 0.0, not_run="the run was interrupted")

    @classmethod
    def of(cls, scenario: Scenario, observation: Observation | None, verdicts: list[Verdict], error: str | None, wall_seconds: float) -> ScenarioResult:
        result = cls(scenario.name, scenario.story, scenario.source, scenario.sender.kind, verdicts, wall_seconds, error=error)
        if observation is not None:
            result.logical_seconds = observation.logical_seconds
            result.timeline = _timeline(scenario, observation)
            result.details = _details(observation)
        return result

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "story": self.story,
            "source": self.source,
            "sender": self.sender,
            "passed": self.passed,
            "outcome": self.outcome,
            "wall_seconds": round(self.wall_seconds, 3),
            "logical_seconds": None if self.logical_seconds is None else round(self.logical_seconds, 3),
            "verdicts": [v.to_dict() for v in self.verdicts],
            "error": self.error,
            "not_run": self.not_run,
            "details": self.details,
            "timeline": None if self.timeline is None else self.timeline.to_dict(),
        }


def _timeline(scenario: Scenario, observation: Observation) -> Timeline:
    actions = [(moment.seconds, moment.action.label) for moment in scenario.timeline]
    faults = observation.fault_periods
    if observation.report is not None:
        return Timeline.from_report(observation.report, actions, observation.ports, faults, observation.requests())
    timeline = Timeline.from_requests(observation.requests(), observation.started_at, observation.ended_at, actions, faults)
    return timeline.beside(observation.belief.marks()) if observation.belief is not None else timeline


def _details(observation: Observation) -> dict[str, Any]:
    details: dict[str, Any] = {"records_sent": len(observation.records)}
    if observation.records:
        details["delivery"] = observation.delivery().to_dict(shown=observation.label)
    details["hecs"] = {name: journal.counters.to_dict() for name, journal in observation.journals.items()}
    if observation.report is not None:
        report = observation.report
        details["job"] = report.job.to_api(mask=True)
        details["policy"] = report.policy.name
        details["metrics"] = report.metrics.to_dict()
        details["events"] = [
            {"offset": round(e.time - report.started_at, 3), "kind": e.kind, "detail": e.detail} for e in report.events
        ]
    if observation.snapshots:
        details["snapshots"] = {f"{at:g}": vars(state) for at, state in observation.snapshots.items()}
    if observation.refusal is not None:
        details["refusal"] = observation.refusal
    if observation.preflight is not None:
        details["preflight"] = observation.preflight.to_dict()
    if observation.command is not None:
        details["command"] = observation.command.to_dict()
    if observation.belief is not None:
        details["believed"] = observation.belief.to_dict()
    return details
