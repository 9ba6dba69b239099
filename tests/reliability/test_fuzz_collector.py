"""The collector under generated bad input: every answer predicted, and the journal counts exactly what was answered.

Each example is a plan of requests sent one after another over keep-alive connections, written
as raw bytes so repeated headers, odd framing and broken gzip reach the server as generated.
Every answer is checked against the answer docs/fake-hec.md's rules give (status, HEC code,
invalid-event-number, ackId), and after the plan the journal must hold exactly the events the 2xx
(and partially indexed 400) answers promised, in order, with no error raised inside the server.
"""

from __future__ import annotations

import gzip
from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hecharness.hec import FakeHEC
from tests.reliability.budget import MALFORMED_BUDGET, SUITE_MINIMUM
from tests.reliability.model import (
    LIMIT,
    TOKENS,
    TOO_LARGE,
    Exchange,
    Expect,
    exchanges,
    fuzz_hec,
    plans,
    reference_gunzip,
    unique,
)
from tests.reliability.wire import Connection, assert_splunk_shaped, build_request

# Sized so each test sends its share of malformed requests in about ten seconds on one core.
# No shrinking: every replay sends real requests, so shrinking a plan took minutes, and the
# assertion message already names the one exchange that went wrong and its bytes.
def fuzzing(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHEC]:
    with fuzz_hec() as hec:
        yield hec


def check_answer(exchange: Exchange, answer) -> None:
    expect = exchange.expect
    context = f"{exchange.label}: {exchange.data[:300]!r}, body {exchange.body[:600]!r}"
    assert_splunk_shaped(answer, exchange.method)
    assert answer.status == expect.status, f"{answer.status} {answer.body[:200]!r}, expected {expect}; {context}"
    if exchange.method == "HEAD" or expect.status == 200 and expect.code is None:
        return
    if expect.html:
        assert answer.header("content-type").startswith("text/html"), context
        return
    body = answer.json()
    if expect.ack_ids is not None:
        assert set(body["acks"]) == {str(i) for i in expect.ack_ids}, context
        return
    assert body["code"] == expect.code, f"{body}, expected {expect}; {context}"
    assert body.get("invalid-event-number") == expect.invalid_event_number, f"{body}, expected {expect}; {context}"
    assert ("ackId" in body) == expect.ack, f"{body}, expected {expect}; {context}"


def run_plan(hec: FakeHEC, plan: list[Exchange]) -> list[Expect]:
    """Send the plan over as few connections as the server allows; check every answer."""
    hec.reset()
    port = hec.listeners[0].port
    connection: Connection | None = None
    try:
        for exchange in plan:
            if connection is None or connection.closed:
                connection = Connection(port)
            answer = connection.request(exchange.data, head=exchange.method == "HEAD")
            check_answer(exchange, answer)
            if exchange.close:
                assert connection.closed or connection.at_eof(), "Connection: close was not honoured"
                connection.close()
    finally:
        if connection is not None:
            connection.close()
    check_journal(hec, plan)
    return [exchange.expect for exchange in plan]


def check_journal(hec: FakeHEC, plan: list[Exchange]) -> None:
    """The journal holds every request, and exactly the events the answers promised, in order."""
    assert hec.errors == [], hec.errors[0]
    counters = hec.journal.counters
    expected_raw = [line.decode("utf-8", "replace") for e in plan for line in e.expect.raw_events]
    expected_json = [payload for e in plan for payload in e.expect.json_events]
    assert counters.requests == len(plan)
    assert counters.by_status == Counter(e.expect.status for e in plan)
    assert counters.events == len(expected_raw) + len(expected_json)
    events = hec.journal.events
    assert [e.raw for e in events if e.raw is not None] == expected_raw
    assert [e.event for e in events if e.raw is None] == expected_json


def test_every_generated_request_gets_its_predicted_answer_and_the_journal_agrees(server):
    sent = Counter()

    @fuzzing(500)
    @given(plans(exchanges(), min_size=3, max_size=24))
    def plan_of_requests(plan: list[Exchange]) -> None:
        run_plan(server, plan)
        sent["requests"] += len(plan)
        sent["malformed"] += sum(e.malformed for e in plan)
        sent["accepted"] += sum(200 <= e.expect.status < 300 for e in plan)

    plan_of_requests()
    print(f"collector fuzz: {dict(sent)}")
    assert sent["malformed"] >= MALFORMED_BUDGET["exact"], sent
    assert sent["accepted"] > 0, "no good request in the mix: the journal check proved nothing"
    with Connection(server.listeners[0].port) as connection:
        assert connection.request(build_request("GET", "/services/collector/health", [])).json()["code"] == 17


# -- gzip: broken, truncated, corrupted, multi-member, bombs ------------------------------------------


