"""What the collector puts on the wire, byte for byte the way splunkd does.

Splunkd answers with compact JSON (no spaces, no trailing newline) in the key order `text`, `code`,
`invalid-event-number`, `ackId`, and the same headers on every reply, in its own case and order. Unsupported encodings
(415) and oversized bodies (413) get an HTML page instead of JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from hecharness import codes
from hecharness.codes import HECCode
from hecharness.hec import connection
from hecharness.hec.response_head import BODY_FOLLOWS

__all__ = ["hec_reply", "json_reply", "html_reply", "options_reply", "not_found_reply", "SPLUNK_HEADERS"]

SPLUNK_HEADERS: dict[str, str] = {
    "Server": "Splunkd",
    "Vary": "Authorization",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
}
JSON_TYPE = "application/json; charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"


def hec_body(
    code: HECCode, *, invalid_event_number: int | None = None, ack_id: int | None = None, text: str | None = None
) -> dict[str, object]:
    body: dict[str, object] = {"text": code.text if text is None else text, "code": code.code}
    if invalid_event_number is not None:
        body["invalid-event-number"] = invalid_event_number
    if ack_id is not None:
        body["ackId"] = ack_id
    return body


class SplunkdResponse(Response):
    """A response built straight into raw headers, in splunkd's case and order.

    splunkd writes `Date`, then `Content-Type` with `X-Content-Type-Options` beside it (only when
    there is a type), `Content-Length`, `Vary`, `Connection`, `X-Frame-Options` and `Server`
    last. `Date` comes from the server, and `Connection` turns to `close` when the connection
    will close (see `response_head`). Extra headers (`Retry-After`, `Allow`) go after
    `Content-Length`, where splunkd puts the headers a handler adds.

    Starlette's generic header building is a large share of a small request's cost, and every
    collector answer has the same shape, so it is done once here by hand.
    """

    def __init__(
        self,
        body: bytes,
        status: int,
        content_type: str | None,
        headers: Mapping[str, str] | None = None,
        front_door: bool = False,
    ) -> None:
        self.status_code = status
        self.body = body
        self.background = None
        raw = [(b"Content-Type", content_type.encode("latin-1"))] if content_type else []
        if content_type and not front_door:
            raw.append(_NOSNIFF)
        raw.append((b"Content-Length", str(len(body)).encode()))
        if headers:
            raw += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        raw += _FRONT_DOOR_TAIL if front_door else _SPLUNKD_TAIL
        self.raw_headers = raw

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The body follows at once, so the head can wait for it and leave in the same write.
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers, BODY_FOLLOWS: True})
        await send({"type": "http.response.body", "body": self.body})


_NOSNIFF = (b"X-Content-Type-Options", SPLUNK_HEADERS["X-Content-Type-Options"].encode())
_SPLUNKD_TAIL = [
    (b"Vary", SPLUNK_HEADERS["Vary"].encode()),
    (b"Connection", b"Keep-Alive"),
    (b"X-Frame-Options", SPLUNK_HEADERS["X-Frame-Options"].encode()),
    (b"Server", SPLUNK_HEADERS["Server"].encode()),
]
_FRONT_DOOR_TAIL = [(b"Connection", b"keep-alive")]


def json_reply(body: object, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return SplunkdResponse(orjson.dumps(body), status, JSON_TYPE, headers)


def hec_reply(
    code: HECCode,
    *,
    invalid_event_number: int | None = None,
    ack_id: int | None = None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = hec_body(code, invalid_event_number=invalid_event_number, ack_id=ack_id)
    return json_reply(body, code.status if status is None else status, headers)


# The answer to every request accepted in full without an ack: one object, since it never changes,
# with its headers a tuple so that its head is written once (`response_head.splunkd_head`).
SUCCESS = hec_reply(codes.SUCCESS)
SUCCESS.raw_headers = tuple(SUCCESS.raw_headers)  # type: ignore[assignment]


def not_found_reply(status: int = 404, headers: Mapping[str, str] | None = None) -> Response:
    # Splunkd uses the same body, with code 404, for unknown paths and for wrong methods (405).
    return json_reply({"text": codes.NOT_FOUND_TEXT, "code": 404}, status, headers)


def html_reply(status: int, title: str, message: str) -> Response:
    page = (
        '<!doctype html><html><head><meta http-equiv="content-type" content="text/html; charset=UTF-8">'
        f"<title>{status} {title}</title></head><body><h1>{title}</h1><p>{message}</p></body></html>"
    )
    return SplunkdResponse(page.encode(), status, HTML_TYPE)


def options_reply(methods: str) -> Response:
    return SplunkdResponse(b"", 200, None, {"Allow": methods})


def raw_reply(
    status: int, body: bytes, content_type: str | None, headers: Mapping[str, str] | None = None
) -> Response:
    """Any status and body, still with splunkd's headers (for custom fault answers)."""
    return SplunkdResponse(body, status, content_type, headers)


def front_door_reply(
    status: int, body: bytes, content_type: str | None, headers: Mapping[str, str] | None = None
) -> Response:
    """A load balancer's answer: none of splunkd's headers, since splunkd never saw the request."""
    return SplunkdResponse(body, status, content_type, headers, front_door=True)


class DribbledResponse(Response):
    """Another response's status, headers and body, with the body sent in pieces over `seconds`.

    `pause(seconds)` waits on the harness clock and returns False when the server is stopping;
    the connection is then dropped mid-body instead of holding the shutdown.
    """

    PIECES = 10

    def __init__(self, inner: Response, seconds: float, pause: Callable[[float], Awaitable[bool]]) -> None:
        self.status_code = inner.status_code
        self.body = inner.body
        self.raw_headers = inner.raw_headers  # keeps Content-Length, so clients wait for all of it
        self.background = None
        self._seconds = seconds
        self._pause = pause

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        body = bytes(self.body)
        pieces = max(1, min(self.PIECES, len(body)))
        step = -(-len(body) // pieces)
        for start in range(0, max(len(body), 1), step or 1):
            if not await self._pause(self._seconds / pieces):
                connection.transport_of(scope).abort()
                await connection.settle()
                return
            await send({"type": "http.response.body", "body": body[start : start + step], "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class _NoAnswer(Response):
    """Returned when a fault already closed the connection: there is nobody to answer."""

    def __init__(self) -> None:
        self.status_code = 0
        self.body = b""
        self.raw_headers = []
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        return None


NO_ANSWER = _NoAnswer()
