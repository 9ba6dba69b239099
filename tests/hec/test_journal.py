"""The journal: request records, caps, count-only mode and delivery accounting."""

from __future__ import annotations

import dataclasses
import gc
import threading
import tracemalloc

import httpx
import orjson
import pytest

from hecharness.hec import FakeHEC, HECSettings, JournalTruncated
from hecharness.hec.batches import RawBatch, RequestRecord
from hecharness.hec.journal import Journal
from hecharness.hec.lines import RawLines
from tests.hec.conftest import CHANNEL, auth


def ndjson(records) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def records(n: int, start: int = 0) -> list[dict]:
    return [{"RayID": f"ray{i:05d}", "n": i} for i in range(start, start + n)]


def test_request_record_has_everything_and_masks_the_token(client, hec):
    client.post(
        "/services/collector/raw",
        params={"channel": CHANNEL, "sourcetype": "st"},
        content=b"a\nb",
        headers=auth("ack-token"),
    )
    record = hec.journal.requests()[-1]
    assert (record.method, record.path, record.status, record.code, record.text) == (
        "POST",
        "/services/collector/raw",
        200,
        0,
        "Success",
    )
    assert (record.events, record.bytes_in, record.bytes_decoded) == (2, 3, 3)
    assert (record.channel, record.token_name, record.ack_id) == (CHANNEL, "acker", 0)
    assert record.headers["authorization"] == "Splunk ack-****"
    assert "ack-token" not in repr(record)
    assert record.remote.startswith("127.0.0.1:")
    assert record.duration >= 0 and record.time > 0


def test_query_token_is_masked_in_the_record(client, hec):
    client.post("/services/collector/raw?token=query-token&sourcetype=x", content=b"a")
    record = hec.journal.requests()[-1]
    assert "query-token" not in record.query
    assert "token=quer****" in record.query and "sourcetype=x" in record.query


def test_refused_requests_are_journaled_with_their_code(client, hec):
    client.post("/services/collector/raw", content=b"a", headers=auth("nope"))
    client.get("/nowhere")
    bad, missing = hec.journal.requests()
    assert (bad.status, bad.code, bad.token_name) == (403, 4, None)
    assert (missing.status, missing.code) == (404, 404)


def test_requests_filter_by_path_status_code_and_channel(client, hec):
    client.post("/services/collector/raw", content=b"a", headers=auth())
    client.post("/services/collector/event", content=b'{"event":1}', headers=auth())
    client.post("/services/collector/event", content=b'{"event":1}', headers={**auth("ack-token"), "X-Splunk-Request-Channel": CHANNEL})
    client.post("/services/collector/event", content=b"", headers=auth())
    journal = hec.journal
    assert len(journal.requests(path="/services/collector/raw")) == 1
    assert len(journal.requests(path="/services/collector/event")) == 3
    assert len(journal.requests(status=400)) == 1
    assert len(journal.requests(code=5)) == 1
    assert len(journal.requests(channel=CHANNEL)) == 1


def test_counters_are_exact(client, hec):
    client.post("/services/collector/raw", content=b"a\nb\nc", headers=auth())
    client.post("/services/collector/event", content=b'{"event":1}{"event":', headers=auth())
    client.post("/services/collector/raw", content=b"x", headers=auth("nope"))
    counters = hec.journal.counters
    assert (counters.requests, counters.events) == (3, 4)
    assert counters.by_status == {200: 1, 400: 1, 403: 1}
    assert counters.by_code == {0: 1, 6: 1, 4: 1}


def test_event_cap_keeps_the_newest_and_counters_exact(client, hec):
    hec.configure(max_events=5)
    for batch in range(3):
        client.post("/services/collector/raw", content=b"\n".join(b"e%d-%d" % (batch, i) for i in range(3)), headers=auth())
    journal = hec.journal
    assert [e.raw for e in journal.events] == ["e1-1", "e1-2", "e2-0", "e2-1", "e2-2"]
    counters = journal.counters
    assert (counters.events, counters.events_dropped_from_store) == (9, 4)
    with pytest.raises(JournalTruncated, match="max_events=5"):
        journal.delivery([])


