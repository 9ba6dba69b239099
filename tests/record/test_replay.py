"""Replay: a capture of the fake replayed against a fresh fake matches; each edited answer is reported."""

from __future__ import annotations

import json

import pytest

from hecharness.clock import Clock
from hecharness.har import read_capture
from hecharness.record import RecordingProxy
from hecharness.replay import differences, parse_speed, replay, table
from hecharness.replay.sender import SpeedError
from tests.record.conftest import TOKEN, converse, fake


@pytest.fixture
def capture(upstream):
    with RecordingProxy(upstream.url) as proxy:
        converse(proxy.url)
        return proxy.to_har()


def test_a_capture_of_the_fake_replays_against_a_fresh_fake_without_differences(capture):
    with fake() as target:
        results = replay(read_capture(capture), target.url, token=TOKEN, speed=None)
        assert target.journal.counters.events == 4  # two raw lines, the zipped event, the refused body's first object
    assert len(results) == 6
    assert differences(results) == []
    assert table(differences(results)) == ""


def test_the_journal_export_replays_too(upstream):
    converse(upstream.url)
    with fake() as target:
        results = replay(read_capture(upstream.journal.to_har()), target.url, token=TOKEN, speed=None)
    # Rebuilt bodies carry the events that were taken, so the answers agree, except for the body
    # refused part-way: the journal kept its first object, not the broken rest.
    assert [(d.entry, d.field, d.replayed) for d in differences(results)] == [
        (3, "status", 200),
        (3, "HEC code", 0),
        (3, "text", "Success"),
        (3, "invalid-event-number", None),
    ]


def test_each_edited_answer_is_reported(capture):
    entries = capture["log"]["entries"]
    edits = {
        0: {"text": "Success", "code": 0, "ackId": 5},
        2: {"text": "Invalid data format", "code": 6, "invalid-event-number": 0, "ackId": 2},
        3: {"text": "Data channel is missing. If you have multiple indexers, sticky session load balancers must be provisioned and client requests must be routed accordingly.", "code": 28},
    }
    for index, body in edits.items():
        entries[index]["response"]["content"]["text"] = json.dumps(body, separators=(",", ":"))
    entries[5]["response"]["status"] = 405
    with fake() as target:
        found = differences(replay(read_capture(capture), target.url, token=TOKEN, speed=None))
    assert [(d.entry, d.field, d.recorded, d.replayed) for d in found] == [
        (1, "ackId", 5, 0),
        (3, "invalid-event-number", 0, 1),
        (4, "HEC code", 28, 10),
        (4, "text", edits[3]["text"], "Data channel is missing"),
        (6, "status", 405, 404),
    ]
    rows = table(found).splitlines()
    assert rows[0].split() == ["entry", "request", "field", "recorded", "replayed"]
    assert rows[1].split() == ["1", "POST", "/services/collector/raw", "ackId", "5", "0"]


def test_without_the_token_the_masked_credential_is_refused_and_reported(capture):
    with fake() as target:
        found = differences(replay(read_capture(capture), target.url, speed=None))
    assert {(d.field, d.replayed) for d in found if d.entry == 1} == {("status", 403), ("HEC code", 4), ("text", "Invalid token"), ("ackId", None)}


def test_a_query_token_and_basic_credentials_are_replaced_too(upstream):
    import httpx

    with RecordingProxy(upstream.url) as proxy:
        httpx.post(proxy.url + f"/services/collector/raw?token={TOKEN}", content=b"x")
        httpx.post(proxy.url + "/services/collector/health", auth=("x", TOKEN))
        capture = proxy.to_har()
    with fake() as target:
        results = replay(read_capture(capture), target.url, token=TOKEN, speed=None)
        assert target.requests()[0].query == "token=1111****"
        assert target.requests()[1].token_name is not None
    assert differences(results) == []


def test_the_pauses_follow_the_capture_scaled_by_the_speed(capture):
    entries = read_capture(capture)
    gaps = [later.started - earlier.started for earlier, later in zip(entries, entries[1:])]
    clock = _Waits()
    with fake() as target:
        replay(entries, target.url, token=TOKEN, speed=10, clock=clock)
    assert clock.waits == pytest.approx([gap / 10 for gap in gaps if gap > 0])


@pytest.mark.parametrize(("text", "speed"), [("1", 1.0), ("10", 10.0), ("0.5", 0.5), ("max", None), (" MAX ", None)])
def test_speeds(text, speed):
    assert parse_speed(text) == speed


@pytest.mark.parametrize("text", ["0", "-1", "fast", "inf", "nan"])
def test_a_bad_speed_says_what_is_allowed(text):
    with pytest.raises(SpeedError, match=f"speed must be a number above 0 or 'max', got '{text}'"):
        parse_speed(text)


def test_a_hec_that_does_not_answer_is_a_difference(capture):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    results = replay(read_capture(capture)[:1], f"http://127.0.0.1:{port}", token=TOKEN, speed=None)
    assert results[0].error is not None and results[0].answer.status == 0
    assert differences(results)[0].field == "status"


class _Waits(Clock):
    """A clock that notes each pause and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def now(self) -> float:
        return sum(self.waits)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)

    def to_wall(self, seconds: float) -> float:
        return 0.0
