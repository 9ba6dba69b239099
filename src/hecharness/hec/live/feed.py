"""The live page's feed: the last requests as they finish, and a snapshot pushed every tick.

The stream is server-sent events over a plain streaming response. It sends on a fixed tick, not
per request, so a page left open costs the ingest path one deque append per request whatever the
load; the page derives rates from the totals of consecutive ticks.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from hecharness.hec.batches import RequestRecord
from hecharness.hec.collector import Collector
from hecharness.hec.cluster import Cluster
from hecharness.hec.jsontext import dumps_json
from hecharness.hec.live.tally import Tally

__all__ = ["Feed", "RecentRequests"]

TICK_S = 0.25
RECENT = 300
PUSHED = 100  # new requests per tick at most: the page shows the newest 100, and every row pushed costs it
PREVIEW_LINES = 10


class RecentRequests:
    """The last `size` finished requests, each numbered in the order it finished."""

    def __init__(self, size: int = RECENT) -> None:
        self._records: deque[tuple[int, RequestRecord]] = deque(maxlen=size)
        self._numbers = itertools.count(1)

    def __call__(self, record: RequestRecord) -> None:
        self._records.append((next(self._numbers), record))

    def since(self, number: int) -> tuple[int, list[RequestRecord]]:
        """The records finished after `number`, and the number to ask from next time."""
        records = list(self._records)
        newer = [record for n, record in records if n > number]
        return (records[-1][0] if records else number), newer

    def find(self, request_id: int) -> RequestRecord | None:
        for _, record in reversed(self._records):
            if record.id == request_id:
                return record
        return None


class Feed:
    def __init__(self, collector: Collector | Cluster, tally: Tally, recent: RecentRequests) -> None:
        self.collector = collector
        self.tally = tally
        self.recent = recent
        self._stopping: asyncio.Event | None = None
        collector.on_stop.append(self._stop)

    def snapshot(self, after: int) -> tuple[int, dict[str, Any]]:
        collector, tally = self.collector, self.tally
        cursor, records = self.recent.since(after)
        settings = collector.settings
        return cursor, {
            # Wall time on purpose: the page plots against the viewer's clock, whatever clock the HEC runs on.
            "time": time.time(),
            "requests": [_row(record) for record in records[-PUSHED:]],
            "totals": {"requests": tally.requests_by_status(), "events": tally.events_by_status()},
            "faults": [fault.describe() for fault in collector.faults.list()],
            "settings": {"health": settings.health, "ack_delay": settings.ack_delay, "flavor": settings.flavor},
            "tokens": [token.describe() for token in collector.tokens.all()],
            "acks": collector.acks.summary(),
            "errors": len(collector.errors),
            **({"indexers": collector.describe()["indexers"]} if isinstance(collector, Cluster) else {}),
        }

    async def stream(self) -> AsyncIterator[bytes]:
        stopping = self._stopping_event()
        cursor = 0
        while not stopping.is_set():
            cursor, payload = self.snapshot(cursor)
            yield b"data: " + dumps_json(payload, default=str) + b"\n\n"
            try:
                # The page's refresh is the viewer's time, not the harness clock a test may have frozen.
                await asyncio.wait_for(stopping.wait(), TICK_S)
            except TimeoutError:
                pass

    def detail(self, request_id: int) -> dict[str, Any] | None:
        """A request's headers (credentials already masked) and the first lines of its events."""
        record = self.recent.find(request_id)
        if record is None:
            return None
        lines = []
        for event in self.collector.journal.events:
            if event.request_id == request_id:
                lines.append(event.text[:500])
                if len(lines) == PREVIEW_LINES:
                    break
        return {**_row(record), "headers": record.headers, "query": record.query, "note": record.note, "lines": lines}

    def _stopping_event(self) -> asyncio.Event:
        if self._stopping is None:
            self._stopping = asyncio.Event()
        return self._stopping

    def _stop(self) -> None:
        self._stopping_event().set()
        self.collector.on_stop.remove(self._stop)  # its server is stopping; a new start makes a new feed


def _row(record: RequestRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "time": record.time,
        "method": record.method,
        "path": record.path,
        "status": record.status,
        "code": record.code,
        "fault": record.fault,
        "channel": record.channel,
        "token": record.token_name,
        "events": record.events,
        "bytes_in": record.bytes_in,
        "bytes_decoded": record.bytes_decoded,
        "duration": record.duration,
    }
