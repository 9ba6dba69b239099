"""Delivery accounting: what a sender meant to deliver against what one or more HECs accepted.

Every record is told apart by a key (a field of its JSON such as "RayID", a function of it, or its
whole line) and counted into one of four kinds: delivered (arrived at least once), missing (never
arrived), duplicated (arrived more often than sent) and unexpected (arrived, but nobody sent it).

The events may come from several journals: a record delivered once to each of two HECs is a
duplicate, one delivered to either is delivered.

A record may also arrive inside another one: a sender that folds records into a list field of a
parent (Logpush merging Worker subrequests into `Subrequests`) delivers them there. Given `nested=`,
the path to such a list, each element counts as an arrival of its own key, and the report names the
records it found that way. Lines that reach a HEC without being records
(Logpush's validation probe, a health check someone posted) are named in `ignore=` and left out
before anything is counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from hecharness.errors import InvalidArgument
from hecharness.hec.batches import Event
from hecharness.hec.jsontext import dumps_json

__all__ = ["account", "counted_verdict", "verdict_of", "records_among", "key_function", "payload_of", "DeliveryReport", "EventSource", "Key", "Nested"]

Key = str | Callable[[Any], Any] | None
# Where records nested in an event sit: a field name, or a path of field names, holding a list.
Nested = str | Sequence[str] | None


class EventSource(Protocol):
    """Where accepted events are read from: a `Journal`."""

    def complete_events(self) -> list[Event]:
        """Every event accepted, oldest first; raises if some were not kept, as counting would be wrong."""
        ...

    def lost_events(self) -> list[tuple[Event, str]]:
        """Events accepted and then lost (an indexer restarted before writing them), each with the reason."""
        ...


@dataclass
class DeliveryReport:
    """What a sender meant to deliver against what the collector accepted.

    `delivered` counts expected records that arrived at least once; `missing`, `duplicated` (extra
    arrivals of expected records) and `unexpected` (arrivals nobody expected) are counts too, as in
    the JSON form. The records themselves, by key, are `missing_keys`, `duplicated_keys` (each with
    its extra arrivals) and `unexpected_keys`. `lost` gives, for missing records the journal saw
    accepted and then lost (an indexer restarted before writing them), the reason. With `nested_in`
    (the path accounting looked in), `nested_keys` are the arrivals found inside another record
    rather than as events of their own; `received` counts them too.
    """

    expected: int
    received: int
    delivered: int
    missing_keys: list[Any]
    duplicated_keys: dict[Any, int]
    unexpected_keys: list[Any]
    key: str
    lost: dict[Any, str] = field(default_factory=dict)
    nested_in: str | None = None
    nested_keys: list[Any] = field(default_factory=list)

    @property
    def nested(self) -> int:
        return len(self.nested_keys)

    @property
    def missing(self) -> int:
        return len(self.missing_keys)

    @property
    def duplicated(self) -> int:
        return sum(self.duplicated_keys.values())

    @property
    def unexpected(self) -> int:
        return len(self.unexpected_keys)

    @property
    def complete(self) -> bool:
        """Every expected record arrived exactly once and nothing else did."""
        return not self.missing and not self.duplicated and not self.unexpected

    def verdict(self) -> str:
        """The one line a load run ends with: `sent 4,000,000, received 4,000,000, missing 0, duplicated 0`."""
        return verdict_of(self.to_dict())

    def summary(self, limit: int = 5) -> str:
        parts = [
            f"expected {self.expected}, received {self.received}, delivered {self.delivered}",
            f"missing {self.missing}",
            f"duplicated {self.duplicated}",
            f"unexpected {self.unexpected}",
        ]
        text = ", ".join(parts) + f" (by {self.key})"
        if self.nested_keys:
            text += f"; {self.nested} found nested in {self.nested_in}, e.g. {', '.join(map(repr, self.nested_keys[:limit]))}"
        if self.missing_keys:
            text += f"; first missing: {', '.join(map(repr, self.missing_keys[:limit]))}"
        if self.lost:
            reasons = Counter(self.lost.values())
            text += f"; {len(self.lost)} of the missing were lost: " + "; ".join(
                f"{reason} (x{n})" for reason, n in reasons.most_common(limit)
            )
        if self.duplicated_keys:
            firsts = list(self.duplicated_keys.items())[:limit]
            text += "; first duplicated: " + ", ".join(f"{k!r} x{n + 1}" for k, n in firsts)
        if self.unexpected_keys:
            text += f"; first unexpected: {', '.join(map(repr, self.unexpected_keys[:limit]))}"
        return text

    def to_dict(self, shown: Callable[[Any], Any] | None = None) -> dict[str, Any]:
        """Counts, and the first 20 keys of each kind; `shown` writes a key (by default, lines cut to 120 characters).

        Records lost after they were accepted add `lost` and `first_lost` (key and reason).
        """
        show = shown or _clipped
        lost = {"lost": len(self.lost), "first_lost": [[show(k), why] for k, why in list(self.lost.items())[:20]]}
        nested = {"nested_in": self.nested_in, "nested": self.nested, "first_nested": [show(k) for k in self.nested_keys[:20]]}
        return {
            "expected": self.expected,
            "received": self.received,
            "delivered": self.delivered,
            "missing": self.missing,
            "duplicated": self.duplicated,
            "unexpected": self.unexpected,
            "complete": self.complete,
            "key": self.key,
            "first_missing": [show(k) for k in self.missing_keys[:20]],
            "first_duplicated": [[show(k), n + 1] for k, n in list(self.duplicated_keys.items())[:20]],
            "first_unexpected": [show(k) for k in self.unexpected_keys[:20]],
            **(lost if self.lost else {}),
            **(nested if self.nested_in is not None else {}),
        }


def account(
    expected: Iterable[Any],
    sources: Iterable[EventSource],
    key: Key = None,
    ignore: Iterable[str | bytes] = (),
    nested: Nested = None,
) -> DeliveryReport:
    """Account for the records a sender meant to deliver against the events of one or more journals.

    `key` names a field (e.g. "RayID") read from each record and each event's JSON payload, or is a
    function of a record; without one, records and events are compared as whole lines. Events whose
    line is one of `ignore` are not records and are left out. `nested` is the path (a field name, or
    a list of them) to a list of records inside an event, each an arrival of its own (it needs a
    `key`). Raises `JournalTruncated` when a journal dropped events to respect its cap. A missing
    record that a journal lost after accepting it is named in the report's `lost` with the reason.
    """
    sources = list(sources)
    events = records_among((event for source in sources for event in source.complete_events()), ignore)
    report = _tally(expected, events, key, _path(nested, key))
    if report.missing_keys:
        key_of, _ = key_function(key)
        missing = set(report.missing_keys)
        for source in sources:
            for event, reason in source.lost_events():
                k = key_of(event)
                if k in missing:
                    report.lost.setdefault(k, reason)
    return report


def verdict_of(counts: dict[str, Any]) -> str:
    """`DeliveryReport.verdict` from a report's JSON form (`to_dict()`, or the admin API's answer)."""
    lost = counts.get("lost", 0)
    text = (
        f"sent {counts['expected']:,}, received {counts['received']:,}, "
        f"missing {counts['missing']:,}{f' ({lost:,} lost after they were accepted)' if lost else ''}, "
        f"duplicated {counts['duplicated']:,}"
    )
    return text + (f", unexpected {counts['unexpected']:,}" if counts["unexpected"] else "")


def counted_verdict(sent: int, received: int) -> str:
    """The verdict from counts alone, for HECs that kept counters but not the events: a shortfall is
    missing records at least, a surplus duplicates at least, and equal counts cannot tell a loss
    from a duplicate that made up for it."""
    return (
        f"sent {sent:,}, received {received:,}, missing {max(sent - received, 0):,}, "
        f"duplicated {max(received - sent, 0):,} (by count: the events were not kept, so not by key)"
    )


def records_among(events: Iterable[Event], ignore: Iterable[str | bytes] = ()) -> list[Event]:
    """The events that are records: those whose line is not one of `ignore`."""
    if isinstance(ignore, (str, bytes)):
        # A lone string would be read as its characters, each ignored as a one-letter line.
        raise TypeError(f"ignore= takes a list of lines, not one line: write ignore=[{ignore!r}]")
    ignored = frozenset(_line_of(line) for line in ignore)
    if not ignored:
        return list(events)
    return [event for event in events if event.text not in ignored]


def _path(nested: Nested, key: Key) -> tuple[str, ...] | None:
    if nested is None:
        return None
    path = (nested,) if isinstance(nested, str) else tuple(nested)
    if not path or not all(isinstance(step, str) and step for step in path):
        raise InvalidArgument(f"nested: expected a field name or a list of them, got {nested!r}")
    if key is None:
        raise InvalidArgument("nested: records inside an event can only be told apart by a key, such as key='RayID'")
    return path


def _inside(payload: Any, path: tuple[str, ...]) -> list[Any]:
    """The records at `path` in an event's payload; none when the path leads nowhere or to no list."""
    for step in path:
        if not isinstance(payload, dict):
            return []
        payload = payload.get(step)
    return payload if isinstance(payload, list) else []


