"""A request answered whole (`Collector.answer_whole`) gets what `Collector.app` would have given it.

The two are held to each other request by request: for any request, either `answer_whole`
declines having done nothing, or it answers byte for byte as `app` answers the same request on a
collector in the same state, and leaves the same journal behind.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import socket
import time
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from hecharness.clock import VirtualClock
from hecharness.hec.cluster.balancing import Balancing
from hecharness.hec.cluster.cluster import Cluster
from hecharness.hec.collector import Collector
from hecharness.hec.server import FakeHEC
from hecharness.hec.settings import HECSettings
from hecharness.hec.tokens import Token, TokenStore

CHANNEL = "0b2b9c1e-6a53-4d1f-9f53-2f1b7e0a7c11"
TOKENS = (
    Token("good", name="good"),
    Token("acked", name="acked", ack=True),
    Token("off", name="off", enabled=False),
    Token("narrow", name="narrow", indexes=("main", "web"), default_source="feed", default_sourcetype="logpush"),
    Token("byquery", name="byquery", query_auth=True),
)


def collector(**settings: Any) -> Collector:
    return Collector(TokenStore.of(TOKENS), HECSettings(**settings), clock=VirtualClock())


def scope_of(path: str, query: bytes, headers: list[tuple[bytes, bytes]], method: str = "POST") -> dict[str, Any]:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8088),
        "extensions": {},
    }


def through_app(hec: Collector, scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """What `app` answers, as the status, headers and body it sends."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(hec.app(scope, receive, send))
    start, answer = sent
    return start["status"], list(start["headers"]), answer["body"]


