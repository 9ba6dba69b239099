"""Routes, methods, headers and bodies as splunkd puts them on the wire."""

from __future__ import annotations

import re

import pytest

from tests.hec.conftest import auth
from tests.reliability.wire import Connection

DATA_PATHS = [
    "/services/collector",
    "/services/collector/event",
    "/services/collector/event/1.0",
]
RAW_PATHS = ["/services/collector/raw", "/services/collector/raw/1.0"]


@pytest.mark.parametrize("path", DATA_PATHS)
def test_event_routes_accept_events(client, path):
    response = client.post(path, content=b'{"event":"hello"}', headers=auth())
    assert response.status_code == 200
    assert response.content == b'{"text":"Success","code":0}'


@pytest.mark.parametrize("path", RAW_PATHS)
def test_raw_routes_accept_lines(client, hec, path):
    response = client.post(path, content=b"one\ntwo\n", headers=auth())
    assert response.content == b'{"text":"Success","code":0}'
    assert [e.raw for e in hec.journal.events] == ["one", "two"]


def test_replies_carry_splunkd_headers_and_compact_json(client):
    response = client.post("/services/collector/event", content=b'{"event":1}', headers=auth())
    assert response.headers["content-type"] == "application/json; charset=UTF-8"
    assert response.headers["server"] == "Splunkd"
    assert response.headers["vary"] == "Authorization"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert response.headers["content-length"] == str(len(b'{"text":"Success","code":0}'))
    assert "uvicorn" not in response.headers.get("server", "")


def test_error_body_key_order_matches_splunk(client):
    response = client.post("/services/collector/event", content=b'{"event":1}{"event":', headers=auth())
    assert response.content == b'{"text":"Invalid data format","code":6,"invalid-event-number":1}'
    assert response.headers["content-length"] == "64"


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/services/collector/event", "POST,OPTIONS"),
        ("/services/collector/event/1.0", "POST,OPTIONS"),
        ("/services/collector/raw", "POST,OPTIONS"),
        ("/services/collector/ack", "POST,OPTIONS"),
        ("/services/collector/health", "GET,HEAD,OPTIONS"),
    ],
)
def test_options_answers_200_without_a_token(client, path, allow):
    response = client.options(path)
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["allow"] == allow


@pytest.mark.parametrize("path", ["/services/collector/nope", "/services/server/info", "/", "/services/collector/event/"])
def test_unknown_path_is_404_with_splunk_body(client, path):
    response = client.post(path, content=b"x", headers=auth())
    assert response.status_code == 404
    assert response.json() == {"text": "The requested URL was not found on this server.", "code": 404}
    assert response.headers["server"] == "Splunkd"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/services/collector/event"), ("PUT", "/services/collector/raw"), ("POST", "/services/collector/health"), ("GET", "/services/collector/ack")],
)
def test_wrong_method_is_405_with_the_404_body(client, method, path):
    response = client.request(method, path, headers=auth())
    assert response.status_code == 405
    assert response.json() == {"text": "The requested URL was not found on this server.", "code": 404}


def test_content_type_is_not_checked(client, hec):
    response = client.post(
        "/services/collector/raw",
        content=b"a=1",
        headers={**auth(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert hec.journal.events[0].raw == "a=1"


# -- the head, byte for byte -------------------------------------------------------------------
# splunkd's order and case, from a `curl -v` of splunkd (Date, Content-Type, X-Content-Type-Options,
# Content-Length, Vary, Connection, X-Frame-Options, Server) with HEC's header set.

SPLUNKD_TAIL = [b"Vary: Authorization", b"Connection: Keep-Alive", b"X-Frame-Options: SAMEORIGIN", b"Server: Splunkd"]
JSON_HEAD = [b"Content-Type: application/json; charset=UTF-8", b"X-Content-Type-Options: nosniff"]


def head_lines(hec, request: bytes) -> tuple[list[bytes], Connection]:
    """The answer's status line and header lines as sent, with the Date value checked and dropped."""
    connection = Connection(int(hec.url.rsplit(":", 1)[1]))
    connection.send(request)
    status, date, *lines = connection.read_head_only().removesuffix(b"\r\n\r\n").split(b"\r\n")
    assert re.fullmatch(rb"Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", date), date
    return [status, *lines], connection


def post(path: str, body: bytes, *headers: bytes, version: bytes = b"HTTP/1.1") -> bytes:
    lines = [b"POST " + path.encode() + b" " + version, b"Host: hec", b"Authorization: Splunk good-token", *headers]
    return b"\r\n".join([*lines, b"Content-Length: %d" % len(body), b"", body])


def test_an_answer_head_is_written_as_splunkd_writes_it(hec):
    lines, connection = head_lines(hec, post("/services/collector/event", b'{"event":1}'))
    with connection:
        assert lines == [b"HTTP/1.1 200 OK", *JSON_HEAD, b"Content-Length: 27", *SPLUNKD_TAIL]
        assert connection._read_exactly(27) == b'{"text":"Success","code":0}'


def test_an_error_head_is_the_same_with_its_own_status(hec):
    lines, connection = head_lines(hec, post("/services/collector/event", b'{"event":1}{"event":'))
    with connection:
        assert lines == [b"HTTP/1.1 400 Bad Request", *JSON_HEAD, b"Content-Length: 64", *SPLUNKD_TAIL]


def test_options_has_no_type_and_no_nosniff(hec):
    lines, connection = head_lines(hec, b"OPTIONS /services/collector/raw HTTP/1.1\r\nHost: hec\r\n\r\n")
    with connection:
        assert lines == [b"HTTP/1.1 200 OK", b"Content-Length: 0", b"Allow: POST,OPTIONS", *SPLUNKD_TAIL]


@pytest.mark.parametrize(
    ("extra", "version"),
    [((b"Connection: close",), b"HTTP/1.1"), ((), b"HTTP/1.0")],
    ids=["client asks to close", "HTTP/1.0 without keep-alive"],
)
def test_connection_close_where_the_connection_closes(hec, extra, version):
    lines, connection = head_lines(hec, post("/services/collector/event", b'{"event":1}', *extra, version=version))
    with connection:
        assert lines[-3:] == [b"Connection: close", b"X-Frame-Options: SAMEORIGIN", b"Server: Splunkd"]
        assert b"Connection: Keep-Alive" not in lines
        connection._read_exactly(27)
        assert connection.at_eof()


def test_a_retry_after_goes_after_content_length(hec):
    hec.faults.add("error:9 retry_after=30")
    lines, connection = head_lines(hec, post("/services/collector/raw", b"a"))
    with connection:
        body = b'{"text":"Server is busy","code":9,"invalid-event-number":0}'
        assert lines == [
            b"HTTP/1.1 503 Service Unavailable",
            *JSON_HEAD,
            b"Content-Length: %d" % len(body),
            b"Retry-After: 30",
            *SPLUNKD_TAIL,
        ]


def test_a_front_door_answer_has_none_of_splunkd_s_headers(hec):
    hec.faults.add("front-door:503")
    lines, connection = head_lines(hec, post("/services/collector/raw", b"a"))
    with connection:
        assert lines == [b"HTTP/1.1 503 Service Unavailable", b"Content-Length: 0", b"Connection: keep-alive"]
