"""Each fault kind and schedule, observed from a real client over real sockets."""

from __future__ import annotations

import concurrent.futures
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from hecharness.clock import VirtualClock
from hecharness.faults import Fault, FaultSpecError, Reply, parse_fault
from hecharness.hec import FakeHEC, Token

CHANNEL = "11111111-2222-4333-8444-555555555555"
TOKENS = [Token("good-token", name="good"), Token("other-token", name="other"), Token("ack-token", name="acker", ack=True)]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHEC]:
    with FakeHEC(TOKENS) as hec:
        yield hec


@pytest.fixture
def hec(server: FakeHEC) -> Iterator[FakeHEC]:
    server.reset()
    yield server
    # A close fault journals its request once the connection has gone, which can be after the test
    # ends: end what is still being served, so it does not land in the next test's journal.
    server.settle()


@pytest.fixture
def client(hec: FakeHEC) -> Iterator[httpx.Client]:
    with hec.client("good-token", timeout=10) as c:
        yield c


def raw(client: httpx.Client, body: bytes = b"a\nb\nc", **kwargs) -> httpx.Response:
    return client.post("/services/collector/raw", content=body, **kwargs)


def codes_of(responses: list[httpx.Response]) -> list[int]:
    return [r.json()["code"] for r in responses]


# -- answers -------------------------------------------------------------------------------------


def test_busy_answer_is_exact_and_accepts_nothing(client, hec):
    hec.faults.add("error:9 retry_after=30")
    response = raw(client)
    assert response.status_code == 503
    assert response.content == b'{"text":"Server is busy","code":9,"invalid-event-number":0}'
    assert response.headers["retry-after"] == "30"
    assert response.headers["server"] == "Splunkd"
    assert hec.journal.event_count == 0
    record = hec.journal.requests()[-1]
    assert (record.status, record.code, record.fault, record.bytes_in) == (503, 9, "fault-1=error:9", 5)


@pytest.mark.parametrize(
    ("code", "status", "text"),
    [
        (8, 500, "Internal server error"),
        (6, 400, "Invalid data format"),
        (4, 403, "Invalid token"),
        (26, 429, "HEC queue at capacity"),
        (27, 429, "HEC ACK channel at capacity"),
        (23, 503, "Server is shutting down"),
    ],
)
def test_any_hec_code(client, hec, code, status, text):
    hec.faults.add(f"error:{code}")
    response = raw(client)
    assert (response.status_code, response.json()) == (status, {"text": text, "code": code})


@pytest.mark.parametrize("code", [24, 25])
def test_warning_codes_are_200_and_still_accept_the_events(client, hec, code):
    hec.faults.add(f"error:{code}")
    response = raw(client)
    assert response.status_code == 200
    assert response.json()["code"] == code
    assert hec.journal.event_count == 3  # answered 2xx, so journaled


def test_health_faults(client, hec):
    hec.faults.add("error:18 path=health")
    assert client.get("/services/collector/health").json() == {"text": "HEC is unhealthy, queues are full", "code": 18}
    assert raw(client).status_code == 200


def test_faults_leave_health_checks_alone_unless_path_says_so(client, hec):
    # A health probe neither trips an outage meant for the data nor uses up the fault's first=N.
    busy = hec.faults.add("error:9 first=1")
    assert client.get("/services/collector/health").json()["code"] == 17
    assert busy.matched == 0
    assert raw(client).json()["code"] == 9
    hec.faults.add("reset path=any first=1")
    with pytest.raises(httpx.TransportError):
        client.get("/services/collector/health")


def test_custom_status_body_and_headers(client, hec):
    hec.faults.add('status:502 body="<html>Bad gateway</html>" content_type=text/html reply_header=X-Upstream:lb1')
    response = raw(client)
    assert (response.status_code, response.text) == (502, "<html>Bad gateway</html>")
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-upstream"] == "lb1"
    assert hec.journal.event_count == 0


def test_a_status_with_no_body_is_labelled_as_nothing(client, hec):
    # An empty answer is not JSON: no Content-Type (and no nosniff, which goes with a type).
    hec.faults.add("status:503 first=1")
    hec.faults.add('status:502 body="{}" first=1')
    empty, given = raw(client), raw(client)
    assert (empty.status_code, empty.content, empty.headers["content-length"]) == (503, b"", "0")
    assert "content-type" not in empty.headers and "x-content-type-options" not in empty.headers
    assert given.headers["content-type"] == "application/json; charset=UTF-8"


NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center></center>\r\n</body>\r\n</html>"
)


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (503, b"", None),  # splunk-connect-for-kubernetes #708
        (408, b"", None),  # fluent-bit #9371
        (502, NGINX_502, "text/html"),  # splunk-connect-for-kubernetes #474
        (504, NGINX_502.replace(b"502 Bad Gateway", b"504 Gateway Time-out"), "text/html"),
    ],
)
def test_splunk_cloud_front_door_answers(client, hec, status, body, content_type):
    hec.faults.add(f"front-door:{status} first=1")
    refused, retried = raw(client), raw(client)
    assert (refused.status_code, refused.content, refused.headers.get("content-type")) == (status, body, content_type)
    # A load balancer answered: none of splunkd's headers.
    assert not {"server", "vary", "x-frame-options", "x-content-type-options"} & set(refused.headers)
    assert retried.status_code == 200 and hec.journal.event_count == 3
    record = hec.requests()[0]
    assert (record.status, record.code, record.fault) == (status, None, f"fault-1=front-door:{status}")
    assert record.note == "answered by the load balancer in front of HEC"


def test_front_door_statuses_are_the_reported_ones():
    with pytest.raises(FaultSpecError, match="front-door answers 408, 502, 503, 504, got 500"):
        parse_fault("front-door:500")


def test_partial_acceptance(client, hec):
    hec.faults.add("partial:2")
    response = raw(client, b"r1\nr2\nr3\nr4\nr5")
    assert (response.status_code, response.json()) == (503, {"text": "Server is busy", "code": 9, "invalid-event-number": 2})
    assert [e.raw for e in hec.journal.events] == ["r1", "r2"]
    assert hec.journal.requests()[-1].events == 2


def test_partial_acceptance_on_the_event_endpoint_with_acks(client, hec):
    hec.faults.add("partial:1 code=26")
    body = b'{"event":"a"}{"event":"b"}{"event":"c"}'
    headers = {"Authorization": "Splunk ack-token", "X-Splunk-Request-Channel": CHANNEL}
    response = client.post("/services/collector/event", content=body, headers=headers)
    assert (response.status_code, response.json()) == (
        429,
        {"text": "HEC queue at capacity", "code": 26, "invalid-event-number": 1, "ackId": 0},
    )
    assert [e.event for e in hec.journal.events] == ["a"]


def test_partial_with_fewer_events_than_the_limit_is_a_normal_success(client, hec):
    hec.faults.add("partial:5")
    assert raw(client, b"only\ntwo").json() == {"text": "Success", "code": 0}


# -- schedules -----------------------------------------------------------------------------------


def test_first_n_then_normal(client, hec):
    hec.faults.add("error:9 first=2")
    assert codes_of([raw(client) for _ in range(4)]) == [9, 9, 0, 0]


def test_every_nth(client, hec):
    hec.faults.add("error:8 every=3")
    assert codes_of([raw(client) for _ in range(7)]) == [0, 0, 8, 0, 0, 8, 0]


def test_seeded_probability_repeats_exactly(client, hec):
    runs = []
    for _ in range(2):
        hec.faults.clear()
        hec.faults.add("error:9 probability=0.5 seed=11")
        runs.append(codes_of([raw(client) for _ in range(30)]))
    assert runs[0] == runs[1]
    assert 0 < runs[0].count(9) < 30


def test_sequence_then_normal(client, hec):
    hec.faults.add("sequence=error:9,error:8,ok,error:9")
    assert codes_of([raw(client) for _ in range(6)]) == [9, 8, 0, 9, 0, 0]


def test_window_on_the_harness_clock():
    clock = VirtualClock()
    with FakeHEC(["t"], clock=clock, admin_port=None) as hec, hec.client("t") as c:
        hec.faults.add("error:9 window=60..360")
        seen = []
        for moment in (0, 59, 60, 200, 359, 360, 1000):
            clock.advance_to(1_700_000_000 + moment)
            seen.append(raw(c).json()["code"])
        assert seen == [0, 0, 9, 9, 9, 0, 0]


