"""The fake HEC's request pipeline: an ASGI app on Starlette's requests and responses.

Every request runs the same path, in Splunk's order: credentials, then channel, then body, then
the events in it. A step that refuses raises `Rejected` with the Splunk code; whatever happens,
the request and the events it delivered are written to the journal before the answer leaves.

Routing is a dictionary lookup rather than Starlette's router: HEC's paths are a fixed set, every
other path must still be journaled and answered with splunkd's 404 body, and the lookup keeps the
per-request cost near that of a bare endpoint (see bench/RESULTS.md).

The common request of a load run (a small /raw POST that will be accepted in full) can also be
answered in one step, below ASGI, once its body is in: `answer_whole`, which the connection's
protocol calls (`hecharness.hec.connection.WholeRequests`). It runs the same steps as `app`, takes
only what `app` would accept, and declines everything else before counting it.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from hecharness import codes
from hecharness.clock import Clock, RealClock
from hecharness.codes import HECCode
from hecharness.faults import AckFault, AckMode, Close, Decision, Endpoint, FaultSet, Hang, Partial, Reply, RequestFacts, Reset
from hecharness.faults.faultset import NO_FAULT
from hecharness.hec import connection, memory, replies
from hecharness.hec.acks import AckLedger
from hecharness.hec.batches import Batch, EventBatch, RawBatch, RequestRecord, pack_head, pack_taken
from hecharness.hec.body import (
    Body,
    TooLarge,
    UnsupportedEncoding,
    UnsupportedTransferCoding,
    body_in_hand,
    is_gzip,
    read_body,
    refuse_unknown_transfer_coding,
)
from hecharness.hec.events import Defaults, epoch_seconds, json_values, parse_event_body, parse_event_pieces
from hecharness.hec.heads import Heads, SettledHead
from hecharness.hec.indexes import Indexes
from hecharness.hec.journal import Journal
from hecharness.hec.lines import RawLines
from hecharness.hec.paths import ACK_PATHS, EDGE_PROCESSOR_PATHS, ENDPOINT_OF, EVENT_PATHS, HEALTH_PATHS, RAW_PATHS
from hecharness.hec.settings import BUSY_HEALTH_STATES, Flavor, HECSettings, RawSplit
from hecharness.hec.tokens import Rejected, Token, TokenStore
from hecharness.masking import mask_authorization, mask_token

__all__ = ["Collector", "new_record", "headers_of", "query_of", "channel_of"]

NEVER = float("-inf")


@dataclass(slots=True)
class Exchange:
    """One request on its way through the pipeline, and what is known of it so far."""

    request: Request
    record: RequestRecord
    headers: dict[str, str]  # lower-case names; the first of repeated headers wins
    query: dict[str, str]
    decision: Decision

    @property
    def partial_limit(self) -> int | None:
        outcome = self.decision.outcome
        return outcome.accepted if isinstance(outcome, Partial) else None


Handler = Callable[[Exchange], Awaitable[tuple[Response, Batch | None]]]


class Collector:
    """The state a fake HEC answers from (settings, tokens, acks, journal) and its ASGI app.

    `configure()` changes settings at run time and `reset()` goes back to the state it was made
    with; the admin API and `FakeHEC` both call them.
    """

    def __init__(
        self,
        tokens: TokenStore,
        settings: HECSettings | None = None,
        journal: Journal | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings or HECSettings()
        self.tokens = tokens
        self.clock = clock or RealClock()
        self.journal = journal or Journal(
            self.settings.max_events, self.settings.max_requests, self.settings.count_only
        )
        self.acks = AckLedger()
        self.faults = FaultSet(self.clock)
        # Futures that hung requests wait on; set when the server stops so no client stays stuck.
        self._hangs: set[asyncio.Future[None]] = set()
        # The same for delays and slow bodies, released only when the server stops (settle waits for them).
        self._pauses: set[asyncio.Future[None]] = set()
        # Tracebacks of errors raised inside the server, so a test can fail with them.
        self.errors: list[str] = []
        # Called with each finished request after it is journaled (request logs, waiters).
        self.on_request: list[Callable[[RequestRecord], None]] = []
        # Called on the server's loop as it stops, so endless responses (the live page's stream) end.
        self.on_stop: list[Callable[[], None]] = []
        self.said_busy_at = NEVER  # time.monotonic() of the last "Server is busy" answer
        # Called with the previous and the new settings after `configure()` (the server's TLS listeners).
        self.on_configure: list[Callable[[HECSettings, HECSettings], None]] = []
        self._initial_tokens = tuple(tokens.all())
        self._initial_settings = self.settings
        routes = self._route_table()
        self._routes = {flavor: routes for flavor in Flavor}
        self._routes[Flavor.EDGE_PROCESSOR] = {path: routes[path] for path in EDGE_PROCESSOR_PATHS}
        # Where `answer_whole` may answer: /raw, as each flavor routes it.
        self._whole_paths = {
            flavor: frozenset(path for path in RAW_PATHS if path in self._routes[flavor]) for flavor in Flavor
        }
        self._indexes: tuple[object, Indexes] | None = None
        self._heads = Heads(self._settle_head)
        # Which indexer of a cluster this is (1-based), for faults aimed at one; None on its own.
        self.node: int | None = None

    def _route_table(self) -> dict[str, tuple[Handler, frozenset[str], str]]:
        table: list[tuple[tuple[str, ...], Handler, str]] = [
            (EVENT_PATHS, self._event, "POST,OPTIONS"),
            (RAW_PATHS, self._raw, "POST,OPTIONS"),
            (ACK_PATHS, self._ack, "POST,OPTIONS"),
            (HEALTH_PATHS, self._health, "GET,HEAD,OPTIONS"),
        ]
        return {
            path: (handler, frozenset(allowed.split(",")), allowed)
            for paths, handler, allowed in table
            for path in paths
        }

    # -- run-time changes ---------------------------------------------------------------------------

    def configure(self, **changes: Any) -> HECSettings:
        """Change settings at run time, e.g. `configure(health="queues-full")`; returns the new settings."""
        previous = self.settings
        settings = previous.updated(changes)
        self.settings = settings
        journal = self.journal
        journal.max_events, journal.max_requests, journal.count_only = (
            settings.max_events,
            settings.max_requests,
            settings.count_only,
        )
        for observer in self.on_configure:
            observer(previous, settings)
        return settings

    def reset(self) -> None:
        """Back to the state it was made with: empty journal, no acks or faults, initial tokens and settings."""
        self.tokens.replace_all(self._initial_tokens)
        self.acks.clear()
        self.errors.clear()
        self.faults.clear()
        self.said_busy_at = NEVER
        self.configure(**self._initial_settings.to_dict())
        self.journal.clear()

    # -- connections (connection.KeepAlive) -----------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether splunkd would count as busy now (see `busy_since`)."""
        return self.busy_since(time.monotonic())

    def busy_since(self, moment: float) -> bool:
        """Whether the server has been busy at any time since `moment` (a `time.monotonic()` reading).

        splunkd does not define its busy state; the fake has two: its queues are full (health
        `queues-full`), or it said "Server is busy" (code 9, from a fault or a partial answer) within
        `busy_keep_alive_idle_timeout` seconds.
        """
        settings = self.settings
        if settings.health in BUSY_HEALTH_STATES:
            return True
        return self.said_busy_at + settings.busy_keep_alive_idle_timeout > moment

    def idle_timeout(self, idle_since: float) -> float:
        return self.settings.idle_timeout(self.busy_since(idle_since))

    def idle_recheck(self) -> float:
        return min(self.settings.keep_alive_idle_timeout, self.settings.busy_keep_alive_idle_timeout)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        if scope["type"] != "http":
            return  # lifespan is off and HEC has no websockets
        route = self._routes[self.settings.flavor].get(scope["path"])
        if route is None:
            handler: Handler = self._not_found
        else:
            handler, methods, allowed = route
            if scope["method"] == "OPTIONS":
                handler = _options(allowed)
            elif scope["method"] not in methods:
                handler = _method_not_allowed(allowed)
        response = await self._serve(Request(scope, receive), handler)
        await response(scope, receive, send)

    # -- a request that arrived whole, in one step -----------------------------------------------

    def takes_whole(self, scope: Scope) -> bool:
        """Whether `answer_whole` might answer this request once its body is in: worth waiting for.

        `connection` asks as a request's head arrives; a request it does not wait for starts in
        `app` at once, as every request did before (a fault acts before the body is read).
        """
        return scope["method"] == "POST" and not len(self.faults) and scope["path"] in self._whole_paths[self.settings.flavor]

    def answer_whole(self, scope: Scope, data: bytes) -> Response | None:
        """Answer a request whose whole body is in hand, in one step; or None, having done nothing,
        for `app` to answer it.

        Most requests of a load run are alike: a /raw POST with a good token, no acks, no fault
        rules, a small body that has arrived whole. For them `app` is machinery they do not use
        (an ASGI exchange, the fault pipeline, the ladder of refusals), and that machinery was
        most of their cost (bench/RESULTS.md, the collector against Fluent Bit). This takes such a
        request only when `app` would accept it in full, with the same checks in the same terms,
        the same record, batch and answer; anything else (a refusal, an ack, a fault) is declined
        before anything is counted. What the checks make of a head is kept for the next request
        that sends it (`hecharness.hec.heads`), and the record goes to the journal packed, made as
        an object only for observers. tests/hec/test_whole.py holds the two paths to the same
        answers and the same journals.
        """
        started = time.perf_counter()
        if not self.takes_whole(scope):
            return None
        head, length = self._heads.settled(scope, (self.settings, self.tokens.version))
        if head is None:
            return None
        try:
            body = body_in_hand(data, head.gzip, self.settings.body_limit)
            if body.is_blank():
                return None
            lines = self._split(body)
        except Exception:
            # A refusal, or an error inside the fake: app meets it again and answers it as splunkd
            # would, or as the fake's own error (kept in `errors`).
            return None
        request_id = self.journal.next_request_id()
        batch = RawBatch((request_id, *head.shared), lines)
        # Packed as the journal keeps it, with no record made unless somebody observes it.
        packed = pack_taken(
            head.record, head.rest, length, request_id, self.clock.now(), _remote_of(scope),
            body.wire_bytes, body.size, lines.count, time.perf_counter() - started, *self._placement(scope),
        )  # fmt: skip
        self.journal.keep(packed, batch.pack(), lines.count)
        if self.on_request:
            record = RequestRecord.unpack(packed)
            for observer in self.on_request:
                observer(record)
        if body.size >= memory.LARGE_BODY:
            memory.hand_back()
        return replies.SUCCESS

    def _settle_head(self, scope: Scope) -> SettledHead | None:
        """What `answer_whole` needs of a request's head, worked out by `app`'s own steps; None
        for a head it leaves to `app` (a refusal, an ack, a transfer coding), and for a head with
        which something went wrong inside the fake (app meets it again and keeps it in `errors`)."""
        headers, query = headers_of(scope), query_of(scope)
        if "transfer-encoding" in headers:
            return None
        try:
            token = self.tokens.authenticate(headers.get("authorization"), query.get("token"))
            if token.ack:
                return None  # acks are issued on app's path, the one place that knows their faults
            channel = self._checked_channel(channel_of(headers, query), token)
            index, moment = self._raw_target(token, query)
            gzip = is_gzip(headers)
            recorded = new_record(scope, headers, query, 0, 0.0)  # its query and headers, masked
            packed, rest = pack_head("POST", recorded.path, recorded.query, channel, token.name, recorded.headers)
            return SettledHead(
                shared=_raw_metadata(channel, index, moment, token, query, scope),
                gzip=gzip,
                record=packed,
                rest=rest,
            )
        except Exception:
            return None

    # -- one request, start to journal ----------------------------------------------------------

    async def _serve(self, request: Request, handler: Handler) -> Response:
        started = time.perf_counter()
        exchange = self._exchange(request)
        record, decision = exchange.record, exchange.decision
        batch: Batch | None = None
        response: Response | None
        large = False  # a body that was refused at the cap, or big enough to leave memory behind
        try:
            # Framing comes before everything the collector does, as in any HTTP server.
            refuse_unknown_transfer_coding(exchange.headers)
            if decision.delay and not await self._pause(decision.delay):
                response = await self._give_up(exchange, "the server stopped during the fault's delay")
            elif _runs_normally(decision.outcome):
                response, batch = await handler(exchange)
                if isinstance(decision.outcome, Reply) and record.code == codes.SUCCESS.code:
                    # A 2xx fault answer (e.g. code 24, queue near capacity) still took the events.
                    response = self._fault_reply(record, decision.outcome, ack_id=record.ack_id)
            else:
                response = await self._misbehave(exchange, decision.outcome)
        except Rejected as refusal:
            response = self._answer(record, refusal.code, invalid_event_number=refusal.invalid_event_number)
            record.note = refusal.note
        except TooLarge:
            large = True
            if self.settings.flavor == Flavor.CLOUD:
                response = self._answer(record, codes.INVALID_DATA_FORMAT, invalid_event_number=0)
            else:
                response = replies.html_reply(413, "Content Too Large", "Content-Length of request exceeds limit")
            record.note = f"body over max_content_length ({self.settings.body_limit} bytes)"
        except UnsupportedEncoding as error:
            response = replies.html_reply(
                415, "Unsupported Media Type", f"Content-Encoding of '{error.encoding}' is not supported"
            )
            record.note = f"unsupported Content-Encoding {error.encoding!r}"
        except UnsupportedTransferCoding as error:
            response = replies.html_reply(
                501, "Not Implemented", f"Transfer-Encoding of '{error.coding}' is not supported"
            )
            record.note = f"unsupported Transfer-Encoding {error.coding!r}; the body was not read"
        except ClientDisconnect:
            # The sender hung up (or HTTP framing broke) mid-body: nobody to answer, nothing accepted,
            # and not an error of the fake's.
            response = None
            record.note = "connection ended before the body was complete"
        except Exception:
            self.errors.append(traceback.format_exc())
            response = self._answer(record, codes.INTERNAL_SERVER_ERROR)
            record.note = "error inside the fake HEC; see FakeHEC.errors"
        self._close(record, batch, response.status_code if response is not None else 0, started, large)
        if response is None:
            return replies.NO_ANSWER  # the connection is gone; uvicorn sends nothing
        if decision.slow_body:
            return replies.DribbledResponse(response, decision.slow_body, self._pause)
        return response

    def _close(self, record: RequestRecord, batch: Batch | None, status: int, started: float, large: bool) -> None:
        """Journal a finished request, answered with `status` (0: not at all), and tell the observers."""
        record.status = status
        record.duration = time.perf_counter() - started
        if record.code == codes.SERVER_BUSY.code:
            self.said_busy_at = time.monotonic()
        self.journal.record(record, batch)
        for observer in self.on_request:
            observer(record)
        if large or max(record.bytes_in, record.bytes_decoded) >= memory.LARGE_BODY:
            memory.hand_back()  # the body's pieces are let go by now, unless the journal keeps them

    def _exchange(self, request: Request) -> Exchange:
        scope = request.scope
        headers, query = headers_of(scope), query_of(scope)
        record = self._new_record(scope, headers, query)
        # What the request says of itself goes in the record before anything can answer it, so a
        # request a fault or a refusal answered is found by its channel and token like any other.
        token = self.tokens.identify(headers.get("authorization"), query.get("token"))
        record.token_name = token.name if token else None
        record.channel = channel_of(headers, query)
        if len(self.faults):
            facts = self._facts(scope["path"], record, token, headers, query, connection.idle_of(scope))
            decision = self.faults.decide(facts)
        else:
            decision = NO_FAULT  # the usual case, where describing the request for faults is wasted work
        record.fault = decision.label
        return Exchange(request, record, headers, query, decision)

    def _facts(
        self,
        path: str,
        record: RequestRecord,
        token: Token | None,
        headers: dict[str, str],
        query: dict[str, str],
        idle: float | None = None,
    ) -> RequestFacts:
        return RequestFacts(
            path=path,
            endpoint=ENDPOINT_OF.get(path, Endpoint.OTHER),
            token_name=record.token_name,
            token_value=token.value if token else None,
            channel=record.channel,
            sourcetype=query.get("sourcetype"),
            headers=headers,
            idle=idle,
            node=self.node,
        )

    async def _misbehave(self, exchange: Exchange, outcome: object) -> Response | None:
        """Carry out a fault outcome that replaces the normal exchange; None when nothing is answered."""
        record = exchange.record
        if isinstance(outcome, Reply):
            await self._drain(exchange)
            return self._fault_reply(record, outcome)
        transport = connection.transport_of(exchange.request.scope)
        if isinstance(outcome, Reset):
            if outcome.after_body:
                await self._drain(exchange)
            record.note = f"connection reset {'after' if outcome.after_body else 'before'} reading the body"
            await connection.reset(transport)
        elif isinstance(outcome, Close):
            record.note = "connection closed without an answer"
            await connection.close(exchange.request.scope)
        elif isinstance(outcome, Hang):
            record.note = await self._hang(transport, outcome.seconds)
            transport.abort()
            await connection.settle()
        else:
            raise TypeError(f"no way to carry out fault outcome {outcome!r}")
        return None

    async def _drain(self, exchange: Exchange) -> None:
        """Read the body as a real server would before answering, without accepting anything."""
        try:
            body = await read_body(exchange.request.receive, exchange.headers, self.settings.body_limit)
        except (TooLarge, UnsupportedEncoding, Rejected):
            return
        exchange.record.bytes_in, exchange.record.bytes_decoded = body.wire_bytes, body.size

    async def _hang(self, transport: asyncio.Transport, seconds: float) -> str:
        release: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._hangs.add(release)
        deadline = self.clock.now() + seconds
        try:
            while True:
                if release.done():
                    return "hung until the server stopped"
                if transport.is_closing():
                    return "hung until the client gave up"
                if self.clock.now() >= deadline:
                    return f"hung for the maximum of {seconds:g}s, then closed"
                await asyncio.wait([release], timeout=0.05)
        finally:
            self._hangs.discard(release)

    async def _pause(self, seconds: float) -> bool:
        """Wait `seconds` on the harness clock for a delay or slow-body fault; False if released first.

        These waits end when the server stops: on a VirtualClock nothing else would end them, and
        uvicorn would cancel them after its grace period with a traceback in the log.
        """
        release: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pauses.add(release)
        sleep = asyncio.ensure_future(self.clock.sleep(seconds))
        try:
            await asyncio.wait([release, sleep], return_when=asyncio.FIRST_COMPLETED)
            return not release.done()
        finally:
            self._pauses.discard(release)
            sleep.cancel()

    async def _give_up(self, exchange: Exchange, note: str) -> None:
        """Drop the connection without an answer: the server is stopping."""
        exchange.record.note = note
        connection.transport_of(exchange.request.scope).abort()
        await connection.settle()
        return None

    def release_hangs(self) -> None:
        """End every hung request (the server is stopping, or a test settles). Call on the server's loop."""
        for release in list(self._hangs):
            if not release.done():
                release.set_result(None)

    def release_all(self) -> None:
        """End hangs, delays and slow bodies alike: the server is stopping. Call on the server's loop."""
        self.release_hangs()
        for release in list(self._pauses):
            if not release.done():
                release.set_result(None)
        for stopping in list(self.on_stop):  # a hook may take itself off the list
            stopping()

    def _fault_reply(self, record: RequestRecord, reply: Reply, ack_id: int | None = None) -> Response:
        headers = dict(reply.headers)
        if reply.retry_after is not None:
            headers["Retry-After"] = f"{reply.retry_after:g}"
        if reply.code is not None and reply.status is None:
            return self._answer(
                record, reply.code, invalid_event_number=reply.invalid_event_number, ack_id=ack_id, headers=headers
            )
        record.code, record.text = None, None
        body = reply.body or b""
        if reply.front_door:
            record.note = "answered by the load balancer in front of HEC"
            return replies.front_door_reply(reply.http_status, body, reply.content_type, headers)
        # An empty answer is not JSON, so it carries no type unless the fault names one.
        content_type = reply.content_type or (replies.JSON_TYPE if body else None)
        return replies.raw_reply(reply.http_status, body, content_type, headers)

    def _new_record(self, scope: Scope, headers: dict[str, str], query: dict[str, str]) -> RequestRecord:
        return self._placed(new_record(scope, headers, query, self.journal.next_request_id(), self.clock.now()), scope)

    def _placed(self, record: RequestRecord, scope: Scope) -> RequestRecord:
        """The record with what the request's place in a cluster adds to it: nothing, on its own."""
        return record

    def _placement(self, scope: Scope) -> tuple[int | None, bytes | None]:
        """`_placed` for a record packed at once (`batches.pack_taken`): its indexer and packed balance."""
        return None, None

    def _answer(
        self,
        record: RequestRecord,
        code: HECCode,
        invalid_event_number: int | None = None,
        ack_id: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        record.code = code.code
        record.text = code.text
        record.invalid_event_number = invalid_event_number
        record.ack_id = ack_id
        return replies.hec_reply(code, invalid_event_number=invalid_event_number, ack_id=ack_id, headers=headers)

    # -- the steps every data request takes -----------------------------------------------------

    def _authenticate(self, exchange: Exchange) -> Token:
        return self.tokens.authenticate(exchange.headers.get("authorization"), exchange.query.get("token"))

    def _channel(self, exchange: Exchange, token: Token) -> str | None:
        return self._checked_channel(exchange.record.channel, token)  # as the request gave it (see _exchange)

    def _checked_channel(self, channel: str | None, token: Token) -> str | None:
        if channel is None:
            if token.ack:
                cloud = self.settings.flavor == Flavor.CLOUD
                raise Rejected(codes.CLOUD_CHANNEL_MISSING if cloud else codes.CHANNEL_MISSING)
            return None
        try:
            uuid.UUID(channel)
        except ValueError:
            raise Rejected(codes.INVALID_CHANNEL, note=f"channel {channel!r} is not a GUID") from None
        return channel

    async def _body(self, exchange: Exchange) -> Body:
        body = await read_body(exchange.request.receive, exchange.headers, self.settings.body_limit)
        record = exchange.record
        record.bytes_in = body.wire_bytes
        record.bytes_decoded = body.size
        if body.is_blank():
            raise Rejected(codes.NO_DATA)
        return body

    def _ack_id(self, exchange: Exchange, token: Token, channel: str | None) -> int | None:
        if not token.ack or channel is None:
            return None
        ready_at = self.clock.now() + self.settings.ack_delay
        fault: AckFault | None = exchange.decision.ack
        if fault is not None and fault.mode == AckMode.NEVER:
            ready_at = float("inf")
        elif fault is not None and fault.mode == AckMode.DELAY:
            ready_at = self.clock.now() + fault.seconds
        return self.acks.issue(channel, ready_at, remember=fault is None or fault.mode != AckMode.LOST)

    def _partial(self, exchange: Exchange, accepted: int, ack_id: int | None) -> Response | None:
        """The refusal a partial-acceptance fault gives when the request held more than it accepts."""
        outcome, record = exchange.decision.outcome, exchange.record
        if not isinstance(outcome, Partial) or record.events <= outcome.accepted:
            return None
        record.events = accepted
        record.note = f"fault accepted {accepted} events and refused the rest"
        headers = {"Retry-After": f"{outcome.retry_after:g}"} if outcome.retry_after is not None else None
        return self._answer(record, outcome.code, invalid_event_number=accepted, ack_id=ack_id, headers=headers)

    def indexes(self) -> Indexes:
        """The server's indexes, rebuilt when the tokens or the `indexes` setting change."""
        settings = self.settings
        key = (self.tokens.version, settings.indexes, settings.flavor)
        if self._indexes is None or self._indexes[0] != key:
            # Edge Processor cannot know the indexes behind it, so it takes any (a Splunk engineer's
            # table, opentelemetry-collector #7312: "Incorrect Index ... isn't supported" there).
            every = settings.flavor == Flavor.EDGE_PROCESSOR
            self._indexes = (key, Indexes(settings.indexes, self.tokens.all(), every=every))
        return self._indexes[1]

    def _host(self, exchange: Exchange) -> str:
        return _host_of(exchange.request.scope)

    # -- endpoints --------------------------------------------------------------------------------

    async def _event(self, exchange: Exchange) -> tuple[Response, Batch | None]:
        record = exchange.record
        token = self._authenticate(exchange)
        channel = self._channel(exchange, token)
        body = await self._body(exchange)
        defaults = Defaults(record.id, channel, self._host(exchange), token, self.indexes())
        if body.kept:
            parsed = parse_event_body(body.data, defaults, self.settings.max_event_size)
        else:
            parsed = parse_event_pieces(body.pieces(), defaults, self.settings.max_event_size)
        events = parsed.events
        record.events = len(events)
        limit = exchange.partial_limit
        if limit is not None and len(events) > limit:
            events = events[:limit]
        record.note = parsed.note
        batch = EventBatch(events) if events else None
        # An indexed prefix is acknowledged even when the rest of the body was refused.
        ack_id = self._ack_id(exchange, token, channel) if events else None
        partial = self._partial(exchange, len(events), ack_id)
        if partial is not None:
            return partial, batch
        if parsed.error is not None:
            record.note = parsed.error.note
            code, number = parsed.error.code, parsed.error.invalid_event_number
            return self._answer(record, code, invalid_event_number=number, ack_id=ack_id), batch
        return self._answer(record, codes.SUCCESS, ack_id=ack_id), batch

    async def _raw(self, exchange: Exchange) -> tuple[Response, Batch | None]:
        record, query = exchange.record, exchange.query
        token = self._authenticate(exchange)
        channel = self._channel(exchange, token)
        index, moment = self._raw_target(token, query)
        lines = self._split(await self._body(exchange))
        record.events = lines.count
        limit = exchange.partial_limit
        if limit is not None:
            lines = lines.head(limit)
        accepted = lines.count
        metadata = _raw_metadata(channel, index, moment, token, query, exchange.request.scope)
        batch = RawBatch((record.id, *metadata), lines)
        ack_id = self._ack_id(exchange, token, channel) if accepted else None
        partial = self._partial(exchange, accepted, ack_id)
        if partial is not None:
            return partial, batch if accepted else None
        return self._answer(record, codes.SUCCESS, ack_id=ack_id), batch

    def _raw_target(self, token: Token, query: dict[str, str]) -> tuple[str, float | None]:
        """The index a /raw request's events go to and the time it gives them (None: their arrival)."""
        index = query.get("index") or token.default_index
        if not self.indexes().allow(token, index):
            raise Rejected(codes.INCORRECT_INDEX, note=_index_note(index, token))
        moment = None
        if "time" in query:
            moment = epoch_seconds(query["time"])
            if moment is None:
                raise Rejected(codes.INVALID_DATA_FORMAT, note=f"time={query['time']!r} is not a number")
        return index, moment

    def _split(self, body: Body) -> RawLines:
        return body.raw_lines(whole_body=self.settings.raw_split == RawSplit.BODY)

    async def _ack(self, exchange: Exchange) -> tuple[Response, None]:
        token = self._authenticate(exchange)
        if not token.ack:
            raise Rejected(codes.ACK_DISABLED)
        channel = self._channel(exchange, token)
        if channel is None:
            raise Rejected(codes.CHANNEL_MISSING)
        ack_ids = _ack_ids(_ack_poll(await self._body(exchange), self.settings.max_event_size))
        exchange.record.code = codes.SUCCESS.code
        exchange.record.text = codes.SUCCESS.text
        return replies.json_reply({"acks": self.acks.poll(channel, ack_ids, self.clock.now())}), None

    async def _health(self, exchange: Exchange) -> tuple[Response, None]:
        # Splunk ignores the token here, good, bad or absent (measured on 10.4.3 and Cloud).
        return self._answer(exchange.record, self.settings.health_code), None

    async def _not_found(self, exchange: Exchange) -> tuple[Response, None]:
        exchange.record.code = 404
        exchange.record.text = codes.NOT_FOUND_TEXT
        return replies.not_found_reply(404), None


def headers_of(scope: Scope) -> dict[str, str]:
    """A request's headers by lower-case name; the first of repeated headers wins."""
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in reversed(scope["headers"])}
    if "transfer-encoding" in headers:
        # A list header sent as several fields means them all, in order (RFC 9110 section 5.3);
        # the parser frames by the last one, so the first alone would hide a coding.
        headers["transfer-encoding"] = ", ".join(
            value.decode("latin-1") for name, value in scope["headers"] if name == b"transfer-encoding"
        )
    return headers


