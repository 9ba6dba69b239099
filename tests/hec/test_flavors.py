"""Flavors: what answers in front of, or instead of, splunkd."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from hecharness.hec import FakeHEC, HECSettings, Token

CHANNEL = "11111111-2222-4333-8444-555555555555"
TOKENS = [Token("good-token", name="good"), Token("listed-token", name="listed", indexes=("main",))]
NOT_FOUND = {"text": "The requested URL was not found on this server.", "code": 404}


@pytest.fixture(scope="module")
def edge() -> Iterator[FakeHEC]:
    with FakeHEC(TOKENS, settings=HECSettings(flavor="edge-processor"), admin_port=None) as hec:
        yield hec


def post(hec: FakeHEC, path: str, body: bytes, token: str = "good-token") -> httpx.Response:
    return httpx.post(hec.url + path, content=body, headers={"Authorization": f"Splunk {token}"})


def test_edge_processor_serves_only_collector_and_raw(edge):
    assert post(edge, "/services/collector", b'{"event":"a"}').json() == {"text": "Success", "code": 0}
    assert post(edge, "/services/collector/raw", b"b").json() == {"text": "Success", "code": 0}
    for path in ("/services/collector/event", "/services/collector/event/1.0", "/services/collector/raw/1.0"):
        answer = post(edge, path, b'{"event":"c"}')
        assert (answer.status_code, answer.json()) == (404, NOT_FOUND), path
    health = httpx.get(edge.url + "/services/collector/health")
    assert (health.status_code, health.json()) == (404, NOT_FOUND)
    assert [e.text for e in edge.journal.events][-2:] == ["a", "b"]


def test_edge_processor_cannot_tell_indexes_and_takes_any(edge):
    # Splunk's own receiver would say code 7 for both.
    assert post(edge, "/services/collector", b'{"event":"a","index":"no_such_index"}').status_code == 200
    assert post(edge, "/services/collector", b'{"event":"a","index":"web"}', token="listed-token").status_code == 200


def test_edge_processor_still_checks_tokens(edge):
    # Edge Processor's HEC token authentication, when configured, refuses a token it does not know.
    assert post(edge, "/services/collector", b'{"event":"a"}', token="nope").json() == {"text": "Invalid token", "code": 4}


def test_the_flavor_changes_at_run_time():
    with FakeHEC(TOKENS, admin_port=None) as hec:
        assert post(hec, "/services/collector/event", b'{"event":"a"}').status_code == 200
        hec.configure(flavor="edge-processor")
        assert post(hec, "/services/collector/event", b'{"event":"a"}').status_code == 404
        assert post(hec, "/services/collector", b'{"event":"a","index":"nowhere"}').status_code == 200
        hec.configure(flavor="enterprise")
        assert post(hec, "/services/collector", b'{"event":"a","index":"nowhere"}').status_code == 400