def test_window_from_the_first_request():
    clock = VirtualClock()
    with FakeHEC(["t"], clock=clock, admin_port=None) as hec, hec.client("t") as c:
        hec.faults.add("error:9 window=0..10 from=first-request")
        clock.advance(500)
        first = raw(c).json()["code"]
        clock.advance(5)
        second = raw(c).json()["code"]
        clock.advance(10)
        assert [first, second, raw(c).json()["code"]] == [9, 9, 0]


def test_until_cleared_and_removed_by_handle(client, hec):
    handle = hec.faults.add("error:9")
    assert codes_of([raw(client) for _ in range(3)]) == [9, 9, 9]
    handle.remove()
    assert raw(client).json()["code"] == 0
    hec.faults.add("error:8")
    hec.faults.clear()
    assert raw(client).json()["code"] == 0


def test_during_a_block(client, hec):
    with hec.faults.during("error:9"):
        assert raw(client).json()["code"] == 9
    assert raw(client).json()["code"] == 0


def test_faults_compose_in_declared_order(client, hec):
    hec.faults.add("delay:0", name="slow")
    hec.faults.add("error:8 first=1", name="first-error")
    hec.faults.add("error:9", name="busy")
    assert codes_of([raw(client) for _ in range(2)]) == [8, 9]
    labels = [r.fault for r in hec.journal.requests()]
    assert labels == ["slow=delay:0, first-error=error:8", "slow=delay:0, busy=error:9"]


def test_a_rule_after_a_decided_answer_does_not_count_that_request(client, hec):
    hec.faults.add("error:9 first=1", name="first")
    later = hec.faults.add("error:8 every=2", name="later")
    assert codes_of([raw(client) for _ in range(3)]) == [9, 0, 8]
    assert (later.matched, later.fired) == (2, 1)


def test_python_fault_objects(client, hec):
    from hecharness import codes

    hec.faults.add(Fault(action=Reply(code=codes.INVALID_DATA_FORMAT), first=1))
    assert codes_of([raw(client), raw(client)]) == [6, 0]


# -- scopes --------------------------------------------------------------------------------------


def test_scope_by_endpoint(client, hec):
    hec.faults.add("error:9 path=event")
    assert raw(client).json()["code"] == 0
    assert client.post("/services/collector/event", content=b'{"event":1}').json()["code"] == 9


def test_scope_by_token(client, hec):
    hec.faults.add("error:9 token=other")
    assert raw(client).json()["code"] == 0
    assert raw(client, headers={"Authorization": "Splunk other-token"}).json()["code"] == 9


def test_scope_by_channel_and_sourcetype(client, hec):
    hec.faults.add(f"error:9 channel={CHANNEL}")
    hec.faults.add("error:8 sourcetype=cloudflare:json")
    assert raw(client).json()["code"] == 0
    assert raw(client, params={"channel": CHANNEL}).json()["code"] == 9
    assert raw(client, params={"sourcetype": "cloudflare:json"}).json()["code"] == 8


def test_scope_by_request_header(client, hec):
    hec.faults.add("error:9 header=X-Fault:busy")
    hec.faults.add("error:8 header=X-Break")
    assert raw(client).json()["code"] == 0
    assert raw(client, headers={"X-Fault": "busy"}).json()["code"] == 9
    assert raw(client, headers={"X-Fault": "other"}).json()["code"] == 0
    assert raw(client, headers={"X-Break": "anything"}).json()["code"] == 8


def test_out_of_scope_requests_do_not_use_up_a_schedule(client, hec):
    hec.faults.add("error:9 first=1 path=event")
    raw(client)
    raw(client)
    assert client.post("/services/collector/event", content=b'{"event":1}').json()["code"] == 9


# -- time: delays and slow bodies on a virtual clock ------------------------------------------------


def test_delay_holds_the_answer_until_the_clock_moves():
    clock = VirtualClock()
    with FakeHEC(["t"], clock=clock, admin_port=None) as hec, hec.client("t", timeout=10) as c:
        hec.faults.add("delay:30")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(raw, c)
            with pytest.raises(concurrent.futures.TimeoutError):
                pending.result(timeout=0.3)
            clock.advance(30)
            assert pending.result(timeout=10).json()["code"] == 0