def query_of(scope: Scope) -> dict[str, str]:
    """A request's query parameters; the last of repeated ones wins."""
    raw_query = scope["query_string"]
    return dict(parse_qsl(raw_query.decode("latin-1"), keep_blank_values=True)) if raw_query else {}


def channel_of(headers: dict[str, str], query: dict[str, str]) -> str | None:
    """The channel a request names, the header's before the query's; not checked yet."""
    return headers.get("x-splunk-request-channel") or query.get("channel") or None


def _host_of(scope: Scope) -> str:
    server = scope.get("server")
    return f"{server[0]}:{server[1]}" if server else "hecharness"


def _raw_metadata(
    channel: str | None, index: str, moment: float | None, token: Token, query: dict[str, str], scope: Scope
) -> tuple[Any, ...]:
    """What every event of a /raw request shares after the request's id (see `RawBatch`)."""
    return (
        channel,
        index,
        query.get("source") or token.source,
        query.get("sourcetype") or token.default_sourcetype or "httpevent",
        query.get("host") or _host_of(scope),
        moment,
    )


def new_record(scope: Scope, headers: dict[str, str], query: dict[str, str], request_id: int, now: float) -> RequestRecord:
    """The journal's record of a request as it came in, credentials masked."""
    if "authorization" in headers:
        headers = {**headers, "authorization": mask_authorization(headers["authorization"])}
    query_text = scope["query_string"].decode("latin-1")
    if "token" in query:
        masked = [(k, mask_token(v) if k == "token" else v) for k, v in parse_qsl(query_text, True)]
        query_text = urlencode(masked, safe="*")
    return RequestRecord(
        id=request_id,
        time=now,
        method=scope["method"],
        path=scope["path"],
        query=query_text,
        headers=headers,
        remote=_remote_of(scope),
    )


