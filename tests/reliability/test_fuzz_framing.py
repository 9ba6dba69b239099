"""Bytes that are not quite HTTP, senders that hang up halfway, and headers no sane client sends.

What HTTP itself cannot parse (a broken request line, a header without a colon, bad chunking,
conflicting lengths) never reaches the collector: uvicorn answers `400 Invalid HTTP request
received.` and closes, as any HTTP server must. Those answers are not splunkd's, and the fake
does not pretend to know splunkd's page for them. What is checked is that nothing raises inside
the server, nothing is accepted from a request that did not arrive whole, every answer is either
that 400 or Splunk-shaped, and the server goes on answering.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import orjson
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from hecharness.hec import FakeHEC
from tests.reliability.budget import MALFORMED_BUDGET
from tests.reliability.model import TOKENS, fuzz_hec, ints, pick, plans, unique
from tests.reliability.wire import (
    Connection,
    ServerHungUp,
    assert_splunk_shaped,
    build_request,
    is_http_layer_400,
)

GOOD = TOKENS["good"].value.encode()


def fuzzing(examples: int) -> settings:
    # No shrinking: each replay opens real connections, and the failure message names the bytes.
    return settings(
        max_examples=examples,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHEC]:
    with fuzz_hec() as hec:
        yield hec


@dataclass
class Broken:
    data: bytes
    lines: list[bytes]  # what a 2xx answer to it would have accepted
    may_accept: bool  # whether a 2xx answer is possible at all
    hang_up: bool  # close without reading (the server sees a reset or an EOF mid-request)
    label: str


def base_request(draw) -> tuple[bytes, bytes, bytes, list[bytes]]:
    """A good /raw request: (head without the blank line, blank line, body, lines)."""
    lines = [orjson.dumps({"RayID": unique("f")}) for _ in range(draw(ints(1, 4)))]
    body = b"\n".join(lines)
    head = (
        b"POST /services/collector/raw HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Splunk " + GOOD
        + b"\r\nContent-Length: %d" % len(body)
    )
    return head, b"\r\n\r\n", body, lines


# Each breaks HTTP's framing; uvicorn (llhttp) refuses every one with its 400 (checked below).
HEADER_BREAKERS = [
    b"BadHeader", b"Bad Name: x", b"X-A: a\x00b", b"X-A: a\rb", b"X-A: a\r\n folded", b"X-A: a\x7fb",
    b"Content-Length: 3", b"Transfer-Encoding: chunked", b"Transfer-Encoding: identity", b": no-name",
    b"X-A\t: x", b"X-\x01: x", b"Content-Length: 1, 2",
]
REQUEST_LINES = [
    b"GARBAGE", b"post /services/collector/raw HTTP/1.1", b"POST /services/ collector/raw HTTP/1.1",
    b"POST /services/collector/r\xffw HTTP/1.1", b"POST /services/collector/raw HTTP/1.1 extra",
    b"POST /services/collector/raw HTTP/x.y", b"\x16\x03\x01\x02\x00",
]
CHUNK_BREAKERS = [
    b"zz\r\nab\r\n0\r\n\r\n", b"2\r\nabX0\r\n\r\n", b"fffffffffffffffffffff\r\nab\r\n0\r\n\r\n", b"2;a\x01b\r\nab\r\n0\r\n\r\n",
    b"-2\r\nab\r\n0\r\n\r\n", b"2\r\nab\r\n0\r\nTrailer\r\n\r\n", b" 2\r\nab\r\n0\r\n\r\n", b"0x2\r\nab\r\n0\r\n\r\n",
]


@st.composite
def broken_requests(draw) -> Broken:
    head, blank, body, lines = base_request(draw)
    whole = head + blank + body
    kind = draw(pick(["truncated", "truncated", "hung-up", "header", "request-line", "chunked", "chunk-cut", "trailing-garbage", "mutated"]))
    if kind in ("truncated", "hung-up"):
        # Cut anywhere: in the request line, the headers or the body. Never accepted: it never arrived whole.
        cut = draw(ints(1, len(whole) - 1))
        return Broken(whole[:cut], [], False, kind == "hung-up", kind)
    if kind == "header":
        where = draw(ints(0, head.count(b"\r\n")))
        head_lines = head.split(b"\r\n")
        head_lines.insert(where + 1, draw(pick(HEADER_BREAKERS)))
        return Broken(b"\r\n".join(head_lines) + blank + body, [], False, False, kind)
    if kind == "request-line":
        rest = head.partition(b"\r\n")[2]
        return Broken(draw(pick(REQUEST_LINES)) + b"\r\n" + rest + blank + body, [], False, False, kind)
    if kind == "chunked":
        chunked_head = head.replace(b"Content-Length: %d" % len(body), b"Transfer-Encoding: chunked")
        return Broken(chunked_head + blank + draw(pick(CHUNK_BREAKERS)), [], False, False, kind)
    if kind == "chunk-cut":
        # Valid chunking, cut before the last chunk: the body never ends.
        chunked_head = head.replace(b"Content-Length: %d" % len(body), b"Transfer-Encoding: chunked")
        framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        cut = draw(ints(0, len(framed) - 1))
        return Broken(chunked_head + blank + framed[:cut], [], False, False, kind)
    if kind == "trailing-garbage":
        # A whole good request, then bytes that are not one: the first is accepted, the rest refused.
        garbage = draw(st.binary(min_size=1, max_size=64).filter(lambda b: not b.isspace()))
        return Broken(whole + garbage, lines, True, False, kind)
    # One byte of the head replaced, outside the Content-Length digits (which would change what the
    # body is). It may still parse: then it is accepted whole or refused, never accepted in part.
    digits_at = head.rindex(b"Content-Length: ") + len(b"Content-Length: ")
    position = draw(ints(0, digits_at - 1))
    byte = draw(ints(0, 255))
    mutated = head[:position] + bytes([byte]) + head[position + 1 :]
    return Broken(mutated + blank + body, lines, True, False, f"mutated[{position}]={byte:#x}")


def exchange_broken(port: int, broken: Broken) -> list:
    """Send it, say we are done (or just hang up), and read every answer until the server closes."""
    answers = []
    connection = Connection(port, timeout=5)
    try:
        connection.send(broken.data)
        if broken.hang_up:
            return answers
        connection.half_close()
        while not connection.closed:
            try:
                answers.append(connection.read_answer())
            except ServerHungUp:
                break
    finally:
        connection.close()
    return answers


def test_broken_framing_is_refused_by_http_and_nothing_is_half_accepted(server):
    sent = Counter()
    port = server.listeners[0].port

    @fuzzing(600)
    @given(plans(broken_requests(), min_size=2, max_size=10))
    def broken_plan(plan: list[Broken]) -> None:
        server.reset()
        accepted = 0
        answered_2xx = 0
        for broken in plan:
            answers = exchange_broken(port, broken)
            context = f"{broken.label}: {broken.data[:400]!r} -> {[(a.status, a.body[:80]) for a in answers]}"
            for answer in answers:
                if not is_http_layer_400(answer):
                    assert_splunk_shaped(answer)
                if 200 <= answer.status < 300:
                    assert broken.may_accept, context
                    accepted += len(broken.lines)
                    answered_2xx += 1
            if broken.label in ("header", "request-line", "chunked"):
                # These break HTTP itself: the HTTP layer's 400, nothing from the collector.
                assert answers and is_http_layer_400(answers[-1]), context
                assert all(not 200 <= a.status < 300 for a in answers), context
            sent[broken.label.partition("[")[0]] += 1
        # Requests cut short are journaled when the server notices the hang-up; wait for that.
        assert server.settle(10)
        assert server.errors == [], server.errors[0]
        counters = server.journal.counters
        journaled = [(r.status, r.events, r.bytes_in, r.note, r.headers) for r in server.journal.requests()]
        assert counters.events == accepted, journaled
        assert sum(n for status, n in counters.by_status.items() if 200 <= status < 300) == answered_2xx
        with Connection(port) as connection:
            assert connection.request(build_request("GET", "/services/collector/health", [])).json()["code"] == 17

    broken_plan()
    print(f"framing fuzz: {dict(sent)}")
    assert sum(sent.values()) >= MALFORMED_BUDGET["framing"], sent
    assert len(sent) == 8, f"every kind of breakage was tried: {sent}"


# -- headers: huge, repeated, odd, on requests that are otherwise good --------------------------------

header_names = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-!#$%&'*+.^_`|~", min_size=1, max_size=30).filter(
    lambda name: name.lower() not in ("content-length", "transfer-encoding", "content-encoding", "authorization",
                                      "x-splunk-request-channel", "connection", "expect", "host", "upgrade")
)
header_values = st.binary(max_size=100).map(
    lambda raw: bytes(b for b in raw if b == 0x09 or 0x20 <= b <= 0x7E or b >= 0x80).strip(b" \t")
)


@st.composite
def odd_header_requests(draw) -> tuple[bytes, list[bytes], str]:
    """A good /raw request buried in generated headers; the first Authorization and channel count."""
    lines = [orjson.dumps({"RayID": unique("h")}) for _ in range(draw(ints(1, 3)))]
    junk = draw(st.lists(st.tuples(header_names, header_values), max_size=40))
    headers = [(name.encode(), value) for name, value in junk]
    kind = draw(pick(["junk", "huge", "many", "repeated-auth", "repeated-channel", "case", "repeated-junk"]))
    auth = (b"Authorization", b"Splunk " + GOOD)
    if kind == "huge":
        headers.append((b"X-Huge-" + str(draw(ints(0, 9))).encode(), b"h" * draw(ints(8_000, 100_000))))
    elif kind == "many":
        headers += [(b"X-N%d" % i, b"%d" % i) for i in range(draw(ints(100, 800)))]
    elif kind == "repeated-junk":
        headers += [(b"X-Same", draw(header_values))] * draw(ints(2, 200))
    position = draw(ints(0, len(headers)))
    if kind == "repeated-auth":
        # The first Authorization wins; the ones after it do not matter, good or bad.
        later = [(b"Authorization", draw(pick([b"Splunk nope", b"Bearer x", b"", b"Splunk off-token"])))] * draw(ints(1, 5))
        headers[position:position] = [auth, *later]
    elif kind == "case":
        headers.insert(position, (draw(pick([b"AUTHORIZATION", b"authorization", b"aUtHoRiZaTiOn"])), b"Splunk " + GOOD))
    else:
        headers.insert(position, auth)
    if kind == "repeated-channel":
        # Splunk reads one channel header; the first counts, whatever follows.
        headers.insert(draw(ints(0, len(headers))), (b"X-Splunk-Request-Channel", b"11111111-2222-4333-8444-555555555555"))
        index = next(i for i, (n, _) in enumerate(headers) if n == b"X-Splunk-Request-Channel")
        headers.insert(index + 1, (b"X-Splunk-Request-Channel", b"not-a-guid"))
    body = b"\n".join(lines)
    return build_request("POST", "/services/collector/raw", headers, body), lines, kind


def test_huge_repeated_and_odd_headers_change_nothing_but_what_splunk_reads(server):
    sent = Counter()
    port = server.listeners[0].port

    @fuzzing(450)
    @given(plans(odd_header_requests(), min_size=2, max_size=12))
    def header_plan(plan) -> None:
        server.reset()
        expected: list[bytes] = []
        with Connection(port) as connection:
            for data, lines, kind in plan:
                answer = connection.request(data)
                assert_splunk_shaped(answer)
                assert answer.json() == {"text": "Success", "code": 0}, (kind, data[:600])
                expected += lines
                sent[kind] += 1
        assert server.errors == []
        assert [e.raw for e in server.journal.events] == [line.decode() for line in expected]

    header_plan()
    print(f"header fuzz: {dict(sent)}")
    assert sum(sent.values()) >= MALFORMED_BUDGET["headers"], sent
