"""`/raw` metadata and splitting, `/ack` polls, `/health` states."""

from __future__ import annotations

import gzip

import pytest

from hecharness.clock import VirtualClock
from hecharness.hec import FakeHEC, HECSettings, Token
from hecharness.hec import body as body_module
from tests.hec.conftest import CHANNEL, OTHER_CHANNEL, auth


def ack_headers(channel: str = CHANNEL) -> dict[str, str]:
    return {**auth("ack-token"), "X-Splunk-Request-Channel": channel}


def test_raw_metadata_comes_from_the_query(client, hec):
    params = {"sourcetype": "cloudflare:json", "source": "logpush", "host": "edge", "index": "web", "time": "1700000000"}
    client.post("/services/collector/raw", params=params, content=b"x", headers=auth("limited-token"))
    event = hec.journal.events[0]
    assert (event.sourcetype, event.source, event.host, event.index, event.time) == (
        "cloudflare:json",
        "logpush",
        "edge",
        "web",
        1700000000.0,
    )


def test_raw_defaults(client, hec):
    client.post("/services/collector/raw", content=b"x", headers=auth())
    event = hec.journal.events[0]
    assert (event.sourcetype, event.source, event.index, event.time) == ("httpevent", "http:good", "main", None)


def test_raw_splits_lines_and_skips_blank_ones(client, hec):
    client.post("/services/collector/raw", content=b"a\r\nb\n\n   \nc\rd", headers=auth())
    assert [e.raw for e in hec.journal.events] == ["a", "b", "c", "d"]
    assert hec.journal.requests()[-1].events == 4


def test_raw_body_mode_keeps_the_body_whole(client, hec):
    hec.configure(raw_split="body")
    client.post("/services/collector/raw", content=b"a\nb\n", headers=auth())
    assert [e.raw for e in hec.journal.events] == ["a\nb"]


def test_raw_index_not_allowed_is_code_7(client, hec):
    response = client.post("/services/collector/raw", params={"index": "secret"}, content=b"x", headers=auth("limited-token"))
    assert (response.status_code, response.json()) == (400, {"text": "Incorrect index", "code": 7})
    assert hec.journal.event_count == 0


def test_raw_bad_time_is_code_6(client):
    response = client.post("/services/collector/raw", params={"time": "noon"}, content=b"x", headers=auth())
    assert (response.status_code, response.json()) == (400, {"text": "Invalid data format", "code": 6})


def test_ack_ids_count_from_zero_per_channel(client):
    assert client.post("/services/collector/raw", content=b"x", headers=ack_headers()).json()["ackId"] == 0
    assert client.post("/services/collector/event", content=b'{"event":1}', headers=ack_headers()).json()["ackId"] == 1
    assert client.post("/services/collector/raw", content=b"x", headers=ack_headers(OTHER_CHANNEL)).json()["ackId"] == 0


def test_ack_is_true_once_then_false(client):
    client.post("/services/collector/raw", content=b"x", headers=ack_headers())
    client.post("/services/collector/raw", content=b"y", headers=ack_headers())
    first = client.post("/services/collector/ack", json={"acks": [0, 1, 7]}, headers=ack_headers())
    assert first.json() == {"acks": {"0": True, "1": True, "7": False}}
    again = client.post("/services/collector/ack", json={"acks": [0, 1]}, headers=ack_headers())
    assert again.json() == {"acks": {"0": False, "1": False}}


def test_ack_from_another_channel_is_false(client):
    client.post("/services/collector/raw", content=b"x", headers=ack_headers())
    response = client.post("/services/collector/ack", json={"acks": [0]}, headers=ack_headers(OTHER_CHANNEL))
    assert response.json() == {"acks": {"0": False}}


def test_ack_poll_may_be_gzipped(client):
    client.post("/services/collector/raw", content=b"x", headers=ack_headers())
    body = gzip.compress(b'{"acks":[0]}')
    response = client.post("/services/collector/ack", content=body, headers={**ack_headers(), "Content-Encoding": "gzip"})
    assert response.json() == {"acks": {"0": True}}


@pytest.mark.parametrize(
    ("tail", "answer"),
    [(b"", {"acks": {"0": True, "1": False}}), (b"{}", {"text": "Invalid data format", "code": 6}), (b"\0" * 5000, {"text": "Invalid data format", "code": 6})],
    ids=["one-object", "two-objects", "zeros-after"],
)
def test_an_ack_poll_too_big_to_keep_inflated_is_read_as_a_stream(client, monkeypatch, tail, answer):
    monkeypatch.setattr(body_module, "KEEP_DECODED", 64)
    client.post("/services/collector/raw", content=b"x", headers=ack_headers())
    body = gzip.compress(b'{"acks":[0,1]' + b" " * 200 + b"}" + tail)
    response = client.post("/services/collector/ack", content=body, headers={**ack_headers(), "Content-Encoding": "gzip"})
    assert response.json() == answer


