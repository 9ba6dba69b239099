"""What a scenario's timeline actions and its sender see while it runs: the `Run`.

    at(600, lambda run: run.hec("new").faults.clear())

A `Run` holds the started fake HECs and how to reach them (URL, token, CA, destination_conf), the
clock, the records to send and the scenario's working directory. It knows nothing of which sender
drives it: each sender kind (`hecharness.scenario.sender`) takes the run and returns an `Observation`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hecharness.clock import Clock
from hecharness.generate import Encoder, RecordSource
from hecharness.hec import FakeHEC
from hecharness.logpush import LogpushSimulator
from hecharness.scenario.fault_history import FaultHistory
from hecharness.scenario.observation import Observation
from hecharness.scenario.parts import DEFAULT_CHANNEL, HEC, Records
from hecharness.tls import CertificateFiles

__all__ = ["Run", "Action", "At", "PUBLIC_CA_MODE"]

# Logpush trusts the public CAs only. The hecharness test CA plays them here: a `valid` HEC is trusted,
# while self-signed leaves and Splunk's own SplunkCommonCA are not, exactly as for the real service.
PUBLIC_CA_MODE = "valid"


@dataclass(frozen=True)
class Action:
    """Something done to the run at a moment of its timeline; `apply` may return an awaitable."""

    label: str
    apply: Callable[[Run], Any]

    def __call__(self, run: Run) -> Any:
        return self.apply(run)


@dataclass(frozen=True)
class At:
    seconds: float
    action: Action


class Run:
    """A scenario while it runs: its started HECs, the clock, and the Logpush simulator if there is one.

    Timeline actions get this object: `run.hec("new").faults.clear()`, `run.logpush.enable()`.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        hecs: Mapping[str, FakeHEC],
        specs: Mapping[str, HEC],
        certs: CertificateFiles,
        workdir: Path,
        records: Records,
        *,
        sender: str,
        key: str | None = None,
        destination: str,
        timeline: Sequence[At] = (),
        looks: Sequence[float] = (),
    ) -> None:
        self.name = name
        self.clock = clock
        self.hecs = dict(hecs)
        self.specs = dict(specs)
        self.certs = certs
        self.workdir = workdir
        self.records = records
        self.sender = sender  # its kind, for the observation
        self.key = key
        self.destination = destination  # the template `destination_conf()` fills in by default
        self.timeline = tuple(timeline)
        self.looks = tuple(sorted(set(looks)))  # moments at which an expectation reads the job
        self.channel = DEFAULT_CHANNEL
        self.first = next(iter(self.hecs))
        self.simulator: LogpushSimulator | None = None
        self.fault_history = FaultHistory()

    # -- the HECs ------------------------------------------------------------------------------

    def hec(self, name: str | None = None) -> FakeHEC:
        try:
            return self.hecs[name or self.first]
        except KeyError:
            raise KeyError(f"no HEC named {name!r}; this scenario has {', '.join(self.hecs)}") from None

    def port(self, name: str | None = None) -> int:
        return self.hec(name).listeners[0].port

    def token(self, name: str | None = None) -> str:
        return self._spec(name).token

    def base_url(self, name: str | None = None) -> str:
        scheme = "http" if self._spec(name).tls == "plain" else "https"
        return f"{scheme}://localhost:{self.port(name)}"

    def ca_bundle(self, name: str | None = None) -> Path | None:
        """The CA that issued this HEC's certificate (None for plain HTTP)."""
        tls = self._spec(name).tls
        return None if tls == "plain" else self.certs.ca(tls)

    @property
    def trust(self) -> Path:
        """The CA file senders trust: the stand-in for the public CAs."""
        return self.certs.ca(PUBLIC_CA_MODE)

    def destination_conf(self, name: str | None = None, template: str | None = None) -> str:
        """A HEC's destination_conf from a template (the sender's, by default) with its port, token and channel."""
        template = self.destination if template is None else template
        # Query values, so URL-encoded: a token with "+", "&" or "%" in it must reach HEC as it is.
        token, channel = (quote(value, safe="") for value in (self.token(name), self.channel))
        return template.format(host="localhost", port=self.port(name), channel=channel, token=token)

    def _spec(self, name: str | None) -> HEC:
        self.hec(name)  # the same error for an unknown name
        return self.specs[name or self.first]

    # -- faults and the timeline ---------------------------------------------------------------

    def add_faults(self) -> None:
        """Put each HEC's own faults (and a cluster's restarts) in place: senders call this once they start pushing."""
        for name, spec in self.specs.items():
            for fault in spec.faults:
                self.hec(name).faults.add(fault)
            for restart in spec.restarts:
                self.hec(name).restart(restart)
        self.note_faults()

    def note_faults(self) -> None:
        """Note which faults each HEC has now, for the timeline's shaded periods."""
        self.fault_history.note({name: hec.faults for name, hec in self.hecs.items()}, self.clock.now())

    def act(self, action: Callable[[Run], Any]) -> Any:
        """Do a timeline action, then note the faults it may have changed (once it is done, if it awaits)."""
        outcome = action(self)
        if not asyncio.iscoroutine(outcome):
            self.note_faults()
            return outcome

        async def then() -> None:
            await outcome
            self.note_faults()

        return then()

    async def act_at(self, seconds: float, action: Callable[[Run], Any]) -> None:
        """Wait `seconds` on the run's clock, then act."""
        await self.clock.sleep(seconds)
        outcome = self.act(action)
        if asyncio.iscoroutine(outcome):
            await outcome

    @asynccontextmanager
    async def acting(self) -> AsyncIterator[None]:
        """Do the timeline's actions on the run's clock while the block runs (a sender that keeps no
        schedule of its own runs in it); those not due by its end are cancelled.

        An action that raised (a HEC name mistyped, say) raises here once the block is done: the run is
        an error, as it is under Logpush, rather than a verdict on a timeline that never happened.
        """
        actions = [asyncio.ensure_future(self.act_at(moment.seconds, moment.action)) for moment in self.timeline]
        try:
            yield
        finally:
            for action in actions:
                action.cancel()
        for action in actions:
            if action.done() and not action.cancelled() and action.exception() is not None:
                raise action.exception()  # type: ignore[misc]

    @property
    def logpush(self) -> LogpushSimulator:
        if self.simulator is None:
            raise RuntimeError("this action needs a Logpush job, and the scenario has none (yet)")
        return self.simulator

    # -- the records and what was seen ---------------------------------------------------------

    def expected_records(self, start: float, encoded: bool | None = None) -> list[tuple[float, Any]]:
        """The records a sender starting at `start` pushes, each with when it became available.

        Encoded lines (as the job's output options write them) when matching whole lines; dicts when
        matching by a key field. The generator is a pure function of its arguments, so these are exactly
        the records the simulator generated.
        """
        records = self.records
        source = RecordSource(records.dataset, seed=records.seed, count=records.count, start=start, rate=records.rate)
        if encoded if encoded is not None else self.key is None:
            render = source.renderer(Encoder(records.dataset, records.logpull_options))
            return [(available, render(item)) for available, item in source]
        return [(available, source.record(item)) for available, item in source]

    def observation(self, started_at: float, ended_at: float, records: list[tuple[float, Any]], **seen: Any) -> Observation:
        """What the sender saw, with the HECs' journals and the scenario facts expectations read."""
        journals = {name: hec.journal for name, hec in self.hecs.items()}
        return Observation(
            started_at, ended_at, records, journals, sender=self.sender, key=self.key, dataset=self.records.dataset, rate=self.records.rate, **seen
        )