@st.composite
def gzip_bodies(draw) -> tuple[bytes, bytes, str]:
    """(decoded lines, wire bytes, label): gzip the way senders get it wrong, judged by the reference inflater."""
    lines = b"".join(b'{"RayID":"%s"}\n' % unique("g").encode() for _ in range(draw(st.integers(1, 40))))
    level = draw(st.integers(0, 9))
    member = gzip.compress(lines, compresslevel=level, mtime=draw(st.integers(0, 2**31)))
    kind = draw(st.sampled_from(["good", "truncated", "flipped", "trailing", "members", "empty-member", "bomb", "not-gzip", "header-only"]))
    if kind == "good":
        return lines, member, kind
    if kind == "truncated":
        return lines, member[: draw(st.integers(0, len(member) - 1))], kind
    if kind == "flipped":
        position = draw(st.integers(0, len(member) - 1))
        return lines, member[:position] + bytes([member[position] ^ draw(st.integers(1, 255))]) + member[position + 1 :], kind
    if kind == "trailing":
        return lines, member + draw(st.binary(min_size=1, max_size=20)), kind
    if kind == "members":
        return lines + lines, member + member, kind
    if kind == "empty-member":
        return lines, gzip.compress(b"", mtime=0) + member, kind
    if kind == "bomb":
        # Small on the wire, far past the limit once inflated: one member of zeros, or several.
        size = draw(st.integers(LIMIT + 1, 50 * LIMIT))
        bomb = gzip.compress(b"\0" * size, compresslevel=9, mtime=0)
        return b"\0" * size, bomb * draw(st.integers(1, 3)), kind
    if kind == "header-only":
        return lines, member[:10], kind
    return lines, draw(st.binary(min_size=1, max_size=200)), kind


def gzip_expectation(wire: bytes) -> tuple[int, int | None, int]:
    """(status, code, events) for a gzip body sent to /raw by a good token, from the reference inflater."""
    if len(wire) > LIMIT:
        return 413, None, 0
    if not wire:
        return 400, 5, 0
    decoded = reference_gunzip(wire)
    if decoded is TOO_LARGE:
        return 413, None, 0
    if decoded is None:
        return 400, 6, 0
    lines = [line for line in decoded.splitlines() if line and not line.isspace()]
    if not lines:
        return 400, 5, 0
    return 200, 0, len(lines)


def test_gzip_bodies_are_inflated_exactly_or_refused_like_splunk(server):
    sent = Counter()
    good = TOKENS["good"].value.encode()

    @fuzzing(700)
    @given(plans(gzip_bodies(), min_size=3, max_size=12), st.booleans())
    def gzip_plan(bodies, chunk) -> None:
        server.reset()
        port = server.listeners[0].port
        expected_events = 0
        statuses = Counter()
        connection = Connection(port)
        try:
            for decoded, wire, kind in bodies:
                if connection.closed:
                    connection = Connection(port)
                request = build_request(
                    "POST", "/services/collector/raw", [(b"Authorization", b"Splunk " + good), (b"Content-Encoding", b"gzip")],
                    wire, chunks=[97, 1000] if chunk else None,
                )
                answer = connection.request(request)
                status, code, events = gzip_expectation(wire)
                assert_splunk_shaped(answer)
                assert answer.status == status, (kind, answer.body, wire[:40])
                if code is not None:
                    assert answer.json()["code"] == code, (kind, answer.body)
                expected_events += events if status == 200 else 0
                statuses[status] += 1
                sent["malformed"] += kind != "good"
        finally:
            connection.close()
        assert server.errors == [], server.errors[0]
        counters = server.journal.counters
        assert (counters.requests, counters.events) == (len(bodies), expected_events)
        assert counters.by_status == statuses

    gzip_plan()
    print(f"gzip fuzz: {dict(sent)}")
    assert sent["malformed"] >= MALFORMED_BUDGET["gzip"], sent


def test_a_gzip_bomb_is_refused_without_inflating_it_all(server, monkeypatch):
    """1 MiB on the wire that inflates to 1 GiB: 413 once the output passes the limit, not at the end."""
    from hecharness.hec import body

    member = gzip.compress(b"\0" * (8 << 20), compresslevel=9, mtime=0)  # 8 MiB of zeros in ~8 KiB
    bomb = member * 128  # 1 GiB once inflated
    produced = []

    class CountingInflater:
        def __init__(self, inner):
            self._inner = inner

        def decompress(self, data, max_length=0):
            out = self._inner.decompress(data, max_length)
            produced.append(len(out))
            return out

        def __getattr__(self, name):
            return getattr(self._inner, name)

    real = body.zlib.decompressobj
    monkeypatch.setattr(body.zlib, "decompressobj", lambda *a, **k: CountingInflater(real(*a, **k)))
    limit = 2 << 20
    server.configure(max_content_length=limit)
    try:
        with Connection(server.listeners[0].port) as connection:
            answer = connection.request(
                build_request(
                    "POST", "/services/collector/raw",
                    [(b"Authorization", b"Splunk good-token"), (b"Content-Encoding", b"gzip")], bomb[: limit - 1024],
                )
            )
    finally:
        server.reset()
    assert answer.status == 413
    assert_splunk_shaped(answer)
    # Inflation stopped one step past the limit: a few MiB, not the 250 MiB this much of the bomb holds.
    assert limit < sum(produced) <= limit + body._INFLATE_STEP
    assert server.journal.counters.events == 0


def test_budgets_add_up():
    assert sum(MALFORMED_BUDGET.values()) >= SUITE_MINIMUM
