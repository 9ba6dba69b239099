"""Running one scenario: start its fake HECs, drive its sender, observe, judge.

    result = run_scenario(scenario, out_dir="scenario-results")
    result.passed, [str(v) for v in result.verdicts]

The sender's driver (`hecharness.scenario.sender`) picks the clock: Logpush scenarios run on a
`VirtualClock` shared by the simulator and the fakes (fault windows, journal times and the job's retries
all read it), so an hour of failures takes a second. Command and pre-flight scenarios run on real time,
since another program cannot be put on a virtual clock.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import traceback
from contextlib import ExitStack
from pathlib import Path

from hecharness.clock import Clock
from hecharness.hec import FakeHEC, HECSettings, Token
from hecharness.scenario.context import Run
from hecharness.scenario.definition import Scenario
from hecharness.scenario.observation import Observation
from hecharness.scenario.parts import HEC, SPLUNK_DESTINATION
from hecharness.scenario.result import ScenarioResult
from hecharness.scenario.sender import driver_for
from hecharness.tls import CertificateAuthority, CertificateFiles

__all__ = ["run_scenario", "observe", "prepare_certificates"]


def run_scenario(scenario: Scenario, out_dir: str | Path = "scenario-results", certs_dir: str | Path | None = None) -> ScenarioResult:
    """Run one scenario and judge it. Never raises for the scenario's own failures: they are the result."""
    out_dir = Path(out_dir)
    certs = prepare_certificates(certs_dir or out_dir / "certs")
    started = time.perf_counter()
    observation = None
    try:
        observation = asyncio.run(observe(scenario, certs, out_dir / "work" / scenario.name))
        verdicts = [expectation.judge(observation) for expectation in scenario.expect]
        error = None
    except Exception:  # noqa: BLE001 - a scenario that crashes is reported, and the others still run
        verdicts, error = [], traceback.format_exc()
    return ScenarioResult.of(scenario, observation, verdicts, error, time.perf_counter() - started)


def prepare_certificates(directory: str | Path) -> CertificateFiles:
    """The certificates every TLS scenario shares, made once (safe when several processes race for it)."""
    directory = Path(directory).absolute()
    if directory not in _prepared:  # reading a set back checks every key: once per process is enough
        CertificateAuthority.load_or_create(directory)
        _prepared.add(directory)
    return CertificateFiles(directory)


_prepared: set[Path] = set()


async def observe(scenario: Scenario, certs: CertificateFiles, workdir: Path) -> Observation:
    """Start the HECs, run the sender, and collect what happened."""
    sender = scenario.sender
    driver = driver_for(sender)
    clock = driver.clock(sender)
    shutil.rmtree(workdir, ignore_errors=True)  # the scenario's own: nothing of an earlier run may pass for this one's
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        hecs = {
            name: stack.enter_context(_fake_hec(spec, clock, certs, scenario.records.count, admin=driver.admin))
            for name, spec in scenario.hecs.items()
        }
        run = Run(
            scenario.name,
            clock,
            hecs,
            scenario.hecs,
            certs,
            workdir,
            scenario.records,
            sender=sender.kind,
            key=scenario.key,
            # A sender with a destination template is what `switch_destination` re-points; others get Cloudflare's.
            destination=getattr(sender, "destination", SPLUNK_DESTINATION),
            timeline=scenario.timeline,
            looks=[e.at for e in scenario.expect if e.at is not None],
        )
        observation = await driver.send(sender, run)
        observation.ports = {name: run.port(name) for name in hecs}
        requests = {name: observation.requests(name) for name in hecs}
        observation.fault_periods = run.fault_history.periods(requests, observation.ended_at)
        for hec in hecs.values():
            hec.collector.release_hangs()  # a hang the sender gave up on must not hold the shutdown
        errors = [text for hec in hecs.values() for text in hec.errors]
        if errors:
            raise RuntimeError("the fake HEC raised while serving:\n" + "\n".join(errors))
    return observation


def _fake_hec(spec: HEC, clock: Clock, certs: CertificateFiles, count: int, admin: bool) -> FakeHEC:
    # Delivery accounting needs every event kept: room for each record twice over, and the probes.
    settings = HECSettings(**{"max_events": max(100_000, 2 * count + 100), **spec.settings})
    return FakeHEC(
        [Token(spec.token, name="logpush", ack=spec.ack)],
        tls=spec.tls,
        certs_dir=certs.directory,
        clock=clock,
        settings=settings,
        admin_port=0 if admin else None,
        **spec.balancing(),
    )
