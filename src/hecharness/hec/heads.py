"""Request heads settled once, for the requests that send them again.

A load run sends one head over and over: the same path, query string, token, channel and other
headers, with only the Content-Length changing from body to body. What such a head means for a
whole request (`hecharness.hec.collector.Collector.answer_whole`: its token, whether its channel
is well formed, the index and metadata its events get, its record's masked headers) is the same
every time, as long as the tokens and settings it was settled under stay as they are; working it
out again was most of what the collector did for a small request. `Heads` keeps what it came to,
by the head's bytes, and forgets all of it when the tokens or settings change.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from starlette.types import Scope

__all__ = ["Heads", "SettledHead"]

_CONTENT_LENGTH = b"content-length"


@dataclass(frozen=True, slots=True)
class SettledHead:
    """What a whole /raw request's head settles before its body is read, Content-Length aside."""

    # What its events share after the request id (`RawBatch.shared[1:]`): channel, index, source,
    # sourcetype, host, time.
    shared: tuple[Any, ...]
    gzip: bool  # the body is gzip (no other coding is taken here)
    # Its part of the journal's record, credentials masked (`batches.pack_head`): up to the
    # Content-Length's value, and the header values after it.
    record: tuple[Any, ...]
    rest: tuple[str, ...] | None


class Heads:
    """Settled heads by the head's bytes (all but the Content-Length's value), while `stamp` holds.

    `settle(scope)` works a head out the first time it is seen: a `SettledHead`, or None for a head
    the one-step path does not take (that answer is kept as well). A head that carries no
    Content-Length, or more than one (a sender that does either is no load run's), is never kept:
    it is settled on every request.
    """

    def __init__(self, settle: Callable[[Scope], SettledHead | None], capacity: int = 1024) -> None:
        self._settle = settle
        self._capacity = capacity  # distinct heads kept; a run that sends more starts over
        self._known: dict[tuple[Any, ...], SettledHead | None] = {}
        self._stamp: Hashable = None

    def settled(self, scope: Scope, stamp: Hashable) -> tuple[SettledHead | None, str | None]:
        """What the head of this request settles (None: `app` answers it), and its Content-Length.

        `stamp` stands for what a head is settled under (the collector's tokens and settings);
        when it changes, every kept head is forgotten.
        """
        headers = scope["headers"]
        at, alone = _length_at(headers)
        if at is None:
            return self._settle(scope), None
        length = headers[at][1].decode("latin-1")  # the first, as the record's headers keep it
        if not alone:
            return self._settle(scope), length
        if stamp != self._stamp:
            self._known = {}
            self._stamp = stamp
        # The Content-Length's place is in the key: it decides the order of the record's headers.
        key = (scope["path"], scope["query_string"], scope.get("server"), at, *headers[:at], *headers[at + 1 :])
        known = self._known
        try:
            return known[key], length
        except KeyError:
            pass
        head = self._settle(scope)
        if len(known) >= self._capacity:
            known.clear()
        known[key] = head
        return head, length


def _length_at(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool]:
    """Where the first Content-Length is among the headers (None: nowhere), and whether it is the only one."""
    at = None
    for index, (name, _) in enumerate(headers):
        if name == _CONTENT_LENGTH:
            if at is not None:
                return at, False
            at = index
    return at, True
