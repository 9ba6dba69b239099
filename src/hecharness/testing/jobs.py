"""Logpush pointed at a fake HEC: records to push, a simulated job, the pre-flight check."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from hecharness import preflight as preflight_check
from hecharness.clock import VirtualClock
from hecharness.destination import Destination
from hecharness.generate import FieldListError, add_field_list
from hecharness.generate import records as generate_records
from hecharness.hec.server import FakeHEC
from hecharness.logpush import LogpushSimulator
from hecharness.preflight import PreflightResult
from hecharness.testing.options import OptionError

__all__ = ["add_field_lists", "destination_conf", "logpush_job", "preflight", "records"]


def add_field_lists(paths: Iterable[str | Path]) -> None:
    """Add the datasets of field list files, so records and jobs can name them; a bad file is an OptionError."""
    for path in paths:
        try:
            add_field_list(path)
        except FieldListError as error:
            raise OptionError(f"--hec-field-list: {error}") from None


def records(
    dataset: str = "http_requests",
    count: int = 100,
    *,
    seed: int = 0,
    fields: str | Iterable[str] | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    """Logpush records; the same arguments give the same records on every run."""
    return list(generate_records(dataset, seed=seed, count=count, fields=fields, **options))


def logpush_job(
    hec: FakeHEC, job: Mapping[str, Any] | None = None, *, count: int | None = 100, **options: Any
) -> LogpushSimulator:
    """A Logpush job simulator pushing to `hec`, on a `VirtualClock` unless `clock=` is given.

    The job's `destination_conf` points at the HEC's raw endpoint with its token, a channel of its
    own and sourcetype `cloudflare:json`, trusting the HEC's CA when it serves TLS. `job` adds fields
    of the API's job object (`logpull_options`, `dataset`, ...); other keywords go to
    `LogpushSimulator` (`rate=`, `policy=`, `seed=`, `clock=`, ...). Uploads time out on the HEC's own
    clock: real time for a started `FakeHEC`, logical time for one made with the simulator's `clock=`.
    """
    options.setdefault("clock", VirtualClock())
    options.setdefault("destination_clock", hec.clock)  # its answers take time on the clock it runs on
    options.setdefault("cafile", hec.ca_path)
    # Logpush itself only pushes to 443 or 8088 over TLS; a fake on a free port, maybe plain, needs both lifted.
    options.setdefault("any_port", True)
    options.setdefault("allow_http", True)
    return LogpushSimulator({"destination_conf": destination_conf(hec), **(job or {})}, count=count, **options)


def preflight(hec: FakeHEC, **options: Any) -> PreflightResult:
    """The pre-flight check of a Logpush destination pointed at `hec`, trusting its CA."""
    options.setdefault("cafile", hec.ca_path)
    options.setdefault("any_port", True)
    return preflight_check.check(destination_conf(hec), **options)


def destination_conf(hec: FakeHEC) -> str:
    """A Logpush `destination_conf` for `hec`'s raw endpoint, with its token and a channel of its own."""
    return Destination.for_hec(hec.url, token=hec.token).canonical(show_token=True)
