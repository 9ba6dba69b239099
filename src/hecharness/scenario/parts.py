"""The parts a scenario is set up from: its fake HECs and the records a sender pushes to them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hecharness.faults import parse_fault
from hecharness.generate import add_field_list, get_dataset
from hecharness.hec.cluster import parse_restart
from hecharness.hec.cluster.balancing import DEFAULT_COOKIE, cluster_balancing
from hecharness.hec.settings import HECSettings
from hecharness.tls import parse_modes

__all__ = ["HEC", "Records", "SPLUNK_DESTINATION", "DEFAULT_TOKEN", "DEFAULT_CHANNEL"]

# A token and channel shaped like real ones (GUIDs), so every check a real HEC makes applies.
DEFAULT_TOKEN = "0aa7e2a5-8f35-4b7b-9d7e-3c1d9c2f4e10"
DEFAULT_CHANNEL = "2f5e8a1c-4b7d-4e9f-a3c6-d1b2e7f04a58"
# The destination_conf of Cloudflare's Splunk page. {host}, {port}, {channel} and {token} are filled in
# from the scenario's (first) fake HEC; a scenario that checks a bad destination writes its own.
SPLUNK_DESTINATION = (
    "splunk://{host}:{port}/services/collector/raw?channel={channel}"
    "&sourcetype=cloudflare:json&header_Authorization=Splunk%20{token}"
)


@dataclass(frozen=True)
class HEC:
    """One fake HEC: the certificate it presents, its token, and the faults in place while the sender runs.

    Faults are `hecharness.faults` specs. They are added once the sender starts pushing, after a Logpush
    job's validation probe, so `window=0..120` means the first two minutes of the push.

    `indexers=N` (N > 1) makes it a cluster behind a load balancer, with `FakeHEC`'s balancer options;
    `restarts` are specs such as "restart node=1 at=30 for=20", scheduled when the faults are added.
    """

    tls: str = "valid"
    token: str = DEFAULT_TOKEN
    ack: bool = False
    faults: Sequence[str] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    indexers: int = 1
    balancer: str | None = None
    cookie_name: str = DEFAULT_COOKIE
    cookie_lifetime: float | None = None
    channel_cookie: str | None = None
    balancer_fallback: str = "round-robin"
    balancer_unavailable: int = 502
    restarts: Sequence[str] = ()

    def __post_init__(self) -> None:
        if len(parse_modes(self.tls)) != 1:
            raise ValueError(f"a scenario's HEC serves one TLS mode, got {self.tls!r}")
        faults = (self.faults,) if isinstance(self.faults, str) else tuple(self.faults)
        for spec in faults:
            parse_fault(spec)  # a typo fails when the scenario loads, not halfway through its run
        object.__setattr__(self, "faults", faults)
        object.__setattr__(self, "settings", dict(self.settings))
        HECSettings().updated(self.settings)  # likewise a misspelt or out-of-range setting
        self.balancing()  # and a balancer option
        restarts = (self.restarts,) if isinstance(self.restarts, str) else tuple(self.restarts)
        if restarts and self.indexers < 2:
            raise ValueError("restarts need a cluster: indexers=2 or more")
        for restart in restarts:
            parse_restart(restart).outages(0.0, self.indexers)
        object.__setattr__(self, "restarts", restarts)

    def balancing(self) -> dict[str, Any]:
        """The cluster options as `FakeHEC` takes them (checked; a bad one raises InvalidArgument)."""
        options = {
            "balancer": self.balancer,
            "cookie_name": self.cookie_name,
            "cookie_lifetime": self.cookie_lifetime,
            "channel_cookie": self.channel_cookie,
            "balancer_fallback": self.balancer_fallback,
            "balancer_unavailable": self.balancer_unavailable,
        }
        cluster_balancing(self.indexers, **options)
        return {"indexers": self.indexers, **options}


@dataclass(frozen=True)
class Records:
    """The records a sender pushes: `count` of `dataset`, `rate` per logical second, encoded as `logpull_options` say.

    `field_list` is a field list file (`hecharness.generate.add_field_list`) whose datasets `dataset` may name;
    a relative path is taken from the current directory, where `hecharness scenario run` runs.
    """

    dataset: str = "http_requests"
    count: int = 1000
    rate: float = 10.0
    seed: int = 0
    logpull_options: str | None = "timestamps=rfc3339"
    field_list: str | Path | None = None

    def __post_init__(self) -> None:
        if self.field_list is not None:
            add_field_list(self.field_list)  # a bad file fails here, naming the entry
        get_dataset(self.dataset)  # unknown names fail here, with the known ones listed
        if isinstance(self.count, bool) or not isinstance(self.count, int) or self.count < 1:
            raise ValueError(f"count must be a whole number >= 1, got {self.count!r}")
        if isinstance(self.rate, bool) or not isinstance(self.rate, int | float) or not self.rate > 0:
            raise ValueError(f"rate must be a number of records per second above 0, got {self.rate!r}")

    @property
    def seconds(self) -> float:
        """How long the records take to become available, in logical seconds."""
        return self.count / self.rate
