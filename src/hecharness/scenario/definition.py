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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from hecharness.faults import parse_fault
from hecharness.generate import get_dataset
from hecharness.logpush.policy import RetryPolicy, get_policy
from hecharness.tls import parse_modes

if TYPE_CHECKING:
    from hecharness.scenario.expect import Expectation
    from hecharness.scenario.run import Run

__all__ = [
    "Scenario",
    "HEC",
    "Records",
    "Logpush",
    "Command",
    "Preflight",
    "Sender",
    "At",
    "Action",
    "at",
    "add_fault",
    "clear_faults",
    "enable_job",
    "disable_job",
    "change_job",
    "switch_destination",
    "SPLUNK_DESTINATION",
    "DEFAULT_TOKEN",
    "DEFAULT_CHANNEL",
]

# A token and channel shaped like real ones (GUIDs), so every check a real HEC makes applies.
DEFAULT_TOKEN = "0aa7e2a5-8f35-4b7b-9d7e-3c1d9c2f4e10"
DEFAULT_CHANNEL = "2f5e8a1c-4b7d-4e9f-a3c6-d1b2e7f04a58"
# The destination_conf of Cloudflare's Splunk page. {host}, {port}, {channel} and {token} are filled in
# from the scenario's (first) fake HEC; a scenario that checks a bad destination writes its own.
SPLUNK_DESTINATION = (
    "splunk://{host}:{port}/services/collector/raw?channel={channel}"
    "&sourcetype=cloudflare:json&header_Authorization=Splunk%20{token}"
)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class HEC:
    """One fake HEC: the certificate it presents, its token, and the faults in place while the sender runs.

    Faults are `hecharness.faults` specs. They are added once the sender starts pushing, after a Logpush
    job's validation probe, so `window=0..120` means the first two minutes of the push.
    """

    tls: str = "valid"
    token: str = DEFAULT_TOKEN
    ack: bool = False
    faults: Sequence[str] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(parse_modes(self.tls)) != 1:
            raise ValueError(f"a scenario's HEC serves one TLS mode, got {self.tls!r}")
        faults = (self.faults,) if isinstance(self.faults, str) else tuple(self.faults)
        for spec in faults:
            parse_fault(spec)  # a typo fails when the scenario loads, not halfway through its run
        object.__setattr__(self, "faults", faults)
        object.__setattr__(self, "settings", dict(self.settings))


@dataclass(frozen=True)
class Records:
    """The records a sender pushes: `count` of `dataset`, `rate` per logical second, encoded as `logpull_options` say."""

    dataset: str = "http_requests"
    count: int = 1000
    rate: float = 10.0
    seed: int = 0
    logpull_options: str | None = "timestamps=rfc3339"

    def __post_init__(self) -> None:
        get_dataset(self.dataset)  # unknown names fail here, with the known ones listed
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"count must be a whole number >= 1, got {self.count!r}")
        if isinstance(self.rate, bool) or not isinstance(self.rate, int | float) or not self.rate > 0:
            raise ValueError(f"rate must be a number of records per second above 0, got {self.rate!r}")

    @property
    def seconds(self) -> float:
        """How long the records take to become available, in logical seconds."""
        return self.count / self.rate


@dataclass(frozen=True)
class Logpush:
    """The built-in Logpush job simulator as the sender.

    `destination` is the job's destination_conf with {host}, {port}, {channel} and {token} to fill in.
    `any_port` lifts Logpush's 443/8088 rule, which the fake's free ports would break. `time_scale`
    None runs on a virtual clock (hours in a blink); a number runs a real clock that many times faster.
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

    def __post_init__(self) -> None:
        get_policy(self.policy)
        if self.time_scale is not None and not self.time_scale > 0:
            raise ValueError(f"time_scale must be above 0 (or None for a virtual clock), got {self.time_scale!r}")


@dataclass(frozen=True)
class Command:
    """Any program as the sender. It runs with the fake HEC's address, token, channel, CA bundle and a
    records file in its environment (see `hecharness.scenario.command`), on real time.

    `command` is a list of arguments, or a string run by the shell (so `$HEC_URL` expands).
    """

    kind: ClassVar[str] = "command"

    command: str | Sequence[str]
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.command, str):
            object.__setattr__(self, "command", tuple(self.command))
        if not self.command:
            raise ValueError("a command is needed")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be above 0 seconds, got {self.timeout!r}")


@dataclass(frozen=True)
class Preflight:
    """The pre-flight check (`hecharness.preflight.check`) as the sender: one sample record, each step judged."""

    kind: ClassVar[str] = "preflight"

    destination: str = SPLUNK_DESTINATION
    any_port: bool = True
    timeout: float = 5.0


Sender = Logpush | Command | Preflight


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
        if not isinstance(self.sender, Logpush | Command | Preflight):
            raise TypeError(f"sender must be Logpush(), Command(...) or Preflight(), got {self.sender!r}")
        hecs = {"hec": self.hec} if isinstance(self.hec, HEC) else dict(self.hec)
        if not hecs or not all(isinstance(h, HEC) for h in hecs.values()):
            raise ValueError("hec must be a HEC or a mapping of names to HECs")
        object.__setattr__(self, "expect", tuple(self.expect))
        object.__setattr__(self, "timeline", tuple(sorted(self.timeline, key=lambda moment: moment.seconds)))
        if self.timeline and not isinstance(self.sender, Logpush | Command):
            raise ValueError("a timeline needs a sender that runs over time: Logpush or Command")

    @property
    def hecs(self) -> dict[str, HEC]:
        return {"hec": self.hec} if isinstance(self.hec, HEC) else dict(self.hec)

    @property
    def summary(self) -> str:
        """The story's first sentence, for tables."""
        first = self.story.strip().split(". ")[0].rstrip(".")
        return first + "."
