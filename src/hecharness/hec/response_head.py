"""Writing an answer's status line and headers the way splunkd does: its case and its order.

HTTP header names are case-insensitive, but hand-written clients and capture diffs are not, and
uvicorn lower-cases every name and puts its own `date` first. `SplunkdCycle` replaces only the
writing of the head; the body, keep-alive and flow control stay uvicorn's.

The order is the application's, with `Date` first as splunkd writes it. The application writes
`Connection: Keep-Alive` where splunkd puts it; when the connection will close after this answer
(the client asked for it, or spoke HTTP/1.0 without keep-alive) the value becomes `close`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import NamedTuple

from uvicorn.protocols.http.httptools_impl import HEADER_RE, HEADER_VALUE_RE, STATUS_LINE, RequestResponseCycle

__all__ = ["SplunkdCycle", "BODY_FOLLOWS", "Head", "splunkd_head"]

# A key of an `http.response.start` message: its whole body follows at once, in the next message.
# The head then waits for it and both leave in one write, one segment, as splunkd sends a small
# answer; two writes cost a small request a second system call (see bench/RESULTS.md).
BODY_FOLLOWS = "hecharness.body_follows"


# Header lines found valid already: answers repeat the same few, and checking each with two
# regular expressions was a tenth of a small request's cost. Bounded, as fault headers can vary.
_CHECKED: set[tuple[bytes, bytes]] = set()
_CHECKED_MAX = 4096


class Head(NamedTuple):
    """An answer's head as written, and what it says of the body and the connection after it."""

    data: bytes
    chunked: bool | None  # None: no body follows (HEAD, 204, 304) unless the headers framed one
    length: int  # the Content-Length given (0 when chunked or none)
    keep_alive: bool  # whether the connection stays open after this answer


def splunkd_head(
    status: int,
    headers: Iterable[tuple[bytes, bytes]],
    default_headers: Iterable[tuple[bytes, bytes]],
    keep_alive: bool,
    method: str,
) -> Head:
    """The status line and headers of an answer, in splunkd's case and order (see the module's doc).

    Headers given as a tuple are a constant answer's (`replies.SUCCESS`): written once, and only
    the date is new each time.
    """
    date = b"".join([b"Date: " + value + b"\r\n" for name, value in default_headers if name == b"date"])
    rest = _written(status, headers, keep_alive, method) if type(headers) is tuple else _write(status, headers, keep_alive, method)
    return rest._replace(data=STATUS_LINE[status] + date + rest.data)


def _write(status: int, headers: Iterable[tuple[bytes, bytes]], keep_alive: bool, method: str) -> Head:
    """`splunkd_head` after the date."""
    head: list[bytes] = []
    chunked: bool | None = None
    length = 0
    connection_written = False
    checked = _CHECKED
    for pair in headers:
        name, value = pair
        if pair not in checked:
            if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
                raise RuntimeError(f"invalid HTTP header {name!r}: {value!r}")
            if len(checked) >= _CHECKED_MAX:
                checked.clear()
            checked.add(pair)
        lowered = name.lower()
        if lowered == b"content-length" and chunked is None:
            length = int(value)
            chunked = False
        elif lowered == b"transfer-encoding" and value.lower() == b"chunked":
            length = 0
            chunked = True
        elif lowered == b"connection":
            if b"close" in [token.strip().lower() for token in value.split(b",")]:
                keep_alive = False
            value = value if keep_alive else b"close"
            connection_written = True
        head += [name, b": ", value, b"\r\n"]
    if not keep_alive and not connection_written:
        head.append(b"Connection: close\r\n")
    if chunked is None and method != "HEAD" and status not in (204, 304):
        chunked = True
        head.append(b"Transfer-Encoding: chunked\r\n")
    head.append(b"\r\n")
    return Head(b"".join(head), chunked, length, keep_alive)


_written = functools.lru_cache(maxsize=64)(_write)


class SplunkdCycle(RequestResponseCycle):
    """uvicorn's request/response cycle, writing the response head byte for byte as given."""

    _held: bytes | None = None  # a head waiting for its body (BODY_FOLLOWS)

    async def send(self, message):  # type: ignore[no-untyped-def]
        if message["type"] != "http.response.start" or self.response_started:
            held = self._held
            if held is not None and message["type"] == "http.response.body":
                self._held = None
                # uvicorn counts what it writes against Content-Length; the head goes out with the body.
                self.expected_content_length += len(held)
                message = {**message, "body": held + message.get("body", b"")}
            return await super().send(message)
        if self.flow.write_paused and not self.disconnected:
            await self.flow.drain()
        if self.disconnected:
            return
        self.response_started = True
        self.waiting_for_100_continue = False
        head = splunkd_head(message["status"], message.get("headers", []), self.default_headers, self.keep_alive, self.scope["method"])
        self.chunked_encoding, self.expected_content_length, self.keep_alive = head.chunked, head.length, head.keep_alive
        if message.get(BODY_FOLLOWS) and self.chunked_encoding is False and self.scope["method"] != "HEAD":
            self._held = head.data
            return
        self.transport.write(head.data)
