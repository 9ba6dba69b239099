"""What a scenario is made of: a fake HEC, the records, a sender, a timeline and what must hold.

    scenario = Scenario(
        "brief-outage",
        "Every connection is reset for two minutes; Logpush retries and loses nothing.",
        hec=HEC(faults=["reset window=0..120"]),
        records=Records(count=2400, rate=10),
        sender=Logpush(),
        expect=[expect.delivered("all"), expect.batches_dropped(0)],
    )

A scenario is a value: building one starts nothing. `hecharness.scenario.run_scenario` runs it.
The senders (`Logpush`, `Command`, `Preflight`) each live in their own module; see `hecharness.scenario.sender`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hecharness.faults import parse_fault
from hecharness.hec.cluster import parse_restart
from hecharness.scenario.context import Action, At, Run
from hecharness.scenario.expect import Expectation
from hecharness.scenario.parts import DEFAULT_CHANNEL, DEFAULT_TOKEN, HEC, SPLUNK_DESTINATION, Records
from hecharness.scenario.sender import Sender, driver_for

__all__ = [
    "Scenario",
    "HEC",
    "Records",
    "Sender",
    "At",
    "Action",
    "at",
    "add_fault",
    "clear_faults",
    "enable_job",
    "disable_job",
    "restart",
    "change_job",
    "switch_destination",
    "SPLUNK_DESTINATION",
    "DEFAULT_TOKEN",
    "DEFAULT_CHANNEL",
]

_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def at(seconds: float, action: Action | Callable[[Run], Any]) -> At:
    """Do `action` `seconds` logical seconds after the sender starts."""
    if not seconds >= 0:
        raise ValueError(f"a moment is seconds >= 0 after the start, got {seconds!r}")
    if not isinstance(action, Action):
        action = Action(getattr(action, "__name__", "action"), action)
    return At(float(seconds), action)


def add_fault(spec: str, hec: str | None = None) -> Action:
    parse_fault(spec)
    return Action(f"add fault {spec}", lambda run: run.hec(hec).faults.add(spec))


def restart(spec: str, hec: str | None = None) -> Action:
    """Restart a cluster's indexer, or each in turn: "restart node=1 for=30", "rolling-restart for=30 gap=10"."""
    parse_restart(spec)
    return Action(spec, lambda run: run.hec(hec).restart(spec))


def clear_faults(hec: str | None = None) -> Action:
    return Action("faults cleared", lambda run: run.hec(hec).faults.clear())


def enable_job() -> Action:
    return Action("job enabled by its owner", lambda run: run.logpush.enable())


def disable_job() -> Action:
    return Action("job disabled by its owner", lambda run: run.logpush.disable())


def change_job(**changes: Any) -> Action:
    """A PUT to the job, e.g. `change_job(logpull_options="fields=...")`; it applies after the propagation delay."""
    shown = ", ".join(f"{name}={value!r}" for name, value in changes.items())
    return Action(f"job changed: {shown}", lambda run: run.logpush.update(**changes))


def switch_destination(to: str) -> Action:
    """Point the job at another of the scenario's HECs (by name); it applies after the propagation delay."""
    return Action(f"destination switched to {to}", lambda run: run.logpush.update(destination_conf=run.destination_conf(to)))


@dataclass(frozen=True)
class Scenario:
    """One behaviour: set-up (`hec`, `records`, `sender`), what happens (`timeline`), what must hold (`expect`).

    `hec` is one `HEC` or several by name (the first is where the sender points). `key` says how
    records are matched at the HEC: None compares whole lines; a field name such as "RayID" matches
    records by that field, for scenarios whose records change shape on the way.
    """

    name: str
    story: str
    sender: Sender
    expect: Sequence[Expectation]
    hec: HEC | Mapping[str, HEC] = field(default_factory=HEC)
    records: Records = field(default_factory=Records)
    timeline: Sequence[At] = ()
    key: str | None = None
    source: str = ""  # the file it was loaded from

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.fullmatch(self.name):
            raise ValueError(f"a scenario name is lowercase letters, digits and dashes, got {self.name!r}")
        driver = driver_for(self.sender)  # a TypeError naming the known kinds
        hecs = {"hec": self.hec} if isinstance(self.hec, HEC) else dict(self.hec)
        if not hecs or not all(isinstance(h, HEC) for h in hecs.values()):
            raise ValueError("hec must be a HEC or a mapping of names to HECs")
        object.__setattr__(self, "expect", tuple(self.expect))
        object.__setattr__(self, "timeline", tuple(sorted(self.timeline, key=lambda moment: moment.seconds)))
        if self.timeline and not driver.over_time:
            raise ValueError(f"a timeline needs a sender that runs over time, not {self.sender.kind}")

    @property
    def hecs(self) -> dict[str, HEC]:
        return {"hec": self.hec} if isinstance(self.hec, HEC) else dict(self.hec)

    @property
    def summary(self) -> str:
        """The story's first sentence, for tables."""
        first = self.story.strip().split(". ")[0].rstrip(".")
        return first + "."
