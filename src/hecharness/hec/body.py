"""Reading a request body the way splunkd does: size cap, gzip, and nothing else.

The cap (`max_content_length`) applies to the bytes on the wire and again to the bytes after
gzip, so a small body that inflates into gigabytes is refused as soon as it passes the cap,
without inflating the rest of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Mapping

from starlette.requests import ClientDisconnect
from zlib_ng import zlib_ng as zlib
from starlette.types import Receive

from hecharness import codes
from hecharness.hec.tokens import Rejected

__all__ = ["Body", "read_body", "TooLarge", "UnsupportedEncoding"]

_INFLATE_STEP = 1 << 20


class TooLarge(Exception):
    """The body passed the content-length cap (splunkd answers 413 with an HTML page)."""


class UnsupportedEncoding(Exception):
    """A Content-Encoding other than gzip (splunkd answers 415 with an HTML page)."""

    def __init__(self, encoding: str):
        super().__init__(encoding)
        self.encoding = encoding


@dataclass(slots=True)
class Body:
    wire_bytes: int
    data: bytes


async def read_body(receive: Receive, headers: Mapping[str, str], max_length: int) -> Body:
    """The request body from the ASGI `receive` channel, capped, and gunzipped when so encoded."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):
        raise UnsupportedEncoding(encoding)
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_length:
        raise TooLarge()

    chunks: list[bytes] = []
    received = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            received += len(chunk)
            if received > max_length:
                raise TooLarge()
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    if encoding in ("gzip", "x-gzip") and raw:
        return Body(received, gunzip(raw, max_length))
    return Body(received, raw)


def gunzip(data: bytes, max_length: int) -> bytes:
    """Inflate every gzip member in `data`, refusing output past `max_length`."""
    out: list[bytes] = []
    produced = 0
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        pending = data
        try:
            while not inflater.eof:
                # Inflate a step at a time so a bomb stops at the cap, not at the end of memory.
                chunk = inflater.decompress(pending, _INFLATE_STEP)
                produced += len(chunk)
                if produced > max_length:
                    raise TooLarge()
                out.append(chunk)
                pending = inflater.unconsumed_tail
                if not pending and not chunk:
                    break
        except zlib.error:
            raise Rejected(codes.INVALID_DATA_FORMAT, note="body is not valid gzip") from None
        if not inflater.eof:
            raise Rejected(codes.INVALID_DATA_FORMAT, note="gzip stream is truncated")
        data = inflater.unused_data
    return b"".join(out)
