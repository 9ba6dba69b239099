"""hecharness: a fake Splunk HTTP Event Collector and a harness for testing what is sent to it.

The names most programs start from are here; each subpackage holds the rest of its capability::

    from hecharness import FakeHEC, LogpushSimulator

    with FakeHEC() as hec:
        ...

Names load on first use, so `import hecharness` (which the pytest plugin does in every run) costs
next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Each public name and the module that defines it.
_FACE = {
    "FakeHEC": "hecharness.hec.server",
    "HECSettings": "hecharness.hec.settings",
    "DeliveryReport": "hecharness.hec.accounting",
    "Destination": "hecharness.destination",
    "LogpushJob": "hecharness.logpush.job",
    "LogpushSimulator": "hecharness.logpush.simulator",
    "records": "hecharness.generate",
    "Scenario": "hecharness.scenario",
    "run_scenario": "hecharness.scenario",
    "CertificateAuthority": "hecharness.tls",
    "VirtualClock": "hecharness.clock",
    "HecHarnessError": "hecharness.errors",
}

__all__ = ["__version__", *_FACE]

if TYPE_CHECKING:  # what type checkers and editors see; at run time __getattr__ loads them
    from hecharness.clock import VirtualClock
    from hecharness.destination import Destination
    from hecharness.errors import HecHarnessError
    from hecharness.generate import records
    from hecharness.hec.accounting import DeliveryReport
    from hecharness.hec.server import FakeHEC
    from hecharness.hec.settings import HECSettings
    from hecharness.logpush.job import LogpushJob
    from hecharness.logpush.simulator import LogpushSimulator
    from hecharness.scenario import Scenario, run_scenario
    from hecharness.tls import CertificateAuthority


def __getattr__(name: str) -> Any:
    try:
        module = _FACE[name]
    except KeyError:
        raise AttributeError(f"module 'hecharness' has no attribute {name!r}") from None
    # Not cached: pytester's in-process runs drop the modules a run imported, and a cached class would then
    # be another copy than the one its own module hands out (hecharness.testing does the same, for that reason).
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
