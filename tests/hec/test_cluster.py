"""The cluster mode of the fake HEC, on the wire: indexers behind the in-process load balancer (#17)."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import orjson
import pytest

from hecharness import FakeHEC
from hecharness.clock import VirtualClock
from hecharness.errors import InvalidArgument
from hecharness.hec import HECSettings, Token
from hecharness.hec.accounting import account
from hecharness.hec.journal import JournalTruncated
from hecharness.hec.remote import AdminJournal, delivery_over

RAW = "/services/collector/raw"
ACK = "/services/collector/ack"
TOKEN = "0aa7e2a5-8f35-4b7b-9d7e-3c1d9c2f4e10"


def channel_client(hec: FakeHEC, channel: str | None = None) -> httpx.Client:
    return hec.client(TOKEN, headers={"X-Splunk-Request-Channel": channel or str(uuid.uuid4())})


def wait_until(condition, timeout: float = 5.0) -> None:
    """Poll briefly for something the server thread does; fail rather than hang."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server never got there"
        time.sleep(0.002)


def cluster(**options) -> FakeHEC:
    options.setdefault("indexers", 3)
    return FakeHEC([Token(TOKEN, ack=True)], admin_port=None, **options)


def test_round_robin_hands_out_the_same_ack_id_on_every_node():
    with cluster(balancer="round-robin") as hec, channel_client(hec) as client:
        answers = [client.post(RAW, content=f"line {i}").json() for i in range(3)]
        assert [a["ackId"] for a in answers] == [0, 0, 0]
        assert [r.indexer for r in hec.requests(path="raw")] == [1, 2, 3]
        assert hec.requests()[0].balance["policy"] == "round-robin"
        assert hec.requests()[0].to_dict()["indexer"] == 1


def test_an_ack_poll_on_another_node_is_answered_false():
    with cluster(balancer="round-robin", indexers=2) as hec, channel_client(hec) as client:
        hec.configure(ack_delay=0)
        client.post(RAW, content="a")  # node 1, ackId 0
        client.post(RAW, content="b")  # node 2, ackId 0
        client.post(RAW, content="c")  # node 1, ackId 1
        poll = client.post(ACK, json={"acks": [1]})  # node 2 never issued 1
        assert poll.json() == {"acks": {"1": False}}
        assert hec.requests(path="ack")[0].indexer == 2


def test_cookie_stickiness_keeps_an_ack_poll_on_the_node_that_issued_the_id():
    with cluster(balancer="cookie") as hec, channel_client(hec) as client:
        first = client.post(RAW, content="a")
        assert first.headers["set-cookie"].startswith("AWSALB=")
        for text in "bcd":
            client.post(RAW, content=text)
        poll = client.post(ACK, json={"acks": [0, 1, 2, 3]})
        assert poll.json() == {"acks": {"0": True, "1": True, "2": True, "3": True}}
        assert {r.indexer for r in hec.requests()} == {1}
        assert hec.requests()[1].balance["cookie_seen"].startswith("AWSALB=")


def test_a_cookie_expires_on_the_harness_clock():
    clock = VirtualClock()
    with cluster(balancer="cookie", cookie_lifetime=60, clock=clock) as hec, channel_client(hec) as client:
        client.post(RAW, content="a")
        clock.advance(59)
        assert "set-cookie" not in client.post(RAW, content="b").headers
        clock.advance(1)
        renewed = client.post(RAW, content="c")
        assert "set-cookie" in renewed.headers
        records = hec.requests()
        assert [r.indexer for r in records] == [1, 1, 2]
        assert "expired" in records[2].balance["reason"]


def test_splunkd_channel_cookie_carries_the_channel():
    channel = str(uuid.uuid4())
    with cluster(balancer="cookie", channel_cookie="splunkd_channel") as hec, channel_client(hec, channel) as client:
        assert client.post(RAW, content="a").headers["set-cookie"].startswith(f"splunkd_channel={channel}")
        client.post(RAW, content="b")
        assert [r.indexer for r in hec.requests()] == [1, 1]
        assert hec.requests()[1].balance["cookie_seen"] == f"splunkd_channel={channel}"


