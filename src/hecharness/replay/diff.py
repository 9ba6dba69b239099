"""The answers of a replay that differ from the recorded ones, and a table of them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hecharness.replay.sender import Replayed

__all__ = ["Difference", "differences", "table"]

_LABELS = {
    "status": "status",
    "code": "HEC code",
    "text": "text",
    "invalid_event_number": "invalid-event-number",
    "ack_id": "ackId",
}


@dataclass(frozen=True, slots=True)
class Difference:
    """One field of one answer that is not what the capture holds."""

    entry: int
    request: str
    field: str  # as HEC spells it: status, HEC code, text, invalid-event-number, ackId
    recorded: Any
    replayed: Any


def differences(results: Iterable[Replayed]) -> list[Difference]:
    """Every field that differs, entry by entry, in the order the requests were sent."""
    found = []
    for result in results:
        recorded = result.recorded
        request = f"{recorded.method} {recorded.target.partition('?')[0]}"
        for name, was, now in recorded.answer.differences(result.answer):
            found.append(Difference(recorded.number, request, _LABELS[name], was, now))
    return found


def table(found: Iterable[Difference]) -> str:
    """A plain-text table, one row per difference; empty when there are none."""
    rows = [("entry", "request", "field", "recorded", "replayed")]
    rows += [(str(d.entry), d.request, d.field, _shown(d.recorded), _shown(d.replayed)) for d in found]
    if len(rows) == 1:
        return ""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def _shown(value: Any) -> str:
    return "-" if value is None else str(value)
