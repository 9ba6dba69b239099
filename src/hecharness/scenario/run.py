"""Running one scenario: start its fake HECs, drive its sender, observe, judge.

    result = run_scenario(scenario, out_dir="scenario-results")
    result.passed, [str(v) for v in result.verdicts]

Logpush scenarios run on a `VirtualClock` shared by the simulator and the fakes (fault windows,
journal times and the job's retries all read it), so an hour of failures takes a second. Command
and pre-flight scenarios run on real time, since another program cannot be put on a virtual clock.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import traceback
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

from hecharness.clock import Clock, RealClock, VirtualClock
from hecharness.generate import Encoder, RecordSource
from hecharness.hec import FakeHEC, HECSettings, Token
from hecharness.logpush import LogpushSimulator, create_job
from hecharness.scenario.command import environment, run_command, write_records
from hecharness.scenario.definition import DEFAULT_CHANNEL, HEC, SPLUNK_DESTINATION, Action, Command, Logpush, Preflight, Scenario
from hecharness.scenario.fault_history import FaultHistory
from hecharness.scenario.observation import JobState, Observation
from hecharness.scenario.result import ScenarioResult
from hecharness.tls import CertificateAuthority, CertificateFiles

__all__ = ["Run", "run_scenario", "observe", "prepare_certificates"]

# Logpush trusts the public CAs only. The hecharness test CA plays them here: a `valid` HEC is trusted,
# while self-signed leaves and Splunk's own SplunkCommonCA are not, exactly as for the real service.
PUBLIC_CA_MODE = "valid"


class Run:
    """A scenario while it runs: its started HECs, the clock, and the Logpush simulator if there is one.

    Timeline actions get this object: `run.hec("new").faults.clear()`, `run.logpush.enable()`.
    """

    def __init__(self, scenario: Scenario, clock: Clock, hecs: dict[str, FakeHEC], certs: CertificateFiles, workdir: Path) -> None:
        self.scenario = scenario
        self.clock = clock
        self.hecs = hecs
        self.certs = certs
        self.workdir = workdir
        self.channel = DEFAULT_CHANNEL
        self.first = next(iter(hecs))
        self.simulator: LogpushSimulator | None = None
        self.fault_history = FaultHistory()

    def note_faults(self) -> None:
        """Note which faults each HEC has now, for the timeline's shaded periods."""
        self.fault_history.note({name: hec.faults for name, hec in self.hecs.items()}, self.clock.now())

    def hec(self, name: str | None = None) -> FakeHEC:
        try:
            return self.hecs[name or self.first]
        except KeyError:
            raise KeyError(f"no HEC named {name!r}; this scenario has {', '.join(self.hecs)}") from None

    @property
    def logpush(self) -> LogpushSimulator:
        if self.simulator is None:
            raise RuntimeError("this action needs a Logpush job, and the scenario has none (yet)")
        return self.simulator

    @property
    def trust(self) -> Path:
        """The CA file senders trust: the stand-in for the public CAs."""
        return self.certs.ca(PUBLIC_CA_MODE)

    def port(self, name: str | None = None) -> int:
        return self.hec(name).listeners[0].port

    def base_url(self, name: str | None = None) -> str:
        spec = self.scenario.hecs[name or self.first]
        scheme = "http" if spec.tls == "plain" else "https"
        return f"{scheme}://localhost:{self.port(name)}"

    def destination_conf(self, name: str | None = None, template: str | None = None) -> str:
        """A HEC's destination_conf from a template (the sender's, by default) with its port, token and channel."""
        spec = self.scenario.hecs[name or self.first]
        if template is None:
            template = getattr(self.scenario.sender, "destination", SPLUNK_DESTINATION)
        return template.format(host="localhost", port=self.port(name), channel=self.channel, token=spec.token)


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
    clock = _clock_for(scenario.sender)
    shutil.rmtree(workdir, ignore_errors=True)  # the scenario's own: nothing of an earlier run may pass for this one's
    workdir.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        hecs = {
            name: stack.enter_context(_fake_hec(spec, clock, certs, scenario.records.count, admin=isinstance(scenario.sender, Command)))
            for name, spec in scenario.hecs.items()
        }
        run = Run(scenario, clock, hecs, certs, workdir)
        if isinstance(scenario.sender, Logpush):
            observation = await _push(run)
        elif isinstance(scenario.sender, Command):
            observation = await _command(run)
        else:
            observation = await _preflight(run)
        observation.ports = {name: run.port(name) for name in hecs}
        requests = {name: observation.requests(name) for name in hecs}
        observation.fault_periods = run.fault_history.periods(requests, observation.ended_at)
        for hec in hecs.values():
            hec.collector.release_hangs()  # a hang the sender gave up on must not hold the shutdown
        errors = [text for hec in hecs.values() for text in hec.errors]
        if errors:
            raise RuntimeError("the fake HEC raised while serving:\n" + "\n".join(errors))
    return observation