def whole(hec: Collector, scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    answer = hec.answer_whole(scope, body)
    return None if answer is None else (answer.status_code, list(answer.raw_headers), answer.body)


def journal_of(hec: Collector) -> dict[str, Any]:
    exported = hec.journal.export()
    for request in exported["requests"]:
        request["duration"] = 0.0  # the one field that depends on how fast each ran
    return exported


def mostly(common: Any, others: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the common request's part, so that many requests are taken whole."""
    return st.one_of(st.just(common), st.just(common), st.just(common), others)


authorization = mostly("Splunk good", st.sampled_from(
    [None, "Splunk good", "Splunk acked", "Splunk off", "Splunk narrow", "Splunk nobody", "Splunk", "Bearer good",
     "splunk good", "Basic Og==", "Basic eDpnb29k"]  # the last is x:good
))
paths = mostly("/services/collector/raw", st.sampled_from(
    ["/services/collector/raw/1.0", "/services/collector/event", "/services/collector/health",
     "/services/collector/ack", "/nowhere"]
))
queries = st.lists(
    st.sampled_from(
        [b"index=main", b"index=web", b"index=nope", b"index=", b"source=s1", b"sourcetype=st", b"host=h1",
         b"time=1700000000.5", b"time=soon", b"channel=" + CHANNEL.encode(), b"channel=not-a-guid", b"token=byquery",
         b"token=good", b"token=nobody"]
    ),
    max_size=4,
).map(b"&".join)
lines = st.lists(
    st.one_of(st.sampled_from([b"", b"  ", b"\t"]), st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b)),
    max_size=6,
)


@st.composite
def requests(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    separator = draw(st.sampled_from([b"\n", b"\r\n", b"\r"]))
    body = separator.join(draw(lines)) + draw(st.sampled_from([b"", separator]))
    headers = [(b"host", b"127.0.0.1:8088")]
    if (value := draw(authorization)) is not None:
        headers.append((b"authorization", value.encode()))
    channel = draw(mostly(None, st.sampled_from([CHANNEL, "not-a-guid", ""])))
    if channel is not None:
        headers.append((b"x-splunk-request-channel", channel.encode()))
    encoding = draw(mostly(None, st.sampled_from(["gzip", "x-gzip", "identity", "br", "gzip-broken"])))
    if encoding == "gzip-broken":
        headers.append((b"content-encoding", b"gzip"))
        body = gzip.compress(body)[:-3] if body else b"not gzip"
    elif encoding in ("gzip", "x-gzip"):
        headers.append((b"content-encoding", encoding.encode()))
        body = gzip.compress(body)
    elif encoding is not None:
        headers.append((b"content-encoding", encoding.encode()))
    if draw(st.booleans()):
        headers.append((b"x-extra", b"kept as sent"))
    headers.append((b"content-length", str(len(body)).encode()))
    scope = scope_of(draw(paths), draw(queries), headers, draw(mostly("POST", st.sampled_from(["GET", "OPTIONS"]))))
    options = draw(
        mostly({}, st.fixed_dictionaries(
            {},
            optional={
                "raw_split": st.sampled_from(["line", "body"]),
                "flavor": st.sampled_from(["enterprise", "cloud", "edge-processor"]),
                "max_content_length": st.sampled_from([16, 1 << 20]),
                "indexes": st.sampled_from([("main", "web"), ("*",)]),
                "count_only": st.booleans(),
            },
        ))
    )
    return options, scope, body


def example_of(
    path: str = "/services/collector/raw", query: bytes = b"", body: bytes = b"a\nb", options: Any = None, **headers: str
) -> Any:
    """An explicit case for the property below: a request one step away from the common one."""
    fields = {"authorization": "Splunk good", **{name.replace("_", "-"): value for name, value in headers.items()}}
    pairs = [(name.encode(), value.encode()) for name, value in fields.items() if value]  # "" leaves one out
    pairs.append((b"content-length", str(len(body)).encode()))
    return example((options or {}, scope_of(path, query, pairs), body))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
@example_of()
@example_of(authorization="Splunk acked", x_splunk_request_channel=CHANNEL)
@example_of(authorization="Splunk acked")
@example_of(authorization="Splunk off")
@example_of(authorization="")
@example_of(x_splunk_request_channel="not-a-guid")
@example_of(query=b"index=nope")
@example_of(query=b"index=main&index=nope")
@example_of(query=b"time=soon")
@example_of(query=b"time=1700000000.25&host=h&source=s&sourcetype=t")
@example_of(authorization="Splunk narrow", query=b"index=web")
@example_of(authorization="Splunk narrow", query=b"index=other")
@example_of(content_encoding="gzip", body=b"not gzip")
@example_of(content_encoding="br")
@example_of(transfer_encoding="chunked")
@example_of(transfer_encoding="gzip, chunked")
@example_of(body=b" \n\t\r\n")
@example_of(body=b"")
@example_of(path="/services/collector/event", body=b'{"event": "x"}')
@example_of(options={"raw_split": "body"}, body=b"one\ntwo")
@example_of(options={"flavor": "edge-processor"}, path="/services/collector/raw/1.0")
@example_of(options={"flavor": "cloud"}, authorization="Splunk acked")
@example_of(options={"max_content_length": 2}, body=b"abc")
@example_of(options={"max_content_length": 16}, content_encoding="gzip", body=gzip.compress(b"x" * 100))
@example_of(options={"count_only": True})
@example_of(options={"indexes": ("web",)})
def test_a_request_answered_whole_is_answered_as_app_answers_it(request: tuple[dict[str, Any], dict[str, Any], bytes]) -> None:
    options, scope, body = request
    lane, reference = collector(**options), collector(**options)
    event("answered whole" if answered_alike(lane, reference, scope, body) else "declined")


def answered_alike(lane: Collector, reference: Collector, scope: dict[str, Any], body: bytes) -> bool:
    """Send the request to `lane` whole (to app if declined) and to `reference`'s app: the same answer
    and the same journal. Whether `lane` took it whole."""
    answered = whole(lane, dict(scope), body)
    taken = answered is not None
    expected = through_app(reference, dict(scope), body)
    if answered is None:
        assert lane.journal.counters.requests == reference.journal.counters.requests - 1  # declined having done nothing...
        answered = through_app(lane, dict(scope), body)  # ...so app's answer is the one the sender gets
    assert answered == expected
    assert journal_of(lane) == journal_of(reference)
    assert lane.acks.summary() == reference.acks.summary()
    return taken


# Changes at run time that alter what a head settles (see hecharness.hec.heads), and one that does not.
CHANGES = {
    "nothing": lambda hec: None,
    "token disabled": lambda hec: hec.tokens.update("good", enabled=False),
    "token made to ack": lambda hec: hec.tokens.update("good", ack=True),
    "token's indexes narrowed": lambda hec: hec.tokens.update("narrow", indexes=("main",)),
    "token's source changed": lambda hec: hec.tokens.update("good", default_source="elsewhere"),
    "token added": lambda hec: hec.tokens.add(Token("another")),
    "body split whole": lambda hec: hec.configure(raw_split="body"),
    "cloud flavor": lambda hec: hec.configure(flavor="cloud"),
    "body cap lowered": lambda hec: hec.configure(max_content_length=4),
    "server's indexes narrowed": lambda hec: hec.configure(indexes=("web",)),
}


def again(scope: dict[str, Any], body: bytes, longer: bool) -> tuple[dict[str, Any], bytes]:
    """The same head with another body (a line more, unless its encoding would not allow it)."""
    encoded = any(name == b"content-encoding" for name, _ in scope["headers"])
    if longer and not encoded:
        body += b"\nand one more"
    headers = [(name, str(len(body)).encode() if name == b"content-length" else value) for name, value in scope["headers"]]
    return {**scope, "headers": headers}, body


def after_each_change(test: Any) -> Any:
    """Explicit cases for the property below: the common request, then each change, then it again."""
    common = (
        {}, scope_of("/services/collector/raw", b"", [(b"authorization", b"Splunk good"), (b"content-length", b"3")]), b"a\nb"
    )
    for change in sorted(CHANGES):
        test = example(common, change, True)(test)
    anywhere = ({"indexes": ("*",)}, {**common[1], "query_string": b"index=anywhere"}, common[2])
    return example(anywhere, "server's indexes narrowed", False)(test)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests(), st.sampled_from(sorted(CHANGES)), st.booleans())
@after_each_change
def test_a_head_seen_before_is_answered_as_app_answers_it_after_any_change(
    request: tuple[dict[str, Any], dict[str, Any], bytes], change: str, longer: bool
) -> None:
    # The second request's head is settled already (hecharness.hec.heads), unless the change
    # between them is one that what it settled depends on.
    options, scope, body = request
    lane, reference = collector(**options), collector(**options)
    answered_alike(lane, reference, scope, body)
    for hec in (lane, reference):
        CHANGES[change](hec)
    event(f"after {change}: " + ("answered whole" if answered_alike(lane, reference, *again(scope, body, longer)) else "declined"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(requests(), min_size=2, max_size=8))
def test_heads_seen_before_are_told_apart(batch: list[tuple[dict[str, Any], dict[str, Any], bytes]]) -> None:
    # One collector for them all, so what it settled for one head is there when the next arrives.
    lane, reference = collector(**batch[0][0]), collector(**batch[0][0])
    for _options, scope, body in batch + batch:
        answered_alike(lane, reference, scope, body)


@pytest.mark.parametrize(
    "path, query, headers, body",
    [
        ("/services/collector/raw", b"", [(b"authorization", b"Splunk good")], b"one\ntwo\n"),
        ("/services/collector/raw/1.0", b"index=web&host=h", [(b"authorization", b"Splunk narrow")], b"x"),
        ("/services/collector/raw", b"token=byquery", [(b"content-encoding", b"gzip")], gzip.compress(b"a\r\nb", mtime=0)),
        ("/services/collector/raw", b"", [(b"authorization", b"Splunk good"), (b"x-splunk-request-channel", CHANNEL.encode())], b"z"),
    ],
)
def test_the_common_requests_are_answered_whole(path: str, query: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    # The property above holds for a lane that declines everything; these must be taken.
    hec = collector()
    answer = hec.answer_whole(scope_of(path, query, headers), body)
    assert answer is not None and answer.status_code == 200
    assert hec.journal.counters.requests == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda hec: hec.faults.add("error:9 first=1"),
        lambda hec: hec.configure(flavor="edge-processor") and None,
    ],
)
def test_requests_with_a_fault_rule_or_off_its_paths_go_to_app(change: Any) -> None:
    hec = collector()
    change(hec)
    path = "/services/collector/raw/1.0"
    assert not hec.takes_whole(scope_of(path, b"", []))
    assert hec.answer_whole(scope_of(path, b"", [(b"authorization", b"Splunk good")]), b"x") is None
    assert hec.journal.counters.requests == 0


# -- over the wire ------------------------------------------------------------------------------


@pytest.fixture
def served() -> Any:
    with FakeHEC(["good"], admin_port=None) as hec:
        yield hec


def exchange(hec: FakeHEC, *pieces: bytes, pause: float = 0.0) -> bytes:
    """Send raw bytes in pieces on one connection; what came back once the server is done."""
    with socket.create_connection(("127.0.0.1", httpx.URL(hec.url).port), timeout=5) as sock:
        for piece in pieces:
            sock.sendall(piece)
            time.sleep(pause)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def post(body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"POST /services/collector/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Splunk good\r\n" + extra
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def without_date(answer: bytes) -> bytes:
    head, _, body = answer.partition(b"\r\n\r\n")
    return b"\r\n".join(line for line in head.split(b"\r\n") if not line.startswith(b"Date: ")) + b"\r\n\r\n" + body


def test_over_the_wire_the_answer_is_the_one_app_writes(served: FakeHEC) -> None:
    taken = exchange(served, post(b"a\nb\n"))
    served.collector.faults.add("error:9 sourcetype=nothing-sends-this")  # any rule sends all to app
    general = exchange(served, post(b"a\nb\n"))
    assert without_date(taken) == without_date(general)
    assert taken.startswith(b"HTTP/1.1 200 OK\r\nDate: ")
    assert served.journal.counters.events == 4


def test_pipelined_requests_are_answered_in_order(served: FakeHEC) -> None:
    answers = exchange(served, post(b"1") + post(b"2\n3") + post(b"") + post(b"4"))
    assert re.findall(rb"HTTP/1.1 (\d+)", answers) == [b"200", b"200", b"400", b"200"]
    assert [event.raw for event in served.journal.events] == ["1", "2", "3", "4"]


def test_a_body_that_comes_later_is_waited_for(served: FakeHEC) -> None:
    request = post(b"late\nlines\n")
    head, _, body = request.partition(b"\r\n\r\n")
    answer = exchange(served, head + b"\r\n\r\n", body[:3], body[3:], pause=0.05)
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert [event.raw for event in served.journal.events] == ["late", "lines"]


def test_a_sender_that_hangs_up_mid_body_is_journaled(served: FakeHEC) -> None:
    with socket.create_connection(("127.0.0.1", httpx.URL(served.url).port), timeout=5) as sock:
        sock.sendall(post(b"0123456789")[:-4])
    assert served.journal.wait_for_requests(1, timeout=5)
    (request,) = served.journal.requests()
    assert (request.status, request.note) == (0, "connection ended before the body was complete")
    assert served.journal.counters.events == 0


def test_connection_close_and_large_bodies_still_answer(served: FakeHEC) -> None:
    with httpx.Client(base_url=served.url, headers={"Authorization": "Splunk good"}) as client:
        closing = client.post("/services/collector/raw", content=b"c", headers={"Connection": "close"})
        large = client.post("/services/collector/raw", content=b"x" * 70_000 + b"\ny")
    assert closing.status_code == large.status_code == 200
    assert closing.headers["connection"] == "close"
    assert served.journal.counters.events == 3


# -- a cluster's balancer --------------------------------------------------------------------------


def cluster(policy: str) -> Cluster:
    return Cluster(TokenStore.of(TOKENS), HECSettings(), VirtualClock(), 3, Balancing(policy=policy))


def journals_of(hec: Cluster) -> list[dict[str, Any]]:
    return [journal_of(hec)] + [journal_of(indexer.collector) for indexer in hec.indexers]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["round-robin", "least-outstanding", "cookie"]), st.lists(requests(), min_size=1, max_size=6))
