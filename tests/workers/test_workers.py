"""`FakeHECWorkers` on the wire: N processes behind one port that answer as one fake HEC."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from hecharness.clock import VirtualClock
from hecharness.errors import InvalidArgument
from hecharness.hec import Token
from hecharness.workers import FakeHECWorkers

ACK_TOKEN = "ack-token-0000"
CONNECTIONS = 8
ROUNDS = 24  # rounds of new connections before giving up on the kernel spreading them over both workers: each lands on one at random, and 10 rounds all on one (a chance of 2 in 1,024) happened in a full run


@pytest.fixture(scope="module")
def hec():
    with FakeHECWorkers([Token("plain-token-000", name="plain"), Token(ACK_TOKEN, name="acked", ack=True)], workers=2) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(request):
    if "hec" in request.fixturenames:
        request.getfixturevalue("hec").reset()


def _post(url: str, token: str, body: bytes, channel: str | None = None, path: str = "raw") -> httpx.Response:
    """One request on a new connection: the kernel picks its worker afresh each time."""
    headers = {"Authorization": f"Splunk {token}"}
    if channel:
        headers["X-Splunk-Request-Channel"] = channel
    return httpx.post(f"{url}/services/collector/{path}", content=body, headers=headers)


def _until_both_served(server: FakeHECWorkers, send: Callable[[int], None]) -> int:
    """Call `send(round)` until each worker has served something; the number of rounds it took."""
    for round_number in range(1, ROUNDS + 1):
        send(round_number)
        if all(counters.requests for counters in server.worker_counters()):
            return round_number
    pytest.fail(f"{ROUNDS} rounds of new connections all landed on one worker: {server.worker_counters()}")


def test_counters_are_exact_across_workers_under_concurrent_load(hec):
    per_connection = 25

    def connection(number: int) -> None:
        with hec.client("plain-token-000") as client:  # keep-alive: a whole connection on one worker
            for request in range(per_connection):
                assert client.post("/services/collector/raw", content=f"{number} {request}\nsecond".encode()).status_code == 200

    def burst(round_number: int) -> None:
        with ThreadPoolExecutor(CONNECTIONS) as pool:
            list(pool.map(connection, range(CONNECTIONS)))

    rounds = _until_both_served(hec, burst)
    sent = rounds * CONNECTIONS * per_connection
    counters = hec.counters()
    assert (counters.requests, counters.events, counters.by_status[200]) == (sent, 2 * sent, sent)
    assert sum(c.requests for c in hec.worker_counters()) == sent
    admin = httpx.get(hec.admin_url + "/journal/counters").json()
    assert (admin["requests"], admin["events"]) == (sent, 2 * sent)
    ids = [record.id for record in hec.requests()]
    assert ids == list(range(1, sent + 1))  # numbered as one server numbers them


def test_first_3_means_three_failures_in_all(hec):
    hec.faults.add("error:9 first=3", name="busy")
    statuses: list[int] = []
    _until_both_served(hec, lambda _: statuses.extend(_post(hec.url, "plain-token-000", b"x").status_code for _ in range(6)))
    assert statuses[:3] == [503, 503, 503] and set(statuses[3:]) == {200}
    assert hec.counters().by_fault == {"busy=error:9": 3}
    described = httpx.get(hec.admin_url + "/faults").json()
    assert described[0]["fired"] == 3 and described[0]["matched"] == len(statuses)


def test_acks_number_and_answer_as_one_hec_by_default(hec):
    channel = str(uuid.uuid4())
    ack_ids: list[int] = []
    _until_both_served(hec, lambda _: ack_ids.extend(_post(hec.url, ACK_TOKEN, b"e", channel).json()["ackId"] for _ in range(4)))
    assert ack_ids == list(range(len(ack_ids)))  # one numbering per channel, whichever worker took the batch
    for ack_id in ack_ids:  # each poll on its own connection, so polls land on both workers too
        poll = _post(hec.url, ACK_TOKEN, f'{{"acks": [{ack_id}]}}'.encode(), channel, path="ack")
        assert poll.json() == {"acks": {str(ack_id): True}}


def test_per_worker_ack_ledgers_number_like_indexers_behind_a_balancer():
    channel = str(uuid.uuid4())
    with FakeHECWorkers([Token(ACK_TOKEN, ack=True)], workers=2, ack_ledger="per-worker", admin_port=None) as hec:
        ack_ids: list[int] = []
        _until_both_served(hec, lambda _: ack_ids.append(_post(hec.url, ACK_TOKEN, b"e", channel).json()["ackId"]))
        # Each worker counts from 0 on the channel, so two batches hold the same ackId.
        assert sorted(ack_ids)[:2] == [0, 0]
        assert len(set(ack_ids)) < len(ack_ids)


def test_per_worker_ack_ledgers_are_summed_in_metrics():
    """The parent keeps no ledger of its own then: /metrics adds up the workers' ledgers."""
    channel = str(uuid.uuid4())
    with FakeHECWorkers([Token(ACK_TOKEN, ack=True)], workers=2, ack_ledger="per-worker") as hec:
        posted: list[int] = []
        _until_both_served(hec, lambda _: posted.append(_post(hec.url, ACK_TOKEN, b"e", channel).status_code))
        metrics = httpx.get(hec.admin_url + "/metrics").text
        assert f'hec_acks_total{{state="issued"}} {float(len(posted))}' in metrics