def _tally(expected: Iterable[Any], events: list[Event], key: Key, nested: tuple[str, ...] | None = None) -> DeliveryReport:
    key_of, label = key_function(key)
    wanted: Counter[Any] = Counter()
    order: list[Any] = []
    total = 0
    for record in expected:
        k = key_of(record)
        if k not in wanted:
            order.append(k)
        wanted[k] += 1
        total += 1
    arrived: Counter[Any] = Counter()
    arrival_order: list[Any] = []
    found_nested: list[Any] = []
    for event in events:
        k = key_of(event)
        if k not in arrived:
            arrival_order.append(k)
        arrived[k] += 1
        if nested is not None:
            for inner in _inside(payload_of(event), nested):
                k = key_of(inner)
                if k not in arrived:
                    arrival_order.append(k)
                arrived[k] += 1
                found_nested.append(k)
    missing = [k for k in order if arrived[k] < wanted[k] for _ in range(wanted[k] - arrived[k])]
    duplicated = {k: arrived[k] - wanted[k] for k in arrival_order if k in wanted and arrived[k] > wanted[k]}
    unexpected = [k for k in arrival_order if k not in wanted for _ in range(arrived[k])]
    delivered = sum(min(arrived[k], wanted[k]) for k in order)
    label_nested = None if nested is None else ".".join(nested)
    return DeliveryReport(total, len(events) + len(found_nested), delivered, missing, duplicated, unexpected, label,
                          nested_in=label_nested, nested_keys=found_nested)


