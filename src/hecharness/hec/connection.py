"""Reaching the connection under a request, for faults that act on the socket itself, and its lifetime.

ASGI hides the transport from applications; socket-level faults (reset, close, hang) need it.
uvicorn builds each request's scope in `on_message_begin`, so a subclass adds the transport to the
scope's extensions there, with how long the connection idled before the request; it also has each
answer's head written as splunkd writes it (`response_head`). The same subclass keeps uvicorn's
answer to unparseable bytes behind the answers of the whole requests that came before them, and
closes idle keep-alive connections when splunkd would (`KeepAlive`) instead of after uvicorn's fixed
timeout. And it answers the common request in one step where it was parsed (`WholeRequests`): a
small POST the collector may take whole waits for its body here instead of starting its ASGI task,
and is answered at once when it is in, or handed to the task as usual when the collector declines.
This module and `response_head` are the only places hecharness relies on uvicorn's internals.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from typing import Any, Protocol

from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from hecharness.hec.response_head import SplunkdCycle, splunkd_head

__all__ = ["TransportExposingProtocol", "KeepAlive", "WholeRequests", "WholeAnswer", "WHOLE_LIMIT", "transport_of", "idle_of", "reset", "abort_with_reset", "close", "TRANSPORT_KEY", "IDLE_KEY"]

TRANSPORT_KEY = "hecharness.transport"
IDLE_KEY = "hecharness.idle"  # real seconds the connection idled before this request; None on its first
LOST_KEY = "hecharness.lost"  # a future done once the protocol has seen the connection go
_CLOSE_WAIT = 1.0  # seconds a clean close may take to reach the protocol
# The largest body a request may declare to wait for its whole body here: uvicorn's own high-water
# mark, below which it never pauses reading, so waiting holds no more than it would anyway.
WHOLE_LIMIT = HIGH_WATER_LIMIT


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


class WholeAnswer(Protocol):
    """An answer given in one step: a `hecharness.hec.replies.SplunkdResponse`."""

    status_code: int
    raw_headers: list[tuple[bytes, bytes]]
    body: bytes


class WholeRequests(Protocol):
    """What answers a request in one step once its whole body is in (`Collector.answer_whole`)."""

    def takes_whole(self, scope: dict[str, Any]) -> bool:
        """Whether the request, its head just in, might be answered whole: worth waiting for its body."""
        ...

    def answer_whole(self, scope: dict[str, Any], data: bytes) -> WholeAnswer | None:
        """The answer, the request journaled; or None, nothing done, for the ASGI app to answer it."""
        ...


class TransportExposingProtocol(HttpToolsProtocol):
    _refusal: str | None = None  # a 400 held back until the requests before the bad bytes are answered
    _idle_since: float | None = None  # time.monotonic() when it went idle; None while a request is in hand
    _requests = 0
    _waiting: tuple[RequestResponseCycle, Any] | None = None  # a request waiting for its body (WholeRequests)

    def __init__(
        self, *args: Any, keep_alive: KeepAlive | None = None, whole: WholeRequests | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.keep_alive = keep_alive  # None: uvicorn's fixed timeout_keep_alive
        self.whole = whole  # None: every request goes to the ASGI app

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
        if self.timeout_keep_alive_task is not None:
            self.timeout_keep_alive_task.cancel()  # nothing left for it to close
            self.timeout_keep_alive_task = None
        if not self._lost.done():
            self._lost.set_result(None)
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            # Its body never came whole: the app reads what there was and journals the hang-up.
            super()._start_asgi_task(*waiting)

    # -- a request answered whole (WholeRequests) ------------------------------------------------

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: Any) -> None:
        if self._may_take_whole(cycle, app):
            if cycle.more_body:
                self._waiting = (cycle, app)  # on_message_complete answers it
                return
            if self._answer_whole(cycle):  # a pipelined request, whole already
                return
        super()._start_asgi_task(cycle, app)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        waiting = self._waiting
        if waiting is None or waiting[0] is not self.cycle:
            return
        self._waiting = None
        if not self._answer_whole(waiting[0]):
            super()._start_asgi_task(*waiting)

    def _may_take_whole(self, cycle: RequestResponseCycle, app: Any) -> bool:
        whole = self.whole
        if whole is None or app is not self.app or cycle.waiting_for_100_continue or not cycle.keep_alive:
            return False  # 503 past the concurrency limit, or a sender waiting to be told to send the body
        declared = None
        for name, value in cycle.scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                return False
        return declared is not None and declared.isdigit() and int(declared) <= WHOLE_LIMIT and whole.takes_whole(cycle.scope)

    def _answer_whole(self, cycle: RequestResponseCycle) -> bool:
        """Answer a request whose body is in, as uvicorn's cycle would have written the app's answer."""
        assert self.whole is not None
        try:
            answer = self.whole.answer_whole(cycle.scope, bytes(cycle.body))
            if answer is None:
                return False
            head = splunkd_head(
                answer.status_code, answer.raw_headers, cycle.default_headers, cycle.keep_alive, cycle.scope["method"]
            )
        except Exception:
            # What uvicorn does when an app fails before it answers, but for the 500: its request may
            # have been journaled already, so the sender must not be told it was refused.
            self.logger.error("Exception in the whole-request answer", exc_info=True)
            cycle.response_started = cycle.response_complete = True
            self.transport.close()
            return True
        self.transport.write(head.data + answer.body)
        cycle.response_started = cycle.response_complete = True
        cycle.keep_alive = head.keep_alive
        if not head.keep_alive:
            self.transport.close()
        self.on_response_complete()
        return True

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
        if self.keep_alive is None:
            super().on_response_complete()
        else:
            # uvicorn's, but for its keep-alive timer: arming and cancelling one per request cost more
            # than answering a small request does (bench/RESULTS.md). The connection's timer looks at
            # how long it has idled when it fires (`timeout_keep_alive_handler`).
            self.server_state.total_requests += 1
            if self.transport.is_closing():
                return
            self.flow.resume_reading()
            if self.pipeline:
                self._start_asgi_task(*self.pipeline.pop())  # the next pipelined request
            else:
                self._go_idle()
        if self._refusal is not None and self.cycle.response_complete and not self.pipeline:
            message, self._refusal = self._refusal, None
            if not self.transport.is_closing():
                super().send_400_response(message)

    def _unset_keepalive_if_required(self) -> None:
        if self.keep_alive is None:
            super()._unset_keepalive_if_required()
        # Else the timer stays armed while a request is in hand; it finds the connection busy and waits
        # for it to go idle again.

    def _go_idle(self) -> None:
        self._idle_since = time.monotonic()
        if self.timeout_keep_alive_task is None:
            self.timeout_keep_alive_handler()
        # Else a timer is armed already, for no later than this idle period's limit: it was armed for
        # at most `idle_recheck()`, which no limit is shorter than.

    def timeout_keep_alive_handler(self) -> None:
        if self.keep_alive is None:
            super().timeout_keep_alive_handler()
            return
        self.timeout_keep_alive_task = None
        if self._idle_since is None or self.transport.is_closing():
            return  # busy: going idle arms the timer again
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