def test_admin_changes_reach_every_worker(hec):
    assert httpx.patch(hec.admin_url + "/settings", json={"health": "queues-full"}).status_code == 200
    added = httpx.post(hec.admin_url + "/tokens", json={"value": "added-later-0001", "name": "later"})
    assert added.status_code == 200
    health: list[int] = []
    raw: list[int] = []

    def probe(_: int) -> None:
        health.append(httpx.get(hec.url + "/services/collector/health").status_code)
        raw.append(_post(hec.url, "added-later-0001", b"late").status_code)

    _until_both_served(hec, probe)
    assert set(health) == {503} and set(raw) == {200}
    httpx.post(hec.admin_url + "/reset")
    assert _post(hec.url, "added-later-0001", b"late").json()["code"] == 4  # gone again from every worker


def test_python_configure_reaches_every_worker(hec):
    hec.configure(health="queues-full")
    codes: list[int] = []
    _until_both_served(hec, lambda _: codes.append(httpx.get(hec.url + "/services/collector/health").status_code))
    assert set(codes) == {503}


def test_requests_events_and_delivery_are_merged_from_every_worker(hec):
    lines = [f'{{"RayID": "{n:04d}"}}' for n in range(40)]
    sent = iter(lines)
    _until_both_served(hec, lambda _: [_post(hec.url, "plain-token-000", next(sent).encode()) for _ in range(4)])
    delivered = lines[: hec.counters().events]
    report = httpx.post(hec.admin_url + "/journal/delivery", json={"records": [{"RayID": r[11:15]} for r in delivered], "key": "RayID"}).json()
    assert (report["delivered"], report["missing"], report["duplicated"]) == (len(delivered), 0, 0)
    events = httpx.get(hec.admin_url + "/journal/events").json()
    assert [event["raw"] for event in events] == delivered  # in the order they were sent
    assert hec.assert_delivered([{"RayID": r[11:15]} for r in delivered], key="RayID").complete


def test_metrics_sum_the_workers(hec):
    _until_both_served(hec, lambda _: _post(hec.url, "plain-token-000", b"m"))
    served = hec.counters().requests
    text = httpx.get(hec.admin_url + "/metrics").text
    line = next(l for l in text.splitlines() if l.startswith("hec_requests_total{") and 'status="200"' in l)
    assert float(line.rsplit(" ", 1)[1]) >= served  # since start: earlier tests' requests count too


def test_tls_modes_are_served_by_the_workers():
    with FakeHECWorkers(workers=2, tls=["valid", "self-signed"], admin_port=None) as hec:
        assert set(hec.urls) == {"valid", "self-signed"}
        for mode, url in hec.urls.items():
            with httpx.Client(verify=hec.ssl_context()) as client:
                answer = client.post(url + "/services/collector/raw", content=b"tls", headers={"Authorization": f"Splunk {hec.token}"})
            assert answer.json()["code"] == 0, mode
        assert hec.counters().events == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"workers": 0}, "workers must be a whole number >= 1, got 0"),
        ({"workers": "2"}, "workers must be a whole number >= 1, got '2'"),
        ({"ack_ledger": "sticky"}, "ack_ledger must be one of shared, per-worker, got 'sticky'"),
    ],
)
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        FakeHECWorkers(**kwargs)


def test_a_virtual_clock_is_refused():
    with pytest.raises(InvalidArgument, match="workers read the real clock"):
        FakeHECWorkers(clock=VirtualClock())



def test_the_admin_api_says_when_a_worker_is_gone():
    with FakeHECWorkers(workers=2) as hec:
        gone = hec.worker_pids[1]
        os.kill(gone, signal.SIGKILL)
        answer = httpx.get(hec.admin_url + "/journal/counters")
        assert answer.status_code == 503
        assert answer.json()["error"].startswith(f"worker 2 (pid {gone}) is gone")
        deadline = time.monotonic() + 10  # the pipe may read end-of-file a moment before the process is reaped
        while not hec.ended() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert hec.ended() == [f"worker 2 (pid {gone}) ended with exit status -9"]