def test_request_cap():
    journal = Journal(max_requests=2)
    from hecharness.hec.batches import RequestRecord

    for i in range(5):
        journal.record(RequestRecord(i, 0.0, "POST", "/", "", {}, "", status=200))
    assert [r.id for r in journal.requests()] == [3, 4]
    assert journal.counters.requests == 5


def _raw_request(journal: Journal, lines: RawLines) -> RequestRecord:
    record = RequestRecord(
        journal.next_request_id(), 1.5, "POST", "/services/collector/raw", "sourcetype=st",
        {"host": "127.0.0.1:8088", "authorization": "Splunk ****"}, "127.0.0.1:5000", status=200, code=0,
        text="Success", events=lines.count,
    )
    shared = (record.id, None, "main", "http:x", "st", "127.0.0.1:8088", None)
    journal.record(record, RawBatch(shared, lines))
    return record


def test_a_stored_request_leaves_nothing_for_the_garbage_collector_to_walk():
    # A full journal of objects made every full collection walk them all: 100 ms stalls under load.
    journal = Journal()
    _raw_request(journal, RawLines.listed([b"warm-up"]))
    gc.collect()
    before = len(gc.get_objects())
    for i in range(2_000):
        _raw_request(journal, RawLines.listed([b"a%d" % i, b"b%d" % i]))
    gc.collect()
    assert len(gc.get_objects()) - before < 100
    assert [e.raw for e in journal.events[-2:]] == ["a1999", "b1999"]


def test_stored_requests_and_events_read_back_as_they_came():
    journal = Journal(max_events=5)
    first = _raw_request(journal, RawLines.listed([b"x", b"y", b"z"]))
    # A body of long lines is counted on arrival and cut into lines only when read.
    long_lines = [b"%d" % i + b"." * 2000 for i in range(40)]
    second = _raw_request(journal, RawLines.of([b"\n".join(long_lines)]))
    assert second.events == 40 and journal.requests() == [first, second]
    assert journal.requests()[0].headers == {"host": "127.0.0.1:8088", "authorization": "Splunk ****"}
    assert [e.raw for e in journal.events] == [line.decode() for line in long_lines[-5:]]
    assert {(e.request_id, e.index, e.source, e.sourcetype) for e in journal.events} == {(2, "main", "http:x", "st")}
    assert journal.counters.events_dropped_from_store == 38


def test_count_only_mode_stores_nothing(client, hec):
    hec.configure(count_only=True)
    client.post("/services/collector/raw", content=b"a\nb", headers=auth())
    assert hec.journal.events == [] and hec.journal.requests() == []
    assert (hec.journal.counters.requests, hec.journal.counters.events) == (1, 2)


def test_bad_caps_are_refused():
    with pytest.raises(ValueError, match="max_events"):
        Journal(max_events=-1)


def test_delivery_by_key_finds_missing_duplicated_and_unexpected(client, hec):
    sent = records(10)
    client.post("/services/collector/raw", content=ndjson(sent[:6]), headers=auth())
    client.post("/services/collector/raw", content=ndjson(sent[4:6] + [{"RayID": "stranger"}]), headers=auth())
    report = hec.journal.delivery(sent, key="RayID")
    assert (report.expected, report.received, report.delivered) == (10, 9, 6)
    assert report.missing_keys == ["ray00006", "ray00007", "ray00008", "ray00009"]
    assert report.duplicated_keys == {"ray00004": 1, "ray00005": 1}
    assert report.unexpected_keys == ["stranger"]
    # One meaning per name: the counts have the names the JSON form (admin API, report.json) gives them.
    assert (report.missing, report.duplicated, report.unexpected) == (4, 2, 1)
    assert {name: report.to_dict()[name] for name in ("missing", "duplicated", "unexpected")} == {"missing": 4, "duplicated": 2, "unexpected": 1}
    assert not report.complete
    summary = report.summary()
    assert "missing 4" in summary and "first missing: 'ray00006'" in summary and "'ray00004' x2" in summary


def test_delivery_complete_when_each_record_arrived_once(client, hec):
    sent = records(50)
    client.post("/services/collector/raw", content=ndjson(sent[:25]), headers=auth())
    client.post("/services/collector/raw", content=ndjson(sent[25:]), headers=auth())
    report = hec.journal.delivery(sent, key="RayID")
    assert report.complete and report.delivered == 50