def _remote_of(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else ""


def _runs_normally(outcome: object) -> bool:
    """Outcomes that let the request take its normal path: none, partial, or a 2xx answer."""
    return outcome is None or isinstance(outcome, Partial) or (isinstance(outcome, Reply) and outcome.accepts)


def _options(allowed: str) -> Handler:
    async def answer(exchange: Exchange) -> tuple[Response, None]:
        return replies.options_reply(allowed), None

    return answer


def _method_not_allowed(allowed: str) -> Handler:
    async def answer(exchange: Exchange) -> tuple[Response, None]:
        exchange.record.code = 404
        exchange.record.text = codes.NOT_FOUND_TEXT
        return replies.not_found_reply(405, {"Allow": allowed}), None

    return answer


def _ack_poll(body: Body, max_size: int) -> object:
    """An ack poll body as JSON. One too big to keep inflated (a bomb, in practice) is read as a
    stream, like an /event body, and must be one value no longer than `max_size`."""
    if body.kept:
        try:
            return orjson.loads(body.data)
        except orjson.JSONDecodeError:
            raise Rejected(codes.INVALID_DATA_FORMAT, note="ack poll is not JSON") from None
    values = list(itertools.islice(json_values(body.pieces(), max_size), 2))
    if len(values) != 1 or isinstance(values[0], Rejected):
        raise Rejected(codes.INVALID_DATA_FORMAT, note="ack poll is not one JSON object")
    return values[0]


def _ack_ids(body: object) -> list[int]:
    """The ids of an ack poll, `{"acks": [0, 1, 2]}`."""
    ids = body.get("acks") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
        raise Rejected(codes.INVALID_DATA_FORMAT, note='ack poll must be {"acks": [<id>, ...]}')
    return ids


def _index_note(index: str, token: Token) -> str:
    if token.indexes:
        return f"index {index!r} is not in this token's indexes"
    return f"index {index!r} does not exist on this server (or is internal)"