def test_partial_acceptance_still_gets_an_ack_id(client):
    response = client.post("/services/collector/event", content=b'{"event":1}{"event":', headers=ack_headers())
    assert response.json() == {"text": "Invalid data format", "code": 6, "invalid-event-number": 1, "ackId": 0}


def test_no_ack_id_when_nothing_was_indexed(client):
    response = client.post("/services/collector/event", content=b'{"event":', headers=ack_headers())
    assert "ackId" not in response.json()


def test_ack_on_a_token_without_acks_is_code_14(client):
    response = client.post("/services/collector/ack", json={"acks": [0]}, headers={**auth(), "X-Splunk-Request-Channel": CHANNEL})
    assert (response.status_code, response.json()) == (400, {"text": "ACK is disabled", "code": 14})


def test_ack_without_channel_is_code_10(client):
    response = client.post("/services/collector/ack", json={"acks": [0]}, headers=auth("ack-token"))
    assert response.json() == {"text": "Data channel is missing", "code": 10}


@pytest.mark.parametrize("body", [b"{", b'{"acks":"0"}', b'{"acks":[-1]}', b'{"acks":[true]}', b"[0]"])
def test_malformed_ack_poll_is_code_6(client, body):
    response = client.post("/services/collector/ack", content=body, headers=ack_headers())
    assert (response.status_code, response.json()["code"]) == (400, 6)


def test_ack_delay_runs_on_the_harness_clock():
    clock = VirtualClock()
    settings = HECSettings(ack_delay=2.0)
    with FakeHEC([Token("t", ack=True)], settings=settings, clock=clock, admin_port=None) as hec, hec.client("t") as c:
        headers = {"X-Splunk-Request-Channel": CHANNEL}
        c.post("/services/collector/raw", content=b"x", headers=headers)
        assert c.post("/services/collector/ack", json={"acks": [0]}, headers=headers).json() == {"acks": {"0": False}}
        clock.advance(2.0)
        assert c.post("/services/collector/ack", json={"acks": [0]}, headers=headers).json() == {"acks": {"0": True}}


@pytest.mark.parametrize("token", [None, "good-token", "no-such-token"])
@pytest.mark.parametrize("path", ["/services/collector/health", "/services/collector/health/1.0"])
def test_health_ignores_the_token(client, path, token):
    headers = auth(token) if token else {}
    response = client.get(path, headers=headers)
    assert (response.status_code, response.content) == (200, b'{"text":"HEC is healthy","code":17}')


def test_health_head_has_no_body(client):
    response = client.head("/services/collector/health")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.parametrize(
    ("state", "code", "text"),
    [
        ("queues-full", 18, "HEC is unhealthy, queues are full"),
        ("ack-unavailable", 19, "HEC is unhealthy, ack service unavailable"),
        ("queues-full-ack-unavailable", 20, "HEC is unhealthy, queues are full, ack service unavailable"),
    ],
)
def test_health_can_be_switched_to_unhealthy(client, hec, state, code, text):
    hec.configure(health=state)
    response = client.get("/services/collector/health")
    assert (response.status_code, response.json()) == (503, {"text": text, "code": code})


@pytest.mark.parametrize(
    "body",
    [b"a\nb\nc\n", b"a\nb\nc", b"a\n\nb\n\n\nc", b"a\r\nb\rc\n", b" a\nb\n\tc", b"a\n   \nb\nc\n  ", b"\na\nb\nc"],
)
def test_raw_counting_and_splitting_agree_whatever_the_shape(client, hec, body):
    client.post("/services/collector/raw", content=body, headers=auth())
    expected = [line for line in body.splitlines() if line.strip()]
    assert hec.journal.requests()[-1].events == hec.journal.event_count == len(expected)
    assert [e.raw.encode() for e in hec.journal.events] == expected


def test_raw_events_read_back_after_the_cap_trimmed_a_body(client, hec):
    hec.configure(max_events=3)
    client.post("/services/collector/raw", content=b"1\n2\n3\n4\n5\n", headers=auth())
    assert [e.raw for e in hec.journal.events] == ["3", "4", "5"]
