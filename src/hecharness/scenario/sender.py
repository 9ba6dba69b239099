"""Senders: what pushes a scenario's records to its fake HECs, one kind per module, found by kind.

A sender kind is two things, written side by side in one module:

- a value the scenario names (`Logpush()`, `Command([...])`, `Preflight()`): a frozen dataclass with a
  `kind` class attribute, checked when the scenario loads;
- a `Driver` that runs it: which clock the run keeps, whether it follows a timeline, and `send`, which
  takes the `Run` (`hecharness.scenario.context`) and returns what it observed.

The module ends with `register(Value.kind, ValueDriver())`, and the runner finds the driver by the value's
kind. A new sender (a Vector or Fluent Bit recipe, say) is one new module and no edit to the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    from hecharness.clock import Clock
    from hecharness.scenario.context import Run
    from hecharness.scenario.observation import Observation

__all__ = ["Sender", "Driver", "register", "driver_for", "kinds", "abandon_all"]


class Sender(Protocol):
    """The value a scenario names as its sender."""

    kind: ClassVar[str]


class Driver(Protocol):
    """How one kind of sender runs."""

    over_time: bool  # it runs long enough for a timeline of actions to apply
    admin: bool  # the fake HECs serve their admin API to it

    def clock(self, sender: Any) -> Clock:
        """The clock the run keeps: the fakes, the faults and the journal all read it."""
        ...

    async def send(self, sender: Any, run: Run) -> Observation:
        """Push the run's records (or do what the sender does), then say what was seen."""
        ...

    # A driver that starts something outside this process (a program, a container) also defines
    # `abandon()`: end it at once, from a signal handler, when the run is being torn down.


_drivers: dict[str, Driver] = {}


def register(kind: str, driver: Driver) -> None:
    """Make `kind` a sender a scenario can name; registering a kind again replaces its driver."""
    _drivers[kind] = driver


def driver_for(sender: object) -> Driver:
    """The driver of `sender`'s kind; a TypeError naming the known kinds for anything else."""
    kind = getattr(type(sender), "kind", None)
    driver = _drivers.get(kind) if isinstance(kind, str) else None
    if driver is None:
        unregistered = f" of kind {kind!r}, which is not registered" if isinstance(kind, str) else ""
        raise TypeError(f"sender must be one of {', '.join(kinds())}, got {sender!r}{unregistered}")
    return driver


def kinds() -> list[str]:
    return sorted(_drivers)


def abandon_all() -> None:
    """End at once whatever any kind of sender started outside this process (a worker told to stop)."""
    for driver in _drivers.values():
        abandon = getattr(driver, "abandon", None)
        if abandon is not None:
            abandon()
