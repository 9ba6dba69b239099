"""Indexer restarts on the harness clock: one node (`restart node=1 at=120 for=30`) or each in turn.

    restart node=2 at=120 for=30                 node 2 is down from 120 s to 150 s after this is added
    restart node=1 for=30 lose_unwritten=20      down now for 30 s, losing its 20 newest accepted events
    rolling-restart at=60 for=30 gap=10          node 1 from 60 s, node 2 from 100 s, node 3 from 140 s...

`at` counts harness seconds from when the restart is added (as a fault's window does); `for` is how
long the node refuses requests. `lose_unwritten=N` is the opt-in loss of what a node had answered
200 to but not yet written (Splunk Connect for Syslog measured 20-30 events per indexer).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from hecharness.errors import InvalidArgument
from hecharness.faults.actions import parse_seconds
from hecharness.faults import FaultSpecError

__all__ = ["Restart", "Outage", "parse_restart", "RestartSpecError"]

_KINDS = {"restart": False, "rolling-restart": True, "rolling": True}
_KEYS = ("node", "at", "for", "gap", "lose_unwritten")


class RestartSpecError(InvalidArgument):
    """A restart spec that cannot be used; the message names the bad part."""


@dataclass(frozen=True)
class Restart:
    """A restart as asked for: one node (`node`), or every node in turn (`rolling`)."""

    node: int | None = None
    at: float = 0.0
    duration: float = 30.0
    gap: float = 0.0
    lose_unwritten: int = 0
    rolling: bool = False

    def __post_init__(self) -> None:
        if self.rolling == (self.node is not None):
            raise RestartSpecError("a restart names one node (node=N), or is rolling and names none")
        if self.node is not None and (isinstance(self.node, bool) or not isinstance(self.node, int) or self.node < 1):
            raise RestartSpecError(f"node must be a whole number >= 1, got {self.node!r}")
        for what, value in (("at", self.at), ("for", self.duration), ("gap", self.gap)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < float("inf"):
                raise RestartSpecError(f"{what} must be seconds >= 0, got {value!r}")
        if self.duration <= 0:
            raise RestartSpecError(f"for must be above 0 seconds, got {self.duration!r}")
        lose = self.lose_unwritten
        if isinstance(lose, bool) or not isinstance(lose, int) or lose < 0:
            raise RestartSpecError(f"lose_unwritten must be a whole number >= 0, got {lose!r}")

    def outages(self, now: float, indexers: int) -> list[Outage]:
        """When each node it touches is down, on the clock that reads `now` as it is added."""
        if self.node is not None and self.node > indexers:
            raise RestartSpecError(f"node {self.node} does not exist; this cluster has nodes 1 to {indexers}")
        nodes = range(1, indexers + 1) if self.rolling else [self.node]
        start = now + self.at
        outages = []
        for number in nodes:
            assert number is not None
            outages.append(Outage(number, start, start + self.duration, self.lose_unwritten, str(self)))
            start += self.duration + self.gap
        return outages

    def __str__(self) -> str:
        head = "rolling-restart" if self.rolling else f"restart node={self.node}"
        text = f"{head} at={self.at:g} for={self.duration:g}"
        if self.rolling and self.gap:
            text += f" gap={self.gap:g}"
        if self.lose_unwritten:
            text += f" lose_unwritten={self.lose_unwritten}"
        return text


@dataclass
class Outage:
    """One node down from `start` to `end` (harness clock), and whether that has happened yet."""

    node: int
    start: float
    end: float
    lose_unwritten: int
    spec: str
    begun: bool = False
    ended: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "node": self.node,
            "start": self.start,
            "end": self.end,
            "lose_unwritten": self.lose_unwritten,
            "spec": self.spec,
            "state": "over" if self.ended else "down" if self.begun else "scheduled",
        }


def parse_restart(text: str) -> Restart:
    """`restart node=1 at=120 for=30`, `rolling-restart at=60 for=30 gap=10` (the leading word may be left out)."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise RestartSpecError(f"restart spec {text!r}: {error}") from None
    rolling = False
    if words and "=" not in words[0]:
        kind = words.pop(0).lower()
        if kind not in _KINDS:
            raise RestartSpecError(f"a restart spec starts with restart or rolling-restart, got {kind!r}")
        rolling = _KINDS[kind]
    settings: dict[str, str] = {}
    for word in words:
        key, equals, value = word.partition("=")
        key = key.strip().replace("-", "_")
        if not equals or key not in _KEYS:
            raise RestartSpecError(f"unknown restart setting {word!r}; known: {', '.join(_KEYS)}")
        if key in settings:
            raise RestartSpecError(f"{key} given twice in {text!r}")
        settings[key] = value
    if not rolling and "node" not in settings:
        raise RestartSpecError(f"restart needs node=N (or rolling-restart for every node), in {text!r}")
    if rolling and "node" in settings:
        raise RestartSpecError("a rolling restart restarts every node; it takes no node=")
    try:
        return Restart(
            node=_whole(settings["node"], "node") if "node" in settings else None,
            at=parse_seconds(settings.get("at", "0"), "at"),
            duration=parse_seconds(settings.get("for", "30"), "for"),
            gap=parse_seconds(settings.get("gap", "0"), "gap"),
            lose_unwritten=_whole(settings.get("lose_unwritten", "0"), "lose_unwritten"),
            rolling=rolling,
        )
    except FaultSpecError as error:
        raise RestartSpecError(str(error)) from None


def _whole(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise RestartSpecError(f"{what} must be a whole number, got {text!r}") from None
