"""The fake HEC's request pipeline, as a Starlette app.

Every request runs the same path, in Splunk's order: credentials, then channel, then body, then
the events in it. A step that refuses raises `Rejected` with the Splunk code; whatever happens,
the request and the events it delivered are written to the journal before the answer leaves.
"""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlencode

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hecharness import codes
from hecharness.clock import Clock, RealClock
from hecharness.codes import HECCode
from hecharness.hec import replies
from hecharness.hec.acks import AckLedger
from hecharness.hec.body import Body, TooLarge, UnsupportedEncoding, read_body
from hecharness.hec.events import Defaults, epoch_seconds, parse_event_body
from hecharness.hec.journal import Journal, RequestRecord, _EventBatch, _RawBatch
from hecharness.hec.settings import HECSettings
from hecharness.hec.tokens import Rejected, Token, TokenStore
from hecharness.masking import mask_authorization, mask_token

__all__ = ["Collector", "EVENT_PATHS", "RAW_PATHS", "HEALTH_PATHS", "ACK_PATHS"]

EVENT_PATHS = ("/services/collector", "/services/collector/event", "/services/collector/event/1.0")
RAW_PATHS = ("/services/collector/raw", "/services/collector/raw/1.0")
HEALTH_PATHS = ("/services/collector/health", "/services/collector/health/1.0")
ACK_PATHS = ("/services/collector/ack", "/services/collector/ack/1.0")

Batch = _RawBatch | _EventBatch
Handler = Callable[[Request, RequestRecord], Awaitable[tuple[Response, Batch | None]]]


