"""Routes, methods, headers and bodies as splunkd puts them on the wire."""

from __future__ import annotations

import pytest

from tests.hec.conftest import auth

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