def test_delivery_by_line_without_a_key(client, hec):
    client.post("/services/collector/raw", content=b"alpha\nbeta\nbeta\n", headers=auth())
    report = hec.journal.delivery(["alpha", "beta", "gamma"])
    assert (report.delivered, report.missing_keys, report.duplicated_keys) == (2, ["gamma"], {"beta": 1})


def test_delivery_reads_event_endpoint_payloads(client, hec):
    body = b"".join(orjson.dumps({"event": r}) for r in records(3))
    client.post("/services/collector/event", content=body, headers=auth())
    assert hec.journal.delivery(records(3), key="RayID").complete


def test_delivery_with_a_key_function(client, hec):
    client.post("/services/collector/raw", content=ndjson(records(3)), headers=auth())
    report = hec.journal.delivery(records(3), key=lambda record: record["n"])
    assert report.complete


def test_partially_accepted_events_are_the_only_ones_counted(client, hec):
    body = b'{"event":{"RayID":"a"}}{"event":{"RayID":"b"}}{"event":'
    client.post("/services/collector/event", content=body, headers=auth())
    report = hec.journal.delivery([{"RayID": k} for k in "abc"], key="RayID")
    assert (report.delivered, report.missing_keys) == (2, ["c"])


def test_reading_from_another_thread_while_the_server_writes(hec):
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                events = hec.journal.events
                assert all(e.raw for e in events)
                hec.journal.requests()
                hec.journal.counters
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    thread = threading.Thread(target=reader)
    thread.start()
    with hec.client() as c:
        for i in range(100):
            c.post("/services/collector/raw", content=b"line-%d\nmore-%d" % (i, i))
    stop.set()
    thread.join(10)
    assert not errors
    assert hec.journal.event_count == 200


def test_wait_for_events(hec):
    with hec.client() as c:
        c.post("/services/collector/raw", content=b"a\nb")
    assert hec.journal.wait_for_events(2, timeout=1)
    assert not hec.journal.wait_for_events(3, timeout=0.05)


def test_errors_inside_the_server_are_500_code_8_and_kept(hec, monkeypatch):
    def explode(data):
        raise RuntimeError("boom")

    monkeypatch.setattr(hec.collector, "_split", explode)
    with hec.client() as c:
        response = c.post("/services/collector/raw", content=b"a")
    assert (response.status_code, response.json()) == (500, {"text": "Internal server error", "code": 8})
    assert "RuntimeError: boom" in hec.errors[-1]
    assert hec.journal.event_count == 0


def test_export_is_json_ready(client, hec):
    client.post("/services/collector/raw", content=b"a", headers=auth())
    exported = orjson.loads(orjson.dumps(hec.journal.export()))
    assert exported["counters"]["events"] == 1
    assert exported["events"][0]["raw"] == "a"
    assert exported["requests"][0]["headers"]["authorization"] == "Splunk good****"


def test_settings_object_validates():
    with pytest.raises(ValueError, match="raw_split must be one of line, body; got 'words'"):
        HECSettings(raw_split="words")
    with pytest.raises(ValueError, match="max_content_length must be a whole number >= 1"):
        HECSettings(max_content_length=0)
    with pytest.raises(ValueError, match="unknown setting 'colour'"):
        HECSettings().updated({"colour": "red"})


def test_two_servers_side_by_side_get_their_own_ports():
    with FakeHEC(admin_port=None) as one, FakeHEC(admin_port=None) as two:
        assert one.url != two.url
        assert one.token != two.token


def test_a_request_a_fault_answered_keeps_its_channel_and_token(client, hec):
    # The report: a Go sender retried on one channel; the first try, answered by the fault, lost
    # its channel and token in the journal, so the channel showed 1 request of 2.
    hec.faults.add(f"error:9 first=1 channel={CHANNEL}")
    for _ in range(2):
        client.post("/services/collector/raw", params={"channel": CHANNEL}, content=b"a", headers=auth())
    faulted, retried = hec.journal.requests(channel=CHANNEL.upper())  # a GUID, whatever its case
    assert (faulted.status, faulted.channel, faulted.token_name) == (503, CHANNEL, "good")
    assert (retried.status, retried.channel, retried.token_name) == (200, CHANNEL, "good")


