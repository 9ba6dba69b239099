"""Connection lifetime as splunkd has it: idle keep-alive timeouts, busy or not, and the stale-connection race.

Timeouts here are fractions of a second so nothing waits long; every wait is bounded and no test
asserts how long something took, only what the server did (closed, or kept the connection open).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from hecharness.faults import FaultSpecError, parse_fault
from hecharness.hec import FakeHEC
from hecharness.hec.config import ConfigError, parse_config
from hecharness.hec.settings import HECSettings, SettingsError

TOKEN = "connection-token"
REQUEST = (
    b"POST /services/collector/raw HTTP/1.1\r\nHost: hec\r\nAuthorization: Splunk " + TOKEN.encode() + b"\r\n"
    b"Content-Length: 5\r\n\r\nhello"
)
SHORT = 0.2  # seconds: a timeout that fires during the test
LONG = 600.0  # seconds: one that cannot fire during it
BOUND = 10.0  # the longest any test waits for the server to act


@pytest.fixture(scope="module")
def server() -> Iterator[FakeHEC]:
    with FakeHEC([TOKEN], admin_port=None) as hec:
        yield hec


@pytest.fixture
def hec(server: FakeHEC) -> FakeHEC:
    server.reset()
    return server


def connect(hec: FakeHEC) -> socket.socket:
    host, port = hec.url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=BOUND)
    return sock


def exchange(sock: socket.socket) -> bytes:
    """Send one request and read its whole answer (splunkd's answers are short and carry Content-Length)."""
    sock.sendall(REQUEST)
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
        chunk = sock.recv(4096)
        assert chunk, f"the server closed the connection instead of answering; got {answer!r}"
        answer += chunk
    return answer


def closed_by_server(sock: socket.socket, within: float = BOUND) -> bool:
    """True when the server closes the connection within `within` seconds, False if it is still open then."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


# -- settings -------------------------------------------------------------------------------------


def test_defaults_are_splunkds():
    settings = HECSettings()
    assert settings.keep_alive_idle_timeout == 7200
    assert settings.busy_keep_alive_idle_timeout == 12
    assert settings.idle_timeout(busy=False) == 7200 and settings.idle_timeout(busy=True) == 12


def test_busy_never_lengthens_the_keep_alive_timeout():
    assert HECSettings(keep_alive_idle_timeout=5, busy_keep_alive_idle_timeout=12).idle_timeout(busy=True) == 5


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), True, "12"])
@pytest.mark.parametrize("name", ["keep_alive_idle_timeout", "busy_keep_alive_idle_timeout"])
def test_bad_timeouts_are_refused_by_name(name, value):
    with pytest.raises(SettingsError, match=f"{name} must be a number of seconds above 0, got"):
        HECSettings(**{name: value})


def test_timeouts_come_from_the_config_file():
    config = parse_config("keep_alive_idle_timeout = 60\nbusy_keep_alive_idle_timeout = 0.5\n")
    assert (config.settings.keep_alive_idle_timeout, config.settings.busy_keep_alive_idle_timeout) == (60, 0.5)
    with pytest.raises(ConfigError, match="busy_keep_alive_idle_timeout must be a number of seconds above 0"):
        parse_config("busy_keep_alive_idle_timeout = -3\n")


# -- idle keep-alive connections ------------------------------------------------------------------


def test_idle_connection_is_closed_after_keep_alive_idle_timeout(hec):
    hec.configure(keep_alive_idle_timeout=SHORT, busy_keep_alive_idle_timeout=LONG)
    with connect(hec) as sock:
        assert exchange(sock).startswith(b"HTTP/1.1 200 OK")
        assert closed_by_server(sock)


def test_a_connection_that_never_sends_a_request_idles_out_too(hec):
    hec.configure(keep_alive_idle_timeout=SHORT)
    with connect(hec) as sock:
        assert closed_by_server(sock)
    assert hec.journal.counters.requests == 0


def test_a_quiet_server_keeps_idle_connections_past_the_busy_timeout(hec):
    hec.configure(keep_alive_idle_timeout=LONG, busy_keep_alive_idle_timeout=SHORT)
    with connect(hec) as sock:
        exchange(sock)
        assert not closed_by_server(sock, within=5 * SHORT)
        assert exchange(sock).startswith(b"HTTP/1.1 200 OK")  # still usable
    assert [record.status for record in hec.requests()] == [200, 200]


def test_a_server_with_full_queues_closes_idle_connections_after_the_busy_timeout(hec):
    hec.configure(keep_alive_idle_timeout=LONG, busy_keep_alive_idle_timeout=SHORT, health="queues-full")
    assert hec.collector.busy
    with connect(hec) as sock:
        exchange(sock)
        assert closed_by_server(sock)


def test_saying_server_is_busy_makes_the_server_busy(hec):
    # The answer is journaled just before it goes out; the busy window must outlast any stall between.
    hec.configure(keep_alive_idle_timeout=LONG, busy_keep_alive_idle_timeout=1.0)
    hec.faults.add("error:9 first=1")
    assert not hec.collector.busy
    with connect(hec) as sock:
        assert exchange(sock).startswith(b"HTTP/1.1 503")
        assert hec.collector.busy
        assert closed_by_server(sock)


def test_reset_forgets_that_the_server_said_it_was_busy(hec):
    hec.faults.add("error:9 first=1")
    with connect(hec) as sock:
        exchange(sock)
    assert hec.collector.busy
    hec.reset()
    assert not hec.collector.busy


def test_a_connection_idling_when_the_server_turns_busy_is_closed_then(hec):
    hec.configure(keep_alive_idle_timeout=LONG, busy_keep_alive_idle_timeout=SHORT)
    with connect(hec) as sock:
        exchange(sock)
        assert not closed_by_server(sock, within=3 * SHORT)
        hec.configure(health="queues-full")
        assert closed_by_server(sock)


def test_a_request_restarts_the_idle_clock(hec):
    hec.configure(keep_alive_idle_timeout=2.0)
    with connect(hec) as sock:
        exchange(sock)
        started = time.monotonic()
        # Requests 0.1 s apart keep the connection past twice the timeout: each one restarts it.
        while time.monotonic() - started < 4.0:  # each pass takes at least 0.1 s: bounded
            assert not closed_by_server(sock, within=0.1)
            exchange(sock)
    assert len({record.remote for record in hec.requests()}) == 1


def test_a_request_slower_than_the_idle_timeout_is_answered_and_the_connection_idles_out_after(hec):
    # The connection's timer fires while the request is in hand: it must neither close the connection
    # then nor forget to close it once it idles.
    hec.configure(keep_alive_idle_timeout=SHORT, busy_keep_alive_idle_timeout=LONG)
    head, body = REQUEST[:-5], REQUEST[-5:]
    with connect(hec) as sock:
        sock.sendall(head)
        time.sleep(3 * SHORT)
        sock.sendall(body)
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 200 OK"), answer
        assert closed_by_server(sock)


def test_a_pooled_client_meets_the_close_as_a_dead_connection(hec):
    """What senders report (EOF, connection reset): the server closed the connection they kept."""
    hec.configure(keep_alive_idle_timeout=SHORT)
    with httpx.Client(base_url=hec.url, headers={"Authorization": f"Splunk {TOKEN}"}, timeout=BOUND) as client:
        first = client.post("/services/collector/raw", content=b"one")
        with connect(hec) as probe:  # wait on a connection of our own until the timeout surely passed
            closed_by_server(probe)
        second = client.post("/services/collector/raw", content=b"two")  # httpx sees the FIN and reconnects
    assert first.status_code == second.status_code == 200
    remotes = [record.remote for record in hec.requests()]
    assert remotes[0] != remotes[1], "the second request should have needed a new connection"


# -- the stale pooled connection race, on purpose ---------------------------------------------------


def test_idle_selector_parses_seconds():
    assert parse_fault("close idle=12").idle == 12
    assert parse_fault("reset idle=500ms").idle == 0.5
    assert parse_fault({"action": "close", "idle": 0}).idle == 0
    assert parse_fault("close").idle is None
    with pytest.raises(FaultSpecError, match="idle needs seconds"):
        parse_fault("close idle=soon")


def test_close_idle_catches_requests_on_a_reused_connection(hec):
    hec.faults.add("close idle=0 name=stale")
    with httpx.Client(base_url=hec.url, headers={"Authorization": f"Splunk {TOKEN}"}, timeout=BOUND) as client:
        assert client.post("/services/collector/raw", content=b"first").status_code == 200
        # A FIN, the stale pooled connection; a reset instead when part of the request was still
        # unread as the socket closed (the kernel's answer to unread data), as senders see both.
        refused = "Server disconnected without sending a response|Connection reset by peer"
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError), match=refused):
            client.post("/services/collector/raw", content=b"lost")
        assert client.post("/services/collector/raw", content=b"again").status_code == 200  # a new connection
    assert hec.settle()
    # In arrival order: the closed one is journaled once its connection has gone, maybe after the next.
    records = sorted(hec.requests(), key=lambda record: record.id)
    assert [(r.status, r.fault) for r in records] == [(200, None), (0, "stale=close"), (200, None)]
    assert [event.raw for event in hec.journal.events] == ["first", "again"]  # nothing taken from the lost one


def test_idle_selector_needs_the_connection_to_have_idled_that_long(hec):
    hec.faults.add("close idle=60")
    with connect(hec) as sock:
        for _ in range(3):
            assert exchange(sock).startswith(b"HTTP/1.1 200 OK")
    assert hec.faults.list()[0].matched == 0


def test_idle_selector_measures_the_idle_time(hec):
    hec.faults.add("reset idle=2")
    with connect(hec) as sock:
        exchange(sock)
        assert exchange(sock).startswith(b"HTTP/1.1 200 OK")  # back at once: not idle long enough
        assert not closed_by_server(sock, within=2.2)  # now it has idled past 2 s
        sock.sendall(REQUEST)
        assert closed_by_server(sock)
    assert hec.settle()
    assert [record.fault for record in hec.requests()] == [None, None, "fault-1=reset"]


def test_closing_a_tls_connection_leaves_uvicorn_nothing_to_complain_about(caplog):
    # A clean TLS close reaches the protocol only after close_notify goes out; returning before
    # then made uvicorn log "ASGI callable returned without starting response" for every close.
    with FakeHEC([TOKEN], admin_port=None, tls="valid") as hec, hec.client() as client:
        hec.faults.add("close")
        with caplog.at_level("WARNING"):
            for _ in range(3):
                with pytest.raises(httpx.RemoteProtocolError):
                    client.post("/services/collector/raw", content=b"x")
            assert hec.settle()
    assert [record.status for record in hec.requests()] == [0, 0, 0]
    assert not [record.getMessage() for record in caplog.records if record.name.startswith("uvicorn")]