def test_per_connection_keeps_a_connection_on_its_first_node():
    with cluster(balancer="per-connection") as hec:
        with channel_client(hec) as one, channel_client(hec) as two:
            for _ in range(3):
                one.post(RAW, content="x")
                two.post(RAW, content="y")
        by_connection: dict[str, set[int]] = {}
        for record in hec.requests():
            by_connection.setdefault(record.remote, set()).add(record.indexer)
        assert sorted(by_connection.values(), key=min) == [{1}, {2}]


def test_least_outstanding_avoids_the_node_with_a_request_in_flight():
    with cluster(balancer="least-outstanding", indexers=2) as hec:
        hec.faults.add("delay:0.5 node=1")
        with channel_client(hec) as slow, channel_client(hec) as fast:
            thread = threading.Thread(target=lambda: slow.post(RAW, content="slow request"))
            thread.start()
            wait_until(lambda: hec.node(1).outstanding)
            for _ in range(3):
                fast.post(RAW, content="fast")
            thread.join()
        fast_nodes = {r.indexer for r in hec.requests() if r.bytes_in == 4}
        assert fast_nodes == {2}


def test_a_node_answering_503_to_health_is_skipped_until_healthy():
    with cluster() as hec, channel_client(hec) as client:
        hec.node(2).configure(health="queues-full")
        for _ in range(4):
            client.post(RAW, content="x")
        assert 2 not in {r.indexer for r in hec.requests()}
        assert hec.requests()[0].balance["ejected"] == {"2": "health 503 (queues-full)"}
        hec.node(2).configure(health="healthy")
        for _ in range(3):
            client.post(RAW, content="x")
        assert 2 in {r.indexer for r in hec.requests()[4:]}


def test_a_fault_aimed_at_one_node():
    with cluster() as hec, channel_client(hec) as client:
        hec.faults.add("error:9 node=2")
        statuses = [client.post(RAW, content="x").status_code for _ in range(3)]
        assert statuses == [200, 503, 200]
        assert hec.requests(status=503)[0].indexer == 2


@pytest.mark.parametrize("status", [502, 504])
def test_no_healthy_node_gets_the_balancers_page(status):
    with cluster(balancer_unavailable=status) as hec, channel_client(hec) as client:
        hec.configure(health="queues-full")
        answer = client.post(RAW, content="x")
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html")
        assert f"<h1>{status}" in answer.text
        record = hec.requests()[0]
        assert record.indexer is None and "no indexer up and healthy" in record.note


def test_a_node_going_down_mid_request_resets_the_connection():
    with cluster(indexers=2) as hec, channel_client(hec) as client:
        hec.faults.add("delay:0.5 node=1")
        failure: list[BaseException] = []

        def send() -> None:
            try:
                client.post(RAW, content="in flight")
            except httpx.TransportError as error:
                failure.append(error)

        thread = threading.Thread(target=send)
        thread.start()
        wait_until(lambda: hec.node(1).outstanding)
        hec.restart(1, duration=30)
        thread.join()
        assert failure and isinstance(failure[0], (httpx.ReadError, httpx.RemoteProtocolError))
        hec.settle()
        assert hec.journal.wait_for_requests(1)
        record = hec.requests()[0]
        assert record.balance["reset"] and "went down mid-request" in record.note
        assert hec.journal.events == []


def test_a_restarted_node_refuses_and_forgets_its_acks():
    clock = VirtualClock()
    with cluster(indexers=2, balancer="cookie", clock=clock) as hec, channel_client(hec) as client:
        hec.configure(ack_delay=10)
        client.post(RAW, content="a")  # node 1, ackId 0, true at +10
        hec.restart(1, at=5, duration=30)
        clock.advance(6)
        client.post(RAW, content="b")  # node 1 is down: node 2
        assert hec.requests()[1].indexer == 2
        assert hec.requests()[1].balance["ejected"] == {"1": "down"}
        clock.advance(40)  # node 1 back
        client.post(ACK, json={"acks": [0]})
        polls = [r for r in hec.requests(path="ack")]
        assert polls[0].indexer in (1, 2)
        assert hec.node(1).acks.pending(client.headers["x-splunk-request-channel"]) == []


