"""HTTP/1.1 on raw sockets, for requests no well-behaved client would send, and the shape of splunkd's answers.

httpx normalises what it sends (one Content-Length, valid chunking, no repeated Authorization), so
the fuzz tests write bytes themselves and read answers back with this small reader. It knows only
what the fake HEC and uvicorn put on the wire: a status line, headers, and a Content-Length body.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

import orjson

from hecharness import codes

__all__ = [
    "Answer",
    "Connection",
    "ServerHungUp",
    "assert_splunk_shaped",
    "is_http_layer_400",
    "build_request",
    "chunked",
    "SPLUNK_HEADERS",
]

SPLUNK_HEADERS = {
    "server": "Splunkd",
    "vary": "Authorization",
    "x-frame-options": "SAMEORIGIN",
}
NOSNIFF = ("x-content-type-options", "nosniff")  # beside Content-Type, on answers that have one
# What uvicorn itself answers to bytes HTTP cannot parse; the collector never sees such a request.
HTTP_LAYER_400_BODY = b"Invalid HTTP request received."
_READ_LIMIT = 1 << 22  # no answer of the fake is bigger; a bigger one is a bug, not something to wait for


class ServerHungUp(Exception):
    """The connection ended (EOF or reset) before a whole answer arrived."""


@dataclass
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]]  # lower-case names, in wire order
    body: bytes
    interim: list[int] = field(default_factory=list)  # 1xx answers seen before this one

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def json(self) -> object:
        return orjson.loads(self.body)

    @property
    def closes(self) -> bool:
        return (self.header("connection") or "").lower() == "close"


class Connection:
    """One TCP connection to the fake, reused for as many requests as the server keeps it open."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer = bytearray()
        self.closed = False

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def half_close(self) -> None:
        """Say we will send nothing more (FIN), while still reading the answer."""
        self.sock.shutdown(socket.SHUT_WR)

    def request(self, data: bytes, head: bool = False) -> Answer:
        self.send(data)
        return self.read_answer(head=head)

    def read_answer(self, head: bool = False) -> Answer:
        interim: list[int] = []
        while True:
            status, reason, headers = self._read_head()
            if 100 <= status < 200:
                interim.append(status)  # e.g. 100 Continue; the real answer follows
                continue
            break
        length = next((value for key, value in headers if key == "content-length"), None)
        if head or status in (204, 304):
            body = b""
        elif length is not None:
            body = self._read_exactly(int(length))
        else:
            body = self._read_to_eof()
        answer = Answer(status, reason, headers, body, interim)
        if answer.closes:
            self.close()
        return answer

    def read_head_only(self) -> bytes:
        """The status line and headers of an answer whose body may never finish (slow-body faults)."""
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self._buffer[: end + 4])
        del self._buffer[: end + 4]
        return head

    def at_eof(self, timeout: float = 5.0) -> bool:
        """True when the server has closed its side (read returns EOF or the connection is reset)."""
        self._buffer.clear()  # whatever part of an answer came before the end
        self.sock.settimeout(timeout)
        try:
            while chunk := self.sock.recv(65536):  # bounded by the timeout: a live server sends nothing more
                pass
            return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sock.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------

    def _fill(self) -> None:
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            raise ServerHungUp(f"connection ended with {len(self._buffer)} bytes of an answer")
        self._buffer += chunk
        if len(self._buffer) > _READ_LIMIT:
            raise AssertionError(f"an answer of more than {_READ_LIMIT} bytes")

    def _read_head(self) -> tuple[int, str, list[tuple[str, str]]]:
        while (end := self._buffer.find(b"\r\n\r\n")) < 0:
            self._fill()
        head = bytes(self._buffer[:end]).decode("latin-1")
        del self._buffer[: end + 4]
        status_line, *lines = head.split("\r\n")
        version, status, reason = (status_line.split(" ", 2) + [""])[:3]
        assert version == "HTTP/1.1", f"status line {status_line!r}"
        headers = []
        for line in lines:
            name, colon, value = line.partition(":")
            assert colon, f"header line {line!r}"
            headers.append((name.strip().lower(), value.strip()))
        return int(status), reason, headers

    def _read_exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            self._fill()
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _read_to_eof(self) -> bytes:
        try:
            while True:
                self._fill()
        except ServerHungUp:
            pass
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def build_request(
    method: str,
    target: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    *,
    chunks: list[int] | None = None,
    content_length: bool = True,
) -> bytes:
    """A request's bytes: `chunks` sends the body chunked in pieces of those sizes, else with Content-Length."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1"), b"Host: 127.0.0.1"]
    lines += [name + b": " + value for name, value in headers]
    if chunks is not None:
        lines.append(b"Transfer-Encoding: chunked")
        payload = chunked(body, chunks)
    else:
        if content_length and (body or method not in ("GET", "HEAD", "OPTIONS")):
            lines.append(b"Content-Length: %d" % len(body))
        payload = body
    return b"\r\n".join(lines) + b"\r\n\r\n" + payload


def chunked(body: bytes, sizes: list[int]) -> bytes:
    """`body` in chunked transfer coding, cut at the given sizes (the last piece takes the rest)."""
    pieces, position = [], 0
    for size in sizes:
        if position >= len(body):
            break
        pieces.append(body[position : position + max(1, size)])
        position += max(1, size)
    if position < len(body):
        pieces.append(body[position:])
    out = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
    return out + b"0\r\n\r\n"


def is_http_layer_400(answer: Answer) -> bool:
    """uvicorn's own answer to bytes that are not HTTP (it closes the connection after it)."""
    return answer.status == 400 and answer.body == HTTP_LAYER_400_BODY and answer.closes


def assert_splunk_shaped(answer: Answer, method: str = "POST") -> None:
    """An answer splunkd could have given: its headers, and a status that agrees with the HEC code's table."""
    for name, value in SPLUNK_HEADERS.items():
        assert answer.header(name) == value, f"header {name}: {answer.header(name)!r} in {answer}"
    if method != "HEAD":
        assert answer.header("content-length") == str(len(answer.body)), answer
    content_type = answer.header("content-type")
    assert answer.header(NOSNIFF[0]) == (None if content_type is None else NOSNIFF[1]), answer
    if content_type is None:
        # Only the empty OPTIONS answer (and HEAD, which has no body) goes without a type.
        assert (answer.status, answer.body) == (200, b"") and answer.header("allow"), answer
        return
    if content_type.startswith("text/html"):
        assert answer.status in (413, 415, 501), answer
        assert answer.body.startswith(b"<!doctype html>"), answer
        return
    assert content_type == "application/json; charset=UTF-8", answer
    if method == "HEAD":
        return
    body = orjson.loads(answer.body)
    assert isinstance(body, dict), answer
    if "acks" in body:
        assert answer.status == 200 and list(body) == ["acks"], answer
        assert all(isinstance(k, str) and isinstance(v, bool) for k, v in body["acks"].items()), answer
        return
    keys = list(body)
    assert keys == [k for k in ("text", "code", "invalid-event-number", "ackId") if k in body], answer
    assert keys[:2] == ["text", "code"], answer
    code = body["code"]
    if code == 404:
        assert answer.status in (404, 405) and body["text"] == codes.NOT_FOUND_TEXT, answer
        return
    expected = codes.by_number(code)
    assert (answer.status, body["text"]) == (expected.status, expected.text), answer
    for key in ("invalid-event-number", "ackId"):
        if key in body:
            assert isinstance(body[key], int) and body[key] >= 0, answer
