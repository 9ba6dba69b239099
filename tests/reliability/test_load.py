"""Load and concurrency: a thousand connections at once with faults firing, hangs beside healthy traffic.

The senders are asyncio tasks on raw sockets, one per connection, reusing it (keep-alive) until a
fault closes it. Every event carries an id, so afterwards each can be accounted for: what the
answers said was accepted is exactly what the journal holds, id by id, and what was not accepted
was refused, so delivered + refused == sent.
"""

from __future__ import annotations

import asyncio
import resource
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

from hecharness.clock import VirtualClock
from hecharness.hec import FakeHEC, HECSettings, Token
from tests.reliability.wire import Connection, ServerHungUp, assert_splunk_shaped, build_request

CONNECTIONS = 1_000
REQUESTS_PER_CONNECTION = 5
LINES = 8
TOKEN = "load-token"
# Faults fire at random (seeded) on the requests marked for them: every connection's first request
# is clean, so all 1,000 connections are proved open at once before anything closes one.
FAULTS = [
    "error:9 probability=0.05 seed=1 header=X-Load:faulty",
    "partial:3 probability=0.04 seed=2 header=X-Load:faulty",
    "reset probability=0.02 seed=3 header=X-Load:faulty",
    "reset:after-body probability=0.02 seed=4 header=X-Load:faulty",
    "close probability=0.02 seed=5 header=X-Load:faulty",
    "hang:1 probability=0.005 seed=6 header=X-Load:faulty",
    "error:24 probability=0.02 seed=7 header=X-Load:faulty",
    "delay:0.05 probability=0.03 seed=8 header=X-Load:faulty",
    "slow-body:0.1 probability=0.02 seed=9 header=X-Load:faulty",
]


