"""Reading a request body the way splunkd does: size cap, gzip, and nothing else.

The cap (`max_content_length`) applies to the bytes on the wire and again to the bytes after
gzip, so a small body that inflates into gigabytes is refused as soon as it passes the cap,
without inflating the rest of it.

Up to the cap is still 800 MB by default, and ten gzip bombs at once would hold 8 GB. So a gzip
body keeps what it inflates only up to `KEEP_DECODED`; past that, what comes out is counted (its
size, its `/raw` events) and let go, and the compressed body, which is no bigger than what the
sender sent, is inflated again when somebody wants its content: the `/event` parser, or a reader
of the journal. A refused bomb costs its compressed bytes and one budget, never its inflated size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from starlette.requests import ClientDisconnect
from zlib_ng import zlib_ng as zlib
from starlette.types import Receive

from hecharness import codes
from hecharness.hec.lines import LineCounter, RawLines
from hecharness.hec.tokens import Rejected

__all__ = [
    "Body",
    "BodyReader",
    "body_in_hand",
    "is_gzip",
    "read_body",
    "refuse_unknown_transfer_coding",
    "TooLarge",
    "UnsupportedEncoding",
    "UnsupportedTransferCoding",
]

# Output asked of zlib per call: a bomb is stopped at most this far past the cap.
_INFLATE_STEP = 1 << 20
# Inflated bytes a request holds while it is read; past them it counts and lets go (see above).
# Bigger than maxEventSize, so /event bodies the fast JSON path reads are inflated once.
KEEP_DECODED = 8 << 20
# Compressed bytes fed at once when inflating again: at gzip's best ratio (about 1:1000), 4 MB out.
_REINFLATE_SLICE = 4096


# These three are not HecHarnessErrors: control flow inside the collector, which answers them on the wire.
class TooLarge(Exception):
    """The body passed the content-length cap (splunkd answers 413 with an HTML page)."""


class UnsupportedTransferCoding(Exception):
    """A Transfer-Encoding other than chunked alone (HTTP's answer is 501, RFC 9112 section 6.1)."""

    def __init__(self, coding: str):
        super().__init__(coding)
        self.coding = coding


def refuse_unknown_transfer_coding(headers: Mapping[str, str]) -> None:
    """Raise UnsupportedTransferCoding unless the body is framed by chunked alone, or not coded at all.

    uvicorn's parser frames any list that ends in chunked and hands the body over still coded:
    `gzip, chunked` would be taken as it came, compressed bytes as events. Other lists (`chunked,
    gzip`, `gzip`) never reach the collector: the parser cannot find the body's end and answers 400.
    """
    value = headers.get("transfer-encoding")
    if value is None:
        return
    codings = [coding.strip().lower() for coding in value.split(",")]
    if [coding for coding in codings if coding] != ["chunked"]:
        raise UnsupportedTransferCoding(value)


class UnsupportedEncoding(Exception):
    """A Content-Encoding other than gzip (splunkd answers 415 with an HTML page)."""

    def __init__(self, encoding: str):
        super().__init__(encoding)
        self.encoding = encoding


class Body:
    """A decoded body as the pieces it arrived or inflated in, or, for a gzip body past
    `KEEP_DECODED`, its compressed pieces and what counting its inflated bytes found.

    Nothing joins the pieces unless asked: `/raw` counts lines across them, and joining a 320 MB
    batch into one object costs more (fresh memory, page by page) than inflating a third of it.
    """

    __slots__ = ("wire_bytes", "size", "_parts", "_wire", "_counter")

    def __init__(
        self,
        wire_bytes: int,
        parts: list[bytes] | None,
        size: int | None = None,
        wire: list[bytes] | None = None,
        counter: LineCounter | None = None,
    ) -> None:
        self.wire_bytes = wire_bytes
        self.size = sum(map(len, parts)) if size is None else size
        self._parts = parts
        self._wire = wire
        self._counter = counter

    @property
    def kept(self) -> bool:
        """Whether the decoded pieces are held, rather than inflated again when wanted."""
        return self._parts is not None

    @property
    def parts(self) -> list[bytes]:
        """The decoded pieces (inflated anew on every call when they were not kept)."""
        parts = self._parts
        return _inflate(self._wire) if parts is None else parts

    def pieces(self) -> Iterator[bytes]:
        """The decoded pieces one by one, each inflated only when taken if they were not kept."""
        parts = self._parts
        return _inflating(self._wire) if parts is None else iter(parts)

    @property
    def data(self) -> bytes:
        parts = self.parts
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def is_blank(self) -> bool:
        if self._parts is None:
            return self._counter.count == 0
        # Parts are never empty, so the body is blank exactly when each part is.
        return all(map(bytes.isspace, self._parts))

    def raw_lines(self, *, whole_body: bool = False) -> RawLines:
        """The body's `/raw` events: see `hecharness.hec.lines`."""
        if self._parts is None:
            wire = self._wire
            return RawLines.counted(self._counter.count, lambda: _inflate(wire), whole_body=whole_body)
        return RawLines.of(self._parts, whole_body=whole_body)


async def read_body(receive: Receive, headers: Mapping[str, str], max_length: int) -> Body:
    """The request body from the ASGI `receive` channel, capped, and gunzipped when so encoded."""
    reader = BodyReader.of(headers, max_length)
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            reader.feed(chunk)
        if not message.get("more_body", False):
            return reader.finish()


def body_in_hand(data: bytes, gzip: bool, max_length: int) -> Body:
    """`read_body` for a body that has arrived whole already, gzip or not (no other coding), as its
    Content-Length said (see `hecharness.hec.collector.Collector.answer_whole`)."""
    if not gzip:  # nothing to inflate: no reader needed
        if len(data) > max_length:
            raise TooLarge()
        return Body(len(data), [data] if data else [], len(data))
    reader = BodyReader(gzip, max_length)
    if data:
        reader.feed(data)
    return reader.finish()


class BodyReader:
    """A body taken in as its chunks arrive: the cap on the wire bytes and, for gzip, on what they inflate to.

    Made from the request's headers (`of`), it refuses an encoding other than gzip and a declared
    length over the cap before any chunk is read.
    """

    __slots__ = ("_chunks", "_inflater", "_max_length", "_received")

    def __init__(self, gzip: bool, max_length: int) -> None:
        self._inflater = _Inflater(max_length, KEEP_DECODED) if gzip else None
        self._max_length = max_length
        self._chunks: list[bytes] = []
        self._received = 0

    @classmethod
    def of(cls, headers: Mapping[str, str], max_length: int) -> BodyReader:
        """The reader for a request with these headers (lower-case names)."""
        gzip = is_gzip(headers)
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_length:
            raise TooLarge()
        return cls(gzip, max_length)

    def feed(self, chunk: bytes) -> None:
        """Take the next chunk of the body as it came off the wire (never an empty one)."""
        self._received += len(chunk)
        if self._received > self._max_length:
            raise TooLarge()
        self._chunks.append(chunk)
        if self._inflater is not None:
            self._inflater.feed(chunk)

    def finish(self) -> Body:
        """The whole body, once its last chunk is in."""
        inflater, chunks, received = self._inflater, self._chunks, self._received
        if inflater is None:
            return Body(received, chunks, received)
        parts = inflater.finish()
        if parts is None:
            return Body(received, None, inflater.produced, chunks, inflater.counter)
        return Body(received, parts, inflater.produced)


def is_gzip(headers: Mapping[str, str]) -> bool:
    """Whether the body comes gzipped, by its Content-Encoding; `UnsupportedEncoding` for a coding other than gzip."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        raise UnsupportedEncoding(encoding)
    return encoding in ("gzip", "x-gzip")


def _inflate(wire: list[bytes]) -> list[bytes]:
    """A gzip body read before (so known to be whole and within the cap) inflated again."""
    return list(_inflating(wire))


def _inflating(wire: list[bytes]) -> Iterator[bytes]:
    """`_inflate`, piece by piece: fed in slices, so a bomb's piece in hand stays a few MB."""
    inflater = _Inflater(float("inf"), float("inf"))
    for chunk in wire:
        for start in range(0, len(chunk), _REINFLATE_SLICE):
            inflater.feed(chunk[start : start + _REINFLATE_SLICE])
            yield from inflater.out
            inflater.out = []
    inflater.finish()


class _Inflater:
    """Inflates gzip members as their bytes arrive, refusing output past `limit`.

    Feeding each received chunk keeps the input handed to zlib small: asking zlib to stop after a
    step while holding the whole body makes it copy the unread rest of the body at every stop,
    which is quadratic in the body's size (4 s for one 50 MB Logpush batch).
    A body that is not valid gzip is still read to its end before it is refused.
    Output is kept until it passes `keep` bytes; from then on it goes through `counter` and is let go.
    """

    __slots__ = ("limit", "keep", "produced", "out", "counter", "_member", "_broken")

    def __init__(self, limit: float, keep: float) -> None:
        self.limit = limit
        self.keep = keep
        self.produced = 0
        self.out: list[bytes] | None = []
        self.counter = LineCounter()
        self._member: Any = None
        self._broken = False

    def feed(self, data: bytes) -> None:
        while data and not self._broken:
            if self._member is None:
                self._member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            member = self._member
            try:
                chunk = member.decompress(data, _INFLATE_STEP)
            except zlib.error:
                self._broken = True
                return
            if chunk:
                self._take(chunk)
            if member.eof:
                data = member.unused_data  # another gzip member may follow
                self._member = None
            else:
                # What the step left of this chunk, never more than the chunk. Output zlib still
                # holds when the chunk runs out comes with the next one (the gzip trailer follows).
                data = member.unconsumed_tail

    def _take(self, chunk: bytes) -> None:
        self.produced += len(chunk)
        if self.produced > self.limit:
            raise TooLarge()
        out = self.out
        if out is None:
            self.counter.feed(chunk)
            return
        out.append(chunk)
        if self.produced > self.keep:
            for kept in out:
                self.counter.feed(kept)
            self.out = None

    def finish(self) -> list[bytes] | None:
        """The inflated pieces, or None when they were counted and let go."""
        if self._broken:
            raise Rejected(codes.INVALID_DATA_FORMAT, note="body is not valid gzip")
        if self._member is not None:
            raise Rejected(codes.INVALID_DATA_FORMAT, note="gzip stream is truncated")
        return self.out