def test_a_cluster_places_a_request_answered_whole_as_its_app_would(policy: str, batch: list[Any]) -> None:
    lane, reference = cluster(policy), cluster(policy)
    for _options, scope, body in batch:
        answered = whole(lane, dict(scope), body) or through_app(lane, dict(scope), body)
        assert answered == through_app(reference, dict(scope), body)
    assert journals_of(lane) == journals_of(reference)  # the same nodes, in turn: each request placed once


def test_a_cluster_answers_the_common_request_whole() -> None:
    hec = cluster("round-robin")
    for _ in range(3):
        assert hec.answer_whole(scope_of("/services/collector/raw", b"", [(b"authorization", b"Splunk good")]), b"x")
    assert [indexer.journal.counters.requests for indexer in hec.indexers] == [1, 1, 1]
    assert [request.balance["node"] for request in hec.journal.requests()] == [1, 2, 3]


def test_a_wrapped_app_sees_every_request() -> None:
    seen: list[str] = []

    def wrap(app: Any) -> Any:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append(scope["path"])
            await app(scope, receive, send)

        return wrapped

    with FakeHEC(["good"], admin_port=None, wrap=wrap) as hec:
        assert exchange(hec, post(b"a")).startswith(b"HTTP/1.1 200 OK")
    assert seen == ["/services/collector/raw"]


def test_a_sender_waiting_to_continue_and_http_1_0_still_answer(served: FakeHEC) -> None:
    request = post(b"x", b"Expect: 100-continue\r\n")
    head, _, body = request.partition(b"\r\n\r\n")
    with socket.create_connection(("127.0.0.1", httpx.URL(served.url).port), timeout=5) as sock:
        sock.sendall(head + b"\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        assert b"200 OK" in sock.recv(1000)
    old = exchange(served, post(b"y").replace(b"HTTP/1.1", b"HTTP/1.0"))
    assert old.startswith(b"HTTP/1.1 200 OK") and b"Connection: close" in old
    assert [event.raw for event in served.journal.events] == ["x", "y"]