def raise_fd_limit(needed: int) -> None:
    """Client and server share this process: two descriptors per connection, plus room."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return
    if hard != resource.RLIM_INFINITY and hard < needed:
        pytest.skip(f"needs {needed} file descriptors; the hard limit is {hard} (ulimit -Hn)")
    resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))


def connections_to(port: int) -> Counter:
    """Server-side TCP states on `port`, from /proc/net/tcp (ESTABLISHED is 01, CLOSE_WAIT 08)."""
    states: Counter = Counter()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if int(local.rsplit(":", 1)[1], 16) == port:
            states[state] += 1
    return states


@dataclass
class Ledger:
    """What the senders did, event by event."""

    sent: Counter = field(default_factory=Counter)  # id -> times sent
    accepted: Counter = field(default_factory=Counter)  # id -> times an answer said it was accepted
    refused_events: int = 0
    attempts: int = 0
    answers: Counter = field(default_factory=Counter)  # status (or "no answer")
    connections_opened: int = 0
    local_addresses: set = field(default_factory=set)  # "host:port" of each connection's client end
    requests_on_reused_connections: int = 0


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers, body


async def sender(
    number: int, port: int, ledger: Ledger, all_connected: asyncio.Event, connected: list[int], on_all_connected
) -> None:
    reader = writer = None
    uses = 0

    async def connect() -> None:
        nonlocal reader, writer, uses
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        ledger.connections_opened += 1
        host, local_port = writer.get_extra_info("sockname")[:2]
        ledger.local_addresses.add(f"{host}:{local_port}")
        uses = 0

    async def attempt(lines: list[bytes], faulty: bool) -> int:
        """One POST; how many of its lines the answer says were accepted (0 when none came)."""
        nonlocal uses
        if writer is None or writer.is_closing():
            await connect()
        if uses:
            ledger.requests_on_reused_connections += 1
        uses += 1
        headers = [(b"Authorization", f"Splunk {TOKEN}".encode())]
        if faulty:
            headers.append((b"X-Load", b"faulty"))
        writer.write(build_request("POST", "/services/collector/raw", headers, b"\n".join(lines)))
        ledger.attempts += 1
        for line in lines:
            ledger.sent[line] += 1
        try:
            await writer.drain()
            status, answer_headers, body = await asyncio.wait_for(read_answer(reader), 30)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            writer.close()
            ledger.answers["no answer"] += 1
            return 0  # reset, close or hang: a fault that answers nothing accepts nothing
        ledger.answers[status] += 1
        if answer_headers.get("connection") == "close":
            writer.close()
        data = orjson.loads(body)
        if 200 <= status < 300:
            return len(lines)
        # A partial answer names the first event it did not take; the ones before it were indexed.
        return data.get("invalid-event-number", 0) if data.get("code") == 9 else 0

    def lines_for(request: int) -> list[bytes]:
        return [orjson.dumps({"id": f"c{number}-r{request}-l{line}"}) for line in range(LINES)]

    try:
        # First request: clean, then hold the connection until every sender has one open.
        first = lines_for(0)
        taken = await attempt(first, faulty=False)
        assert taken == LINES
        for line in first:
            ledger.accepted[line] += 1
        connected.append(number)
        if len(connected) == CONNECTIONS:
            on_all_connected()  # before any sender can run again, so before anything is closed
            all_connected.set()
        await asyncio.wait_for(all_connected.wait(), 120)
        for request in range(1, REQUESTS_PER_CONNECTION):
            lines = lines_for(request)
            if request == 1 and number % 10 == 0:
                # Some senders send a request twice, as one that lost an answer would: both count.
                resent = await attempt(lines, faulty=False)
                for line in lines[:resent]:
                    ledger.accepted[line] += 1
                ledger.refused_events += len(lines) - resent
            for retry in range(2):  # a refused remainder is sent once more, as a sender would
                taken = await attempt(lines, faulty=True)
                for line in lines[:taken]:
                    ledger.accepted[line] += 1
                ledger.refused_events += len(lines) - taken
                lines = lines[taken:]
                if not lines:
                    break
    finally:
        if writer is not None:
            writer.close()


@pytest.fixture
def load_hec() -> Iterator[FakeHEC]:
    raise_fd_limit(2 * CONNECTIONS + 1024)
    settings = HECSettings(max_events=CONNECTIONS * REQUESTS_PER_CONNECTION * LINES * 2, max_requests=50_000)
    with FakeHEC([Token(TOKEN, name="load")], settings=settings, admin_port=None) as hec:
        for spec in FAULTS:
            hec.faults.add(spec)
        yield hec


def test_a_thousand_concurrent_connections_with_random_faults_lose_and_double_nothing(load_hec):
    hec = load_hec
    port = hec.listeners[0].port
    ledger = Ledger()
    peak: dict[str, int] = {}

    async def run() -> None:
        all_connected = asyncio.Event()
        connected: list[int] = []
        look = lambda: peak.update(connections_to(port))  # noqa: E731
        tasks = [asyncio.ensure_future(sender(n, port, ledger, all_connected, connected, look)) for n in range(CONNECTIONS)]
        done, pending = await asyncio.wait(tasks, timeout=180)
        assert not pending, f"{len(pending)} senders stuck"
        for task in done:
            task.result()

    asyncio.run(run())

    # All 1,000 connections were open at once.
    assert peak.get("01", 0) >= CONNECTIONS, peak
    # Every event sent was either accepted or refused, attempt by attempt.
    sent_events = sum(ledger.sent.values())
    assert sum(ledger.accepted.values()) + ledger.refused_events == sent_events
    # The journal holds exactly what the answers said was accepted, id by id: nothing lost, and
    # nothing twice unless it was sent twice and accepted twice.
    assert hec.settle(30)
    assert hec.errors == []
    journaled = Counter(event.raw.encode() for event in hec.journal.events)
    assert hec.journal.counters.events == sum(ledger.accepted.values()) == sum(journaled.values())
    assert journaled == ledger.accepted
    assert all(journaled[i] <= ledger.sent[i] for i in journaled)
    assert all(n == 1 for i, n in journaled.items() if ledger.sent[i] == 1)
    # The deliberate resends are journaled twice (unless a fault refused the second sending).
    assert sum(1 for n in journaled.values() if n > 1) >= (CONNECTIONS // 10) * LINES // 2
    # Faults did fire, connections were reused, and reconnects after faults worked.
    assert ledger.answers["no answer"] > 0 and ledger.answers[503] > 0, ledger.answers
    assert ledger.requests_on_reused_connections > CONNECTIONS
    assert ledger.connections_opened > CONNECTIONS
    # Every connection the senders opened was served. Compared by address, not counted: a port
    # freed by a server-side close can be handed to a later connection, so two may share one.
    remotes = {record.remote for record in hec.journal.requests()}
    assert remotes == ledger.local_addresses
    # No connection is left behind on the server, and it still answers.
    for _ in range(200):  # bounded: up to ~10 s for the last closes to be seen
        if not connections_to(port).keys() & {"01", "08"}:
            break
        threading.Event().wait(0.05)
    assert not connections_to(port).keys() & {"01", "08"}, connections_to(port)
    with Connection(port) as connection:
        assert connection.request(build_request("GET", "/services/collector/health", [])).json()["code"] == 17
    print(f"load: {ledger.attempts} attempts on {ledger.connections_opened} connections, {sent_events} events sent, "
          f"{sum(ledger.accepted.values())} accepted, {ledger.refused_events} refused, answers {dict(ledger.answers)}")


# -- hangs and slow bodies beside healthy traffic ---------------------------------------------------


def test_hangs_and_slow_bodies_never_block_other_connections_and_stop_releases_them():
    clock = VirtualClock()  # nothing ends the hangs or the dribbling but the stop
    hec = FakeHEC([Token(TOKEN)], clock=clock, admin_port=None).start()
    try:
        hec.faults.add("hang:3600 header=X-Fault:hang")
        hec.faults.add("slow-body:3600 header=X-Fault:slow")
        port = hec.listeners[0].port
        auth = [(b"Authorization", f"Splunk {TOKEN}".encode())]
        hung = [Connection(port) for _ in range(50)]
        slow = [Connection(port) for _ in range(50)]
        for connection in hung:
            connection.send(build_request("POST", "/services/collector/raw", auth + [(b"X-Fault", b"hang")], b"h"))
        for connection in slow:
            connection.send(build_request("POST", "/services/collector/raw", auth + [(b"X-Fault", b"slow")], b"s"))
        for connection in slow:
            assert connection.read_head_only().startswith(b"HTTP/1.1 200 OK")
        for _ in range(500):  # bounded: the hung requests reach the server within ~10 s
            if len(hec.collector._hangs) == len(hung):
                break
            threading.Event().wait(0.02)
        assert len(hec.collector._hangs) == len(hung)

        # Meanwhile, other connections are answered in full, over and over.
        healthy = [Connection(port) for _ in range(20)]
        for round_ in range(10):
            for connection in healthy:
                answer = connection.request(build_request("POST", "/services/collector/raw", auth, b"ok %d" % round_))
                assert_splunk_shaped(answer)
                assert answer.json() == {"text": "Success", "code": 0}
        assert hec.journal.counters.events == 50 + 200  # the slow ones were accepted; their answers crawl
        for connection in hung + slow:
            connection.sock.setblocking(False)
            with pytest.raises(BlockingIOError):  # nothing more has come, and the connection is open
                connection.sock.recv(1)
            connection.sock.setblocking(True)
    finally:
        hec.stop()

    for connection in hung + slow:
        assert connection.at_eof(), "a client still held after the server stopped"
        connection.close()
    for connection in healthy:
        connection.close()
    notes = Counter(record.note for record in hec.journal.requests())
    assert notes["hung until the server stopped"] == 50
    assert hec.errors == []
