"""The outcome of a pre-flight check: each step, the diagnosis, the facts found on the way."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hecharness.preflight.answers import Answer
from hecharness.preflight.certificate import CertificateFacts
from hecharness.preflight.curl import curl_command
from hecharness.preflight.failures import Diagnosis, FailureClass, StepFailed
from hecharness.preflight.target import Target

__all__ = ["StepName", "StepOutcome", "Step", "STEPS", "PreflightResult", "StepLog"]


class StepOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class StepName(StrEnum):
    """The steps every check reports, in the order it takes them."""

    DESTINATION = "destination"
    RESOLVE = "resolve"
    CONNECT = "connect"
    TLS = "tls"
    HEALTH = "health"
    POST = "post"


# Each step's title as the report prints it; the steps after a failure are reported "skipped".
STEPS: dict[StepName, str] = {
    StepName.DESTINATION: "Parse and lint the destination",
    StepName.RESOLVE: "Resolve the host",
    StepName.CONNECT: "Connect",
    StepName.TLS: "TLS handshake",
    StepName.HEALTH: "GET /services/collector/health",
    StepName.POST: "POST the sample record to the raw endpoint",
}


@dataclass(frozen=True)
class Step:
    name: StepName
    outcome: StepOutcome
    duration: float | None = None  # seconds; None when skipped
    details: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return STEPS[self.name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "outcome": str(self.outcome),
            "duration": None if self.duration is None else round(self.duration, 6),
            "details": list(self.details),
        }


@dataclass(frozen=True)
class PreflightResult:
    """What `check()` found. `exit_code` is 0 on success, else the failure class's code."""

    steps: tuple[Step, ...]
    diagnosis: Diagnosis | None = None
    target: Target | None = None
    certificate: CertificateFacts | None = None
    health: Answer | None = None
    answer: Answer | None = None
    warnings: tuple[str, ...] = ()
    cafile: str | None = None

    @property
    def ok(self) -> bool:
        return self.diagnosis is None

    @property
    def failure(self) -> FailureClass | None:
        return None if self.diagnosis is None else self.diagnosis.failure

    @property
    def cause(self) -> str | None:
        return None if self.diagnosis is None else self.diagnosis.cause

    @property
    def fix(self) -> str | None:
        return None if self.diagnosis is None else self.diagnosis.fix

    @property
    def exit_code(self) -> int:
        return 0 if self.diagnosis is None else self.diagnosis.failure.exit_code

    @property
    def url(self) -> str | None:
        return None if self.target is None else self.target.request_url

    def step(self, name: StepName | str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(f"no step {name!r}; steps: {', '.join(STEPS)}")

    def destination_conf(self, show_token: bool = False) -> str | None:
        return None if self.target is None else self.target.destination.canonical(show_token=show_token)

    @property
    def curl(self) -> str | None:
        """The equivalent curl command, token masked."""
        return self.curl_command()

    def curl_command(self, show_token: bool = False) -> str | None:
        if self.target is None:
            return None
        return curl_command(
            self.target.request_url,
            self.target.headers,
            cafile=self.cafile,
            insecure=self.target.insecure,
            show_token=show_token,
        )

    def to_dict(self, show_token: bool = False) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "failure": None if self.failure is None else self.failure.name,
            "cause": self.cause,
            "fix": self.fix,
            "destination_conf": self.destination_conf(show_token),
            "url": self.url,
            "steps": [step.to_dict() for step in self.steps],
            "certificate": None if self.certificate is None else self.certificate.to_dict(),
            "health": None if self.health is None else self.health.to_dict(),
            "answer": None if self.answer is None else self.answer.to_dict(),
            "warnings": list(self.warnings),
            "curl": self.curl_command(show_token),
        }

    def __repr__(self) -> str:
        verdict = "ok" if self.ok else f"{self.failure}: {self.cause}"
        return f"<PreflightResult {verdict}>"


@dataclass
class StepLog:
    """Times the steps as they run and records how each ended."""

    steps: list[Step] = field(default_factory=list)

    @contextmanager
    def run(self, name: StepName) -> Iterator[list[str]]:
        """Run one step; the block appends detail lines to the list it is given."""
        details: list[str] = []
        started = time.perf_counter()
        try:
            yield details
        except StepFailed as failed:
            duration = time.perf_counter() - started
            self.steps.append(Step(name, StepOutcome.FAILED, duration, tuple(details + failed.details)))
            raise
        self.steps.append(Step(name, StepOutcome.OK, time.perf_counter() - started, tuple(details)))

    def finished(self) -> tuple[Step, ...]:
        """The steps run, then every remaining one as skipped."""
        done = {step.name for step in self.steps}
        return tuple(self.steps) + tuple(Step(name, StepOutcome.SKIPPED) for name in STEPS if name not in done)
