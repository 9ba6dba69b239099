"""Record builders, one module per hand-modelled dataset, `listed` for every other, and the registry that finds them.

Building a dataset's pools takes a fraction of a second, so blueprints are cached per
(dataset, seed, day, scope): every stream with the same seed shares them, and each stream only adds
its own random state. A builder whose dataset a job of several scopes may push (firewall_events,
zone or account) takes the scope as its build's third argument.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Iterator
from typing import Protocol

from hecharness.generate.blueprint import Blueprint, Plan
from hecharness.generate.builders import listed
from hecharness.generate.catalog import Dataset, get_dataset

__all__ = ["Source", "source"]

_DAY_NS = 86_400 * 1_000_000_000

# dataset -> (module, class producing plans)
_BUILDERS = {
    "http_requests": ("http_requests", "HttpRequests"),
    "firewall_events": ("firewall_events", "FirewallEvents"),
    "dns_logs": ("dns_logs", "DnsLogs"),
    "spectrum_events": ("spectrum_events", "SpectrumEvents"),
    "network_analytics_logs": ("network_analytics_logs", "NetworkAnalyticsLogs"),
}


class Source(Protocol):
    blueprint: Blueprint

    def plans(self, chunks: Iterable[list[int]]) -> Iterator[Plan]:
        """One plan per event time, in the same order."""


def source(dataset: str, seed: int, start_ns: int, scope: str | None = None) -> Source:
    """A fresh plan source for one stream of `dataset` (its Cloudflare name), in a job of `scope` (None: the dataset's own)."""
    if dataset not in _BUILDERS:
        # Keyed by the dataset itself, not its name: a user's field list may be replaced by another.
        return listed.Listed(*_listed(get_dataset(dataset), seed), seed)
    module, name = _BUILDERS[dataset]
    if not get_dataset(dataset).other_scopes:
        scope = None  # a builder of one scope takes none
    return getattr(_module(module), name)(*_built(dataset, seed, start_ns - start_ns % _DAY_NS, scope), seed)


def _module(name: str):
    return importlib.import_module(f"hecharness.generate.builders.{name}")


@functools.lru_cache(maxsize=8)
def _built(dataset: str, seed: int, day_ns: int, scope: str | None) -> tuple:
    build = _module(_BUILDERS[dataset][0]).build
    return build(seed, day_ns) if scope is None else build(seed, day_ns, scope)


# Small (a few MB each) and many: room for every reference dataset under a couple of seeds.
@functools.lru_cache(maxsize=32)
def _listed(dataset: Dataset, seed: int) -> tuple:
    return listed.build(dataset, seed)
