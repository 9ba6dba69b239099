"""The journal as a HAR 1.2 capture (`Journal.to_har()`, `GET /journal.har` on the admin API).

The journal keeps what arrived, not the bytes that carried it, so a request body is rebuilt from
the events it delivered: `/raw` lines joined by newlines, `/event` objects with the metadata they
were indexed under. A request that delivered nothing (refused, or its events dropped by the cap)
has no body here; such entries say so in their comment. Put `hecharness record` in front of the
fake for captures with the bytes as sent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import orjson

from hecharness.har.writer import archive, entry
from hecharness.hec.batches import Event, RequestRecord
from hecharness.hec.jsontext import dumps_json
from hecharness.hec.paths import ENDPOINT_OF

__all__ = ["journal_har"]

# Headers that describe the bytes as sent; the rebuilt body is other bytes.
_BODY_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def journal_har(requests: Iterable[RequestRecord], events: Iterable[Event]) -> dict[str, Any]:
    """A journal's stored requests and the events they delivered as a HAR document, in the requests' order."""
    delivered: defaultdict[int, list[Event]] = defaultdict(list)
    for event in events:
        delivered[event.request_id].append(event)
    entries = [
        _entry(record, delivered.get(record.id, []))
        for record in requests
        if record.method != "TLS"  # an aborted handshake carried no request
    ]
    return archive(entries, comment="exported from a hecharness fake HEC's journal; request bodies rebuilt from its events")


def _entry(record: RequestRecord, events: list[Event]) -> dict[str, Any]:
    endpoint = ENDPOINT_OF.get(record.path)
    body = _body(endpoint, events)
    host = record.headers.get("host", "127.0.0.1")
    url = f"http://{host}{record.path}" + (f"?{record.query}" if record.query else "")
    headers = [(name, value) for name, value in record.headers.items() if name not in _BODY_HEADERS]
    missing = record.bytes_in > 0 and not body
    hec = {"code": record.code, "text": record.text, "invalidEventNumber": record.invalid_event_number,
           "ackId": record.ack_id, "events": record.events, "fault": record.fault, "note": record.note}
    return entry(
        started=record.time,
        seconds=record.duration,
        method=record.method,
        url=url,
        headers=headers,
        body=body,
        status=record.status,
        response_headers=[("Content-Type", "application/json; charset=UTF-8")] if record.code is not None else [],
        response_body=_answer_body(record),
        hec={name: value for name, value in hec.items() if value is not None},
        comment=f"the {record.bytes_in}-byte body delivered no stored events, so it is not here" if missing else None,
    )


def _body(endpoint: str | None, events: list[Event]) -> bytes:
    if endpoint == "raw":
        return b"\n".join(event.text.encode() for event in events)
    if endpoint == "event":
        return b"".join(dumps_json(_envelope(event)) for event in events)
    return b""


def _envelope(event: Event) -> dict[str, Any]:
    envelope: dict[str, Any] = {} if event.time is None else {"time": event.time}
    envelope.update(host=event.host, source=event.source, sourcetype=event.sourcetype, index=event.index)
    envelope["event"] = event.event if event.raw is None else event.raw
    if event.fields:
        envelope["fields"] = event.fields
    return envelope


def _answer_body(record: RequestRecord) -> bytes:
    """The HEC envelope the request was answered with, in splunkd's key order."""
    if record.code is None or record.text is None:
        return b""
    body: dict[str, Any] = {"text": record.text, "code": record.code}
    if record.invalid_event_number is not None:
        body["invalid-event-number"] = record.invalid_event_number
    if record.ack_id is not None:
        body["ackId"] = record.ack_id
    return orjson.dumps(body)