@pytest.mark.parametrize(
    ("token", "body", "status"),
    [("off-token", b"a", 403), ("good-token", b"", 400), ("ack-token", b"a", 400)],
    ids=["token disabled", "no data", "channel not a GUID"],
)
def test_refused_requests_keep_what_they_said_of_themselves(client, hec, token, body, status):
    channel = "not-a-guid" if token == "ack-token" else CHANNEL
    client.post("/services/collector/event", content=body, headers={**auth(token), "X-Splunk-Request-Channel": channel})
    (record,) = hec.journal.requests(channel=channel)
    assert record.status == status
    assert record.token_name == {"off-token": "off", "good-token": "good", "ack-token": "acker"}[token]


def test_a_reset_request_keeps_its_channel(hec):
    hec.faults.add("reset first=1")
    with httpx.Client(base_url=hec.url) as client:
        with pytest.raises(httpx.TransportError):
            client.post("/services/collector/raw", params={"channel": CHANNEL}, content=b"a", headers=auth())
    hec.settle()
    (record,) = hec.journal.requests(channel=CHANNEL)
    assert (record.token_name, record.fault) == ("good", "fault-1=reset")


def test_the_json_form_names_whole_line_records_without_carrying_them(client, hec):
    long_line = '{"RayID":"kept","padding":"' + "x" * 3000 + '"}'
    report = hec.journal.delivery([long_line, "short"])
    shown = report.to_dict()["first_missing"]
    assert shown[1] == "short"
    assert shown[0].startswith('{"RayID":"kept","padding":"xxx') and shown[0].endswith(f"... ({len(long_line):,} characters)") and len(shown[0]) < 160
    assert report.missing_keys[0] == long_line  # the Python form keeps the records themselves


def test_the_remote_address_is_the_peer_even_with_forwarding_headers(client, hec):
    """splunkd records who it talks to; a sender on loopback saying X-Forwarded-For does not change it."""
    headers = {**auth(), "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    client.post("/services/collector/raw", content=b"one", headers=headers)
    (record,) = hec.requests()
    assert record.remote.startswith("127.0.0.1:")
    assert record.headers["x-forwarded-for"] == "203.0.113.9"


def test_a_cluster_record_packs_flat_so_the_garbage_collector_stops_walking_it():
    balance = {"policy": "round-robin", "node": 2, "reason": "next in turn", "ejected": {"1": "down"}, "reset": False}
    record = RequestRecord(id=1, time=0.0, method="POST", path="/services/collector/raw", query="", headers={"a": "b"},
                           remote="", indexer=2, balance=balance)
    packed = record.pack()
    gc.collect()
    assert not gc.is_tracked(packed)  # a dict inside would keep it, and a full journal, tracked
    assert RequestRecord.unpack(packed) == record


def test_a_record_packed_and_unpacked_is_the_same_record_field_for_field():
    # Every field its own value, so a field packed into another's place shows.
    values = {field.name: f"value of {field.name}" for field in dataclasses.fields(RequestRecord)}
    values["headers"] = {"host": "x", "content-length": "3", "authorization": "Splunk ****"}
    values["balance"] = {"node": 3}
    record = RequestRecord(**values)
    assert RequestRecord.unpack(record.pack()) == record
    assert list(RequestRecord.unpack(record.pack()).headers) == ["host", "content-length", "authorization"]
    assert RequestRecord.unpack(RequestRecord(**{**values, "headers": {}}).pack()).headers == {}


def test_a_cluster_records_balance_is_packed_small_and_once():
    # orjson's bytes keep the 4 KB buffer they were written into; a full cluster journal held
    # 100,000 of them (400 MB) before each decision was packed once, exactly.
    balance = {"policy": "round-robin", "node": 1, "reason": "next in turn", "ejected": {}, "reset": False}
    records = [RequestRecord(id=n, time=0.0, method="POST", path="/", query="", headers={}, remote="", balance=dict(balance))
               for n in range(1000)]
    tracemalloc.start()
    try:
        packed = [record.pack() for record in records]
        kept, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len({id(p[15]) for p in packed}) == 1  # one bytes object for the one decision
    assert kept < 1_000_000, f"{kept:,} bytes for 1,000 packed records"
    assert RequestRecord.unpack(packed[7]).balance == balance
