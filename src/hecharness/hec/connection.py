"""Reaching the connection under a request, for faults that act on the socket itself, and its lifetime.

ASGI hides the transport from applications; socket-level faults (reset, close, hang) need it.
uvicorn builds each request's scope in `on_message_begin`, so a subclass adds the transport to the
scope's extensions there, with how long the connection idled before the request; it also has each
answer's head written as splunkd writes it (`response_head`). The same subclass keeps uvicorn's
answer to unparseable bytes behind the answers of the whole requests that came before them, and
closes idle keep-alive connections when splunkd would (`KeepAlive`) instead of after uvicorn's fixed
timeout. This module and `response_head` are the only places hecharness relies on uvicorn's internals.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from typing import Any, Protocol

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hecharness.hec.response_head import SplunkdCycle

__all__ = ["TransportExposingProtocol", "KeepAlive", "transport_of", "idle_of", "reset", "abort_with_reset", "close", "TRANSPORT_KEY", "IDLE_KEY"]

TRANSPORT_KEY = "hecharness.transport"
IDLE_KEY = "hecharness.idle"  # real seconds the connection idled before this request; None on its first
LOST_KEY = "hecharness.lost"  # a future done once the protocol has seen the connection go
_CLOSE_WAIT = 1.0  # seconds a clean close may take to reach the protocol


class KeepAlive(Protocol):
    """When the server closes a keep-alive connection that sends nothing."""

    def idle_timeout(self, idle_since: float) -> float:
        """Seconds a connection idle since `idle_since` (`time.monotonic()`) may stay open.

        The answer depends on whether the server has been busy meanwhile.
        """
        ...

    def idle_recheck(self) -> float:
        """Seconds after which an idle connection looks again, in case the server became busy."""
        ...


class TransportExposingProtocol(HttpToolsProtocol):
    _refusal: str | None = None  # a 400 held back until the requests before the bad bytes are answered
    _idle_since: float | None = None  # time.monotonic() when it went idle; None while a request is in hand
    _requests = 0

    def __init__(self, *args: Any, keep_alive: KeepAlive | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.keep_alive = keep_alive  # None: uvicorn's fixed timeout_keep_alive

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._lost: asyncio.Future[None] = self.loop.create_future()
        if self.keep_alive is not None:
            self._go_idle()  # a connection that never sends a request idles too

    def on_message_begin(self) -> None:
        super().on_message_begin()
        idle = None
        if self._requests:
            # Pipelined or sent before the previous answer ended: it found the connection busy.
            idle = 0.0 if self._idle_since is None else time.monotonic() - self._idle_since
        self._requests += 1
        self._idle_since = None
        self.scope["extensions"] = {  # type: ignore[typeddict-unknown-key]
            TRANSPORT_KEY: self.transport,
            IDLE_KEY: idle,
            LOST_KEY: self._lost,
        }

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if not self._lost.done():
            self._lost.set_result(None)

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
        # uvicorn armed its fixed timer if the connection is now idle; splunkd's rule replaces it.
        if self.keep_alive is not None and self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()
            self._go_idle()

    def _go_idle(self) -> None:
        self._idle_since = time.monotonic()
        self.timeout_keep_alive_task = None
        self.timeout_keep_alive_handler()

    def timeout_keep_alive_handler(self) -> None:
        if self.keep_alive is None:
            super().timeout_keep_alive_handler()
            return
        if self._idle_since is None or self.transport.is_closing():
            return  # a request came in meanwhile
        # splunkd's limit depends on whether it is busy, which can change while the connection idles.
        waited = time.monotonic() - self._idle_since
        limit = self.keep_alive.idle_timeout(self._idle_since)
        if waited >= limit:
            self.transport.close()  # a FIN, as splunkd sends: the sender's next write on it fails
            return
        delay = min(limit - waited, self.keep_alive.idle_recheck())
        self.timeout_keep_alive_task = self.loop.call_later(delay, self.timeout_keep_alive_handler)


def idle_of(scope: dict[str, Any]) -> float | None:
    """Seconds the request's connection idled before it arrived; None for a connection's first request."""
    return scope.get("extensions", {}).get(IDLE_KEY)


def transport_of(scope: dict[str, Any]) -> asyncio.Transport:
    transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
    if transport is None:
        raise RuntimeError("socket-level faults need the collector to run inside FakeHEC")
    return transport


async def reset(transport: asyncio.Transport) -> None:
    """Send a TCP RST instead of a FIN, and let the protocol see the connection go."""
    abort_with_reset(transport)
    await settle()


def abort_with_reset(transport: asyncio.Transport) -> None:
    """Send a TCP RST instead of a FIN: linger on with a zero timeout, then abort."""
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # already gone: the client hung up first
    transport.abort()


async def close(scope: dict[str, Any]) -> None:
    """Close cleanly (a FIN) without an answer, and wait until the protocol has seen it go.

    A clean close reaches the protocol later than an abort does (uvloop flushes first), and uvicorn
    logs "ASGI callable returned without starting response" for an app that returns before then.
    """
    transport_of(scope).close()
    lost = scope["extensions"].get(LOST_KEY)
    if lost is None:
        await settle()
        return
    try:
        await asyncio.wait_for(asyncio.shield(lost), _CLOSE_WAIT)
    except TimeoutError:
        pass  # still going; uvicorn may log, nothing worse


async def settle() -> None:
    # Let the protocol see its connection go before the app returns, so uvicorn sends nothing.
    for _ in range(2):
        await asyncio.sleep(0)