def test_slow_body_arrives_whole_after_the_clock_moves():
    clock = VirtualClock()
    with FakeHEC(["t"], clock=clock, admin_port=None) as hec, hec.client("t", timeout=10) as c:
        hec.faults.add("slow-body:10")
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pending = pool.submit(raw, c)
            assert hec.journal.wait_for_requests(1, timeout=5)
            with pytest.raises(concurrent.futures.TimeoutError):
                pending.result(timeout=0.3)
            for _ in range(20):
                if pending.done():
                    break
                clock.advance(1)
                threading.Event().wait(0.02)
            response = pending.result(timeout=10)
        assert response.content == b'{"text":"Success","code":0}'
        assert hec.journal.event_count == 3


# -- sockets -------------------------------------------------------------------------------------


def open_socket(hec: FakeHEC) -> socket.socket:
    listener = hec.listeners[0]
    return socket.create_connection((listener.host, listener.port), timeout=5)


def request_bytes(body: bytes = b"a\nb", headers_only: bool = False) -> bytes:
    head = (
        b"POST /services/collector/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Splunk good-token\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    return head if headers_only else head + body


def test_reset_before_the_body(hec):
    hec.faults.add("reset")
    with open_socket(hec) as sock:
        sock.sendall(request_bytes(headers_only=True))
        with pytest.raises(ConnectionResetError):
            sock.recv(1024)
    assert hec.journal.wait_for_requests(1)  # the journal line is written just after the reset
    record = hec.journal.requests()[-1]
    assert (record.status, record.bytes_in, record.fault) == (0, 0, "fault-1=reset")
    assert hec.journal.event_count == 0


def test_reset_after_the_body(hec):
    hec.faults.add("reset:after-body")
    with open_socket(hec) as sock:
        sock.sendall(request_bytes(b"x" * 100))
        with pytest.raises(ConnectionResetError):
            sock.recv(1024)
    assert hec.journal.wait_for_requests(1)
    record = hec.journal.requests()[-1]
    assert (record.status, record.bytes_in) == (0, 100)
    assert hec.journal.event_count == 0


def test_httpx_sees_a_reset_as_a_transport_error(client, hec):
    hec.faults.add("reset first=1")
    with pytest.raises(httpx.TransportError):
        raw(client)
    assert raw(client).json()["code"] == 0


def test_close_without_answering(hec):
    hec.faults.add("close")
    with open_socket(hec) as sock:
        sock.sendall(request_bytes())
        assert sock.recv(1024) == b""


def test_hang_until_the_client_gives_up(hec):
    hec.faults.add("hang:600")
    with open_socket(hec) as sock:
        sock.sendall(request_bytes())
        sock.settimeout(0.3)
        with pytest.raises(socket.timeout):
            sock.recv(1024)
    assert hec.journal.wait_for_requests(1, timeout=5)
    assert hec.journal.requests()[-1].note == "hung until the client gave up"


def test_hang_is_bounded_by_its_maximum_on_the_harness_clock():
    clock = VirtualClock()
    with FakeHEC(["good-token"], clock=clock, admin_port=None) as hec:
        hec.faults.add("hang:60")
        with open_socket(hec) as sock:
            sock.sendall(request_bytes())
            sock.settimeout(0.3)
            with pytest.raises(socket.timeout):
                sock.recv(1024)
            clock.advance(60)
            sock.settimeout(5)
            assert sock.recv(1024) == b""
        assert hec.journal.wait_for_requests(1)
        assert hec.journal.requests()[-1].note == "hung for the maximum of 60s, then closed"


def test_stopping_the_server_releases_hung_clients():
    hec = FakeHEC(["t"], admin_port=None).start()
    hec.faults.add("hang:3600")
    errors: list[BaseException] = []

    def send() -> None:
        try:
            with hec.client("t", timeout=60) as c:
                raw(c)
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    clients = [threading.Thread(target=send) for _ in range(5)]
    for thread in clients:
        thread.start()
    for _ in range(500):  # bounded: at most ~10 s for the five requests to start hanging
        if len(hec.collector._hangs) == 5:
            break
        threading.Event().wait(0.02)
    assert len(hec.collector._hangs) == 5
    hec.stop()
    for thread in clients:
        thread.join(10)
    assert not any(thread.is_alive() for thread in clients)
    assert len(errors) == 5 and all(isinstance(e, httpx.TransportError) for e in errors)
    assert all(r.note == "hung until the server stopped" for r in hec.journal.requests())


# -- acknowledgements ------------------------------------------------------------------------------


def ack_poll(client: httpx.Client, ids: list[int]) -> dict:
    headers = {"Authorization": "Splunk ack-token", "X-Splunk-Request-Channel": CHANNEL}
    return client.post("/services/collector/ack", json={"acks": ids}, headers=headers).json()["acks"]


def send_acked(client: httpx.Client) -> int:
    headers = {"Authorization": "Splunk ack-token", "X-Splunk-Request-Channel": CHANNEL}
    return client.post("/services/collector/raw", content=b"a", headers=headers).json()["ackId"]


def test_acks_that_never_come(client, hec):
    hec.faults.add("ack:never first=1")
    never, fine = send_acked(client), send_acked(client)
    assert ack_poll(client, [never, fine]) == {"0": False, "1": True}
    assert hec.collector.acks.pending(CHANNEL) == [0]
    assert hec.journal.event_count == 2


def test_acks_that_are_lost(client, hec):
    hec.faults.add("ack:lost")
    ack_id = send_acked(client)
    assert ack_poll(client, [ack_id]) == {"0": False}
    assert hec.collector.acks.pending(CHANNEL) == []
    assert hec.journal.event_count == 1


def test_acks_that_come_late():
    clock = VirtualClock()
    with FakeHEC([Token("ack-token", ack=True)], clock=clock, admin_port=None) as hec, hec.client(timeout=10) as c:
        hec.faults.add("ack:45")
        ack_id = send_acked(c)
        clock.advance(44)
        assert ack_poll(c, [ack_id]) == {"0": False}
        clock.advance(1)
        assert ack_poll(c, [ack_id]) == {"0": True}


# -- the admin API --------------------------------------------------------------------------------


def test_faults_through_the_admin_api(client, hec):
    with httpx.Client(base_url=hec.admin_url) as admin:
        added = admin.post("/faults", json={"spec": "error:9 first=1"}).json()
        assert added["name"] == "fault-1" and added["spec"] == "error:9 first=1"
        assert admin.post("/faults", json={"spec": "error:8", "name": "flaky"}).json()["name"] == "flaky"
        assert codes_of([raw(client), raw(client)]) == [9, 8]
        listed = admin.get("/faults").json()
        assert [(f["name"], f["matched"], f["fired"], f["exhausted"]) for f in listed] == [
            ("fault-1", 2, 1, True),
            ("flaky", 1, 1, False),
        ]
        assert admin.delete("/faults/flaky").json()["removed"]["name"] == "flaky"
        assert admin.delete("/faults/flaky").status_code == 404
        bad = admin.post("/faults", json={"spec": "error:99"})
        assert (bad.status_code, bad.json()["error"]) == (400, "unknown HEC code 99: Splunk uses 0 to 28")
        assert admin.delete("/faults").json() == {"cleared": True}
        assert raw(client).json()["code"] == 0


def test_reset_clears_faults(client, hec):
    hec.faults.add("error:9")
    hec.reset()
    assert raw(client).json()["code"] == 0


# -- TLS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])  # with SNI, and without (IP address)
def test_tls_abort_fails_the_handshake_then_recovers(tmp_path, host):
    with FakeHEC(["t"], tls="valid", certs_dir=tmp_path, admin_port=None) as hec:
        hec.faults.add("tls-abort first=1")
        url = f"https://{host}:{hec.listeners[0].port}/services/collector/raw"
        with httpx.Client(verify=hec.ssl_context(), headers={"Authorization": "Splunk t"}) as c:
            # The server drops the connection mid-handshake; clients see an EOF (or an alert).
            with pytest.raises(httpx.ConnectError, match="UNEXPECTED_EOF|HANDSHAKE_FAILURE"):
                c.post(url, content=b"x")
            assert c.post(url, content=b"x").json()["code"] == 0
        handshake, accepted = hec.journal.requests()
        assert (handshake.method, handshake.fault, handshake.status) == ("TLS", "fault-1=tls-abort", 0)
        assert accepted.fault is None and hec.journal.event_count == 1
