"""What a test harness around the fake HEC needs, without pytest: the pytest plugin is a thin face over it.

- `ServerPool`: one running `FakeHEC` per configuration, started on first use; `start()` makes extra ones.
- `SessionCA` / `session_ca()`: one set of certificates for a whole test run, shared across processes.
- `ErrorWatch`: which servers a test used and which of their errors it has already reported.
- `marker_options()`, `parse_faults()`, `check_tls()`: options as a marker or a factory call spells them,
  checked up front, refused with `OptionError` and a one-line message.
- `logpush_job()`, `preflight()`, `records()`, `destination_conf()`: Logpush pointed at a fake HEC;
  `add_field_lists()`: datasets from field list files for them.
- `spawn_served()`: `hecharness serve ... --ready-file F` as a subprocess, returned once it is ready.

Servers start on first use only (an ordinary test run pays nothing), on port 0 with the socket bound
before the server thread starts, so parallel workers never race for a port. A shared server is cleared
before each test, not after (pytest-httpserver PR #352: a background sender from the previous test
could otherwise leak requests into the next), and after each test hung or in-flight requests are
ended so that they land in the journal that is about to be cleared.

Names load on first use: the plugin imports this package in every pytest run, and most runs never start
a server, so uvicorn, httpx, trustme and the generator wait until a name that needs them is touched.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hecharness.testing.ca import SessionCA, session_ca
    from hecharness.testing.jobs import add_field_lists, destination_conf, logpush_job, preflight, records
    from hecharness.testing.options import OptionError, check_tls, marker_options, parse_faults, settings_dict
    from hecharness.testing.pool import ServerPool, stop_all
    from hecharness.testing.spawn import Served, SpawnError, spawn_served
    from hecharness.testing.watch import ErrorWatch

_HOMES = {
    "SessionCA": "ca",
    "session_ca": "ca",
    "add_field_lists": "jobs",
    "destination_conf": "jobs",
    "logpush_job": "jobs",
    "preflight": "jobs",
    "records": "jobs",
    "OptionError": "options",
    "check_tls": "options",
    "marker_options": "options",
    "parse_faults": "options",
    "settings_dict": "options",
    "ServerPool": "pool",
    "stop_all": "pool",
    "Served": "spawn",
    "SpawnError": "spawn",
    "spawn_served": "spawn",
    "ErrorWatch": "watch",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # Not cached here: pytester's in-process runs drop the modules a run imported, and a cached name
    # would then come from another copy than its module's siblings (an error class the code no longer raises).
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
