"""Reaching the connection under a request, for faults that act on the socket itself.

ASGI hides the transport from applications; socket-level faults (reset, close, hang) need it.
uvicorn builds each request's scope in `on_message_begin`, so a subclass adds the transport to the
scope's extensions there; it also has each answer's head written as splunkd writes it
(`response_head`). The same subclass keeps uvicorn's answer to unparseable bytes behind the
answers of the whole requests that came before them. This module and `response_head` are the only
places hecharness relies on uvicorn's internals.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hecharness.hec.response_head import SplunkdCycle

__all__ = ["TransportExposingProtocol", "transport_of", "reset", "TRANSPORT_KEY"]

TRANSPORT_KEY = "hecharness.transport"


class TransportExposingProtocol(HttpToolsProtocol):
    _refusal: str | None = None  # a 400 held back until the requests before the bad bytes are answered

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.scope["extensions"] = {TRANSPORT_KEY: self.transport}  # type: ignore[typeddict-unknown-key]

    def on_headers_complete(self) -> None:
        super().on_headers_complete()  # builds this request's cycle; its task has not run yet
        if self.cycle is not None:
            self.cycle.__class__ = SplunkdCycle  # writes the answer's head in splunkd's case and order

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers bytes it cannot parse at once, and closes. When whole requests came before
        # them in the same read and are still being served, their answers were lost though the
        # collector had journaled them as answered and taken their events. HTTP answers in order:
        # answer those first, then refuse the rest.
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete and not cycle.more_body and not self.transport.is_closing():
            if self._refusal is None:
                self._refusal = msg
                self.flow.pause_reading()  # the parser is broken; nothing after this can be read
            return
        self._refusal = None
        super().send_400_response(msg)

    def on_response_complete(self) -> None:
        super().on_response_complete()  # starts the next pipelined request, if one is queued
        if self._refusal is not None and self.cycle.response_complete and not self.pipeline:
            message, self._refusal = self._refusal, None
            if not self.transport.is_closing():
                super().send_400_response(message)


def transport_of(scope: dict[str, Any]) -> asyncio.Transport:
    transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        raise RuntimeError("socket-level faults need the collector to run inside FakeHEC")
    return transport


async def reset(transport: asyncio.Transport) -> None:
    """Send a TCP RST instead of a FIN: linger on with a zero timeout, then abort."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # already gone: the client hung up first
    transport.abort()
    await settle()


async def settle() -> None:
    # Let the protocol see its connection go before the app returns, so uvicorn sends nothing.
    for _ in range(2):
        await asyncio.sleep(0)
