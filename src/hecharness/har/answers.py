"""A HEC answer as the fields that say what happened: status, code, text, invalid-event-number, ackId."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["Answer", "FIELDS"]

# The fields a replay compares, in the order a table shows them.
FIELDS = ("status", "code", "text", "invalid_event_number", "ack_id")


@dataclass(frozen=True, slots=True)
class Answer:
    """What a HEC answered one request. `status` 0 means no answer came (reset, closed, timed out)."""

    status: int
    code: int | None = None
    text: str | None = None
    invalid_event_number: int | None = None
    ack_id: int | None = None

    @classmethod
    def parse(cls, status: int, body: bytes) -> Answer:
        """Read the HEC envelope from a body; an answer that is not one (HTML, an ack poll) keeps only its status."""
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            return cls(status)
        return cls(
            status,
            _int(data.get("code")),
            data.get("text") if isinstance(data.get("text"), str) else None,
            _int(data.get("invalid-event-number")),
            _int(data.get("ackId")),
        )

    def to_har(self) -> dict[str, Any]:
        """The HEC fields as HAR custom fields (`_hec` on an entry)."""
        fields = {"code": self.code, "text": self.text, "invalidEventNumber": self.invalid_event_number, "ackId": self.ack_id}
        return {name: value for name, value in fields.items() if value is not None}

    def differences(self, other: Answer) -> list[tuple[str, Any, Any]]:
        """(field, this answer's value, the other's) for each field that differs."""
        return [
            (name, getattr(self, name), getattr(other, name))
            for name in FIELDS
            if getattr(self, name) != getattr(other, name)
        ]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