def test_a_restart_with_every_node_down_answers_502():
    clock = VirtualClock()
    with cluster(indexers=2, clock=clock) as hec, channel_client(hec) as client:
        hec.rolling_restart(duration=10, gap=0)
        hec.restart(2, duration=5)
        assert client.post(RAW, content="x").status_code == 502
        clock.advance(5)
        assert client.post(RAW, content="x").status_code == 200  # node 2 up, node 1 still down


def test_opt_in_loss_shows_as_missing_with_the_reason():
    with cluster(indexers=2) as hec, channel_client(hec) as client:
        lines = [f"record {i}" for i in range(6)]
        for line in lines:
            client.post(RAW, content=line)  # 1, 2, 1, 2, 1, 2
        hec.restart(1, duration=30, lose_unwritten=2)
        report = hec.journal.delivery(lines)
        assert report.missing_keys == ["record 2", "record 4"]
        assert set(report.lost) == {"record 2", "record 4"}
        assert "indexer 1 restarted" in report.lost["record 2"]
        assert "lost" in report.summary() and report.to_dict()["lost"] == 2
        assert hec.cluster.delivery(lines).missing == 2


def test_lost_events_are_in_the_export_and_the_admin_api_with_their_reason():
    """Accounting over several fakes, through their admin APIs, names the loss as one fake does."""
    with FakeHEC([Token(TOKEN, ack=True)], indexers=2) as hec, channel_client(hec) as client:
        lines = [f"record {i}" for i in range(4)]
        for line in lines:
            client.post(RAW, content=line)
        hec.restart(2, duration=30, lose_unwritten=1)
        exported = hec.journal.export()["lost"]
        assert [item["event"]["raw"] for item in exported] == ["record 3"]
        assert "indexer 2 restarted" in exported[0]["reason"]
        assert httpx.get(f"{hec.admin_url}/journal/lost").json() == exported
        remote = AdminJournal(hec.admin_url)
        assert [(event.raw, reason) for event, reason in remote.lost_events()] == [("record 3", exported[0]["reason"])]
        report = account(lines, [remote])
        assert report.missing_keys == ["record 3"] and "indexer 2 restarted" in report.lost["record 3"]
        verdict = delivery_over(lines, [remote])
        assert verdict.verdict == "sent 4, received 3, missing 1 (1 lost after they were accepted), duplicated 0"
        assert "first lost: 'record 3' (indexer 2 restarted" in verdict.detail


def test_a_record_at_two_indexers_counts_as_duplicated():
    with cluster(indexers=2) as hec, channel_client(hec) as client:
        client.post(RAW, content="same")
        client.post(RAW, content="same")
        assert {r.indexer for r in hec.requests()} == {1, 2}
        assert hec.cluster.delivery(["same"]).duplicated == 1
        assert hec.journal.delivery(["same"]).duplicated == 1


def test_records_nested_in_another_are_found_across_indexers():
    with cluster(indexers=2) as hec, channel_client(hec) as client:
        client.post(RAW, content='{"RayID":"p","Subrequests":[{"RayID":"s"}]}')
        client.post(RAW, content='{"RayID":"q"}')
        sent = [{"RayID": k} for k in "psq"]
        assert hec.cluster.delivery(sent, key="RayID", nested="Subrequests").nested_keys == ["s"]
        assert hec.assert_delivered(sent, key="RayID", nested="Subrequests").complete


def test_the_admin_api_shows_each_indexer():
    with FakeHEC([Token(TOKEN, ack=True)], indexers=2) as hec, channel_client(hec) as client:
        client.post(RAW, content="x")
        view = httpx.get(f"{hec.admin_url}/cluster").json()
        assert [n["number"] for n in view["indexers"]] == [1, 2]
        assert view["indexers"][0]["counters"]["requests"] == 1
        added = httpx.post(f"{hec.admin_url}/cluster/restarts", json={"spec": "restart node=2 for=30"})
        assert added.json()[0]["state"] == "down"
        assert httpx.post(f"{hec.admin_url}/cluster/restarts", json={"spec": "restart node=9"}).status_code == 400


