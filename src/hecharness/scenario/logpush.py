"""The built-in Logpush job simulator as a scenario's sender, on a virtual clock shared with the fakes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from hecharness.clock import Clock, RealClock, VirtualClock
from hecharness.logpush import create_job
from hecharness.logpush.policy import RetryPolicy, get_policy
from hecharness.scenario.context import Run
from hecharness.scenario.observation import JobState, Observation
from hecharness.scenario.parts import SPLUNK_DESTINATION
from hecharness.scenario.sender import register

__all__ = ["Logpush", "LogpushDriver"]

_LIMITS = ("max_upload_records", "max_upload_bytes", "max_upload_interval_seconds")
_FILTERS = ("filter", "filter_attack_traffic")


@dataclass(frozen=True)
class Logpush:
    """The built-in Logpush job simulator as the sender.

    `destination` is the job's destination_conf with {host}, {port}, {channel} and {token} to fill in.
    `any_port` lifts Logpush's 443/8088 rule, which the fake's free ports would break. `time_scale`
    None runs on a virtual clock (hours in a blink); a number runs a real clock that many times faster.
    `filter` and `filter_attack_traffic` are the job's: records they leave out are not expected at the HEC.
    """

    kind: ClassVar[str] = "logpush"

    destination: str = SPLUNK_DESTINATION
    policy: str | RetryPolicy = "faq"
    max_upload_records: int | None = None
    max_upload_bytes: int | None = None
    max_upload_interval_seconds: int | None = None
    any_port: bool = True
    propagation_delay: float | tuple[float, float] = (600.0, 900.0)
    concurrency: int = 4
    time_scale: float | None = None
    filter: str | None = None
    filter_attack_traffic: bool = False

    def __post_init__(self) -> None:
        get_policy(self.policy)
        if self.time_scale is not None and not self.time_scale > 0:
            raise ValueError(f"time_scale must be above 0 (or None for a virtual clock), got {self.time_scale!r}")


class LogpushDriver:
    """Creates the job through the simulated API (validation probe included), then lets it push."""

    over_time = True
    admin = False

    def clock(self, sender: Logpush) -> Clock:
        return VirtualClock() if sender.time_scale is None else RealClock(scale=sender.time_scale)

    async def send(self, sender: Logpush, run: Run) -> Observation:
        records = run.records
        body: dict[str, Any] = {
            "destination_conf": run.destination_conf(template=sender.destination),
            "dataset": records.dataset,
            "enabled": True,
            "logpull_options": records.logpull_options,
        }
        body.update((limit, getattr(sender, limit)) for limit in _LIMITS if getattr(sender, limit) is not None)
        body.update((option, getattr(sender, option)) for option in _FILTERS if getattr(sender, option))
        envelope, simulator = await create_job(
            body,
            cafile=run.trust,
            any_port=sender.any_port,
            clock=run.clock,
            destination_clock=run.clock,  # the fake HECs run on it too
            policy=sender.policy,
            count=records.count,
            rate=records.rate,
            seed=records.seed,
            propagation_delay=sender.propagation_delay,
            concurrency=sender.concurrency,
        )
        if simulator is None:
            now = run.clock.now()
            return run.observation(now, now, run.expected_records(now), refusal=envelope["errors"][0])
        run.simulator = simulator
        run.add_faults()
        for moment in run.timeline:
            simulator.schedule(moment.seconds, partial(run.act, moment.action))
        snapshots: dict[float, JobState] = {}
        for moment in run.looks:
            simulator.schedule(moment, partial(_snapshot, run, snapshots, moment))
        report = await simulator.run()
        expected = _pushed(run, report.started_at, simulator.job.gate())
        return run.observation(report.started_at, report.ended_at, expected, report=report, snapshots=snapshots)


def _pushed(run: Run, start: float, gate: Callable[[Any], bool] | None) -> list[tuple[float, Any]]:
    """The records the job pushes: all it generated, less what its filters leave out."""
    expected = run.expected_records(start)
    if gate is None:
        return expected
    kept = [gate(record) for _, record in run.expected_records(start, encoded=False)]
    return [pair for pair, keep in zip(expected, kept) if keep]


def _snapshot(run: Run, snapshots: dict[float, JobState], moment: float) -> None:
    snapshots[moment] = JobState.of(run.logpush.job, run.clock.now())


register(Logpush.kind, LogpushDriver())
