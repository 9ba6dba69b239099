"""Collector settings that are not per token: limits, raw line splitting, journal caps, health, connections."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from hecharness import codes
from hecharness.codes import HECCode
from hecharness.errors import HecHarnessError
from hecharness.tls import DEFAULT_TLS_PROFILE, TLS_PROFILES

__all__ = [
    "HECSettings",
    "Flavor",
    "Health",
    "RawSplit",
    "HEALTH_STATES",
    "BUSY_HEALTH_STATES",
    "RAW_SPLIT_MODES",
    "FLAVORS",
    "SettingsError",
]


class Health(StrEnum):
    """What /services/collector/health reports."""

    HEALTHY = "healthy"
    QUEUES_FULL = "queues-full"
    ACK_UNAVAILABLE = "ack-unavailable"
    QUEUES_FULL_ACK_UNAVAILABLE = "queues-full-ack-unavailable"


class RawSplit(StrEnum):
    """How a /raw body becomes events.

    LINE: every non-blank line is one event (Splunk with SHOULD_LINEMERGE=false, as the Cloudflare
    add-on's sourcetypes set it); BODY: the whole body is one event.
    """

    LINE = "line"
    BODY = "body"


class Flavor(StrEnum):
    """Which Splunk the collector answers like.

    ENTERPRISE: Splunk Enterprise 10.x. CLOUD: Splunk Cloud, which says code 28 for a missing channel
    and refuses bodies over ~5 MB with code 6 instead of 413. EDGE_PROCESSOR: Splunk Edge Processor's
    HEC receiver, which serves /services/collector and /services/collector/raw only and cannot tell
    which indexes exist (see hec.collector).
    """

    ENTERPRISE = "enterprise"
    CLOUD = "cloud"
    EDGE_PROCESSOR = "edge-processor"


# What /services/collector/health answers in each state.
HEALTH_STATES: dict[Health, HECCode] = {
    Health.HEALTHY: codes.HEALTHY,
    Health.QUEUES_FULL: codes.UNHEALTHY_QUEUES_FULL,
    Health.ACK_UNAVAILABLE: codes.UNHEALTHY_ACK_UNAVAILABLE,
    Health.QUEUES_FULL_ACK_UNAVAILABLE: codes.UNHEALTHY_QUEUES_FULL_ACK_UNAVAILABLE,
}
# The states in which splunkd's queues are full: it is busy, and idle keep-alive connections get
# busy_keep_alive_idle_timeout instead of keep_alive_idle_timeout.
BUSY_HEALTH_STATES = (Health.QUEUES_FULL, Health.QUEUES_FULL_ACK_UNAVAILABLE)
# The wire strings, as plain text: click's Choice would match enum members by their Python names.
RAW_SPLIT_MODES = tuple(mode.value for mode in RawSplit)
FLAVORS = tuple(flavor.value for flavor in Flavor)
CLOUD_MAX_CONTENT_LENGTH = 5_242_881


class SettingsError(HecHarnessError, ValueError):
    """A setting with a bad name or value; the message names it."""


@dataclass
class HECSettings:
    max_content_length: int = 838_860_800  # Splunk's default since 7.1
    max_event_size: int = 5_242_880  # inputs.conf maxEventSize, per /event object
    raw_split: RawSplit = RawSplit.LINE
    max_events: int = 100_000  # events kept for reading; counters stay exact past it
    max_requests: int = 100_000
    count_only: bool = False
    health: Health = Health.HEALTHY
    flavor: Flavor = Flavor.ENTERPRISE
    ack_delay: float = 0.0  # logical seconds before an issued ackId reads true
    # Indexes the server has besides Splunk's own and those the tokens name; "*" for any index.
    indexes: tuple[str, ...] = ()
    # inputs.conf [http] keepAliveIdleTimeout and busyKeepAliveIdleTimeout, in real seconds: they
    # time real sockets against the sender's own pool timers, which run on real time too.
    keep_alive_idle_timeout: float = 7200.0
    busy_keep_alive_idle_timeout: float = 12.0
    tls_profile: str = DEFAULT_TLS_PROFILE  # the TLS versions and ciphers the HEC listener accepts

    def __post_init__(self) -> None:
        for name, least in (("max_content_length", 1), ("max_event_size", 1), ("max_events", 0), ("max_requests", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise SettingsError(f"{name} must be a whole number >= {least}, got {value!r}")
        self.raw_split = RawSplit(_one_of("raw_split", self.raw_split, RawSplit))
        self.health = Health(_one_of("health", self.health, Health))
        self.flavor = Flavor(_one_of("flavor", self.flavor, Flavor))
        if not isinstance(self.indexes, (list, tuple)) or not all(isinstance(i, str) and i for i in self.indexes):
            raise SettingsError(f"indexes must be a list of index names (or [\"*\"] for any), got {self.indexes!r}")
        self.indexes = tuple(self.indexes)
        if not isinstance(self.count_only, bool):
            raise SettingsError(f"count_only must be true or false, got {self.count_only!r}")
        # not >= 0 rather than < 0: NaN (which TOML can write) must fail too.
        if isinstance(self.ack_delay, bool) or not isinstance(self.ack_delay, (int, float)) or not self.ack_delay >= 0:
            raise SettingsError(f"ack_delay must be a number of seconds >= 0, got {self.ack_delay!r}")
        for name in ("keep_alive_idle_timeout", "busy_keep_alive_idle_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise SettingsError(f"{name} must be a number of seconds above 0, got {value!r}")
        _one_of("tls_profile", self.tls_profile, TLS_PROFILES)

    @property
    def health_code(self) -> HECCode:
        return HEALTH_STATES[self.health]

    def idle_timeout(self, busy: bool) -> float:
        """How long a keep-alive connection may idle before the server closes it; never longer when busy."""
        if busy:
            return min(self.busy_keep_alive_idle_timeout, self.keep_alive_idle_timeout)
        return self.keep_alive_idle_timeout

    @property
    def body_limit(self) -> int:
        if self.flavor == Flavor.CLOUD:
            return min(self.max_content_length, CLOUD_MAX_CONTENT_LENGTH)
        return self.max_content_length

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def updated(self, changes: Mapping[str, Any]) -> HECSettings:
        """A copy with `changes` applied, naming any unknown setting."""
        known = {f.name for f in fields(self)}
        for name in changes:
            if name not in known:
                raise SettingsError(f"unknown setting {name!r}; known: {', '.join(sorted(known))}")
        return HECSettings(**{**self.to_dict(), **changes})


def _one_of(name: str, value: Any, allowed: Iterable[str]) -> str:
    choices = tuple(allowed)
    if not isinstance(value, str) or value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value