def test_a_single_collector_is_unchanged_and_refuses_cluster_options():
    with FakeHEC([TOKEN]) as hec, hec.client() as client:
        client.post(RAW, content="x")
        assert "indexer" not in hec.requests()[0].to_dict()
        assert hec.indexers == [] and hec.cluster is None
    with pytest.raises(InvalidArgument, match="need a cluster"):
        FakeHEC(balancer="cookie")
    with pytest.raises(InvalidArgument, match="cookie options need"):
        FakeHEC(indexers=2, cookie_lifetime=5)
    with pytest.raises(InvalidArgument, match="unknown balancer"):
        FakeHEC(indexers=2, balancer="random")


def test_a_health_fault_aimed_at_one_node_ejects_it():
    with cluster() as hec, channel_client(hec) as client:
        hec.faults.add("error:9 path=health node=3")
        for _ in range(4):
            client.post(RAW, content="x")
        assert {r.indexer for r in hec.requests()} == {1, 2}
        assert hec.requests()[0].balance["ejected"] == {"3": "health 503 (fault)"}


def test_a_health_fault_ejects_a_node_only_while_it_answers_the_checks():
    """The balancer looks at every node for each request while fault rules exist, and stops
    seeing what a rule made it see once the rule is gone."""
    with cluster() as hec, channel_client(hec) as client:
        client.post(RAW, content="x")  # a look with no rules, which the balancer keeps
        hec.faults.add("error:9 path=health node=3 first=2")
        for _ in range(6):
            client.post(RAW, content="x")
        ejected = [r.balance["ejected"] for r in hec.requests()[1:]]
        assert ejected[:2] == [{"3": "health 503 (fault)"}] * 2 and ejected[2:] == [{}] * 4
        hec.faults.add("error:9 path=health node=1")
        client.post(RAW, content="x")
        hec.faults.clear()
        for _ in range(3):
            client.post(RAW, content="x")
        assert [r.balance["ejected"] for r in hec.requests()[7:]] == [{"1": "health 503 (fault)"}, {}, {}, {}]
        assert {r.indexer for r in hec.requests()[8:]} == {1, 2, 3}


def test_a_connection_pinned_to_a_node_that_went_down_is_reset():
    with cluster(balancer="per-connection", indexers=2) as hec, channel_client(hec) as client:
        client.post(RAW, content="x")  # this connection is on node 1
        hec.restart(1, duration=30)
        with pytest.raises(httpx.TransportError):
            client.post(RAW, content="y")
        record = hec.requests()[-1]
        assert record.indexer is None and "connection reset" in record.note
        assert client.post(RAW, content="z").status_code == 200  # a new connection, on node 2
        assert hec.requests()[-1].indexer == 2


def test_a_rolling_restart_takes_each_node_down_in_turn():
    clock = VirtualClock()
    with cluster(indexers=2, clock=clock) as hec, channel_client(hec) as client:
        hec.restart("rolling-restart at=10 for=20 gap=5")
        start, placed = clock.now(), []
        for moment in (0, 10, 30, 35, 55):  # both up; node 1 down 10-30; both up; node 2 down 35-55; both up
            clock.advance_to(start + moment)
            assert client.post(RAW, content="x").status_code == 200
            placed.append(hec.requests()[-1].indexer)
        assert (placed[1], placed[3]) == (2, 1)
        assert [o.to_dict()["state"] for o in hec.cluster.outages] == ["over", "over"]


def test_reset_brings_every_node_back_with_empty_journals():
    with cluster(indexers=2) as hec, channel_client(hec) as client:
        client.post(RAW, content="x")
        hec.restart(2, duration=300)
        hec.reset()
        assert all(node.up for node in hec.indexers) and hec.cluster.outages == []
        assert hec.journal.requests() == [] and hec.node(1).journal.requests() == []
        client.post(RAW, content="x")
        assert hec.requests()[0].indexer == 1


