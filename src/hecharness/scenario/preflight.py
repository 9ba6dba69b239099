"""The pre-flight check (`hecharness.preflight.check`) as a scenario's sender: one sample record, each step judged."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from hecharness.clock import Clock, RealClock
from hecharness.preflight import check
from hecharness.scenario.context import Run
from hecharness.scenario.observation import Observation
from hecharness.scenario.parts import SPLUNK_DESTINATION
from hecharness.scenario.sender import register

__all__ = ["Preflight", "PreflightDriver"]


@dataclass(frozen=True)
class Preflight:
    """The pre-flight check (`hecharness.preflight.check`) as the sender: one sample record, each step judged."""

    kind: ClassVar[str] = "preflight"

    destination: str = SPLUNK_DESTINATION
    any_port: bool = True
    timeout: float = 5.0


class PreflightDriver:
    """Runs the check once against the first HEC; it is over in moments, so no timeline applies."""

    over_time = False
    admin = False

    def clock(self, sender: Preflight) -> Clock:
        return RealClock()  # a real network check cannot run on a virtual clock

    async def send(self, sender: Preflight, run: Run) -> Observation:
        run.add_faults()
        started = run.clock.now()
        conf = run.destination_conf(template=sender.destination)
        result = await asyncio.to_thread(check, conf, cafile=run.trust, any_port=sender.any_port, timeout=sender.timeout)
        return run.observation(started, run.clock.now(), [], preflight=result)


register(Preflight.kind, PreflightDriver())