class Collector:
    """The state a fake HEC answers from (settings, tokens, acks, journal) and its ASGI app."""

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
        # Tracebacks of errors raised inside the server, so a test can fail with them.
        self.errors: list[str] = []
        # Called with each finished request after it is journaled (request logs, waiters).
        self.on_request: list[Callable[[RequestRecord], None]] = []
        self.app = Starlette(routes=self._routes())
        self.app.router.redirect_slashes = False

    def _routes(self) -> list[Route]:
        any_method = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
        table: list[tuple[tuple[str, ...], Handler, str]] = [
            (EVENT_PATHS, self._event, "POST,OPTIONS"),
            (RAW_PATHS, self._raw, "POST,OPTIONS"),
            (ACK_PATHS, self._ack, "POST,OPTIONS"),
            (HEALTH_PATHS, self._health, "GET,HEAD,OPTIONS"),
        ]
        routes = [
            Route(path, self._endpoint(handler, allowed), methods=any_method)
            for paths, handler, allowed in table
            for path in paths
        ]
        routes.append(Route("/{rest:path}", self._endpoint(self._not_found, ""), methods=any_method))
        return routes

    def _endpoint(self, handler: Handler, allowed: str) -> Callable[[Request], Awaitable[Response]]:
        methods = set(allowed.split(",")) if allowed else set()

        async def endpoint(request: Request) -> Response:
            if request.method == "OPTIONS" and methods:
                return await self._serve(request, _options(allowed))
            if methods and request.method not in methods:
                return await self._serve(request, _method_not_allowed(allowed))
            return await self._serve(request, handler)

        return endpoint

    # -- one request, start to journal ----------------------------------------------------------

    async def _serve(self, request: Request, handler: Handler) -> Response:
        started = time.perf_counter()
        record = self._new_record(request)
        batch: Batch | None = None
        try:
            response, batch = await handler(request, record)
        except Rejected as refusal:
            response = self._answer(record, refusal.code, invalid_event_number=refusal.invalid_event_number)
            record.note = refusal.note
        except TooLarge:
            if self.settings.flavor == "cloud":
                response = self._answer(record, codes.INVALID_DATA_FORMAT, invalid_event_number=0)
            else:
                response = replies.html_reply(413, "Content Too Large", "Content-Length of request exceeds limit")
            record.note = f"body over max_content_length ({self.settings.body_limit} bytes)"
        except UnsupportedEncoding as error:
            response = replies.html_reply(
                415, "Unsupported Media Type", f"Content-Encoding of '{error.encoding}' is not supported"
            )
            record.note = f"unsupported Content-Encoding {error.encoding!r}"
        except Exception:
            self.errors.append(traceback.format_exc())
            response = self._answer(record, codes.INTERNAL_SERVER_ERROR)
            record.note = "error inside the fake HEC; see FakeHEC.errors"
        record.status = response.status_code
        record.duration = time.perf_counter() - started
        self.journal.record(record, batch)
        for observer in self.on_request:
            observer(record)
        return response

    def _new_record(self, request: Request) -> RequestRecord:
        headers = dict(request.headers)
        if "authorization" in headers:
            headers["authorization"] = mask_authorization(headers["authorization"])
        query = request.scope["query_string"].decode("latin-1")
        if "token=" in query:
            query = urlencode([(k, mask_token(v) if k == "token" else v) for k, v in parse_qsl(query, True)], safe="*")
        client = request.client
        return RequestRecord(
            id=self.journal.next_request_id(),
            time=self.clock.now(),
            method=request.method,
            path=request.url.path,
            query=query,
            headers=headers,
            remote=f"{client.host}:{client.port}" if client else "",
        )

    def _answer(self, record: RequestRecord, code: HECCode, **extra: int | None) -> Response:
        record.code = code.code
        record.text = code.text
        record.invalid_event_number = extra.get("invalid_event_number")
        record.ack_id = extra.get("ack_id")
        return replies.hec_reply(code, **extra)

    # -- the steps every data request takes -----------------------------------------------------

    def _authenticate(self, request: Request, record: RequestRecord) -> Token:
        token = self.tokens.authenticate(request.headers.get("authorization"), request.query_params.get("token"))
        record.token_name = token.name
        return token

    def _channel(self, request: Request, token: Token, record: RequestRecord) -> str | None:
        channel = request.headers.get("x-splunk-request-channel") or request.query_params.get("channel")
        if not channel:
            if token.ack:
                cloud = self.settings.flavor == "cloud"
                raise Rejected(codes.CLOUD_CHANNEL_MISSING if cloud else codes.CHANNEL_MISSING)
            return None
        record.channel = channel
        try:
            uuid.UUID(channel)
        except ValueError:
            raise Rejected(codes.INVALID_CHANNEL, note=f"channel {channel!r} is not a GUID") from None
        return channel

    async def _body(self, request: Request, record: RequestRecord) -> bytes:
        body: Body = await read_body(request, self.settings.body_limit)
        record.bytes_in = body.wire_bytes
        record.bytes_decoded = len(body.data)
        if not body.data or body.data.isspace():
            raise Rejected(codes.NO_DATA)
        return body.data

    def _ack_id(self, token: Token, channel: str | None) -> int | None:
        if not token.ack or channel is None:
            return None
        return self.acks.issue(channel, self.clock.now() + self.settings.ack_delay)

    def _host(self, request: Request) -> str:
        server = request.scope.get("server")
        return f"{server[0]}:{server[1]}" if server else "hecharness"

    # -- endpoints --------------------------------------------------------------------------------

    async def _event(self, request: Request, record: RequestRecord) -> tuple[Response, Batch | None]:
        token = self._authenticate(request, record)
        channel = self._channel(request, token, record)
        data = await self._body(request, record)
        defaults = Defaults(record.id, channel, self._host(request), token)
        parsed = parse_event_body(data, defaults, self.settings.max_event_size)
        record.events = len(parsed.events)
        record.note = parsed.note
        batch = _EventBatch(parsed.events) if parsed.events else None
        # An indexed prefix is acknowledged even when the rest of the body was refused.
        ack_id = self._ack_id(token, channel) if parsed.events else None
        if parsed.error is not None:
            record.note = parsed.error.note
            code, number = parsed.error.code, parsed.error.invalid_event_number
            return self._answer(record, code, invalid_event_number=number, ack_id=ack_id), batch
        return self._answer(record, codes.SUCCESS, ack_id=ack_id), batch

    async def _raw(self, request: Request, record: RequestRecord) -> tuple[Response, Batch | None]:
        token = self._authenticate(request, record)
        channel = self._channel(request, token, record)
        query = request.query_params
        index = query.get("index") or token.default_index
        if not token.allows_index(index):
            raise Rejected(codes.INCORRECT_INDEX, note=f"index {index!r} not allowed for this token")
        moment = None
        if "time" in query:
            moment = epoch_seconds(query["time"])
            if moment is None:
                raise Rejected(codes.INVALID_DATA_FORMAT, note=f"time={query['time']!r} is not a number")
        data = await self._body(request, record)
        lines = self._split(data)
        batch = _RawBatch(
            record.id,
            channel,
            index,
            query.get("source") or token.source,
            query.get("sourcetype") or token.default_sourcetype or "httpevent",
            query.get("host") or self._host(request),
            moment,
            lines,
        )
        record.events = len(lines)
        return self._answer(record, codes.SUCCESS, ack_id=self._ack_id(token, channel)), batch

    def _split(self, data: bytes) -> list[bytes]:
        if self.settings.raw_split == "body":
            return [data.rstrip(b"\r\n")]
        lines = list(filter(None, data.splitlines()))
        if any(map(bytes.isspace, lines)):
            lines = [line for line in lines if not line.isspace()]
        return lines

    async def _ack(self, request: Request, record: RequestRecord) -> tuple[Response, None]:
        token = self._authenticate(request, record)
        if not token.ack:
            raise Rejected(codes.ACK_DISABLED)
        channel = self._channel(request, token, record)
        if channel is None:
            raise Rejected(codes.CHANNEL_MISSING)
        ack_ids = _ack_ids(await self._body(request, record))
        record.code = codes.SUCCESS.code
        record.text = codes.SUCCESS.text
        return replies.json_reply({"acks": self.acks.poll(channel, ack_ids, self.clock.now())}), None

    async def _health(self, request: Request, record: RequestRecord) -> tuple[Response, None]:
        # Splunk ignores the token here, good, bad or absent (measured on 10.4.3 and Cloud).
        response = self._answer(record, self.settings.health_code)
        if request.method == "HEAD":
            response.body = b""
        return response, None

    async def _not_found(self, request: Request, record: RequestRecord) -> tuple[Response, None]:
        record.code = 404
        record.text = codes.NOT_FOUND_TEXT
        return replies.not_found_reply(404), None


def _options(allowed: str) -> Handler:
    async def answer(request: Request, record: RequestRecord) -> tuple[Response, None]:
        return replies.options_reply(allowed), None

    return answer


def _method_not_allowed(allowed: str) -> Handler:
    async def answer(request: Request, record: RequestRecord) -> tuple[Response, None]:
        record.code = 404
        record.text = codes.NOT_FOUND_TEXT
        return replies.not_found_reply(405, {"Allow": allowed}), None

    return answer


def _ack_ids(data: bytes) -> list[int]:
    """The ids of an ack poll body, `{"acks": [0, 1, 2]}`."""
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise Rejected(codes.INVALID_DATA_FORMAT, note="ack poll is not JSON") from None
    ids = body.get("acks") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
        raise Rejected(codes.INVALID_DATA_FORMAT, note='ack poll must be {"acks": [<id>, ...]}')
    return ids