def test_the_live_page_shows_each_indexer():
    with FakeHEC([Token(TOKEN, ack=True)], indexers=2) as hec, channel_client(hec) as client:
        client.post(RAW, content="x")
        with httpx.stream("GET", hec.admin_url + "/live/stream", timeout=10) as stream:
            line = next(line for line in stream.iter_lines() if line.startswith("data: "))
        snapshot = orjson.loads(line[6:])
        assert [(n["number"], n["counters"]["requests"]) for n in snapshot["indexers"]] == [(1, 1), (2, 0)]
        assert list(snapshot["acks"].values())[0]["issued"] == 1


def test_a_cluster_wide_fault_is_not_spent_on_the_balancers_health_checks():
    with cluster() as hec, channel_client(hec) as client:
        hec.faults.add("error:9 path=any first=2")
        statuses = [client.post(RAW, content="x").status_code for _ in range(3)]
        assert statuses == [503, 503, 200]
        assert hec.requests()[0].balance["ejected"] == {}


# -- each indexer's journal: its part of the merged one --------------------------------------------


def plain_cluster(indexers: int = 3, **settings) -> FakeHEC:
    """Round robin over indexers that take a token without acks."""
    return FakeHEC([TOKEN], admin_port=None, indexers=indexers, balancer="round-robin", settings=HECSettings(**settings))


def test_each_request_is_kept_once_and_each_indexer_reads_its_part():
    with plain_cluster() as hec, hec.client(TOKEN) as client:
        for i in range(6):
            client.post(RAW, content=f"line {i}\nmore {i}")
        merged = hec.journal.requests()
        for number in (1, 2, 3):
            journal = hec.node(number).journal
            assert journal.requests() == [r for r in merged if r.indexer == number]
            mine = {r.id for r in journal.requests()}
            assert journal.events == [e for e in hec.journal.events if e.request_id in mine]
            assert (journal.counters.requests, journal.counters.events) == (2, 4)
        # The merged journal holds the only copy: no indexer's journal stores anything of its own.
        assert all(not hec.node(n).journal._requests and not hec.node(n).journal._batches for n in (1, 2, 3))


def test_the_clusters_caps_are_each_indexers_and_its_counters_say_what_was_dropped():
    with plain_cluster(max_events=4) as hec, hec.client(TOKEN) as client:
        for i in range(9):
            client.post(RAW, content=f"line {i}")
        assert [e.raw for e in hec.journal.events] == ["line 5", "line 6", "line 7", "line 8"]
        node = hec.node(3)  # lines 2, 5, 8
        assert [e.raw for e in node.journal.events] == ["line 5", "line 8"]
        counters = node.journal.counters
        assert (counters.events, counters.events_dropped_from_store) == (3, 1)
        with pytest.raises(JournalTruncated, match="1 accepted events were not stored"):
            node.journal.complete_events()
        with pytest.raises(JournalTruncated):
            hec.cluster.delivery([f"line {i}" for i in range(9)])


def test_clearing_an_indexers_journal_leaves_the_merged_one_and_reads_on():
    with plain_cluster(indexers=2) as hec, hec.client(TOKEN) as client:
        client.post(RAW, content="a")  # node 1
        client.post(RAW, content="b")  # node 2
        hec.node(1).journal.clear()
        assert hec.node(1).journal.requests() == [] and hec.node(1).journal.counters.requests == 0
        assert [e.raw for e in hec.journal.events] == ["a", "b"]
        client.post(RAW, content="c")  # node 1
        assert [e.raw for e in hec.node(1).journal.events] == ["c"]
        hec.journal.clear()  # the merged journal's request ids begin again
        client.post(RAW, content="d")  # node 2
        client.post(RAW, content="e")  # node 1
        assert [e.raw for e in hec.node(1).journal.events] == ["e"]
        with pytest.raises(JournalTruncated, match="1 accepted events"):
            hec.node(1).journal.complete_events()  # "c", taken since its own clear, went with the merged journal's