def _clock_for(sender: Logpush | Command | Preflight) -> Clock:
    if isinstance(sender, Logpush):
        return VirtualClock() if sender.time_scale is None else RealClock(scale=sender.time_scale)
    return RealClock()  # another program, or a real network check, cannot run on a virtual clock


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
    )


def _add_faults(run: Run) -> None:
    for name, spec in run.scenario.hecs.items():
        for fault in spec.faults:
            run.hec(name).faults.add(fault)
    run.note_faults()


async def _push(run: Run) -> Observation:
    scenario, sender, records = run.scenario, run.scenario.sender, run.scenario.records
    assert isinstance(sender, Logpush)
    body: dict[str, Any] = {
        "destination_conf": run.destination_conf(template=sender.destination),
        "dataset": records.dataset,
        "enabled": True,
        "logpull_options": records.logpull_options,
    }
    for limit in ("max_upload_records", "max_upload_bytes", "max_upload_interval_seconds"):
        if getattr(sender, limit) is not None:
            body[limit] = getattr(sender, limit)
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
    journals = {name: hec.journal for name, hec in run.hecs.items()}
    if simulator is None:
        now = run.clock.now()
        return Observation(scenario, now, now, expected_records(scenario, now), journals, refusal=envelope["errors"][0])
    run.simulator = simulator
    _add_faults(run)
    for moment in scenario.timeline:
        simulator.schedule(moment.seconds, partial(_act, run, moment.action))
    snapshots: dict[float, JobState] = {}
    for moment in sorted({e.at for e in scenario.expect if e.at is not None}):
        simulator.schedule(moment, partial(_snapshot, run, snapshots, moment))
    report = await simulator.run()
    return Observation(
        scenario,
        report.started_at,
        report.ended_at,
        expected_records(scenario, report.started_at),
        journals,
        report=report,
        snapshots=snapshots,
    )


def _snapshot(run: Run, snapshots: dict[float, JobState], moment: float) -> None:
    snapshots[moment] = JobState.of(run.logpush.job, run.clock.now())


async def _command(run: Run) -> Observation:
    scenario, sender = run.scenario, run.scenario.sender
    assert isinstance(sender, Command)
    started = run.clock.now()
    records = expected_records(scenario, started, encoded=True)
    layout = Encoder(scenario.records.dataset, scenario.records.logpull_options).layout
    path = write_records(
        run.workdir / "records.ndjson", [line for _, line in records], layout.batch_prefix, layout.record_delimiter, layout.batch_suffix
    )
    _add_faults(run)
    actions = [asyncio.ensure_future(_at(run, moment.seconds, moment.action)) for moment in scenario.timeline]
    try:
        result = await run_command(sender, environment(run, path, len(records)), cwd=Path.cwd())
    finally:
        for action in actions:
            action.cancel()
    journals = {name: hec.journal for name, hec in run.hecs.items()}
    if scenario.key is not None:
        records = expected_records(scenario, started)
    return Observation(scenario, started, run.clock.now(), records, journals, command=result)


async def _at(run: Run, seconds: float, action: Action) -> None:
    await run.clock.sleep(seconds)
    outcome = _act(run, action)
    if asyncio.iscoroutine(outcome):
        await outcome


def _act(run: Run, action: Action) -> Any:
    """Do a timeline action, then note the faults it may have changed (once it is done, if it awaits)."""
    outcome = action(run)
    if not asyncio.iscoroutine(outcome):
        run.note_faults()
        return outcome

    async def then() -> None:
        await outcome
        run.note_faults()

    return then()


async def _preflight(run: Run) -> Observation:
    from hecharness.preflight import check

    scenario, sender = run.scenario, run.scenario.sender
    assert isinstance(sender, Preflight)
    _add_faults(run)
    started = run.clock.now()
    conf = run.destination_conf(template=sender.destination)
    result = await asyncio.to_thread(check, conf, cafile=run.trust, any_port=sender.any_port, timeout=sender.timeout)
    journals = {name: hec.journal for name, hec in run.hecs.items()}
    return Observation(scenario, started, run.clock.now(), [], journals, preflight=result)


def expected_records(scenario: Scenario, start: float, encoded: bool | None = None) -> list[tuple[float, Any]]:
    """The records a sender starting at `start` pushes, each with when it became available.

    Encoded lines (as the job's output options write them) when matching whole lines; dicts when
    matching by a key field. The generator is a pure function of its arguments, so these are exactly
    the records the simulator generated.
    """
    records = scenario.records
    source = RecordSource(records.dataset, seed=records.seed, count=records.count, start=start, rate=records.rate)
    if encoded if encoded is not None else scenario.key is None:
        render = source.renderer(Encoder(records.dataset, records.logpull_options))
        return [(available, render(item)) for available, item in source]
    return [(available, source.record(item)) for available, item in source]