def key_function(key: Key) -> tuple[Callable[[Any], Any], str]:
    """How records and events are told apart (a field, a function, or the whole line), and its name."""
    if callable(key):
        return (lambda item: key(payload_of(item))), getattr(key, "__name__", "key function")
    if key is None:
        return _line_of, "line"

    def field_of(item: Any) -> Any:
        payload = payload_of(item)
        if isinstance(payload, dict):
            return _hashable(payload.get(key))
        return None

    return field_of, repr(key)


def payload_of(item: Any) -> Any:
    """A record or event as data: dicts as they are, JSON text parsed, events by their payload."""
    if isinstance(item, Event):
        return item.data()
    if isinstance(item, bytes):
        item = item.decode("utf-8", "replace")
    if isinstance(item, str):
        try:
            return orjson.loads(item)
        except orjson.JSONDecodeError:
            return item
    return item


def _line_of(item: Any) -> str:
    if isinstance(item, Event):
        return item.text
    if isinstance(item, bytes):
        return item.decode("utf-8", "replace").rstrip("\r\n")
    if isinstance(item, str):
        return item.rstrip("\r\n")
    return dumps_json(item).decode()  # as deep as the parser reads, like Event.text


def _hashable(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return dumps_json(value, sort_keys=True).decode()
    return value


def _clipped(key: Any, limit: int = 120) -> Any:
    """A whole-line key cut short: a report names records, it does not carry them."""
    if isinstance(key, str) and len(key) > limit:
        return f"{key[:limit]}... ({len(key):,} characters)"
    return key
