"""Which records are DDoS attack traffic, read from the records' own fields.

Logpush's `filter_attack_traffic` (changelog 2026-09-18) leaves out "identified DDoS attack traffic"
of `http_requests`, `firewall_events` and `network_analytics_logs`. Cloudflare does not say which
fields carry the mark (the linked section is in no archived copy), so we read it where the logs
themselves say a DDoS system acted on the record:

- `http_requests`: `SecuritySources` lists `l7ddos`, the HTTP DDoS attack protection;
- `firewall_events`: `Source` is `l7ddos`, the same product in that dataset's spelling;
- `network_analytics_logs`: `AttackID` is set, i.e. a DDoS mitigation matched the packet.

Being a reading of existing fields, the mark changes nothing in what the generator emits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hecharness.generate.catalog import get_dataset

__all__ = ["ATTACK_MARKS", "AttackMark", "attack_mark"]


@dataclass(frozen=True)
class AttackMark:
    """The field that tells attack traffic apart, and the test on its value."""

    field: str
    test: Callable[[Any], bool]
    reads: str  # the rule in words, for documentation and messages


def _lists_l7ddos(value: Any) -> bool:
    return bool(value) and "l7ddos" in value


def _is_l7ddos(value: Any) -> bool:
    return value == "l7ddos"


def _is_set(value: Any) -> bool:
    return bool(value)


ATTACK_MARKS: dict[str, AttackMark] = {
    "http_requests": AttackMark("SecuritySources", _lists_l7ddos, "SecuritySources lists l7ddos"),
    "firewall_events": AttackMark("Source", _is_l7ddos, "Source is l7ddos"),
    "network_analytics_logs": AttackMark("AttackID", _is_set, "AttackID is set"),
}


def attack_mark(dataset: str) -> AttackMark | None:
    """The attack-traffic mark of `dataset` (aliases allowed), or None when Logpush offers none for it."""
    return ATTACK_MARKS.get(get_dataset(dataset).name)
